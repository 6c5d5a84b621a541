"""The audit trail viewer of the Accounts and audit page: who did what and when, filtered by person, action,
object and dates, with a CSV of what is shown. The rows come from ``store.audit_trail``, the one reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import streamlit as st

from analytics import store
from ui import session, tables, text, widgets

EVERYONE = ""  # the person filter's first option: no filter


def _person_label() -> Callable[[str], str]:
    """A ``format_func`` for the person filter: "Everyone" for no filter (fixed to the language now, as
    Streamlit may call it outside the script run)."""
    everyone = text.t("audit.everyone")
    return lambda name: name or everyone


def _action_label() -> Callable[[str], str]:
    """A ``format_func`` writing a recorded action in words, fixed to the language now."""
    lang = text.lang()
    return lambda action: store.action_label(action, lang)


def viewer(con: duckdb.DuckDBPyConnection) -> None:
    """The audit trail, filtered by person, action, object name and dates, with a CSV of the rows shown."""
    st.caption(text.t("audit.help"))
    lang = text.lang()
    everything = store.audit_trail(con, lang=lang)
    if everything.empty:
        st.info(text.t("audit.empty"))
        return
    people = [EVERYONE, *sorted(set(everything["person"]) - {"-"})]  # "-": rows from before people were recorded
    actions = list(store.ACTIONS)
    first = min(everything["recorded_at"]).date()
    last = max(max(everything["recorded_at"]).date(), dt.date.today())
    top_left, top_right = st.columns(2)
    person = top_left.selectbox(
        text.t("audit.person"),
        people,
        format_func=_person_label(),
        key=session.widget("audit_person", options=people),
    )
    chosen = top_right.multiselect(
        text.t("audit.actions"),
        actions,
        format_func=_action_label(),
        placeholder=text.t("app.choose"),
        key=session.widget("audit_actions", options=actions),
    )
    left, right = st.columns(2)
    name = left.text_input(text.t("audit.object_name"), key=session.widget("audit_object"))
    dates = right.date_input(text.t("audit.dates"), **session.range_widget("audit_dates", default=(first, last)))
    start, end = (*dates, None, None)[:2]  # a range being picked has one date
    trail = widgets.attempt(
        store.audit_trail,
        con,
        person=person or None,
        actions=chosen,
        object_name=name or None,
        start=start,
        end=end,
        lang=lang,
    )
    if trail is None:
        return
    st.caption(text.t("audit.shown", n=len(trail), total=len(everything)))
    tables.show(trail, width="stretch")
    st.download_button(
        text.t("data.download_csv"),
        lambda: store.audit_csv(trail, lang),  # written when downloaded
        "audit_trail.csv",
        "text/csv",
        key=session.widget("audit_csv"),
    )
