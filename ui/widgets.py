"""Widgets and messages the pages share: the confirmation after a save, user errors, the saved-model picker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st

from analytics import core, model, store
from ui import cache, session, text

_log = logging.getLogger(__name__)


def flash() -> None:
    """Show, once, the confirmation a page stored (``session.put("flash", ...)``) before its ``st.rerun()``.

    The slot always exists, so the widgets after it keep their identity: otherwise tabs below a message that
    comes and goes jump back to the first tab on the next rerun.
    """
    slot = st.empty()
    message = session.pop("flash")
    if message:
        slot.success(message)


def attempt(action: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``action(*args, **kwargs)``; any failure is shown as one sentence in the page's language (a user error as
    it is, others by cause: full disk, read-only database, conflict ...) and gives None instead."""
    try:
        return action(*args, **kwargs)
    except Exception as exc:
        show_error(exc)
        return None


def save(action: Callable[[], Any], done: str) -> bool:
    """Run a saving ``action``; confirm with ``done`` or show the failure as one sentence. True when saved."""
    try:
        action()
    except Exception as exc:
        show_error(exc)
        return False
    st.success(done)
    return True


def guarded(run: Callable[[], Any]) -> None:
    """Run a page: a failure nothing else caught shows as one sentence, never as a traceback in the browser."""
    try:
        run()
    except Exception as exc:
        show_error(exc)


def show_error(exc: Exception) -> None:
    """``st.error`` with the one sentence for ``exc``; the traceback of a failure that is not the user's goes to
    the server's log, where an administrator can find it."""
    if not isinstance(exc, core.RiskLabError):
        _log.log(logging.WARNING, "page failure shown to the user", exc_info=exc)
    st.error(text.message(store.user_error(exc)))


def filters(name: str, options: dict[str, list], label: Callable[[str], str], placeholder: str) -> dict[str, tuple]:
    """One multiselect per dimension, side by side (``options``: ``{dimension: values}``), keyed
    ``<name>_<dimension>`` (they survive page switches when ``name`` is declared so); nothing chosen means all.
    Returns ``{dimension: chosen values}``."""
    chosen = {}
    for column, (dimension, values) in zip(st.columns(max(len(options), 1)), options.items(), strict=False):
        picked = column.multiselect(
            label(dimension),
            values,
            placeholder=placeholder,
            key=session.widget(name, dimension, default=[], options=values),
        )
        chosen[dimension] = tuple(picked)
    return chosen


PD_CUTOFF_RANGE = (0.005, 0.8)  # every PD cutoff slider's range


OPEN_TAB = "tab"  # the query parameter a link sets to open a page on one of its tabs (?tab=provisions)


def opened_tab(tabs: dict[str, str]) -> str | None:
    """The label of the tab a link asked for (``{name in the link: tab label}``), else None: the first tab."""
    return tabs.get(str(st.query_params.get(OPEN_TAB, "")))


def pd_cutoff(label: str, name: str, where=st) -> float:
    """The slider of the PD cutoff that the pages share (value ``cutoff_pd``): moved on one page, it stands on
    all of them."""
    return where.slider(
        label,
        PD_CUTOFF_RANGE[0],
        PD_CUTOFF_RANGE[1],
        step=0.001,
        format="percent",
        **session.bound(name, value="cutoff_pd"),
    )


def saved_model(con: duckdb.DuckDBPyConnection, name: str) -> model.SavedModel:
    """The latest version of a saved model, cached until a model is saved or deleted."""
    return cache.data(model.load_model, con, name, depends_on=model.models_version(con))


def model_picker(con: duckdb.DuckDBPyConnection, table: str | None, name: str, where=st) -> model.SavedModel:
    """The saved model chosen in ``where`` with the widget ``name``; the choice is shared by the pages that score
    loans (``chosen_model``). Without a saved model the page stops with a pointer to the Model page."""
    models = model.list_models(con, table) if table else None
    if models is None or models.empty:
        st.info(text.t("decisions.no_models", table=table) if table else text.t("app.no_tables"))
        st.stop()
    names = list(dict.fromkeys(models["name"]))
    if session.get("chosen_model") not in names:
        session.put("chosen_model", names[0])
    picked = where.selectbox(text.column("model"), names, **session.bound(name, value="chosen_model"))
    return saved_model(con, picked)
