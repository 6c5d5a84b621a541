"""The app's database: one sandboxed connection per server process, a cursor per script run, the active table."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import core, datasets, portfolio, sample, store
from ui import session, text


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    store.limit_memory()  # the server's address space ($RISKLAB_SERVER_MEMORY_MB), set once per process
    datasets.after_import(portfolio.summarise_import)  # an import builds or updates the Portfolio summary
    con = store.connect(path)  # read-only when the file or its folder is
    if not store.is_read_only(con):
        with store.acting_as(store.SYSTEM):  # the app's own first-start build, whoever's request started it
            sample.ensure_demo(con)
    return con


def framed() -> None:
    """Note that this session runs through app.py's ``st.navigation`` (app.py calls this first)."""
    session.put("framed", True)


def _leave_pages_directory_mode() -> None:
    """Make the very first run of a fresh server go through app.py's ``st.navigation``.

    Because a ``pages/`` folder exists, Streamlit serves the first request of a new server process in its old
    folder-based mode until some run has called ``st.navigation``: a bookmarked URL then runs the page file alone,
    without the sidebar, or shows "Page not found". Switching the flag off and rerunning routes that first
    request through app.py.

    A page that still runs alone in that mode after app.py has framed the session (AppTest runs every page it
    switches to so) keeps the surviving widgets itself, as app.py would have before drawing it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not session.get("framed"):
        PagesManager.uses_pages_directory = False
        st.rerun()
    if PagesManager.uses_pages_directory:
        session.keep_widgets()
        store.act_as(session.get("acting"))  # as app.py's sign-in gate did on its run


def connect() -> duckdb.DuckDBPyConnection:
    """A cursor on the app's one connection (one cursor per script run and thread). On first start this builds
    the sample portfolio; a locked or foreign database file stops the page with a plain message."""
    _leave_pages_directory_mode()
    path = str(store.database_path())
    try:
        with st.spinner(text.t("app.building_sample")):
            return _database(path).cursor()
    except core.RiskLabError as exc:
        st.error(text.message(exc))
        st.stop()


def active_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """The table chosen in the sidebar (the sample, else the first table; None when there is none)."""
    tables = store.user_tables(con)
    current = session.get("table")
    if current not in tables:
        current = "sample_loans" if "sample_loans" in tables else (tables[0] if tables else None)
        session.put("table", current)
    return current
