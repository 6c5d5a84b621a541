"""Microcredit Risk Lab: page routing and the shared sidebar (active table, language)."""

import streamlit as st

import ui
from analytics import store
from analytics.core import LANGUAGES

st.set_page_config(page_title="Microcredit Risk Lab", page_icon=":material/account_balance:", layout="wide")

st.session_state[ui.FRAMED] = True
con = ui.db()
with st.sidebar:
    st.session_state["lang_choice"] = ui.lang()
    st.radio(
        ui.t("app.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        horizontal=True,
        key="lang_choice",
        on_change=lambda: st.session_state.update(lang=st.session_state["lang_choice"]),
    )
    tables = store.user_tables(con)
    table = ui.active_table(con)
    if tables:
        st.session_state["table_choice"] = table
        st.selectbox(
            ui.t("app.dataset"),
            tables,
            key="table_choice",
            on_change=lambda: st.session_state.update(table=st.session_state["table_choice"]),
        )
    else:
        st.info(ui.t("app.no_tables"))
    st.caption(ui.t("app.database", path=store.database_path()))

pages = [
    st.Page("pages/home.py", title=ui.t("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/data.py", title=ui.t("nav.data"), icon=":material/table_view:", url_path="data"),
    st.Page(
        "pages/risk_factors.py", title=ui.t("nav.risk_factors"), icon=":material/query_stats:", url_path="risk_factors"
    ),
    st.Page("pages/portfolio.py", title=ui.t("nav.portfolio"), icon=":material/monitoring:", url_path="portfolio"),
    st.Page("pages/model.py", title=ui.t("nav.model"), icon=":material/functions:", url_path="model"),
    st.Page(
        "pages/expert_vs_model.py", title=ui.t("decisions.title"), icon=":material/balance:", url_path="expert_vs_model"
    ),
    st.Page("pages/what_if.py", title=ui.t("whatif.title"), icon=":material/tune:", url_path="what_if"),
]
st.navigation(pages).run()
