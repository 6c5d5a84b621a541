"""Home: the front door. What this database holds, and one way in for each kind of user."""

import streamlit as st

from analytics import datasets, decisions, model, store
from ui import database, tables, text, widgets

# One entry per kind of user: (key of its texts, [(page, title key, icon, query parameters of the link), ...]).
PERSONAS = (
    (
        "portfolio",
        [
            ("pages/portfolio.py", "nav.portfolio", ":material/monitoring:", None),
            ("pages/portfolio.py", "home.link.provisions", ":material/savings:", {widgets.OPEN_TAB: "provisions"}),
        ],
    ),
    (
        "model",
        [
            ("pages/risk_factors.py", "nav.risk_factors", ":material/query_stats:", None),
            ("pages/model.py", "nav.model", ":material/functions:", None),
            ("pages/monitoring.py", "nav.monitoring", ":material/troubleshoot:", None),
        ],
    ),
    (
        "train",
        [
            ("pages/expert_vs_model.py", "decisions.title", ":material/balance:", None),
            ("pages/what_if.py", "whatif.title", ":material/tune:", None),
        ],
    ),
)

con = database.connect()
table = database.active_table(con)
catalog = store.catalog(con)
models = model.list_models(con)
rule_sets = decisions.list_rule_sets(con)

st.title(text.t("app.title"))
st.write(text.t("home.intro"))

# --- what is in the database --------------------------------------------------------------------------------------

st.subheader(text.t("home.holds"))
tiles = st.columns(4)
tiles[0].metric(text.t("home.tile.tables"), text.figure(len(catalog), "count"))
tiles[1].metric(text.t("home.tile.rows"), text.figure(catalog["rows"].sum() if len(catalog) else 0, "count"))
tiles[2].metric(text.t("home.tile.models"), text.figure(models["name"].nunique(), "count"))
tiles[3].metric(text.t("home.tile.rule_sets"), text.figure(rule_sets["name"].nunique(), "count"))
if table:
    rows = store.row_count(con, table)
    definition = datasets.load_definition(con, table)
    summary = widgets.attempt(datasets.default_summary, con, table, definition) if definition else None
    if summary and summary["rate"] is not None:
        rate = text.figure(summary["rate"], "share")
        st.markdown(text.t("home.active", table=table, rows=rows, rate=rate))
    else:
        st.markdown(text.t("home.no_default", table=table, rows=rows))
st.page_link("pages/data.py", label=text.t("home.to_data"), icon=":material/table_view:")

# --- one way in per kind of user ------------------------------------------------------------------------------------

st.subheader(text.t("home.start"))
for where, (persona, links) in zip(st.columns(len(PERSONAS)), PERSONAS, strict=True):
    box = where.container(border=True)
    box.markdown(f"**{text.t(f'home.persona.{persona}.title')}**")
    box.caption(text.t(f"home.persona.{persona}.text"))
    for page, title, icon, query in links:
        box.page_link(page, label=text.t(title), icon=icon, query_params=query)

st.subheader(text.t("home.tables"))
tables.show(catalog, width="stretch")
