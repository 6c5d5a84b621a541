"""Expert vs model: where the officers' judgement and the model agree, and what each costs."""

import pandas as pd
import streamlit as st

from analytics import core, datasets, decisions, model
from analytics.charts import confusion_chart, officer_chart, strategy_chart
from ui import cache, charts, database, matrix_editor, review_zones, rule_editor, session, tables, text, widgets
from ui import provisions as provisions_ui
from ui import segments as segments_ui

CUTOFF_KINDS = ("pd", "score", "approval_rate")
PD_RANGE = widgets.PD_CUTOFF_RANGE
SCORE_RANGE = (300, 900)
MATRICES = {"expert": "outcome", "model": "outcome", "agreement": "agreement"}  # side: kind of matrix
ASSUMED = decisions.Economics()  # the loss and profit assumptions a new session starts from

con = database.connect()
table = database.active_table(con)
st.title(text.t("decisions.title"))
widgets.flash()
if table is None:
    st.info(text.t("app.no_tables"))
    st.stop()
ctx = datasets.table_context(con, table)
recorded = [*ctx.with_role("expert_decision"), *ctx.with_role("expert_score")]
kinds = ["recorded", "rules", "matrix"] if recorded else ["rules", "matrix"]
outcomes = list(decisions.OUTCOMES) if decisions.has_simulated_outcome(ctx) else ["actual"]
groups = [group for group in ("officer", "branch") if ctx.column_with_role(group)]
options = cache.data(decisions.filter_options, con, ctx)
average = cache.data(decisions.average_amount, con, ctx)

# --- the model, the expert side, filters and money -----------------------------------------------------------------

top = st.columns(3)
saved = widgets.model_picker(con, table, "ev_model", top[0])
kind = top[1].radio(
    text.t("expert.source"),
    kinds,
    key=session.widget("ev_kind", options=kinds),
    horizontal=True,
    format_func=text.labels("expert.kind"),
)
outcome = top[2].radio(
    text.t("decisions.outcome"),
    outcomes,
    key=session.widget("ev_outcome", default=outcomes[-1], options=outcomes),  # simulated when there is one
    horizontal=True,
    format_func=text.labels("decisions.outcome"),
)
with st.expander(text.t(f"expert.kind.{kind}"), expanded=kind != "recorded"):
    if kind == "matrix":
        source = matrix_editor.matrix_editor(con, ctx, saved)
    else:
        source = rule_editor.expert_source(con, ctx, kind, recorded)
with st.expander(text.t("decisions.filters_and_money")):
    filter_columns = st.columns(4)
    chosen = {}
    for where, role in zip(filter_columns, decisions.FILTER_ROLES, strict=False):
        if options[role]:
            key = session.widget("ev_filter", role, options=options[role])
            chosen[role] = where.multiselect(
                text.t(f"role.{role}"), options[role], placeholder=text.t("portfolio.all"), key=key
            )
    period = options["period"]
    if period and period[0] < period[1]:
        period = filter_columns[3].slider(
            text.t("decisions.period"),
            min_value=period[0],
            max_value=period[1],
            key=session.widget("ev_period", table, default=period),  # a pair of dates: a range slider
            format=core.DATE_COLUMN_FORMATS[text.lang()],
        )
    money = st.columns(3)
    lgd = money[0].number_input(
        text.t("decisions.lgd"),
        min_value=0.0,
        max_value=1.0,
        step=0.05,
        key=session.widget("ev_lgd", default=ASSUMED.lgd),
    )
    margin = money[1].number_input(
        text.t("decisions.margin"),
        min_value=-1.0,
        max_value=1.0,
        step=0.01,
        key=session.widget("ev_margin", default=ASSUMED.margin),
    )
    exposure = money[2].number_input(
        text.t("decisions.exposure"),
        min_value=0.0,
        step=1000.0,
        key=session.widget("ev_exposure", table, default=round(average or 10_000.0, -2)),
    )
econ = widgets.attempt(decisions.Economics, lgd=lgd, margin=margin, exposure=exposure)
if source is None or econ is None:
    st.stop()
