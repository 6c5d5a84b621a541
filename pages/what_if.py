"""What-if and training: move one applicant's factors and watch the model and the expert decide; a quiz."""

import pandas as pd
import streamlit as st

import ui
from analytics import decisions

con = ui.db()
table = ui.active_table(con)
key = ui.decision_key(con, table) if table else None  # the cache key of the results below, once per run
st.title(ui.t("whatif.title"))
top = st.columns([2, 1])
saved = ui.pick_model(con, table, "wi_model", top[0])
ranges, reference = ui.whatif_base(con, table, saved, key)
source = st.session_state.get("expert_source") or ui.expert_default(con, table, key)
if source is not None and ui.attempt(ui.expert_check, con, table, source, key) is None:
    source = None
top[1].caption(ui.t(f"whatif.expert_is.{source.kind}" if source else "whatif.expert_is.none"))
cutoff_pd = st.session_state.get("cutoff_pd", 0.15)


def decision_text(reject: bool | None) -> str:
    return ui.t("whatif.unknown") if reject is None else ui.t(f"decisions.label.{'reject' if reject else 'approve'}")


def factor_widget(column: str, r: decisions.FactorRange, where) -> object:
    """A slider (numeric factors: the data's 1st-99th percentiles) or a select (levels by frequency)."""
    key = f"wi_f_{column}"
    if r.kind == "categorical":
        levels = list(dict.fromkeys([*r.levels, str(st.session_state.get(key, r.typical))]))
        return where.selectbox(column, levels, key=key)
    value = st.session_state.get(key, r.typical)
    low, high = min(r.low, value), max(r.high, value)
    cast = int if r.integer else float
    return where.slider(column, cast(low), cast(high), step=cast(r.step), key=key)


def applicant_view(applicant: dict, modified: bool) -> None:
    """The applicant through the model and the expert at the cutoff, contributions and the flip, and both
    confusion matrices for the whole table (only this part reruns when the cutoff moves)."""
    cutoff = st.slider(ui.t("decisions.cutoff_pd"), 0.005, 0.8, cutoff_pd, 0.001, key="wi_cutoff")
    st.session_state["cutoff_pd"] = cutoff
    show_expert = isinstance(source, decisions.RuleSet) or not modified
    result = ui.attempt(
        decisions.evaluate, con, table, saved, applicant, reference, cutoff, source if show_expert else None
    )
    if result is None:
        return
    tiles = st.columns(5)
    tiles[0].metric(ui.t("whatif.pd"), ui.percent(result.pd))
    tiles[1].metric(ui.t("whatif.score"), ui.number(result.score))
    tiles[2].metric(ui.t("whatif.grade"), result.grade)
    tiles[3].metric(ui.t("whatif.model_decision"), decision_text(result.model_reject))
    view = result.expert or {}
    tiles[4].metric(ui.t("whatif.expert_decision"), decision_text(view.get("reject")) if show_expert else "–")
    if "points" in view:
        st.caption(
            ui.t(
                "whatif.expert_points",
                points=view["points"],
                grade=view["grade"] or "–",
                knocked=ui.t(f"whatif.knocked.{view['knocked_out']}"),
            )
        )
    elif not show_expert:
        st.caption(ui.t("whatif.expert_changed"))
    flips = decisions.flips(saved, applicant, cutoff, ranges)
    if len(flips):
        first = flips.iloc[0]
        st.markdown(
            ui.t(
                f"whatif.flip.{first['direction']}",
                factor=first["factor"],
                value=first["new_value"],
                decision=ui.t(f"decisions.label.{first['decision']}"),
                pd=first["new_pd"],
            )
        )
    else:
        st.markdown(ui.t("whatif.no_flip"))
    unit = st.radio(
        ui.t("whatif.unit"),
        ["points", "contribution"],
        horizontal=True,
        key="wi_unit",
        format_func=lambda u: ui.t(f"whatif.col.{u}"),
    )
    start = saved.scaling.score(result.reference_log_odds) if unit == "points" else result.reference_log_odds
    st.vega_lite_chart(ui.chart_spec("waterfall_chart", result.contributions, start, value=unit), width="stretch")
    with st.expander(ui.t("whatif.details")):
        labels = {c: ui.t(f"whatif.col.{c}") for c in [*result.contributions.columns, *flips.columns]}
        st.dataframe(
            result.contributions.astype({"value": str, "reference": str}).rename(columns=labels), hide_index=True
        )
        flips = flips.assign(
            direction=[ui.t(f"whatif.direction.{d}") for d in flips["direction"]],
            decision=[ui.t(f"decisions.label.{d}") for d in flips["decision"]],
        )
        st.dataframe(flips.astype({"current": str, "new_value": str}).rename(columns=labels), hide_index=True)
    if source is not None:
        setup = decisions.Setup.from_model(table, saved, source)
        comparison = ui.attempt(ui.decision, con, "compare", setup, cutoff, decisions.Economics(), key=key)
        if comparison:
            for col, side in zip(st.columns(2), ("expert", "model"), strict=True):
                col.markdown(f"**{ui.t(f'decisions.matrix.{side}')}**")
                matrix = decisions.confusion_table(getattr(comparison, side), "outcome")
                col.vega_lite_chart(ui.chart_spec("confusion_chart", matrix, "outcome"), width="stretch")
            metrics = decisions.formatted_metrics(comparison)
            metrics["metric"] = [ui.t(f"decisions.metric.{m}") for m in metrics["metric"]]
            st.dataframe(metrics.rename(columns=lambda c: ui.t(f"decisions.col.{c}")), hide_index=True)


