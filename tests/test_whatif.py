"""What-if: ranges, contributions that add up to the log-odds, the flip-finder verified by re-scoring, the quiz."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from analytics import datasets, decisions, model, store
from analytics.core import RiskLabError
from tests.conftest import fit

F = model.FactorSpec
FACTORS = (
    F("debt_ratio"),
    F("annual_income", "log"),
    F("prior_overdue_count"),
    F("credit_rating", "categorical", "AAA"),
    F("guarantee_method", "categorical", "none"),
)


@pytest.fixture(scope="module")
def demo(demo_db_template, tmp_path_factory):
    """A demo database copy with one saved model: (connection, saved model, loans frame)."""
    path = tmp_path_factory.mktemp("whatif") / "risklab.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    con = store.connect(path)
    fitted = fit(con, model.ModelSpec("sample_loans", FACTORS), validate=False)
    model.save_model(con, "what-if logit", fitted)
    saved = model.load_model(con, "what-if logit")
    frame = con.execute("SELECT * FROM sample_loans ORDER BY rowid").df()
    yield con, saved, frame
    con.close()


def fails(message: str):
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}$")


def test_ranges_are_the_datas_percentiles_and_levels(demo):
    con, saved, frame = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    assert list(ranges) == [f.column for f in FACTORS]
    debt = ranges["debt_ratio"]
    np.testing.assert_allclose(debt.quantiles, np.quantile(frame["debt_ratio"], decisions.PERCENTILES), rtol=1e-12)
    assert (debt.low, debt.high) == (debt.quantiles[1], debt.quantiles[99]) and debt.step == 0.001
    assert ranges["prior_overdue_count"].integer and ranges["prior_overdue_count"].step == 1
    rating = ranges["credit_rating"]
    counts = frame["credit_rating"].value_counts()
    assert list(rating.levels) == list(counts.index) and rating.typical == counts.index[0]
    np.testing.assert_allclose(rating.shares, counts / len(frame))
    assert debt.percentile(debt.quantiles[30]) == pytest.approx(0.30)
    typical = decisions.typical_applicant(con, ctx, ranges)
    assert typical["guarantee_method"] == frame["guarantee_method"].mode()[0]
    assert typical["loan_amount"] == frame["loan_amount"].median()


def test_contributions_add_up_to_the_log_odds(demo):
    con, saved, frame = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    reference = decisions.typical_applicant(con, ctx, ranges)
    for loan_id in ("L0000001", "L0008556", "L0020000", "L0035999"):
        applicant = decisions.loan_applicant(con, ctx, loan_id)
        result = decisions.evaluate(con, ctx, saved, applicant, reference, 0.15)
        row = frame[frame["loan_id"] == loan_id]
        log_odds = saved.predict_log_odds(row[[f.column for f in FACTORS]])[0]
        assert result.log_odds == pytest.approx(log_odds, abs=1e-9)
        assert result.reference_log_odds + result.contributions["contribution"].sum() == pytest.approx(log_odds)
        assert result.contributions["factor"].tolist() == [f.column for f in FACTORS]
        assert result.score == saved.score(row[[f.column for f in FACTORS]])[0]  # the sum of the rounded points
        assert abs(result.score - saved.scaling.score(log_odds)) <= len(FACTORS) / 2 + 0.5  # rounding only
        assert result.contributions["points"].sum() == result.score - result.reference_score
        assert result.model_reject == (result.pd >= 0.15)
        assert result.grade == model.grade(np.array([result.pd]))[0]


def test_both_decisions_for_an_applicant(demo):
    con, saved, frame = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    reference = decisions.typical_applicant(con, ctx, ranges)
    rules = decisions.starter_rules(ctx)
    everyone = decisions.decide(con, ctx, rules)
    for i in (0, 5, 12345):
        applicant = decisions.loan_applicant(con, ctx, frame["loan_id"][i])
        view = decisions.evaluate(con, ctx, saved, applicant, reference, 0.15, rules).expert
        assert view == {
            "reject": bool(everyone["reject"][i]),
            "points": everyone["points"][i],
            "grade": everyone["grade"][i],
            "knocked_out": bool(everyone["knocked_out"][i]),
        }
        recorded = decisions.expert_view(con, ctx, decisions.RecordedDecision("expert_decision"), applicant)
        assert recorded == {"reject": frame["expert_decision"][i] == "reject"}


@pytest.mark.parametrize("loan_id", ["L0008556", "L0000002", "L0012345", "L0030001"])
@pytest.mark.parametrize("cutoff", [0.1, 0.2])
def test_flips_are_verified_by_rescoring_and_minimal(demo, loan_id, cutoff):
    con, saved, _ = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    applicant = decisions.loan_applicant(con, ctx, loan_id)
    rejected = decisions.predict(saved, [applicant])[0] >= cutoff
    flips = decisions.flips(saved, applicant, cutoff, ranges)
    assert flips["distance"].is_monotonic_increasing
    for flip in flips.itertuples():
        changed = {**applicant, flip.factor: flip.new_value}
        new_pd = decisions.predict(saved, [changed])[0]
        assert new_pd == pytest.approx(flip.new_pd) and (new_pd >= cutoff) != rejected
        assert flip.decision == ("approve" if rejected else "reject")
        r = ranges[flip.factor]
        if r.kind == "numeric":
            # the first flipping value on a fine grid from the current value (whole numbers for counts) is the
            # answer, up to the 1% tidying of the change
            current = float(applicant[flip.factor])
            if r.integer:
                grid = np.arange(
                    current, flip.new_value + np.sign(flip.new_value - current), np.sign(flip.new_value - current)
                )
            else:
                grid = np.linspace(current, flip.new_value, 4001)
            pds = decisions.predict(saved, [{**applicant, flip.factor: v} for v in grid])
            first = grid[np.argmax((pds >= cutoff) != rejected)]
            tolerance = 0 if r.integer else 0.0125 * abs(flip.new_value - current)
            assert abs(flip.new_value - first) <= tolerance
            assert flip.direction == ("at_least" if flip.new_value > current else "at_most")
        else:
            more_common = r.levels[: r.levels.index(flip.new_value)]
            for level in more_common:
                if level != applicant[flip.factor]:
                    assert (decisions.predict(saved, [{**applicant, flip.factor: level}])[0] >= cutoff) == rejected


def test_a_rejected_applicant_has_a_way_to_approval(demo):
    con, saved, _ = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    flips = decisions.flips(saved, decisions.loan_applicant(con, ctx, "L0008556"), 0.15, ranges)
    assert set(flips["factor"]) >= {"credit_rating", "annual_income"}
    income = flips.set_index("factor").loc["annual_income"]
    assert income["direction"] == "at_least" and income["new_value"] % 1000 == 0  # tidied to ~1% of the change


def test_quiz_items_tally_and_sheet(demo):
    con, _, frame = demo
    ctx = datasets.table_context(con, "sample_loans")
    items = decisions.quiz_items(con, ctx, 10, seed=3)
    assert items == decisions.quiz_items(con, ctx, 10, seed=3) != decisions.quiz_items(con, ctx, 10, 4)
    booked = set(frame.loc[frame["default_flag"].notna(), "loan_id"])
    assert set(items) <= booked and len(set(items)) == 10
    simulated = decisions.quiz_items(con, ctx, 50, seed=3, outcome="simulated")
    assert not set(simulated) <= booked  # rejected applicants too, with their simulated outcome
    outcomes = [decisions.loan_outcome(con, ctx, i) for i in items]
    assert outcomes == [int(frame.loc[frame["loan_id"] == i, "default_flag"].iloc[0]) for i in items]
    answers = [
        {"loan_id": "a", "trainee_reject": True, "model_reject": True, "pd": 0.3, "default": 1},
        {"loan_id": "b", "trainee_reject": True, "model_reject": False, "pd": 0.05, "default": 0},
        {"loan_id": "c", "trainee_reject": False, "model_reject": False, "pd": 0.08, "default": 1},
        {"loan_id": "d", "trainee_reject": False, "model_reject": True, "pd": 0.2, "default": 0},
        {"loan_id": "e", "trainee_reject": False, "model_reject": False, "pd": 0.02, "default": 0},
    ]
    tally = decisions.quiz_tally(answers).set_index("who")
    assert tally.loc["trainee"].tolist() == [5, 3, 0.6, 1, 1]
    assert tally.loc["model"].tolist() == [5, 3, 0.6, 1, 1]
    answers[3]["model_reject"] = False
    assert decisions.quiz_tally(answers).set_index("who").loc["model"].tolist() == [5, 4, 0.8, 1, 0]
    sheets = pd.read_excel(io.BytesIO(decisions.quiz_sheet(answers)), sheet_name=None)
    assert list(sheets) == ["answers", "tally"]
    assert sheets["answers"]["trainee_correct"].tolist() == [True, False, False, True, True]
    assert sheets["tally"]["who"].tolist() == ["trainee", "model"]
    assert decisions.quiz_tally([])["answered"].tolist() == [0, 0]


def test_bad_input_has_clear_messages(demo, con):
    demo_con, saved, _ = demo
    ctx = datasets.table_context(demo_con, "sample_loans")
    with fails("No loan with id 'L9999999'."):
        decisions.loan_applicant(demo_con, ctx, "L9999999")
    with fails("No loan with id 'nope'."):
        decisions.loan_outcome(demo_con, ctx, "nope")
    ranges = decisions.factor_ranges(demo_con, ctx, saved)
    reference = decisions.typical_applicant(demo_con, ctx, ranges)
    with fails("The model cannot score this applicant (a factor value is missing or out of range)."):
        decisions.evaluate(
            demo_con,
            ctx,
            saved,
            {**reference, "annual_income": None},
            reference,
            0.1,
        )
    con.execute("CREATE TABLE loans AS SELECT 0.5 AS debt_ratio")
    ctx = datasets.table_context(con, "loans")
    with fails("loans has no loan id column: set the loan id role on the Data page."):
        decisions.loan_applicant(con, ctx, "L1")
    with fails("table 'loans' has no column 'annual_income'"):
        decisions.factor_ranges(con, ctx, saved)


# --- issue 13: suggestions inside the sliders, and the smallest change over up to three factors -----------------


def test_the_slider_bounds_hold_every_suggestion(demo):
    """Issue 13: "prior_overdue_count at least 5 would Reject" came from the 100th percentile, outside the 0-4
    slider. Every flip now stays inside the range the page shows (the 1st-99th percentiles, widened to the value)."""
    con, saved, _ = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    overdue = ranges["prior_overdue_count"]
    assert overdue.quantiles[100] > overdue.bounds(0)[1]  # the old grid reached past the slider
    assert overdue.bounds(0) == (np.floor(overdue.quantiles[1]), np.floor(overdue.quantiles[99]))
    assert overdue.bounds(overdue.quantiles[100])[1] == overdue.quantiles[100]  # widened to the value shown
    checked = 0
    for loan_id in ("L0000001", "L0000002", "L0008556", "L0012345", "L0030001"):
        applicant = decisions.loan_applicant(con, ctx, loan_id)
        for cutoff in (0.05, 0.1, 0.2, 0.4):
            flips = decisions.flips(saved, applicant, cutoff, ranges)
            changes = decisions.smallest_change(saved, applicant, cutoff, ranges)
            for frame in (flips, changes):
                for row in frame.itertuples():
                    r = ranges[row.factor]
                    if r.kind == "numeric":
                        low, high = r.bounds(applicant[row.factor])
                        assert low <= row.new_value <= high, (loan_id, cutoff, row)
                        checked += 1
                    else:
                        assert row.new_value in r.levels
    assert checked > 20


def _exhaustive(moves: dict, needed: float, strict: bool, size: int) -> float:
    """The smallest total distance of ``size`` changed factors, each moved toward the flip, whose log-odds moves
    add up to ``needed``, by trying every combination of every such move (no frontier, no search)."""
    import itertools

    best = np.inf
    for combo in itertools.combinations(moves, size):
        gains = np.zeros(1)
        distances = np.zeros(1)
        for column in combo:
            helps = moves[column].gains > 0
            gains = (gains[:, None] + moves[column].gains[helps][None, :]).ravel()
            distances = (distances[:, None] + moves[column].distances[helps][None, :]).ravel()
        enough = gains > needed if strict else gains >= needed
        if enough.any():
            best = min(best, float(distances[enough].min()))
    return best


@pytest.mark.parametrize(("loan_id", "cutoff"), [("L0008556", 0.15), ("L0008556", 0.05), ("L0000002", 0.05)])
def test_smallest_change_over_up_to_three_factors_is_the_exhaustive_minimum(demo, loan_id, cutoff):
    con, saved, _ = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = decisions.factor_ranges(con, ctx, saved)
    applicant = decisions.loan_applicant(con, ctx, loan_id)
    rejected = decisions.predict(saved, [applicant])[0] >= cutoff
    moves, needed, was_rejected = decisions.change_moves(saved, applicant, cutoff, ranges)
    assert was_rejected == rejected and needed > 0
    # the logit is additive in its factors: each move's log-odds gain, added, is the log-odds of the combination
    picks = {c: (m.values[len(m.values) // 2], m.gains[len(m.values) // 2]) for c, m in moves.items()}
    changed = {**applicant, **{c: v for c, (v, _) in picks.items()}}
    base = np.log(decisions.predict(saved, [applicant])[0] / (1 - decisions.predict(saved, [applicant])[0]))
    combined = decisions.predict(saved, [changed])[0]
    sign = 1 if rejected else -1
    assert sign * (base - np.log(combined / (1 - combined))) == pytest.approx(sum(g for _, g in picks.values()))
    changes = decisions.smallest_change(saved, applicant, cutoff, ranges)
    assert not changes.empty
    for size, rows in changes.groupby("factors_changed"):
        assert len(rows) == size and rows["factor"].is_unique
        assert rows["total_distance"].iloc[0] == pytest.approx(rows["distance"].sum())
        assert rows["total_distance"].iloc[0] == pytest.approx(_exhaustive(moves, needed, rejected, size), abs=1e-12)
        new_pd = decisions.predict(saved, [{**applicant, **dict(zip(rows["factor"], rows["new_value"], strict=True))}])[
            0
        ]
        assert new_pd == pytest.approx(rows["new_pd"].iloc[0]) and (new_pd >= cutoff) != rejected  # re-scored
    assert changes["total_distance"].is_monotonic_increasing


def test_two_factors_together_beat_either_alone_when_each_falls_short(demo):
    """A rejected applicant whose debt ratio alone and income alone cannot reach approval inside their sliders,
    but together can: the search finds the pair."""
    con, saved, _ = demo
    ctx = datasets.table_context(con, "sample_loans")
    ranges = {c: r for c, r in decisions.factor_ranges(con, ctx, saved).items() if c in ("debt_ratio", "annual_income")}
    applicant = decisions.loan_applicant(con, ctx, "L0008556")
    pd_now = decisions.predict(saved, [applicant])[0]
    single = decisions.flips(saved, applicant, pd_now, ranges)  # any cutoff at or below the PD: rejected now
    low_debt = {**applicant, "debt_ratio": ranges["debt_ratio"].bounds(applicant["debt_ratio"])[0]}
    rich = {**low_debt, "annual_income": ranges["annual_income"].bounds(applicant["annual_income"])[1]}
    best_single = min(
        decisions.predict(saved, [low_debt])[0],
        decisions.predict(saved, [{**applicant, "annual_income": rich["annual_income"]}])[0],
    )
    both = decisions.predict(saved, [rich])[0]
    cutoff = (best_single + both) / 2  # neither alone gets under it, both together do
    assert decisions.flips(saved, applicant, cutoff, ranges).empty and not single.empty
    changes = decisions.smallest_change(saved, applicant, cutoff, ranges)
    assert changes["factors_changed"].tolist() == [2, 2] and set(changes["factor"]) == {"debt_ratio", "annual_income"}
    assert changes["new_pd"].iloc[0] < cutoff
