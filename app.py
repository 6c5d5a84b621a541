"""Microcredit Risk Lab: page routing and the shared sidebar (language, active table)."""

import streamlit as st

from analytics import core, store
from ui import database, session, text

st.set_page_config(page_title="Microcredit Risk Lab", page_icon=":material/account_balance:", layout="wide")
database.framed()
session.keep_widgets()
con = database.connect()


def choose_language() -> None:
    session.put("lang", st.session_state[session.widget_key("lang_choice")])


def choose_table() -> None:
    session.put("table", st.session_state[session.widget_key("table_choice")])


with st.sidebar:
    language_key = session.widget("lang_choice")
    st.session_state[language_key] = text.lang()
    st.radio(
        text.t("app.language"),
        list(core.LANGUAGES),
        format_func=core.LANGUAGES.get,
        horizontal=True,
        key=language_key,
        on_change=choose_language,
    )
    tables = store.user_tables(con)
    if tables:
        table_key = session.widget("table_choice")
        st.session_state[table_key] = database.active_table(con)
        st.selectbox(text.t("app.dataset"), tables, key=table_key, on_change=choose_table)
    else:
        st.info(text.t("app.no_tables"))
    st.caption(text.t("app.database", path=store.database_path()))

pages = [
    st.Page("pages/home.py", title=text.t("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/data.py", title=text.t("nav.data"), icon=":material/table_view:", url_path="data"),
    st.Page(
        "pages/risk_factors.py",
        title=text.t("nav.risk_factors"),
        icon=":material/query_stats:",
        url_path="risk_factors",
    ),
    st.Page("pages/portfolio.py", title=text.t("nav.portfolio"), icon=":material/monitoring:", url_path="portfolio"),
    st.Page("pages/model.py", title=text.t("nav.model"), icon=":material/functions:", url_path="model"),
    st.Page(
        "pages/expert_vs_model.py",
        title=text.t("decisions.title"),
        icon=":material/balance:",
        url_path="expert_vs_model",
    ),
    st.Page("pages/what_if.py", title=text.t("whatif.title"), icon=":material/tune:", url_path="what_if"),
]
st.navigation(pages).run()
