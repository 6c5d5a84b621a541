"""Microcredit Risk Lab: page routing, the sign-in gate of a shared app and the shared sidebar (language, table)."""

import streamlit as st

from analytics import core, store
from ui import auth, database, session, text, widgets

st.set_page_config(page_title="Microcredit Risk Lab", page_icon=":material/account_balance:", layout="wide")
database.framed()
session.keep_widgets()
con = database.connect()

with st.sidebar:
    st.radio(
        text.t("app.language"),
        list(core.LANGUAGES),
        format_func=core.LANGUAGES.get,
        horizontal=True,
        **session.bound("lang_choice", value="lang"),
    )

person = auth.gate(con)  # who acts in this run; None: a shared app nobody signed in to
if person is None:
    widgets.guarded(st.navigation([auth.sign_in_entry()], position="hidden").run)
    st.stop()

with st.sidebar:
    tables = store.user_tables(con)
    if tables:
        database.active_table(con)  # a table that exists, before the picker shows it
        st.selectbox(text.t("app.dataset"), tables, **session.bound("table_choice", value="table"))
    else:
        st.info(text.t("app.no_tables"))
    st.caption(text.t("app.database", path=store.database_path()))
    auth.account_box(con, person)

pages = {
    "home": st.Page("pages/home.py", title=text.t("nav.home"), icon=":material/home:", default=True),
    "data": st.Page("pages/data.py", title=text.t("nav.data"), icon=":material/table_view:", url_path="data"),
    "risk_factors": st.Page(
        "pages/risk_factors.py",
        title=text.t("nav.risk_factors"),
        icon=":material/query_stats:",
        url_path="risk_factors",
    ),
    "portfolio": st.Page(
        "pages/portfolio.py", title=text.t("nav.portfolio"), icon=":material/monitoring:", url_path="portfolio"
    ),
    "model": st.Page("pages/model.py", title=text.t("nav.model"), icon=":material/functions:", url_path="model"),
    "expert_vs_model": st.Page(
        "pages/expert_vs_model.py",
        title=text.t("decisions.title"),
        icon=":material/balance:",
        url_path="expert_vs_model",
    ),
    "what_if": st.Page("pages/what_if.py", title=text.t("whatif.title"), icon=":material/tune:", url_path="what_if"),
    "monitoring": st.Page(
        "pages/monitoring.py",
        title=text.t("nav.monitoring"),
        icon=":material/troubleshoot:",
        url_path="monitoring",
    ),
    "access": st.Page(
        "pages/access.py", title=text.t("access.nav"), icon=":material/admin_panel_settings:", url_path="access"
    ),
}
widgets.guarded(st.navigation([pages[name] for name in auth.pages_for(person)]).run)
