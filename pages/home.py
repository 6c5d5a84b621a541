"""Home: what this database holds and what the active table looks like."""

import streamlit as st

import ui
from analytics import outcome, store

con = ui.db()
st.title(ui.t("app.title"))
st.write(ui.t("home.intro"))

table = ui.active_table(con)
if table:
    rows = store.row_count(con, table)
    defn = outcome.load_definition(con, table)
    summary = ui.attempt(lambda: outcome.default_summary(con, table, defn)) if defn else None
    if summary and summary["rate"] is not None:
        st.markdown(ui.t("home.active", table=table, rows=rows, rate=f"{summary['rate']:.1%}"))
    else:
        st.markdown(ui.t("home.no_default", table=table, rows=rows))

st.subheader(ui.t("home.tables"))
st.dataframe(ui.headers(store.catalog(con)), hide_index=True, width="stretch")