play, quiz = st.tabs([ui.t("whatif.tab_whatif"), ui.t("whatif.tab_quiz")])
with play:
    if pending := st.session_state.pop("whatif_loan", None):
        st.session_state.update(wi_start="loan", wi_loan=pending)
    start = st.radio(
        ui.t("whatif.start"),
        ["loan", "typical"],
        horizontal=True,
        key="wi_start",
        format_func=lambda s: ui.t(f"whatif.start.{s}"),
    )
    found = None
    if start == "loan":
        loan_id = st.text_input(ui.t("whatif.loan_id"), key="wi_loan", placeholder=ui.t("whatif.loan_placeholder"))
        found = ui.attempt(ui.loan_applicant, con, table, loan_id, key) if loan_id.strip() else None
    base = found or reference
    base_key = (saved.name, start, *(str(base.get(c)) for c in ranges))
    if st.session_state.get("wi_base") != base_key:  # a new applicant: the widgets start from its values
        for column, r in ranges.items():
            value = base.get(column) if base.get(column) is not None else r.typical
            st.session_state[f"wi_f_{column}"] = (
                str(value) if r.kind == "categorical" else (int if r.integer else float)(value)
            )
        st.session_state["wi_base"] = base_key
    cols = st.columns(3)
    values = {c: factor_widget(c, r, cols[i % 3]) for i, (c, r) in enumerate(ranges.items())}
    applicant = {**base, **values}
    modified = found is None or any(str(values[c]) != str(base.get(c)) for c in ranges)
    st.fragment(applicant_view)(applicant, modified)

with quiz:
    seed = st.number_input(ui.t("whatif.seed"), 1, 10_000, 1, key="quiz_seed")
    outcome_kind = "simulated" if decisions.has_simulated_outcome(con, table) else "actual"
    items = ui.quiz_items(con, table, 200, int(seed), outcome_kind, key)
    answers = st.session_state.setdefault("quiz_answers", [])
    position = len(answers) - (1 if st.session_state.get("quiz_revealed") else 0)
    loan = items[position % len(items)]
    st.caption(ui.t(f"whatif.quiz_help.{outcome_kind}", n=position + 1, cutoff=cutoff_pd))
    applicant = ui.loan_applicant(con, table, loan, key)
    facts = pd.DataFrame({"factor": list(ranges), "value": [str(applicant.get(c)) for c in ranges]})
    st.dataframe(facts.rename(columns=lambda c: ui.t(f"whatif.col.{c}")), hide_index=True)
    if not st.session_state.get("quiz_revealed"):
        approve, reject = st.columns(2)
        choice = "approve" if approve.button(ui.t("whatif.approve"), key="quiz_approve", width="stretch") else None
        choice = "reject" if reject.button(ui.t("whatif.reject"), key="quiz_reject", width="stretch") else choice
        if choice:
            pd_ = float(decisions.predict(saved, [applicant])[0])
            default = decisions.loan_outcome(con, table, loan, outcome_kind)
            answers.append(
                {
                    "loan_id": loan,
                    "trainee_reject": choice == "reject",
                    "model_reject": pd_ >= cutoff_pd,
                    "pd": pd_,
                    "default": default,
                }
            )
            st.session_state["quiz_revealed"] = True
            st.rerun()
    else:
        last = answers[-1]
        right = last["trainee_reject"] == bool(last["default"])
        st.markdown(
            ui.t(
                "whatif.reveal",
                pd=last["pd"],
                model=decision_text(last["model_reject"]),
                outcome=ui.t(f"decisions.label.{'default' if last['default'] else 'good'}"),
                verdict=ui.t(f"whatif.verdict.{right}"),
            )
        )
        if st.button(ui.t("whatif.next"), key="quiz_next", type="primary"):
            st.session_state["quiz_revealed"] = False
            st.rerun()
    if answers:
        tally = decisions.quiz_tally(answers)
        tally["who"] = [ui.t(f"whatif.who.{w}") for w in tally["who"]]
        percent = {ui.t("whatif.col.accuracy"): st.column_config.NumberColumn(format=ui.PERCENT_FORMAT)}
        shown = ui.as_percentages(tally, ["accuracy"]).rename(columns=lambda c: ui.t(f"whatif.col.{c}"))
        st.dataframe(shown, hide_index=True, column_config=percent)
        st.download_button(
            ui.t("whatif.download_sheet"), decisions.quiz_sheet(answers), "quiz_results.xlsx", key="quiz_download"
        )
        if st.button(ui.t("whatif.restart"), key="quiz_restart"):
            st.session_state.update(quiz_answers=[], quiz_revealed=False)
            st.rerun()
