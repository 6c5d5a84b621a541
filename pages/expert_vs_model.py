"""Expert vs model: where the officers' judgement and the model agree, and what each costs."""

import streamlit as st

import ui
from analytics import datasets, decisions, store
from analytics.core import TEXT

con = ui.db()
table = ui.active_table(con)
key = ui.decision_key(con, table) if table else None  # the cache key of every result below, once per run
st.title(ui.t("decisions.title"))
ui.show_flash("ev_flash")
types = dict(store.table_columns(con, table))
table_roles = dict(key[1]) if key else {}  # the key holds the table's roles (``ui.decision_key``)
recorded = [c for k in ("expert_decision", "expert_score") for c in datasets.columns_with_role(table_roles, k)]
PERCENT = ("rate", "agreement", "leniency", "pd")


def show(frame, **kwargs) -> None:
    """A table with headers in the user's words and shares as percentages."""
    labels = {c: ui.t(f"decisions.col.{c}") if f"decisions.col.{c}" in TEXT else c for c in frame.columns}
    shares = [c for c in frame if c.endswith(PERCENT)]
    percent = {labels[c]: st.column_config.NumberColumn(format=ui.PERCENT_FORMAT) for c in shares}
    shown = ui.as_percentages(frame, shares).rename(columns=labels)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=percent, **kwargs)


top = st.columns(3)
saved = ui.pick_model(con, table, "ev_model", top[0])
kind = top[1].radio(
    ui.t("expert.source"),
    ["recorded", "rules"] if recorded else ["rules"],
    key="ev_kind",
    horizontal=True,
    format_func=lambda k: ui.t(f"expert.kind.{k}"),
)
outcomes = list(decisions.OUTCOMES) if decisions.SIMULATED_OUTCOME in types else ["actual"]
outcome_kind = top[2].radio(
    ui.t("decisions.outcome"),
    outcomes,
    key="ev_outcome",
    horizontal=True,
    format_func=lambda k: ui.t(f"decisions.outcome.{k}"),
)


with st.expander(ui.t(f"expert.kind.{kind}"), expanded=kind == "rules"):
    source = ui.expert_source_editor(con, table, kind, recorded)
options, average = ui.decision_options(con, table, key)
with st.expander(ui.t("decisions.filters_and_money")):
    cols = st.columns(4)
    chosen = {
        k: cols[i].multiselect(ui.t(f"decisions.filter.{k}"), options[k], key=f"ev_filter_{k}")
        for i, k in enumerate(decisions.FILTER_ROLES)
        if options[k]
    }
    period = (
        cols[3].date_input(ui.t("decisions.period"), options["period"], key="ev_period") if options["period"] else ()
    )
    start, end = (*period, None, None)[:2]
    money = st.columns(3)
    exposure = round(average or 10_000.0, -2)
    econ = ui.attempt(
        decisions.Economics,
        lgd=money[0].number_input(ui.t("decisions.lgd"), 0.0, 1.0, 0.45, 0.05),
        margin=money[1].number_input(ui.t("decisions.margin"), -1.0, 1.0, 0.08, 0.01),
        exposure=money[2].number_input(ui.t("decisions.exposure"), 0.0, None, exposure, 1000.0),
    )
if source is None or econ is None:
    st.stop()
filters = decisions.Filters(**chosen, start=start, end=end)
setup = decisions.Setup.from_model(table, saved, source, outcome=outcome_kind, filters=filters)
st.session_state["expert_source"] = source


def pick_cutoff() -> None:
    """A click on the strategy curve sets the PD cutoff."""
    picked = st.session_state["ev_curve"].selection.get("pick") or []
    if picked:
        st.session_state.update(ev_cut_kind="pd", ev_cut_pd=min(max(round(picked[0]["cutoff"], 3), 0.005), 0.8))


