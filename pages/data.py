"""Data: import loan files, browse the catalog and data quality, set roles and the default definition, query."""

import streamlit as st

import ui
from analytics import datasets, sample, store

con = ui.db()
table = ui.active_table(con)
st.title(ui.t("nav.data"))
ui.show_flash("flash")
tabs = st.tabs([ui.t(f"data.tab_{name}") for name in ("import", "tables", "roles", "default", "sql")])


def finish_import(name: str, rows: int) -> None:
    """Make the new table active and confirm after the rerun (the sidebar must list it)."""
    st.session_state.update(table=name, flash=ui.t("data.imported", table=name, rows=rows))
    st.rerun()


def import_card(upload) -> None:
    """Options, preview and the import button for one uploaded file."""
    key, data = upload.file_id, upload.getvalue()
    st.markdown(f"**{upload.name}**")
    left, middle, right = st.columns(3)
    options = {
        "encoding": left.selectbox(
            ui.t("data.encoding"),
            datasets.ENCODING_CHOICES,
            key=f"enc_{key}",
            format_func=lambda e: e or ui.t("data.auto"),
        ),
        "delimiter": middle.selectbox(
            ui.t("data.delimiter"),
            datasets.DELIMITER_CHOICES,
            key=f"delim_{key}",
            format_func=lambda d: ui.t("data.auto") if d is None else repr(d),
        ),
        "sheet": st.session_state.get(f"sheet_{key}"),
    }
    preview = ui.attempt(datasets.preview_file, con, data, upload.name, **options)
    if preview is None:
        return
    if preview.sheets:
        right.selectbox(ui.t("data.sheet"), preview.sheets, key=f"sheet_{key}")
    delimiter = repr(preview.delimiter) if preview.delimiter else "-"
    st.caption(ui.t("data.detected", kind=preview.kind, encoding=preview.encoding or "-", delimiter=delimiter))
    for notice in preview.warnings:
        st.warning(notice.message(ui.lang()))
    types, rows = st.columns([1, 3])
    types.dataframe(ui.column_frame(preview.columns), hide_index=True)
    rows.dataframe(preview.rows, hide_index=True)
    name = st.text_input(ui.t("data.table_name"), store.suggest_table_name(upload.name), key=f"name_{key}")
    replace = st.checkbox(ui.t("data.replace"), key=f"replace_{key}")
    if st.button(ui.t("data.import"), key=f"import_{key}", type="primary"):
        with st.spinner(ui.t("data.importing")):
            result = ui.attempt(datasets.import_file, con, data, upload.name, table=name, replace=replace, **options)
        if result:
            finish_import(result.table, result.rows)


with tabs[0]:
    uploads = st.file_uploader(ui.t("data.upload"), type=list(datasets.EXTENSIONS), accept_multiple_files=True)
    for upload in uploads or []:
        with st.container(border=True):
            import_card(upload)
    st.subheader(ui.t("data.shipped"))
    shipped = st.selectbox(ui.t("data.shipped_pick"), datasets.SHIPPED, format_func=lambda d: d.title)
    st.caption(shipped.licence)
    if st.button(ui.t("data.shipped_import"), key="import_shipped") and (
        installed := ui.attempt(sample.install_shipped, con, shipped)
    ):
        finish_import(installed["table"], installed["rows"])

with tabs[1]:
    tables = ui.headers(store.catalog(con))
    st.dataframe(tables, hide_index=True, column_config=ui.column_formats(tables))
    if table:
        st.subheader(ui.t("data.profile", table=table))
        summary = datasets.profile_summary(con, table)
        cols = st.columns(3)
        cols[0].metric(ui.t("data.rows"), ui.number(summary["rows"]))
        cols[1].metric(ui.t("data.columns"), ui.number(summary["columns"]))
        cols[2].metric(ui.t("data.duplicate_keys"), ui.number(summary.get("duplicate_keys") or 0))
        if summary["sampled_rows"]:
            st.info(ui.t("data.profile_sampled", rows=summary["rows"], sample=summary["sampled_rows"]))
        frame = ui.table_profile(con, table).copy()
        frame["warnings"] = frame["warnings"].map(lambda ws: "; ".join(w.message(ui.lang()) for w in ws))
        st.dataframe(ui.headers(frame), hide_index=True)
        ui.download_csv(ui.headers(frame), f"{table}_profile.csv")

