"""Data: import loan files, browse the catalog and data quality, set roles and the default definition, query."""

import pandas as pd
import streamlit as st

from analytics import core, datasets, sample, store
from ui import cache, database, session, tables, text, widgets

con = database.connect()
table = database.active_table(con)
context = datasets.table_context(con, table) if table else None

st.title(text.t("nav.data"))
widgets.flash()
tab_names = [text.t(f"data.tab_{name}") for name in ("import", "tables", "roles", "default", "sql")]
import_tab, tables_tab, roles_tab, default_tab, sql_tab = st.tabs(tab_names)

with import_tab:
    imported = None  # (table, rows, rows added) of a finished import: it becomes the active table
    uploads = st.file_uploader(text.t("data.upload"), type=list(datasets.EXTENSIONS), accept_multiple_files=True)
    for upload in uploads or []:
        with st.container(border=True):
            st.markdown(f"**{upload.name}**")
            left, middle, right = st.columns(3)
            encoding = left.selectbox(
                text.t("data.encoding"),
                datasets.ENCODING_CHOICES,
                format_func=lambda choice: choice or text.t("data.auto"),
                key=session.widget("enc", upload.file_id),
            )
            delimiter = middle.selectbox(
                text.t("data.delimiter"),
                datasets.DELIMITER_CHOICES,
                format_func=lambda choice: text.t("data.auto") if choice is None else repr(choice),
                key=session.widget("delim", upload.file_id),
            )
            sheet_key = session.widget("sheet", upload.file_id)  # drawn below once the preview lists the sheets
            options = {"encoding": encoding, "delimiter": delimiter, "sheet": st.session_state.get(sheet_key)}
            data = upload.getvalue()
            preview = widgets.attempt(datasets.preview_file, con, data, upload.name, **options)
            if preview is None:
                continue
            if preview.sheets:
                right.selectbox(text.t("data.sheet"), preview.sheets, key=sheet_key)
            shown_delimiter = repr(preview.delimiter) if preview.delimiter else "-"
            detected = text.t(
                "data.detected", kind=preview.kind, encoding=preview.encoding or "-", delimiter=shown_delimiter
            )
            st.caption(detected)
            for notice in preview.warnings:
                st.warning(text.message(notice))
            types, rows = st.columns([1, 3])
            tables.show(pd.DataFrame(preview.columns, columns=["column", "type"]), where=types)
            rows.dataframe(preview.rows, hide_index=True)  # the file as it is: its own column names, unformatted
            name = st.text_input(
                text.t("data.table_name"),
                key=session.widget("name", upload.file_id, default=store.suggest_table_name(upload.name)),
            )
            replace = st.checkbox(text.t("data.replace"), key=session.widget("replace", upload.file_id))
            append = st.checkbox(text.t("append.choice"), key=session.widget("append", upload.file_id))
            if st.button(text.t("data.import"), key=session.widget("import", upload.file_id), type="primary"):
                target = widgets.attempt(store.check_table_name, name)
                if target in store.user_tables(con) and not (replace or append):  # a box to tick, no flag
                    st.error(text.t("data.table_exists", table=target))
                elif target:
                    with st.spinner(text.t("data.importing")):
                        result = widgets.attempt(
                            datasets.import_file,
                            con,
                            data,
                            upload.name,
                            table=target,
                            replace=replace and not append,
                            append=append,
                            **options,
                        )
                    if result:
                        imported = (result.table, result.rows, append)

    st.subheader(text.t("data.shipped"))
    shipped = st.selectbox(
        text.t("data.shipped_pick"),
        datasets.SHIPPED,
        format_func=lambda dataset: dataset.title,
        key=session.widget("shipped_pick"),
    )
    st.caption(shipped.licence)
    again = shipped.table in store.user_tables(con)
    if again:  # re-importing replaces the table and resets its roles and default definition: ask first
        st.warning(text.t("data.shipped_exists", table=shipped.table))
        again = not st.checkbox(
            text.t("data.shipped_replace", table=shipped.table), key=session.widget("shipped_replace", shipped.table)
        )
    if st.button(text.t("data.shipped_import"), key=session.widget("import_shipped"), disabled=again):
        installed = widgets.attempt(sample.install_shipped, con, shipped)
        if installed:
            imported = (installed["table"], installed["rows"], False)

    if imported:  # make the new table active and confirm after the rerun (the sidebar must list it)
        session.put("table", imported[0])
        done = "append.added" if imported[2] else "data.imported"
        session.put("flash", text.t(done, table=imported[0], rows=imported[1]))
        st.rerun()

with tables_tab:
    tables.show(store.catalog(con), width="stretch")
    if context:
        st.subheader(text.t("data.profile", table=table))
        summary = cache.data(datasets.profile_summary, con, context)
        profile = cache.data(datasets.profile_table, con, context)
        profile["warnings"] = ["; ".join(map(text.message, notices)) for notices in profile["warnings"]]
        rows_tile, columns_tile, duplicates_tile = st.columns(3)
        rows_tile.metric(text.column("rows"), text.figure(summary["rows"], "count"))
        columns_tile.metric(text.column("columns"), text.figure(summary["columns"], "count"))
        duplicates_tile.metric(text.t("data.duplicate_keys"), text.figure(summary.get("duplicate_keys") or 0, "count"))
        if summary["sampled_rows"]:
            st.info(text.t("data.profile_sampled", rows=summary["rows"], sample=summary["sampled_rows"]))
        tables.show(profile, download=f"{table}_profile.csv")

