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

from analytics import core, datasets, sample, store
from analytics.core import TEXT, RiskLabError
from analytics.core import t as translate


def lang() -> str:
    """The chosen language code ("en" or "zh"), kept in a non-widget session key."""
    return st.session_state.setdefault("lang", "en")


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the session's language."""
    return translate(key, lang(), **params)


def number(value: float | None, decimals: int = 0) -> str:
    """A count or amount written for the session's language (``i18n.format_number``)."""
    return core.format_number(value, lang(), decimals)


def percent(value: float | None, decimals: int = 1) -> str:
    """A share as a percentage for the session's language."""
    return core.format_percent(value, lang(), decimals)


def date(value: object) -> str:
    """A date as the session's language writes it (2026-11-22 / 2026年11月22日)."""
    return core.format_date(value, lang())


PERCENT_FORMAT = "%.2f%%"  # shares as percentages with two decimals (Streamlit's "percent" drops trailing zeros)


def as_percentages(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with its numeric share ``columns`` times 100, to show with ``PERCENT_FORMAT`` (downloads keep
    shares; text columns, such as already formatted figures, are left alone)."""
    return frame.assign(**{c: frame[c] * 100 for c in columns if c in frame.columns and frame[c].dtype.kind in "fiu"})


def column_formats(frame: pd.DataFrame) -> dict:
    """``column_config`` for ``st.dataframe``: dates and times as the language writes them, whole numbers with
    thousands separators."""
    config = {}
    for column in frame.columns:
        kind = frame[column].dtype.kind
        if kind == "M":
            config[column] = st.column_config.DatetimeColumn(format=core.DATETIME_COLUMN_FORMATS[lang()])
        elif kind in "iu":
            config[column] = st.column_config.NumberColumn(format="localized")
    return config


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    con = store.connect(path)
    sample.ensure_demo(con)
    return con


FRAMED = "_framed_by_app"  # set by app.py: this session has run through st.navigation


def _leave_pages_directory_mode() -> None:
    """Make the very first run of a fresh server go through app.py's st.navigation.

    Because a ``pages/`` folder exists, Streamlit serves the first request of a new server
    process in its old folder-based mode until some run has called ``st.navigation``: a
    bookmarked URL then shows file-named pages without the sidebar, or "Page not found".
    Switching the flag off and rerunning routes that first request through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get(FRAMED):
        PagesManager.uses_pages_directory = False
        st.rerun()


def db() -> duckdb.DuckDBPyConnection:
    """A cursor on the app's connection (``ui.database.connect``)."""
    from ui import database

    return database.connect()


def active_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """The table chosen in the sidebar (``ui.database.active_table``)."""
    from ui import database

    return database.active_table(con)


def show_flash(key: str) -> None:
    """Show, once, the confirmation a page stored before its ``st.rerun()``.

    The slot always exists, so the widgets after it keep their identity: otherwise tabs
    below a message that comes and goes jump back to the first tab on the next rerun.
    """
    slot = st.empty()
    if message := st.session_state.pop(key, None):
        slot.success(message)


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


def table_version(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """The cache key of a table's contents: its database file and import version (test databases never mix)."""
    return _database_file(con), store.table_version(con, table)


@st.cache_data(show_spinner=False, max_entries=32)
def _profile(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext):
    return datasets.profile_table(_con, ctx)


def table_profile(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext):
    """The data-quality profile of a table, cached per context (version, roles and default definition)."""
    return _profile(con, ctx)


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


def headers(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names in the user's words (keys ``col.<name>`` where they exist)."""
    return frame.rename(columns={c: t(f"col.{c}") for c in frame.columns if f"col.{c}" in TEXT})


# --- Expert vs model and what-if pages -----------------------------------------------------------------------------


# The pages resolve the table's context once per run (``datasets.table_context``) and pass it: it is the cache key
# of every result below (its version changes with an import, the roles or the default definition).


def _database_file(con: duckdb.DuckDBPyConnection) -> str | None:
    """The connection's database file (caches of different databases in one process never mix)."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return rows[0][0]


@st.cache_data(show_spinner=False, max_entries=16)
def _saved_model(_con: duckdb.DuckDBPyConnection, name: str, saved_key: tuple):
    from analytics import model

    return model.load_model(_con, name)


def saved_model(con: duckdb.DuckDBPyConnection, name: str):
    """The latest version of a saved model, cached until a model is saved or deleted."""
    from analytics import model

    return _saved_model(con, name, (model.models_version(con), _database_file(con)))


@st.cache_resource(show_spinner=False, max_entries=4)  # up to ~180 MB each for 10M loans with numeric factors
def _scored(_con: duckdb.DuckDBPyConnection, setup):
    from analytics import decisions

    return decisions.score(_con, setup)  # read-only arrays: shared, never copied


@st.cache_data(show_spinner=False, max_entries=256)
def _decision(_con: duckdb.DuckDBPyConnection, what: str, setup, args: tuple):
    from analytics import decisions

    if what == "compare":
        return decisions.compare(_con, setup, *args, scored=_scored(_con, setup))
    if what == "equal":
        return decisions.at_expert_rate(_con, setup, *args)
    if what == "curve":
        return decisions.strategy_curve(_con, setup, *args, scored=_scored(_con, setup))
    if what == "cutoff":
        return decisions.pd_cutoff(_con, setup, *args, scored=_scored(_con, setup))
    if what == "officers":
        return decisions.officer_consistency(_con, setup, *args)
    return decisions.disagreements(_con, setup, *args)


def decision(con: duckdb.DuckDBPyConnection, what: str, setup, *args: object):
    """A cached ``analytics.decisions`` result: ``compare``, ``equal`` (at the expert's rate), ``curve``,
    ``cutoff``, ``officers`` or ``disagreements``, keyed by the setup (its table's context holds the version, roles
    and default definition). Compare, curve and cutoff share the setup's scored applications (``decisions.score``,
    one scan per setup)."""
    return _decision(con, what, setup, args)


@st.cache_data(show_spinner=False, max_entries=256)
def _loan_applicant(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, loan_id: str) -> dict:
    from analytics import decisions

    return decisions.loan_applicant(_con, ctx, loan_id)


def loan_applicant(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, loan_id: str) -> dict:
    """One loan's whole row (``decisions.loan_applicant``), cached per context."""
    return _loan_applicant(con, ctx, loan_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _expert_default(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext):
    from analytics import decisions

    return decisions.default_source(_con, ctx)


def expert_default(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext):
    """The table's default expert source (``decisions.default_source``), cached per context."""
    return _expert_default(con, ctx)


@st.cache_data(show_spinner=False, max_entries=64)
def _expert_check(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, source) -> tuple:
    from analytics import decisions

    return decisions.reject_sql(_con, ctx, source)


def expert_check(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, source) -> tuple:
    """``decisions.reject_sql`` of a source on a table (raises the user error when it does not fit), cached."""
    return _expert_check(con, ctx, source)


@st.cache_data(show_spinner=False, max_entries=512)
def _chart_spec(name: str, args: tuple, options: tuple, language: str) -> dict:
    from analytics import charts

    def tr(key: str, /, **params: object) -> str:
        return translate(key, language, **params)

    from streamlit import dataframe_util

    spec = getattr(charts, name)(*args, tr, **dict(options)).to_dict()
    for dataset, values in spec.get("datasets", {}).items():  # as Arrow bytes, the form st.altair_chart sends
        spec["datasets"][dataset] = dataframe_util.convert_anything_to_arrow_bytes(values)
    return spec


def chart_spec(name: str, *args: object, **options: object) -> dict:
    """The Vega-Lite spec of ``charts.<name>(*args, t, **options)`` in the session's language, its data already
    Arrow bytes, cached per data: building, validating and converting an Altair chart costs tens of milliseconds,
    drawing a cached spec almost nothing."""
    return _chart_spec(name, args, tuple(sorted(options.items())), lang())


@st.cache_data(show_spinner=False, max_entries=16)
def _whatif_base(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, _model, model_key: tuple):
    from analytics import decisions

    ranges = decisions.factor_ranges(_con, ctx, _model)
    return ranges, decisions.typical_applicant(_con, ctx, ranges)


def whatif_base(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, saved) -> tuple[dict, dict]:
    """The model's factor ranges in a table and the typical (reference) applicant, cached per model, version and
    table context."""
    return _whatif_base(con, ctx, saved, (saved.name, saved.version, saved.fingerprint))


@st.cache_data(show_spinner=False, max_entries=16)
def _quiz_items(_con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, n: int, seed: int, outcome_kind: str):
    from analytics import decisions

    return decisions.quiz_items(_con, ctx, n, seed, outcome_kind)


def quiz_items(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, n: int, seed: int, outcome_kind: str):
    """The quiz's loan ids for a seed, cached per table context (version and default definition)."""
    return _quiz_items(con, ctx, n, seed, outcome_kind)


# --- Model page ---------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def _model_levels(_con: duckdb.DuckDBPyConnection, table: str, column: str, version: tuple) -> list[str]:
    from analytics import model

    return model.sorted_levels(store.distinct_values(_con, table, column, limit=model.MAX_LEVELS))


def model_levels(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    """A column's levels in the model's order (its reference level by default first), cached per table version."""
    return _model_levels(con, table, column, table_version(con, table))


def model_names(con: duckdb.DuckDBPyConnection, table: str | None, widget_key: str) -> list[str]:
    """The table's saved model names for a page's model picker, whose choice is shared across pages; without a
    saved model the page stops with a pointer to the Model page."""
    from analytics import model

    models = model.list_models(con, table) if table else None
    if models is None or models.empty:
        st.info(t("decisions.no_models", table=table) if table else t("app.no_tables"))
        st.stop()
    names = list(dict.fromkeys(models["name"]))
    if st.session_state.get("model_name") not in names:
        st.session_state["model_name"] = names[0]
    st.session_state[widget_key] = st.session_state["model_name"]
    return names


def pick_model(con: duckdb.DuckDBPyConnection, table: str | None, widget_key: str, where) -> Any:
    """The saved model chosen in ``where`` (a column); the choice is shared by the pages that score loans."""
    names = model_names(con, table, widget_key)
    name = where.selectbox(
        t("decisions.model"),
        names,
        key=widget_key,
        on_change=lambda: st.session_state.update(model_name=st.session_state[widget_key]),
    )
    return saved_model(con, name)