@st.fragment
def comparison() -> None:
    """The cutoff and everything that depends on it (only this part reruns when the cutoff moves)."""
    left, right = st.columns([1, 3])
    cut_kind = left.radio(
        ui.t("decisions.cutoff_kind"),
        ["pd", "score", "approval_rate"],
        key="ev_cut_kind",
        format_func=lambda k: ui.t(f"decisions.cutoff.{k}"),
    )
    start_pd = st.session_state.get("cutoff_pd", 0.15)
    if cut_kind == "pd":
        value = right.slider(ui.t("decisions.cutoff_pd"), 0.005, 0.8, start_pd, 0.001, key="ev_cut_pd")
    elif cut_kind == "score":
        score = round(decisions.pd_to_score(start_pd, saved.scaling))
        value = right.slider(ui.t("decisions.cutoff_score"), 300, 900, score, key="ev_cut_score")
    else:
        value = right.slider(ui.t("decisions.cutoff_rate"), 0.05, 0.99, 0.75, 0.01, key="ev_cut_rate")
    cutoff = ui.attempt(ui.decision, con, "cutoff", setup, decisions.Cutoff(cut_kind, value), saved.scaling, key=key)
    result = cutoff and ui.attempt(ui.decision, con, "compare", setup, cutoff, econ, key=key)
    if not result:
        return
    st.session_state["cutoff_pd"] = cutoff
    score = decisions.pd_to_score(cutoff, saved.scaling)
    st.caption(ui.t("decisions.cutoff_caption", pd=cutoff, score=score, **result.counts))
    if outcome_kind == "actual" and result.counts["no_outcome"] and not result.expert[:, 1].sum():
        st.info(ui.t("decisions.no_rejected_outcomes"))
    sides = {"expert": "outcome", "model": "outcome", "agreement": "agreement"}
    for col, (side, kind_) in zip(st.columns(3), sides.items(), strict=True):
        col.markdown(f"**{ui.t(f'decisions.matrix.{side}')}**")
        matrix = decisions.confusion_table(getattr(result, side), kind_)
        col.vega_lite_chart(ui.chart_spec("confusion_chart", matrix, kind_), width="stretch")
    col.caption(ui.t("decisions.kappa", kappa=result.kappa))
    equal = ui.decision(con, "equal", setup, econ, key=key)
    if equal.approved < result.counts["evaluated"]:  # the expert rejected some of the evaluated loans
        sentence = "decisions.equal_more" if equal.fewer_defaults < 0 else "decisions.equal_fewer"
        st.markdown(ui.t(sentence, n=abs(equal.fewer_defaults), loss=abs(equal.less_loss), approved=equal.approved))
    metrics = decisions.formatted_metrics(result)
    show(metrics.assign(metric=[ui.t(f"decisions.metric.{m}") for m in metrics["metric"]]))
    points = [tuple(result.metrics.loc[["approval_rate", "bad_rate_approved"], s]) for s in ("expert", "model")]
    chart = ui.chart_spec("strategy_chart", ui.decision(con, "curve", setup, econ, key=key), *points)
    st.vega_lite_chart(chart, key="ev_curve", on_select=pick_cutoff, selection_mode="pick", width="stretch")
    st.caption(ui.t("decisions.curve_help"))
    disagree, officers = st.tabs([ui.t("decisions.tab_disagreements"), ui.t("decisions.tab_officers")])
    with disagree:
        factors = tuple(f.column for f in saved.spec.factors)
        counts, rows = ui.decision(con, "disagreements", setup, cutoff, factors, 50, key=key)
        n = dict(zip(counts["cell"], counts["loans"], strict=True))
        cell = st.selectbox(
            ui.t("decisions.cell"),
            decisions.CELLS,
            key="ev_cell",
            format_func=lambda c: ui.t(f"decisions.cell.{c}", n=n[c]),
        )
        shown = rows[rows["cell"] == cell].drop(columns="cell")
        shown = shown.assign(reasons=decisions.top_reasons(saved, shown, ui.whatif_base(con, table, saved, key)[1]))
        show(shown)
        ui.download_csv(shown, f"disagreements_{cell}.csv")
        if len(shown):
            pick, go = st.columns([3, 1], vertical_alignment="bottom")
            loan = pick.selectbox(ui.t("decisions.pick_loan"), shown["loan_id"], key="ev_pick_loan")
            if go.button(ui.t("decisions.to_whatif"), key="ev_to_whatif"):
                st.session_state["whatif_loan"] = loan
                st.switch_page("pages/what_if.py")
    with officers:
        groups = [g for g in ("officer", "branch") if datasets.columns_with_role(table_roles, g)]
        by = groups and st.radio(
            ui.t("decisions.by"),
            groups,
            horizontal=True,
            key="ev_by",
            format_func=lambda g: ui.t(f"decisions.filter.{g}"),
        )
        frame = ui.attempt(ui.decision, con, "officers", setup, cutoff, by, key=key) if by else None
        if frame is not None and len(frame):
            st.vega_lite_chart(ui.chart_spec("officer_chart", frame), width="stretch")
            show(frame)
            st.caption(ui.t("decisions.officer_help", flag=decisions.OVERRIDE_FLAG_RATE))
            ui.download_csv(frame, f"consistency_by_{by}.csv")


comparison()