with tabs[2]:
    if table:
        current = datasets.table_roles(con, table)
        frame = ui.column_frame(store.table_columns(con, table))
        frame["role"] = [current.get(column) for column in frame.iloc[:, 0]]
        role_column = st.column_config.SelectboxColumn(
            ui.t("data.role"), options=[r.key for r in datasets.ROLES], required=True, format_func=ui.role_label
        )
        edited = st.data_editor(
            frame,
            column_config={"role": role_column},
            disabled=list(frame.columns[:2]),
            hide_index=True,
            key=f"roles_{table}",
        )
        if st.button(ui.t("data.save_roles"), key="save_roles", type="primary"):
            chosen = dict(zip(edited.iloc[:, 0], edited["role"], strict=True))
            ui.save(lambda: datasets.save_roles(con, table, chosen), ui.t("data.roles_saved", table=table))

with tabs[3]:
    if table:
        saved = datasets.load_definition(con, table)
        start = saved or datasets.suggest_definition(con, table, datasets.table_roles(con, table))
        kinds = [k.key for k in datasets.DEFINITION_KINDS]
        kind = st.radio(
            ui.t("data.default_kind"),
            kinds,
            index=kinds.index(start.kind) if start else 0,
            horizontal=True,
            key=f"kind_{table}",
            format_func={k: ui.t(f"outcome.{k}") for k in kinds}.get,  # labels fixed now
        )
        columns = [c for c, _ in store.table_columns(con, table)]
        at = columns.index(start.column) if start and start.column in columns else 0
        column = st.selectbox(ui.t("data.default_column"), columns, index=at, key=f"defcol_{table}_{kind}")
        if kind == "flag":
            options = store.distinct_values(con, table, column)
            chosen = [v for v in map(str, start.values if start and start.kind == "flag" else ()) if v in options]
            values = st.multiselect(ui.t("data.default_values"), options, chosen, key=f"defval_{table}_{column}")
            defn = datasets.DefaultDefinition(kind="flag", column=column, values=tuple(values))
        elif kind == "dpd":
            days = int(start.threshold) if start and start.kind == "dpd" else 90
            threshold = st.number_input(ui.t("data.default_threshold"), 1, 3650, days, step=30, key=f"defdpd_{table}")
            defn = datasets.DefaultDefinition(kind="dpd", column=column, threshold=int(threshold))
        else:
            categories = [c.key for c in datasets.FIVE_CATEGORIES]
            bad = [c.key for c in datasets.FIVE_CATEGORIES if c.non_performing]
            labels = st.multiselect(
                ui.t("data.default_labels"),
                categories,
                bad,
                key=f"deflab_{table}",
                format_func={k: ui.t(f"outcome.category.{k}") for k in categories}.get,
            )
            defn = datasets.DefaultDefinition(kind="classification", column=column, labels=tuple(labels))
        if summary := ui.attempt(datasets.default_summary, con, table, defn):
            cols = st.columns(4)
            cols[0].metric(ui.t("data.rows"), ui.number(summary["n"]))
            cols[1].metric(ui.t("data.known"), ui.number(summary["known"]))
            cols[2].metric(ui.t("data.defaults"), ui.number(summary["defaults"]))
            cols[3].metric(ui.t("data.default_rate"), ui.percent(summary["rate"], 2) if summary["known"] else "-")
            if summary.get("warning"):
                st.warning(summary["warning"].message(ui.lang()))
        if st.button(ui.t("data.save_default"), key="save_default", type="primary"):
            ui.save(lambda: datasets.save_definition(con, table, defn), ui.t("data.default_saved", table=table))

with tabs[4]:
    example = f"SELECT * FROM {store.quote_ident(table or 'sample_loans')} LIMIT 100"
    query = st.text_area(ui.t("data.sql"), example, height=120, key="sql_text")
    if st.button(ui.t("data.run"), key="run_sql"):
        st.session_state["sql_result"] = ui.attempt(store.run_query, con, query)
    if result := st.session_state.get("sql_result"):
        st.caption(ui.t("data.sql_rows", rows=len(result.frame), seconds=result.seconds))
        if result.truncated:
            st.warning(ui.t("console.truncated", rows=store.MAX_ROWS))
        st.dataframe(result.frame, hide_index=True)
        ui.download_csv(result.frame, "query.csv")
