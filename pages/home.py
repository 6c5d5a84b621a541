"""Home: what this database holds and what the active table looks like."""

import streamlit as st

import ui
from analytics import datasets, store

con = ui.db()
st.title(ui.t("app.title"))
st.write(ui.t("home.intro"))

table = ui.active_table(con)
if table:
    rows = store.row_count(con, table)
    defn = datasets.load_definition(con, table)
    summary = ui.attempt(lambda: datasets.default_summary(con, table, defn)) if defn else None
    if summary and summary["rate"] is not None:
        st.markdown(ui.t("home.active", table=table, rows=rows, rate=ui.percent(summary["rate"])))
    else:
        st.markdown(ui.t("home.no_default", table=table, rows=rows))

st.subheader(ui.t("home.tables"))
tables = ui.headers(store.catalog(con))
st.dataframe(tables, hide_index=True, width="stretch", column_config=ui.column_formats(tables))