session.put("expert_source", source)
start, end = period or (None, None)
filters = decisions.Filters(**chosen, start=start, end=end)
setup = decisions.Setup.from_model(ctx, saved, source, outcome=outcome, filters=filters)
setup = segments_ui.set_setup(con, ctx, setup, top[0])  # or each application by its segment's model

# --- what does not depend on the cutoff ----------------------------------------------------------------------------

scored = widgets.attempt(cache.shared, decisions.score, con, setup)  # the applications scored once per setup
if scored is None:
    st.stop()
equal = widgets.attempt(cache.data, decisions.at_expert_rate, con, setup, econ)
curve = widgets.attempt(cache.data, decisions.strategy_curve, con, setup, econ, unhashed={"scored": scored})
model_version = (saved.name, saved.version, saved.fingerprint)
value_ranges = widgets.attempt(cache.data, model.value_ranges, con, depends_on=model_version, unhashed={"saved": saved})
best = None if value_ranges is None else widgets.attempt(model.best_points, saved, value_ranges)  # reason codes
if best is None:
    st.stop()


def pick_cutoff() -> None:
    """A click on the strategy curve sets the PD cutoff (the sliders take it when they are drawn again)."""
    picked = st.session_state[session.widget_key("ev_curve")].selection.get("pick") or []
    if picked:
        session.set_widget("ev_cut_kind", value="pd")
        session.set_widget("ev_cut_pd", value=min(max(round(picked[0]["cutoff"], 3), PD_RANGE[0]), PD_RANGE[1]))


def metric_table(result) -> pd.DataFrame:
    """Both sides' metrics of a ``decisions.compare`` result, one per row, named and written as the column
    registry says (``decisions.METRIC_KINDS``)."""
    metrics = result.metrics.rename_axis("metric").reset_index()
    kinds = [decisions.METRIC_KINDS[m] for m in metrics["metric"]]
    written = {
        side: [text.figure(value, kind) for value, kind in zip(metrics[side], kinds, strict=True)]
        for side in ("expert", "model")
    }
    return pd.DataFrame({"metric": [text.column(m) for m in metrics["metric"]], **written})


