"""Expert vs model's review zones tab: two cutoffs instead of one (the model approves below the first, rejects from
the second, the officers review the rest), the expert inside the review zone, the officers' workload and what the
review share does to the book's bad rate. Every figure comes from ``analytics.decisions`` (``_zones``)."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import decisions
from analytics.charts import review_curve_chart
from ui import cache, charts, session, tables, text, widgets

PD_RANGE = widgets.PD_CUTOFF_RANGE
MINUTES_PER_FILE = 60.0  # an officer's time on one application: visit, documents, committee
MINUTES_PER_DAY = 480.0  # a working day of eight hours


def _band(cutoff: float) -> decisions.ReviewBand | None:
    """The review band from the range slider (starting around the comparison's cutoff)."""
    start = (round(max(cutoff / 2, PD_RANGE[0]), 3), round(min(cutoff * 1.5, PD_RANGE[1]), 3))
    low, high = st.slider(
        text.t("zones.band"),
        min_value=PD_RANGE[0],
        max_value=PD_RANGE[1],
        step=0.001,
        format="percent",
        key=session.widget("ev_band", default=start),
        help=text.t("zones.band_help"),
    )
    return widgets.attempt(decisions.ReviewBand, low, high)


def _zone_table(found: decisions.Zones) -> None:
    names = [text.t(f"zones.zone.{zone}") for zone in found.table["zone"]]
    tables.show(found.table.assign(zone=names), width="stretch")
    if found.empty:
        st.info(text.t("zones.empty", zones=", ".join(text.t(f"zones.zone.{zone}") for zone in found.empty)))


def _review(found: decisions.Zones, outcome: str) -> None:
    """The expert's decisions inside the review zone and the book that follows them there."""
    st.markdown(f"**{text.t('zones.review_title')}**")
    review, book = found.review, found.book
    tiles = st.columns(4)
    figures = (
        ("zones.expert_approval_rate", review["expert_approval_rate"]),
        ("zones.bad_rate_expert_approved", review["bad_rate_expert_approved"]),
        ("zones.bad_rate_expert_rejected", review["bad_rate_expert_rejected"]),
        ("zones.book_bad_rate", book["bad_rate_approved"]),
    )
    for where, (key, value) in zip(tiles, figures, strict=True):
        where.metric(text.t(key), text.figure(value, "share"), border=True)
    rates = {"approval": text.figure(book["approval_rate"], "share"), "n": book["approved"]}
    st.caption(text.t("zones.book_caption", **rates))
    if outcome == "actual":
        st.caption(text.t("zones.rejected_unknown"))


def _workload(con: duckdb.DuckDBPyConnection, setup: decisions.Setup, found: decisions.Zones) -> None:
    """Applications per officer per month today and with the band, and the officer-days saved."""
    st.markdown(f"**{text.t('zones.workload_title')}**")
    inputs = st.columns(2)
    per_file = inputs[0].number_input(
        text.t("zones.minutes_per_file"),
        min_value=1.0,
        step=5.0,
        key=session.widget("ev_minutes_file", default=MINUTES_PER_FILE),
    )
    per_day = inputs[1].number_input(
        text.t("zones.minutes_per_day"),
        min_value=1.0,
        step=30.0,
        key=session.widget("ev_minutes_day", default=MINUTES_PER_DAY),
    )
    staff = widgets.attempt(cache.data, decisions.officer_months, con, setup)
    work = staff and widgets.attempt(decisions.workload, found, staff, per_file, per_day)
    if not work:
        return
    figures = (
        ("zones.per_officer_month_today", work.per_officer_month_today),
        ("zones.per_officer_month_review", work.per_officer_month_review),
        ("zones.officer_days_saved", work.officer_days_saved),
        ("zones.officer_days_per_month", work.officer_days_saved_per_month),
    )
    for where, (key, value) in zip(st.columns(4), figures, strict=True):
        where.metric(text.t(key), text.figure(value, "number"), border=True)
    st.caption(
        text.t(
            "zones.workload_caption",
            officers=work.officers,
            months=work.months,
            officer_months=work.officer_months,
            saved=work.files_saved,
        )
    )


def tab(
    con: duckdb.DuckDBPyConnection,
    setup: decisions.Setup,
    scored: object,
    cutoff: float,
    outcome: str,
) -> None:
    """The review zones tab of a comparison (``scored``: its applications scored once)."""
    st.caption(text.t("zones.intro"))
    band = _band(cutoff)
    found = band and widgets.attempt(decisions.zones, scored, band)
    if not found:
        return
    _zone_table(found)
    _review(found, outcome)
    _workload(con, setup, found)
    st.markdown(f"**{text.t('zones.curve_title')}**")
    curve = widgets.attempt(decisions.review_curve, scored, band.approve_below)
    if curve is not None:
        current = (float(found.table["share"].iloc[1]), found.book["bad_rate_approved"])
        charts.show(review_curve_chart, curve, current)
        st.caption(text.t("zones.curve_help", cutoff=text.figure(band.approve_below, "pd")))
