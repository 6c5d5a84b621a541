"""Segment scorecards at the UI edge: the Model page's pooled-versus-segment comparison, and the saved segment
models used as one scorecard set on the Expert vs model and What-if pages."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import decisions, model
from analytics.datasets import TableContext
from ui import cache, session, tables, text, widgets

RANKING = ["n", "events", "auc", "ks"]
CALIBRATION = ["bad_rate", "mean_pd", "hosmer_lemeshow", "hosmer_lemeshow_p"]


def _segment_columns(ctx: TableContext, spec: model.ModelSpec) -> list[str]:
    """Text-like columns a model can be split by (the segment role first), the model's factors left out."""
    factors = {f.column for f in spec.factors}
    options = [c for c, kinds in model.factor_treatments(ctx).items() if kinds[0] == "categorical" and c not in factors]
    first = ctx.column_with_role("segment")
    return sorted(options, key=lambda c: c != first)


def comparison(con: duckdb.DuckDBPyConnection, ctx: TableContext, spec: model.ModelSpec) -> None:
    """The Model page's expander: fit the spec pooled and per segment, compare them on each segment's holdout and
    save the segment models."""
    columns = _segment_columns(ctx, spec)
    if not columns or not spec.factors:
        return
    with st.expander(text.t("segments.expander"), expanded=session.get("seg_comparison") is not None):
        st.caption(text.t("segments.help"))
        column_cell, fit_cell = st.columns([3, 2], vertical_alignment="bottom")
        column = column_cell.selectbox(
            text.t("segments.column"), columns, key=session.widget("seg_column", default=columns[0], options=columns)
        )
        if fit_cell.button(text.t("segments.fit"), key=session.widget("seg_fit")):
            with st.spinner(text.t("segments.fitting")):
                session.put("seg_comparison", widgets.attempt(model.fit_segments, con, ctx, spec, column))
        found = session.get("seg_comparison")
        if found is None or found.pooled.spec.table != ctx.table:
            return
        for problem in found.problems:
            st.warning(text.message(problem))
        words = {w: text.t(f"segments.{w}") for w in ("pooled", "segment", "all")}
        shown = found.table.replace({"model": words, "segment": {"all": words["all"]}})
        for figures in (RANKING, CALIBRATION):  # two tables, each as wide as the page
            tables.show(shown[["segment", "model", *figures]], labels={"segment": found.column})
        st.caption(text.t("segments.sample", sample=text.t(f"split.{found.sample}")))
        if not found.scorecards().models:
            return
        name_cell, save_cell = st.columns([3, 2], vertical_alignment="bottom")
        name = name_cell.text_input(
            text.t("segments.save_name"), key=session.widget("seg_name", default=f"{ctx.table} scorecard")
        )
        if save_cell.button(text.t("segments.save"), key=session.widget("seg_save")):
            saved = widgets.attempt(model.save_segments, con, name, found)
            if saved:
                listed = ", ".join(f"{n} v{v}" for n, v in saved)
                session.put("flash", text.t("segments.saved", models=listed))
                st.rerun()


def _scorecard_set(con: duckdb.DuckDBPyConnection, ctx: TableContext, toggle: str, where) -> model.ScorecardSet | None:
    """The segment scorecard set the user turned on (None: off, or no saved segment models)."""
    columns = cache.data(model.segment_columns, con, ctx.table, depends_on=model.models_version(con))
    if not columns or not where.toggle(text.t("segments.use_set"), key=session.widget(toggle)):
        return None
    column = columns[0]
    if len(columns) > 1:
        column = where.selectbox(text.t("segments.set_column"), columns, key=session.widget(f"{toggle}_column"))
    return widgets.attempt(
        cache.data, model.scorecard_set, con, ctx.table, column, depends_on=model.models_version(con)
    )


def _coverage(con: duckdb.DuckDBPyConnection, ctx: TableContext, scorecards: model.ScorecardSet) -> None:
    """Which model scores each segment, and the applications no model scores (reported, never dropped)."""
    st.caption(text.t("segments.set_help", models=scorecards.label()))
    version = (model.models_version(con), scorecards.column)
    coverage = cache.data(model.set_coverage, con, ctx, depends_on=version, unhashed={"scorecards": scorecards})
    missing = coverage[coverage["model"].isna()]
    if len(missing):
        segments = ", ".join(str(v) for v in missing["segment"].fillna("–"))
        st.warning(text.t("segments.unscored", applications=int(missing["applications"].sum()), segments=segments))
    with st.expander(text.t("segments.coverage")):
        tables.show(coverage.fillna({"model": text.t("segments.no_model")}), labels={"segment": scorecards.column})


def set_setup(con: duckdb.DuckDBPyConnection, ctx: TableContext, setup: decisions.Setup, where=st) -> decisions.Setup:
    """Expert vs model: the setup scored by the segment scorecard set when the user turns it on (each application
    by its segment's model), else ``setup`` as it is."""
    scorecards = _scorecard_set(con, ctx, "ev_set", where)
    if scorecards is None:
        return setup
    _coverage(con, ctx, scorecards)
    sql, params = scorecards.pd_sql()
    return decisions.Setup(ctx, setup.expert, sql, params, setup.outcome, setup.filters, pd_columns=scorecards.columns)


def applicant_model(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, saved: model.SavedModel, best: dict, applicant: dict
) -> tuple[model.SavedModel, dict, object]:
    """What-if: the model that scores this applicant (its segment's, when the set is on and covers it), that
    model's best points (reason codes) and the model that scores the table's comparison (the set, or ``saved``)."""
    scorecards = _scorecard_set(con, ctx, "wi_set", st)
    if scorecards is None:
        return saved, best, saved
    value = applicant.get(scorecards.column)
    own = scorecards.model_for(value)
    if own is None:
        st.warning(text.t("segments.whatif_none", column=scorecards.column, value="–" if value is None else value))
        return saved, best, scorecards
    st.caption(
        text.t("segments.whatif_model", column=scorecards.column, value=value, model=f"{own.name} v{own.version}")
    )
    version = (own.name, own.version, own.fingerprint)
    ranges = widgets.attempt(cache.data, model.value_ranges, con, depends_on=version, unhashed={"saved": own})
    own_best = None if ranges is None else widgets.attempt(model.best_points, own, ranges)
    if own_best is None:
        return saved, best, scorecards
    return own, own_best, scorecards