@st.fragment
def comparison() -> None:
    """The cutoff and everything that depends on it (only this part reruns when the cutoff moves)."""
    start_pd = min(max(session.get("cutoff_pd"), PD_RANGE[0]), PD_RANGE[1])
    start_score = min(max(round(decisions.pd_to_score(start_pd, saved.scaling)), SCORE_RANGE[0]), SCORE_RANGE[1])
    left, right = st.columns([1, 3])
    cut_kind = left.radio(
        text.t("decisions.cutoff_kind"),
        CUTOFF_KINDS,
        key=session.widget("ev_cut_kind", options=CUTOFF_KINDS),
        format_func=text.column_labels(),
    )
    if cut_kind == "pd":
        value = right.slider(
            text.t("decisions.cutoff_pd"),
            min_value=PD_RANGE[0],
            max_value=PD_RANGE[1],
            step=0.001,
            format="percent",
            key=session.widget("ev_cut_pd", default=start_pd),
        )
    elif cut_kind == "score":
        value = right.slider(
            text.t("decisions.cutoff_score"),
            min_value=SCORE_RANGE[0],
            max_value=SCORE_RANGE[1],
            key=session.widget("ev_cut_score", default=start_score),
        )
    else:
        value = right.slider(
            text.t("decisions.cutoff_rate"),
            min_value=0.05,
            max_value=0.99,
            step=0.01,
            format="percent",
            key=session.widget("ev_cut_rate", default=0.75),
        )

    cutoff = widgets.attempt(
        cache.data,
        decisions.pd_cutoff,
        con,
        setup,
        decisions.Cutoff(cut_kind, value),
        saved.scaling,
        unhashed={"scored": scored},
    )
    result = cutoff and widgets.attempt(
        cache.data, decisions.compare, con, setup, cutoff, econ, unhashed={"scored": scored}
    )
    if not result:
        return
    session.put("cutoff_pd", cutoff)
    score = decisions.pd_to_score(cutoff, saved.scaling)
    expert_point = tuple(result.metrics.loc[["approval_rate", "bad_rate_approved"], "expert"])
    model_point = tuple(result.metrics.loc[["approval_rate", "bad_rate_approved"], "model"])

    figures = {"pd": text.figure(cutoff, "pd"), "score": text.figure(score, "score")}
    st.caption(text.t("decisions.cutoff_caption", **figures, **result.counts))
    if outcome == "actual" and not result.expert[:, 1].sum():  # booked loans only: the expert approved them all
        st.info(text.t("decisions.no_rejected_outcomes"))
    elif outcome == "simulated":
        st.caption(text.t("decisions.simulated_help"))
    matrix_columns = st.columns(3)
    for where, (side, matrix_kind) in zip(matrix_columns, MATRICES.items(), strict=True):
        where.markdown(f"**{text.t(f'decisions.matrix.{side}')}**")
        matrix = decisions.confusion_table(getattr(result, side), matrix_kind)
        charts.show(confusion_chart, matrix, matrix_kind, outcome=outcome, where=where)
    matrix_columns[2].caption(text.t("decisions.kappa", kappa=text.figure(result.kappa, "statistic")))
    if equal and equal.approved < result.counts["evaluated"]:  # the expert rejected some of the evaluated loans
        sentence = "decisions.equal_more" if equal.fewer_defaults < 0 else "decisions.equal_fewer"
        loss = text.figure(abs(equal.less_loss), "amount")
        st.markdown(text.t(sentence, n=abs(equal.fewer_defaults), loss=loss, approved=equal.approved))
    tables.show(metric_table(result), width="stretch")
    if curve is not None:
        charts.show(
            strategy_chart,
            curve,
            expert_point,
            model_point,
            key=session.widget("ev_curve"),
            on_select=pick_cutoff,
            selection_mode="pick",
        )
        st.caption(text.t("decisions.curve_help"))
    tab_names = [
        text.t("decisions.tab_disagreements"),
        text.t("decisions.tab_officers"),
        text.t("decisions.tab_pricing"),
        text.t("zones.tab"),
    ]
    disagreements_tab, officers_tab, pricing_tab, zones_tab = st.tabs(tab_names)

    with disagreements_tab:
        model_factors = tuple(factor.column for factor in saved.spec.factors)
        counts, rows = cache.data(decisions.disagreements, con, setup, cutoff, model_factors, 50)
        loans = dict(zip(counts["cell"], counts["loans"], strict=True))
        lang = text.lang()
        cell = st.selectbox(
            text.t("decisions.cell"),
            decisions.CELLS,
            key=session.widget("ev_cell"),
            format_func=lambda c: core.t(f"decisions.cell.{c}", lang, n=loans[c]),
        )
        shown = rows[rows["cell"] == cell].drop(columns="cell")
        codes = model.reason_codes(saved, shown, best)  # the factors that cost each loan the most points
        shown = pd.concat([shown, codes], axis=1)
        tables.show(shown, download=f"disagreements_{cell}.csv")
        st.caption(text.t("reasons.method"))
        if len(shown):
            pick, go = st.columns([3, 1], vertical_alignment="bottom")
            picks = list(shown["loan_id"])
            loan = pick.selectbox(
                text.t("decisions.pick_loan"), picks, key=session.widget("ev_pick_loan", options=picks)
            )
            to_whatif = go.button(text.t("decisions.to_whatif"), key=session.widget("ev_to_whatif"))
            if to_whatif:
                session.put("whatif_loan", loan)
                st.switch_page("pages/what_if.py")

    with officers_tab:
        if groups:
            by = st.radio(
                text.t("decisions.by"),
                groups,
                horizontal=True,
                key=session.widget("ev_by", options=groups),
                format_func=text.labels("role"),
            )
            frame = widgets.attempt(cache.data, decisions.officer_consistency, con, setup, cutoff, by)
            if frame is not None and len(frame):
                charts.show(officer_chart, frame)
                flagged = [text.t(f"decisions.flag.{bool(flag)}") for flag in frame["flag"]]
                tables.show(frame.assign(flag=flagged), download=f"consistency_by_{by}.csv")
                flag_rate = text.figure(decisions.OVERRIDE_FLAG_RATE, "share")
                st.caption(text.t("decisions.officer_help", flag=flag_rate))

    with pricing_tab:
        provisions_ui.pricing_tab(con, ctx, saved, cutoff)

    with zones_tab:
        review_zones.tab(con, setup, scored, cutoff, outcome)


comparison()