with roles_tab:
    if context:
        frame = pd.DataFrame(context.columns, columns=["column", "type"])
        frame["role"] = [context.role_map[column] for column in frame["column"]]
        named = datasets.column_labels(con, table)  # display names per language, edited next to the roles
        for lang in core.LANGUAGES:
            frame[f"label_{lang}"] = [named[lang].get(column, "") for column in frame["column"]]
        _, config = tables.view(frame[["column", "type"]])
        config["role"] = st.column_config.SelectboxColumn(
            text.t("data.role"), options=list(datasets.ROLE_KEYS), required=True, format_func=text.labels("role")
        )
        for lang, language in core.LANGUAGES.items():
            title = text.t("data.display_name", language=language)
            config[f"label_{lang}"] = st.column_config.TextColumn(title, max_chars=datasets.MAX_LABEL)
        edited = st.data_editor(
            frame,
            column_config=config,
            disabled=["column", "type"],
            hide_index=True,
            key=session.widget_key("roles", table),
        )
        if st.button(text.t("data.save_roles"), key=session.widget("save_roles"), type="primary"):
            chosen = dict(zip(edited["column"], edited["role"], strict=True))
            labels = {
                lang: dict(zip(edited["column"], edited[f"label_{lang}"], strict=True)) for lang in core.LANGUAGES
            }

            def save_roles_and_names() -> None:
                datasets.save_column_labels(con, table, labels)  # checks every name before the roles are written
                datasets.save_roles(con, table, chosen)

            widgets.save(save_roles_and_names, text.t("data.roles_saved", table=table))

with default_tab:
    if context:
        start = context.definition or cache.data(
            datasets.suggest_definition, con, table, context.role_map, types=context.types, depends_on=context.version
        )
        kinds = [kind.key for kind in datasets.DEFINITION_KINDS]
        kind = st.radio(
            text.t("data.default_kind"),
            kinds,
            horizontal=True,
            format_func=text.labels("outcome"),
            key=session.widget("kind", table, default=start.kind if start else kinds[0], options=kinds),
        )
        columns = list(context.types)
        if kind == "dpd":  # days past due are numbers: a text column would only fail in the preview
            columns = [c for c, kind_of in context.types.items() if datasets.is_numeric(kind_of)]
        if not columns:
            st.info(text.t("data.no_numeric_dpd", table=table))
        else:
            column = st.selectbox(
                text.column("column"),
                columns,
                key=session.widget(
                    "defcol",
                    table,
                    kind,
                    default=start.column if start and start.column in columns else columns[0],
                    options=columns,
                ),
            )
            if kind == "flag":
                values = cache.data(store.distinct_values, con, table, column, depends_on=context.version)
                saved_values = start.values if start and start.kind == "flag" else ()
                chosen = st.multiselect(
                    text.t("data.default_values"),
                    values,
                    default=[v for v in map(str, saved_values) if v in values],  # its own default: see ui.session
                    placeholder=text.t("app.choose"),
                    key=session.widget("defval", table, column),
                )
                definition = datasets.DefaultDefinition(kind="flag", column=column, values=tuple(chosen))
            elif kind == "dpd":
                days = int(start.threshold) if start and start.kind == "dpd" else datasets.DEFAULT_DPD_THRESHOLD
                threshold = st.number_input(
                    text.t("data.default_threshold"),
                    1,
                    3650,
                    step=30,
                    key=session.widget("defdpd", table, default=days),
                )
                definition = datasets.DefaultDefinition(kind="dpd", column=column, threshold=int(threshold))
            else:
                categories = [category.key for category in datasets.FIVE_CATEGORIES]
                bad = [category.key for category in datasets.FIVE_CATEGORIES if category.non_performing]
                labels = st.multiselect(
                    text.t("data.default_labels"),
                    categories,
                    format_func=text.labels("outcome.category"),
                    default=bad,
                    placeholder=text.t("app.choose"),
                    key=session.widget("deflab", table),
                )
                definition = datasets.DefaultDefinition(kind="classification", column=column, labels=tuple(labels))
            summary = widgets.attempt(
                cache.data,
                datasets.default_summary,
                con,
                table,
                definition,
                types=context.types,
                depends_on=context.version,
            )
            if summary:
                rows_tile, known_tile, defaults_tile, rate_tile = st.columns(4)
                rows_tile.metric(text.column("rows"), text.figure(summary["n"], "count"))
                known_tile.metric(text.t("data.known"), text.figure(summary["known"], "count"))
                defaults_tile.metric(text.t("data.defaults"), text.figure(summary["defaults"], "count"))
                rate_tile.metric(text.column("default_rate"), text.figure(summary["rate"], "share"))
                if summary["warning"]:
                    st.warning(text.message(summary["warning"]))
            if st.button(text.t("data.save_default"), key=session.widget("save_default"), type="primary"):
                widgets.save(
                    lambda: datasets.save_definition(con, table, definition), text.t("data.default_saved", table=table)
                )

with sql_tab:
    example = f"SELECT * FROM {store.quote_ident(table or 'sample_loans')} LIMIT 100"
    query = st.text_area(text.t("data.sql"), height=120, key=session.widget("sql_text", default=example))
    if st.button(text.t("data.run"), key=session.widget("run_sql")):
        session.put("sql_result", widgets.attempt(store.run_query, con, query))
    result = session.get("sql_result")
    if result:
        st.caption(text.t("data.sql_rows", rows=len(result.frame), seconds=result.seconds))
        if result.truncated:
            st.warning(text.message(result.notice()))
        st.dataframe(result.frame, hide_index=True)  # the query's own column names, unformatted
        tables.download_csv(result.frame, "query.csv")
