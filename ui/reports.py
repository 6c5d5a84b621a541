"""Documents from the pages: the model development report of a saved version (Model page) and the audit trail
viewer (Data page). The documents themselves are built in ``analytics.reports``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import streamlit as st

from analytics import core, model, reports
from ui import session, tables, text, widgets

MIME = {
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def model_report_download(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Pick a saved version of the table's models and a format; the report is written when downloaded, in the
    session's language, at the PD cutoff chosen on the Expert vs model page."""
    versions = model.list_models(con, table)
    with st.expander(text.t("report.model_title"), icon=":material/description:"):
        if versions.empty:
            st.caption(text.t("report.download.none"))
            return
        refs = {f"{n} v{v}": (n, int(v)) for n, v in zip(versions["name"], versions["version"], strict=True)}
        labels = list(refs)
        left, right = st.columns([2, 1])
        picked = left.selectbox(
            text.t("report.download.version"), labels, key=session.widget("report_version", options=labels)
        )
        fmt = right.radio(
            text.t("report.download.format"),
            reports.FORMATS,
            horizontal=True,
            format_func=text.labels("report.format"),
            key=session.widget("report_format"),
        )
        cutoff = session.get("cutoff_pd")
        st.caption(text.t("report.download.help", pd=text.figure(cutoff, "pd")))
        name, version = refs[picked]
        lang = text.lang()

        def build() -> bytes:
            """Run when the button is pressed, on a cursor of its own (the page's run has ended by then)."""
            cursor = con.cursor()
            try:
                document = reports.model_report(cursor, name, version, lang, cutoff=cutoff)
                return reports.render(document, fmt)
            finally:
                cursor.close()

        st.download_button(
            text.t("report.download.button"),
            build,
            f"{name}_v{version}_report.{fmt}",
            MIME[fmt],
            type="primary",
            key=session.widget("report_download"),
        )


def _action_labels() -> Callable[[str], str]:
    """A ``format_func`` writing a recorded action as "model: saved", fixed to the language now (Streamlit may
    call it outside the script run)."""
    lang = text.lang()

    def label(action: str) -> str:
        verb, kind = reports.ACTIONS.get(action, (None, None))
        if verb is None:
            return action
        return f"{core.t(f'audit.object.{kind}', lang)}: {core.t(f'audit.verb.{verb}', lang)}"

    return label


def audit_viewer(con: duckdb.DuckDBPyConnection) -> None:
    """The audit trail, filtered by action, object and dates, with a CSV of what is shown."""
    st.caption(text.t("audit.help"))
    everything = reports.audit_trail(con, lang=text.lang())
    if everything.empty:
        st.info(text.t("audit.empty"))
        return
    actions = reports.audit_actions(con)
    first = min(everything["saved_at"]).date()
    last = max(max(everything["saved_at"]).date(), dt.date.today())
    left, middle, right = st.columns(3)
    chosen = left.multiselect(
        text.t("audit.actions"),
        actions,
        format_func=_action_labels(),
        placeholder=text.t("app.choose"),
        key=session.widget("audit_actions", options=actions),
    )
    name = middle.text_input(text.t("audit.object_name"), key=session.widget("audit_object"))
    dates = right.date_input(text.t("audit.dates"), **session.range_widget("audit_dates", default=(first, last)))
    start, end = (*dates, None, None)[:2]  # a range being picked has one date
    trail = widgets.attempt(
        reports.audit_trail, con, actions=chosen, object_name=name or None, start=start, end=end, lang=text.lang()
    )
    if trail is None:
        return
    st.caption(text.t("audit.shown", n=len(trail), total=len(everything)))
    shown = trail.drop(columns=["action_key"])
    tables.show(shown, width="stretch")
    st.download_button(
        text.t("data.download_csv"),
        reports.audit_csv(trail, text.lang()),
        "audit_trail.csv",
        "text/csv",
        key=session.widget("audit_csv"),
    )
