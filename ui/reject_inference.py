"""The Model page's reject inference: each method next to the booked-only model and, on the sample portfolio, the
through-the-door model fitted on the simulated truth. The figures come from ``model.compare_reject_inference``."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import model
from analytics.datasets import TableContext
from ui import session, tables, text, widgets

MODELS = ("booked", "hard", "fuzzy", "parcel", "truth")
SHORT = {m: f"reject.short.{m}" for m in ("booked", "fuzzy", "truth")}  # the coefficient table's short headers


def view(con: duckdb.DuckDBPyConnection, ctx: TableContext, fitted: model.FittedModel) -> None:
    """The methods explained, K and the PD cutoff, and the comparison of the fitted model's specification."""
    if ctx.column_with_role("booked") is None:
        return
    with st.expander(text.t("reject.title"), icon=":material/call_split:"):
        st.markdown(text.t("reject.intro"))
        for method in model.REJECT_METHODS:
            st.markdown(text.t(f"reject.method.{method}"))
        factor_cell, cutoff_cell = st.columns(2)
        factor = factor_cell.number_input(
            text.t("reject.factor"), 0.1, 10.0, step=0.1, key=session.widget("ri_factor", default=1.0)
        )
        cutoff = widgets.pd_cutoff(text.t("reject.cutoff"), "ri_cutoff", where=cutoff_cell)
        st.caption(text.t("reject.seed", seed=fitted.spec.seed))
        if st.button(text.t("reject.run"), type="primary", key=session.widget("ri_run")):
            with st.spinner(text.t("reject.running")):
                found = widgets.attempt(
                    model.compare_reject_inference, con, ctx, fitted.spec, factor=float(factor), cutoff=cutoff
                )
            session.put("ri_result", (fitted.spec, found) if found else None)
        kept = session.get("ri_result")
        if kept is None or kept[0] != fitted.spec:
            return
        _show(kept[1])


def _show(result: model.RejectComparison) -> None:
    """The metrics per model, the coefficients side by side, what fuzzy augmentation did, the parceling bands."""
    names = {m: text.t(f"reject.model.{m}") for m in MODELS}
    st.caption(
        text.t(
            "reject.used",
            rejects=result.rejects,
            unscorable=result.unscorable,
            factor=text.value(result.factor),
            cutoff=text.figure(result.cutoff, "pd"),
        )
    )
    tables.show(result.metrics.assign(model=result.metrics["model"].map(names)))
    st.caption(text.t("reject.on_truth" if result.simulated else "reject.on_booked"))
    shown = [m for m in MODELS if m in result.coefficients.columns]
    coefficients = result.coefficients.replace({"term": {model.CONST: text.t(f"model.word.{model.CONST}")}})
    short = {m: text.t(SHORT[m]) if m in SHORT else names[m] for m in shown}  # five models side by side
    tables.show(coefficients, labels=short, kinds=dict.fromkeys(shown, "coef"))
    gap = f"{result.fuzzy_gap:.1e}"
    st.info(text.t("reject.fuzzy_same" if result.factor == 1 else "reject.fuzzy_moved", gap=gap))
    st.warning(text.t("reject.limits"))
    st.caption(text.t("reject.bands"))
    tables.show(result.bands)
