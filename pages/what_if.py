"""What-if and training: move one applicant's factors and watch the model and the expert decide; a quiz."""

import pandas as pd
import streamlit as st

from analytics import charts as charts_
from analytics import datasets, decisions, model
from ui import cache, charts, database, session, tables, text, widgets
from ui import segments as segments_ui


def decision_text(reject: bool | None) -> str:
    """A decision in words (unknown when there is none)."""
    if reject is None:
        return text.t("whatif.unknown")
    return text.t("decisions.label.reject" if reject else "decisions.label.approve")


def setting(r: decisions.FactorRange, value: object) -> object:
    """A factor's value as its widget holds it: a level as text, a number as a whole number or a float."""
    if value is None:
        value = r.typical
    if r.kind == "categorical":
        return str(value)
    return int(value) if r.integer else float(value)


def display_name(column: str) -> str:
    """A column's display name in the session's language (set on the Data page), else its own name."""
    return names.get(column, column)


def named(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its factor column written in display names."""
    return frame.assign(factor=[display_name(c) for c in frame["factor"]])


def factor_widget(column: str, r: decisions.FactorRange, where) -> object:
    """A slider (numeric factors: the data's 1st-99th percentiles, widened to the value set) or a select (levels
    by frequency, with the value set)."""
    key = session.widget("wi_f", column, default=setting(r, r.typical))
    current = st.session_state[key]
    if r.kind == "categorical":
        levels = list(dict.fromkeys([*r.levels, current]))
        return where.selectbox(display_name(column), levels, key=key, help=column)
    cast = int if r.integer else float
    low, high = (cast(v) for v in r.bounds(current))  # the range every suggested change stays inside
    return where.slider(display_name(column), low, high, step=cast(r.step), format="localized", key=key, help=column)


def combination_text(changes: pd.DataFrame) -> str:
    """The smallest change over up to three factors in one sentence (its first combination), or that none flips."""
    if changes.empty:
        return text.t("whatif.no_combination", max=decisions.MAX_CHANGED)
    best = changes[changes["factors_changed"] == changes["factors_changed"].iloc[0]]
    parts = [
        text.t(
            "whatif.change",
            factor=display_name(row.factor),
            current=text.value(row.current),
            value=text.value(row.new_value),
        )
        for row in best.itertuples()
    ]
    return text.t(
        "whatif.combination",
        max=decisions.MAX_CHANGED,
        changes=text.t("whatif.change_separator").join(parts),
        decision=text.t(f"decisions.label.{best['decision'].iloc[0]}"),
        pd=text.figure(best["new_pd"].iloc[0], "pd"),
        distance=text.figure(best["total_distance"].iloc[0], "share"),
    )


def values_as_text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with the factor values in ``columns`` written as the sliders write them."""
    return frame.assign(**{c: [text.value(v) for v in frame[c]] for c in columns})


def reasons_text(reasons: pd.DataFrame) -> str:
    """The reason codes in one sentence: the factors that cost the applicant the most points, and how many."""
    if reasons.empty:
        return text.t("reasons.none")
    parts = [
        text.t("reasons.item", factor=display_name(row.factor), points=text.figure(row.points_lost, "score"))
        for row in reasons.itertuples()
    ]
    return text.t("reasons.sentence", reasons="; ".join(parts))


def applicant_view(applicant: dict, modified: bool, scoring: tuple) -> None:
    """The applicant through the model and the expert at the cutoff, contributions and the flip, and both
    confusion matrices for the whole table (only this part reruns when the cutoff moves). ``scoring``: the
    applicant's model, its best points and the model of the table's comparison (a segment scorecard set)."""
    saved, best, table_model = scoring
    cutoff_column, unit_column = st.columns([2, 1])
    cutoff = widgets.pd_cutoff(text.t("decisions.cutoff_pd"), "wi_cutoff", cutoff_column)
    unit = unit_column.radio(
        text.t("whatif.unit"),
        ["points", "contribution"],
        horizontal=True,
        format_func=text.column_labels(),
        key=session.widget("wi_unit"),
    )

    show_expert = isinstance(source, decisions.RuleSet | decisions.MatrixStrategy) or not modified  # rules decide anew
    expert_source = source if show_expert else None
    result = widgets.attempt(decisions.evaluate, con, ctx, saved, applicant, reference, cutoff, expert_source)
    if result is None:
        return
    flips = decisions.flips(saved, applicant, cutoff, ranges)
    comparison = None
    if source is not None:
        setup = decisions.Setup.from_model(ctx, table_model, source, outcome=outcome)
        scored = widgets.attempt(cache.shared, decisions.score, con, setup)
        economics = decisions.Economics()
        unhashed = {"scored": scored}
        if scored is not None:
            comparison = widgets.attempt(
                cache.data, decisions.compare, con, setup, cutoff, economics, unhashed=unhashed
            )

    tiles = st.columns(5)
    tiles[0].metric(text.column("pd"), text.figure(result.pd, "pd"))
    tiles[1].metric(text.column("score"), text.figure(result.score, "score"))
    tiles[2].metric(text.column("grade"), result.grade)
    tiles[3].metric(text.column("model"), decision_text(result.model_reject))
    expert = result.expert or {}
    tiles[4].metric(text.column("expert"), decision_text(expert.get("reject")) if show_expert else "–")
    if "points" in expert:
        knocked = text.t(f"whatif.knocked.{expert['knocked_out']}")
        points = text.figure(expert["points"], "score")
        st.caption(text.t("whatif.expert_points", points=points, grade=expert["grade"] or "–", knocked=knocked))
    elif not show_expert:
        st.caption(text.t("whatif.expert_changed"))
    if len(flips):
        first = flips.iloc[0]
        st.markdown(
            text.t(
                f"whatif.flip.{first['direction']}",
                factor=display_name(first["factor"]),
                value=text.value(first["new_value"]),
                decision=text.t(f"decisions.label.{first['decision']}"),
                pd=text.figure(first["new_pd"], "pd"),
            )
        )
    else:
        st.markdown(text.t("whatif.no_flip"))
    changes = decisions.smallest_change(saved, applicant, cutoff, ranges)
    st.markdown(combination_text(changes))
    reasons = model.applicant_reasons(saved, applicant, best)
    st.markdown(reasons_text(reasons))
    start = result.reference_score if unit == "points" else result.reference_log_odds
    charts.show(charts_.waterfall_chart, named(result.contributions), start, value=unit)
    with st.expander(text.t("whatif.details")):
        tables.show(values_as_text(named(result.contributions), "value", "reference"))
        flips = flips.assign(
            direction=[text.t(f"whatif.direction.{d}") for d in flips["direction"]],
            decision=[text.t(f"decisions.label.{d}") for d in flips["decision"]],
        )
        tables.show(values_as_text(named(flips), "current", "new_value"))
        st.caption(text.t("whatif.combinations"))
        tables.show(values_as_text(named(changes.drop(columns="decision")), "current", "new_value"))
        st.caption(text.t("reasons.method"))
        tables.show(named(reasons))
    if comparison is not None:
        for where, side in zip(st.columns(2), ("expert", "model"), strict=True):
            where.markdown(f"**{text.t(f'decisions.matrix.{side}')}**")
            matrix = decisions.confusion_table(getattr(comparison, side), "outcome")
            charts.show(charts_.confusion_chart, matrix, "outcome", outcome=outcome, where=where)
        metrics = comparison.metrics.rename_axis("metric").reset_index()
        kinds = [decisions.METRIC_KINDS[m] for m in metrics["metric"]]
        metrics = metrics.assign(
            metric=[text.column(m) for m in metrics["metric"]],
            expert=[text.figure(v, kind) for v, kind in zip(metrics["expert"], kinds, strict=True)],
            model=[text.figure(v, kind) for v, kind in zip(metrics["model"], kinds, strict=True)],
        )
        tables.show(metrics)


con = database.connect()
table = database.active_table(con)
st.title(text.t("whatif.title"))
model_column, expert_column = st.columns([2, 1])
saved = widgets.model_picker(con, table, "wi_model", model_column)
ctx = datasets.table_context(con, table)
model_version = (saved.name, saved.version, saved.fingerprint)
names = datasets.column_labels(con, table)[text.lang()]  # display names in the session's language
ranges = widgets.attempt(
    cache.data, decisions.factor_ranges, con, ctx, depends_on=model_version, unhashed={"model": saved}
)
if ranges is None:
    st.stop()
value_ranges = widgets.attempt(cache.data, model.value_ranges, con, depends_on=model_version, unhashed={"saved": saved})
best = None if value_ranges is None else widgets.attempt(model.best_points, saved, value_ranges)  # reason codes
if best is None:
    st.stop()
reference = cache.data(decisions.typical_applicant, con, ctx, depends_on=model_version, unhashed={"ranges": ranges})
source = session.get("expert_source") or cache.data(decisions.default_source, con, ctx)
if source is not None and widgets.attempt(cache.data, decisions.reject_sql, con, ctx, source) is None:
    source = None
expert_column.caption(text.t(f"whatif.expert_is.{source.kind}" if source else "whatif.expert_is.none"))
outcome = "simulated" if decisions.has_simulated_outcome(ctx) else "actual"  # both decisions judged alike


what_if_tab, quiz_tab = st.tabs([text.t("whatif.tab_whatif"), text.t("whatif.tab_quiz")])

with what_if_tab:
    asked_loan = session.pop("whatif_loan")
    if asked_loan:  # a loan sent here from the Expert vs model page
        session.set_widget("wi_start", value="loan")
        session.set_widget("wi_loan", value=asked_loan)
    start = st.radio(
        text.t("whatif.start"),
        ["loan", "typical"],
        horizontal=True,
        format_func=text.labels("whatif.start"),
        key=session.widget("wi_start", default="loan", options=["loan", "typical"]),
    )
    loan_id = ""
    if start == "loan":
        loan_id = st.text_input(
            text.t("whatif.loan_id"),
            placeholder=text.t("whatif.loan_placeholder"),
            key=session.widget("wi_loan"),
        )
    found = None
    if loan_id.strip():
        found = widgets.attempt(cache.data, decisions.loan_applicant, con, ctx, loan_id.strip())
    base = found or reference
    base_key = (saved.name, start, *(str(base.get(c)) for c in ranges))
    if session.get("wi_base") != base_key:  # a new applicant: the factors start from its values
        for column, r in ranges.items():
            session.set_widget("wi_f", column, value=setting(r, base.get(column)))
        session.put("wi_base", base_key)
    factor_columns = st.columns(3)
    values = {}
    for number, (column, r) in enumerate(ranges.items()):
        values[column] = factor_widget(column, r, factor_columns[number % 3])
    applicant = {**base, **values}
    modified = found is None or any(str(values[c]) != str(base.get(c)) for c in ranges)
    scoring = segments_ui.applicant_model(con, ctx, saved, best, applicant)  # its segment's model, when asked
    st.fragment(applicant_view)(applicant, modified, scoring)

with quiz_tab:
    seed = st.number_input(text.t("whatif.seed"), 1, 10_000, step=1, key=session.widget("quiz_seed", default=1))
    items = widgets.attempt(cache.data, decisions.quiz_items, con, ctx, 200, int(seed), outcome)
    if items is None:
        st.stop()
    cutoff_pd = session.get("cutoff_pd")
    answers = session.get("quiz_answers")
    revealed = session.get("quiz_revealed")
    position = len(answers) - (1 if revealed else 0)
    loan = items[position % len(items)]
    trainee_applicant = cache.data(decisions.loan_applicant, con, ctx, loan)
    facts = pd.DataFrame({"factor": list(ranges), "value": [trainee_applicant.get(c) for c in ranges]})

    st.caption(text.t(f"whatif.quiz_help.{outcome}", n=position + 1, cutoff=text.figure(cutoff_pd, "pd")))
    tables.show(values_as_text(named(facts), "value"))
    if not revealed:
        approve_column, reject_column = st.columns(2)
        approve = approve_column.button(
            text.t("decisions.label.approve"), width="stretch", key=session.widget("quiz_approve")
        )
        reject = reject_column.button(
            text.t("decisions.label.reject"), width="stretch", key=session.widget("quiz_reject")
        )
        if approve or reject:
            model_pd = float(decisions.predict(saved, [trainee_applicant])[0])
            answer = {
                "loan_id": loan,
                "trainee_reject": reject,
                "model_reject": model_pd >= cutoff_pd,
                "pd": model_pd,
                "default": decisions.loan_outcome(con, ctx, loan, outcome),
            }
            session.put("quiz_answers", [*answers, answer])
            session.put("quiz_revealed", True)
            st.rerun()
    else:
        last = answers[-1]
        right = last["trainee_reject"] == bool(last["default"])
        st.markdown(
            text.t(
                "whatif.reveal",
                pd=text.figure(last["pd"], "pd"),
                model=decision_text(last["model_reject"]),
                outcome=text.t("decisions.label.default" if last["default"] else "decisions.label.good"),
                verdict=text.t(f"whatif.verdict.{right}"),
            )
        )
        if st.button(text.t("whatif.next"), type="primary", key=session.widget("quiz_next")):
            session.put("quiz_revealed", False)
            st.rerun()
    if answers:
        tally = decisions.quiz_tally(answers)
        who = {"trainee": text.t("whatif.you"), "model": text.column("model")}
        tables.show(tally.assign(who=tally["who"].map(who)))
        sheet = decisions.quiz_sheet(answers)
        st.download_button(
            text.t("whatif.download_sheet"), sheet, "quiz_results.xlsx", key=session.widget("quiz_download")
        )
        if st.button(text.t("whatif.restart"), key=session.widget("quiz_restart")):
            session.put("quiz_answers", [])
            session.put("quiz_revealed", False)
            st.rerun()
