"""The Streamlit edge: the cached database, the language, the active table, error display.

Pages import this module; ``analytics`` never does. Caches live here and are keyed by a
table's version, so a new import invalidates them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from analytics import binning, demo, factors, outcome, portfolio, profile, roles, store
from analytics.errors import RiskLabError
from analytics.i18n import TEXT
from analytics.i18n import t as translate


def lang() -> str:
    """The chosen language code ("en" or "zh"), kept in a non-widget session key."""
    return st.session_state.setdefault("lang", "en")


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the session's language."""
    return translate(key, lang(), **params)


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    con = store.connect(path)
    demo.ensure_demo(con)
    return con


def db() -> duckdb.DuckDBPyConnection:
    """A cursor on the app's one sandboxed connection (one cursor per script run/thread).

    On first start this builds the sample portfolio; a locked or foreign database file
    stops the page with a plain message instead of a traceback.
    """
    path = str(store.database_path())
    try:
        with st.spinner(t("app.building_sample")):
            return _database(path).cursor()
    except RiskLabError as exc:
        st.error(exc.message(lang()))
        st.stop()


def active_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """The table chosen in the sidebar (None when the database has no tables)."""
    tables = store.user_tables(con)
    current = st.session_state.get("table")
    if current not in tables:
        current = "sample_loans" if "sample_loans" in tables else (tables[0] if tables else None)
        st.session_state["table"] = current
    return current


def attempt(action: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call ``action(*args, **kwargs)``; show a user error in the page's language and return None instead."""
    try:
        return action(*args, **kwargs)
    except RiskLabError as exc:
        st.error(exc.message(lang()))
        return None


def save(action: Callable[[], Any], done: str) -> bool:
    """Run a saving ``action``; confirm with ``done`` or show the user error. True when saved."""
    try:
        action()
    except RiskLabError as exc:
        st.error(exc.message(lang()))
        return False
    st.success(done)
    return True


@st.cache_data(show_spinner=False, max_entries=32)
def _profile(_con: duckdb.DuckDBPyConnection, table: str, version: int, table_roles: dict, defn: object):
    return profile.profile_table(_con, table, roles=table_roles, defn=defn)


def table_profile(con: duckdb.DuckDBPyConnection, table: str):
    """The data-quality profile of ``table``, cached per table version, roles and default definition."""
    table_roles = roles.table_roles(con, table)
    defn = outcome.load_definition(con, table)
    return _profile(con, table, store.table_version(con, table), table_roles, defn)


def column_frame(columns) -> pd.DataFrame:
    """``[(name, type), ...]`` as a two-column table with translated headers."""
    return pd.DataFrame(list(columns), columns=[t("data.column"), t("data.type")])


def role_label(key: str) -> str:
    """A column role in the user's words."""
    return t(f"role.{key}")


def download_csv(frame: pd.DataFrame, filename: str) -> None:
    """A download button for what the page shows (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
    st.download_button(
        t("data.download_csv"),
        frame.to_csv(index=False).encode("utf-8-sig"),
        filename,
        "text/csv",
        key=f"dl_{filename}",
    )


# --- Portfolio page: caches keyed by the table's version, roles and default definition ---------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _portfolio_source(_con: duckdb.DuckDBPyConnection, table: str, version: int, table_roles: tuple, defn: object):
    return portfolio.resolve(_con, table)


def portfolio_source(con: duckdb.DuckDBPyConnection, table: str) -> portfolio.Source:
    """The performance-table view of ``table`` (raises ``portfolio.missing_role`` for a loan-level table)."""
    table_roles = tuple(roles.table_roles(con, table).items())
    defn = outcome.load_definition(con, table)
    return _portfolio_source(con, table, store.table_version(con, table), table_roles, defn)


def portfolio_missing(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The roles ``table`` lacks for the portfolio figures (empty for a performance table)."""
    return _portfolio_missing(con, table, store.table_version(con, table), tuple(roles.table_roles(con, table).items()))


def portfolio_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables that can feed the portfolio figures (they have loan id, snapshot date, balance and DPD/class)."""
    return [t for t in store.user_tables(con) if not portfolio_missing(con, t)]


@st.cache_data(show_spinner=False, max_entries=64)
def _portfolio_missing(_con: duckdb.DuckDBPyConnection, table: str, version: int, table_roles: tuple) -> list[str]:
    return portfolio.missing_roles(_con, table)


@st.cache_data(show_spinner=False, max_entries=256)
def _portfolio_figure(_con: duckdb.DuckDBPyConnection, name: str, source, version: int, options: tuple):
    return portfolio.FIGURES[name](_con, source, **dict(options))


def portfolio_figure(con: duckdb.DuckDBPyConnection, name: str, source: portfolio.Source, **options: object):
    """A portfolio figure (``portfolio.FIGURES[name]``), cached per table version, source and options."""
    return _portfolio_figure(con, name, source, store.table_version(con, source.table), tuple(sorted(options.items())))


@st.cache_data(show_spinner=False, max_entries=32)
def _portfolio_loan_level(_con: duckdb.DuckDBPyConnection, table: str, version: int, table_roles: tuple, defn, filters):
    return portfolio.loan_level(_con, table, filters)


def portfolio_loan_level(con: duckdb.DuckDBPyConnection, table: str, filters: portfolio.Filters):
    """What a loan-level table allows (default rates by cohort and dimension), cached like the figures."""
    table_roles = tuple(roles.table_roles(con, table).items())
    defn = outcome.load_definition(con, table)
    return _portfolio_loan_level(con, table, store.table_version(con, table), table_roles, defn, filters)


# --- Risk factors page ---------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _factor_ranking(_con: duckdb.DuckDBPyConnection, pop, version: int, saved: tuple, table_roles: tuple):
    return factors.rank_factors(_con, pop)


def factor_ranking(con: duckdb.DuckDBPyConnection, pop: binning.Population) -> factors.Ranking:
    """The ranking of the candidate factors, cached per table version, roles and saved binnings."""
    table_roles = tuple(roles.table_roles(con, pop.table).items())
    version, saved = store.table_version(con, pop.table), binning.saved_version(con, pop.table)
    return _factor_ranking(con, pop, version, saved, table_roles)


@st.cache_data(show_spinner=False, max_entries=16)
def _factor_stability(_con: duckdb.DuckDBPyConnection, pop, split, specs: tuple, version: int):
    return factors.stability(_con, pop, split, list(specs))


def factor_stability(con: duckdb.DuckDBPyConnection, pop: binning.Population, split: factors.Split, specs: list):
    """CSI of each binning between the two samples of ``split``, cached per table version."""
    return _factor_stability(con, pop, split, tuple(specs), store.table_version(con, pop.table))


def headers(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names in the user's words (keys ``col.<name>`` where they exist)."""
    return frame.rename(columns={c: t(f"col.{c}") for c in frame.columns if f"col.{c}" in TEXT})
