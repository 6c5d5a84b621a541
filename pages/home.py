"""Home: what this database holds and what the active table looks like."""

import streamlit as st

from analytics import datasets, store
from ui import database, tables, text, widgets

con = database.connect()
table = database.active_table(con)

st.title(text.t("app.title"))
st.write(text.t("home.intro"))

if table:
    rows = store.row_count(con, table)
    definition = datasets.load_definition(con, table)
    summary = widgets.attempt(datasets.default_summary, con, table, definition) if definition else None
    if summary and summary["rate"] is not None:
        rate = text.figure(summary["rate"], "share")
        st.markdown(text.t("home.active", table=table, rows=rows, rate=rate))
    else:
        st.markdown(text.t("home.no_default", table=table, rows=rows))

st.subheader(text.t("home.tables"))
tables.show(store.catalog(con), width="stretch")
