"""Data: import loan files, browse the catalog and data quality, set roles and the default definition, query."""

import streamlit as st

import ui
from analytics import console, datasets, demo, importer, outcome, profile, roles, store

con = ui.db()
table = ui.active_table(con)
st.title(ui.t("nav.data"))
if flash := st.session_state.pop("flash", None):
    st.success(flash)

tab_import, tab_tables, tab_roles, tab_default, tab_sql = st.tabs(
    [ui.t("data.tab_import"), ui.t("data.tab_tables"), ui.t("data.tab_roles"), ui.t("data.tab_default"),
     ui.t("data.tab_sql")]
)


def finish_import(name: str, rows: int) -> None:
    """Make the new table active and show a confirmation after the rerun."""
    st.session_state["table"] = name
    st.session_state["flash"] = ui.t("data.imported", table=name, rows=rows)
    st.rerun()


with tab_import:
    files = st.file_uploader(ui.t("data.upload"), type=list(importer.EXTENSIONS), accept_multiple_files=True)
    for upload in files or []:
        key = upload.file_id
        data = upload.getvalue()
        with st.container(border=True):
            st.markdown(f"**{upload.name}**")
            left, middle, right = st.columns(3)
            encoding = left.selectbox(ui.t("data.encoding"), importer.ENCODING_CHOICES, key=f"enc_{key}",
                                      format_func=lambda e: e or ui.t("data.auto"))
            delimiter = middle.selectbox(ui.t("data.delimiter"), importer.DELIMITER_CHOICES, key=f"delim_{key}",
                                         format_func=lambda d: ui.t("data.auto") if d is None else repr(d))
            sheet = st.session_state.get(f"sheet_{key}")
            preview = ui.attempt(lambda: importer.preview_file(con, data, upload.name, encoding=encoding,
                                                               delimiter=delimiter, sheet=sheet))
            if preview is None:
                continue
            if preview.sheets:
                right.selectbox(ui.t("data.sheet"), preview.sheets, key=f"sheet_{key}")
            st.caption(ui.t("data.detected", kind=preview.kind, encoding=preview.encoding or "-",
                            delimiter=repr(preview.delimiter) if preview.delimiter else "-"))
            for notice in preview.warnings:
                st.warning(notice.message(ui.lang()))
            types, rows = st.columns([1, 3])
            types.dataframe({ui.t("data.column"): [c for c, _ in preview.columns],
                             ui.t("data.type"): [ty for _, ty in preview.columns]}, hide_index=True)
            rows.dataframe(preview.rows, hide_index=True)
            name = st.text_input(ui.t("data.table_name"), store.suggest_table_name(upload.name), key=f"name_{key}")
            replace = st.checkbox(ui.t("data.replace"), key=f"replace_{key}")
            if st.button(ui.t("data.import"), key=f"import_{key}", type="primary"):
                with st.spinner(ui.t("data.importing")):
                    result = ui.attempt(lambda: importer.import_file(
                        con, data, upload.name, table=name, encoding=encoding, delimiter=delimiter,
                        sheet=sheet, replace=replace))
                if result:
                    finish_import(result.table, result.rows)

    st.subheader(ui.t("data.shipped"))
    shipped = st.selectbox(ui.t("data.shipped_pick"), datasets.SHIPPED, format_func=lambda d: d.title)
    st.caption(shipped.licence)
    if st.button(ui.t("data.shipped_import"), key="import_shipped"):
        installed = ui.attempt(lambda: demo.install_shipped(con, shipped))
        if installed:
            finish_import(installed["table"], installed["rows"])

with tab_tables:
    st.dataframe(store.catalog(con), hide_index=True)
    if table:
        st.subheader(ui.t("data.profile", table=table))
        summary = profile.profile_summary(con, table)
        cols = st.columns(3)
        cols[0].metric(ui.t("data.rows"), f"{summary['rows']:,}")
        cols[1].metric(ui.t("data.columns"), summary["columns"])
        cols[2].metric(ui.t("data.duplicate_keys"), summary.get("duplicate_keys") or 0)
        frame = ui.table_profile(con, table).copy()
        frame["warnings"] = frame["warnings"].map(lambda ws: "; ".join(w.message(ui.lang()) for w in ws))
        st.dataframe(frame, hide_index=True)
        st.download_button(ui.t("data.download_csv"), frame.to_csv(index=False).encode("utf-8-sig"),
                           f"{table}_profile.csv", "text/csv")

