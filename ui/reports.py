"""Documents from the pages: the model development report of a saved version (Model page). The documents
themselves are built in ``analytics.reports``."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import model, reports
from ui import session, text

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