with tab_roles:
    if table:
        current = roles.table_roles(con, table)
        editor = st.data_editor(
            {ui.t("data.column"): [c for c, _ in store.table_columns(con, table)],
             ui.t("data.type"): [ty for _, ty in store.table_columns(con, table)],
             "role": [current.get(c) for c, _ in store.table_columns(con, table)]},
            column_config={"role": st.column_config.SelectboxColumn(
                ui.t("data.role"), options=[r.key for r in roles.ROLES], required=True,
                format_func=lambda k: ui.t(f"role.{k}"))},
            disabled=[ui.t("data.column"), ui.t("data.type")], hide_index=True, key=f"roles_{table}",
        )
        if st.button(ui.t("data.save_roles"), key="save_roles", type="primary"):
            chosen = dict(zip(editor[ui.t("data.column")], editor["role"], strict=True))
            ui.save(lambda: roles.save_roles(con, table, chosen), ui.t("data.roles_saved", table=table))

with tab_default:
    if table:
        saved = outcome.load_definition(con, table)
        start = saved or outcome.suggest_definition(con, table, roles.table_roles(con, table))
        kinds = [k.key for k in outcome.DEFINITION_KINDS]
        kind = st.radio(ui.t("data.default_kind"), kinds, horizontal=True, key=f"kind_{table}",
                        index=kinds.index(start.kind) if start else 0, format_func=lambda k: ui.t(f"outcome.{k}"))
        columns = [c for c, _ in store.table_columns(con, table)]
        column = st.selectbox(ui.t("data.default_column"), columns, key=f"defcol_{table}_{kind}",
                              index=columns.index(start.column) if start and start.column in columns else 0)
        if kind == "flag":
            options = store.distinct_values(con, table, column)
            chosen = [v for v in (start.values if start else ()) if v in options]
            values = st.multiselect(ui.t("data.default_values"), options, default=chosen,
                                    key=f"defval_{table}_{column}")
            defn = outcome.DefaultDefinition(kind="flag", column=column, values=tuple(values))
        elif kind == "dpd":
            threshold = st.number_input(ui.t("data.default_threshold"), min_value=1, max_value=3650, step=30,
                                        value=int(start.threshold) if start and start.threshold else 90,
                                        key=f"defdpd_{table}")
            defn = outcome.DefaultDefinition(kind="dpd", column=column, threshold=int(threshold))
        else:
            keys = [c.key for c in outcome.FIVE_CATEGORIES]
            labels = st.multiselect(ui.t("data.default_labels"), keys, default=[c.key for c in outcome.FIVE_CATEGORIES
                                    if c.non_performing], format_func=lambda k: ui.t(f"outcome.category.{k}"),
                                    key=f"deflab_{table}")
            defn = outcome.DefaultDefinition(kind="classification", column=column, labels=tuple(labels))
        summary = ui.attempt(lambda: outcome.default_summary(con, table, defn))
        if summary:
            cols = st.columns(4)
            cols[0].metric(ui.t("data.rows"), f"{summary['n']:,}")
            cols[1].metric(ui.t("data.known"), f"{summary['known']:,}")
            cols[2].metric(ui.t("data.defaults"), f"{summary['defaults']:,}")
            cols[3].metric(ui.t("data.default_rate"), f"{summary['rate']:.2%}" if summary["known"] else "-")
        if st.button(ui.t("data.save_default"), key="save_default", type="primary"):
            ui.save(lambda: outcome.save_definition(con, table, defn), ui.t("data.default_saved", table=table))

with tab_sql:
    query = st.text_area(ui.t("data.sql"), f"SELECT * FROM {store.quote_ident(table or 'sample_loans')} LIMIT 100",
                         height=120, key="sql_text")
    if st.button(ui.t("data.run"), key="run_sql"):
        st.session_state["sql_result"] = ui.attempt(lambda: console.run_query(con, query))
    if result := st.session_state.get("sql_result"):
        st.caption(ui.t("data.sql_rows", rows=len(result.frame), seconds=result.seconds))
        if result.truncated:
            st.warning(ui.t("console.truncated", rows=console.MAX_ROWS))
        st.dataframe(result.frame, hide_index=True)
        st.download_button(ui.t("data.download_csv"), result.frame.to_csv(index=False).encode("utf-8-sig"),
                           "query.csv", "text/csv")
