"""Expert sources: knock-out rules and scorecards in DuckDB pinned against pandas (NULLs included), recorded
decisions, saved versions, editing tables and every user error."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from analytics import datasets, decisions
from analytics.core import RiskLabError
from analytics.decisions import Condition, GradeBand, PointsRow, RecordedDecision, RuleSet, ScoreThreshold


def fails(message: str):
    """Expect a RiskLabError whose English message is exactly ``message``."""
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}$")


def fails_starting(message: str):
    """Expect a RiskLabError whose English message starts with ``message``."""
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}")


@pytest.fixture
def loans(con):
    """300 loans with missing values in every column."""
    rng = np.random.default_rng(7)
    n = 300

    def holes(values, share=0.1):
        values = pd.Series(values, dtype="object")
        values[rng.random(n) < share] = None
        return values

    frame = pd.DataFrame(
        {
            "loan_id": [f"L{i:04d}" for i in range(n)],
            "debt_ratio": pd.to_numeric(holes(np.round(rng.uniform(0, 1, n), 2))),
            "prior_overdue_count": pd.array(holes(rng.poisson(0.8, n)), dtype="Int64"),
            "guarantee_method": holes(rng.choice(["none", "guarantor", "mortgage", "joint group"], n)),
            "loan_amount": pd.to_numeric(holes(np.round(rng.lognormal(10.5, 0.8, n), -3))),
            "application_date": holes(
                [dt.date(2023, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)]
            ),
            "decision": holes(rng.choice(["同意", "拒绝"], n, p=[0.7, 0.3]), 0.05),
            "score": pd.array(holes(rng.integers(0, 100, n)), dtype="Int64"),
        }
    )
    con.register("src", frame)
    con.execute("CREATE TABLE loans AS SELECT * FROM src")
    con.unregister("src")
    return con


def table(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM loans ORDER BY rowid").df()


def reference(frame: pd.DataFrame, cond: Condition) -> pd.Series:
    """The documented semantics in pandas: a condition on a missing value is false (except ``is null``)."""
    s = frame[cond.column]
    known = s.notna()
    if cond.op == "is null":
        return ~known
    if cond.op == "is not null":
        return known
    if cond.column == "application_date":
        s = pd.to_datetime(s)
        cast = pd.Timestamp
    elif cond.column in ("guarantee_method", "decision"):
        cast = str
    else:
        s = s.astype("float64")
        cast = float
    if cond.op in ("in", "not in"):
        member = s.isin([cast(v) for v in decisions.split_values(cond.value)])
        return known & (member if cond.op == "in" else ~member)
    value = cast(cond.value.replace(",", "") if cast is float else cond.value)  # 50,000 is fifty thousand
    compare = {"=": s == value, "!=": s != value, "<": s < value, "<=": s <= value, ">": s > value, ">=": s >= value}
    return known & compare[cond.op].fillna(False).astype(bool)


CONDITIONS = [
    Condition("debt_ratio", ">", "0.7"),
    Condition("debt_ratio", "<=", "0.25"),
    Condition("debt_ratio", "=", "0.5"),
    Condition("debt_ratio", "!=", "0.5"),
    Condition("prior_overdue_count", ">=", "2"),
    Condition("prior_overdue_count", "<", "1"),
    Condition("prior_overdue_count", "in", "0; 2；3"),
    Condition("prior_overdue_count", "not in", ("0", "1")),
    Condition("guarantee_method", "=", "none"),
    Condition("guarantee_method", "!=", "none"),
    Condition("guarantee_method", "in", "mortgage;joint group"),
    Condition("guarantee_method", "not in", "mortgage;joint group"),
    Condition("guarantee_method", "is null"),
    Condition("loan_amount", "is not null"),
    Condition("loan_amount", ">", "50,000"),
    Condition("application_date", ">=", "2023-07-01"),
    Condition("application_date", "<", "2023-03-15"),
]


@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: f"{c.column} {c.op} {c.value}")
def test_each_operator_matches_pandas_including_nulls(loans, cond):
    ctx = datasets.table_context(loans, "loans")
    got = decisions.decide(loans, ctx, RuleSet(knockouts=(cond,)))
    want = reference(table(loans), cond)
    assert want.any() and not want.all()  # the case is informative
    assert got["reject"].tolist() == want.astype(int).tolist()
    assert got["knocked_out"].tolist() == want.tolist()


def test_and_binds_tighter_than_or(loans):
    rules = RuleSet(
        knockouts=(
            Condition("debt_ratio", ">", "0.7"),
            Condition("prior_overdue_count", ">=", "2", "or"),
            Condition("guarantee_method", "=", "none", "or"),
            Condition("loan_amount", ">", "50000", "and"),
        )
    )
    frame = table(loans)
    a, b, c, d = (reference(frame, cond) for cond in rules.knockouts)
    want = a | b | (c & d)
    ctx = datasets.table_context(loans, "loans")
    assert decisions.decide(loans, ctx, rules)["reject"].tolist() == want.astype(int).tolist()
    assert want.sum() > (a | b).sum()


def test_values_are_bound_not_spliced(loans):
    sneaky = "none' OR 1=1 --"
    ctx = datasets.table_context(loans, "loans")
    got = decisions.decide(loans, ctx, RuleSet(knockouts=(Condition("guarantee_method", "=", sneaky),)))
    assert got["reject"].sum() == 0


def test_scorecard_points_grades_and_threshold_match_pandas(loans):
    points = (
        PointsRow("debt_ratio", 20, high=0.3),
        PointsRow("debt_ratio", 10, low=0.3, high=0.6),
        PointsRow("debt_ratio", -5),  # missing debt ratio
        PointsRow("guarantee_method", 15, level="mortgage"),
        PointsRow("guarantee_method", 5, level="guarantor"),
        PointsRow("prior_overdue_count", 10, level="0"),
        PointsRow("loan_amount", 7.5, low=100_000),
    )
    grades = (GradeBand("A", 35), GradeBand("B", 20), GradeBand("C", 0))
    rules = RuleSet(
        knockouts=(Condition("prior_overdue_count", ">=", "3"),), points=points, grades=grades, threshold=20
    )
    ctx = datasets.table_context(loans, "loans")
    got = decisions.decide(loans, ctx, rules)
    f = table(loans)
    dr = f["debt_ratio"]
    total = (
        np.select([dr < 0.3, (dr >= 0.3) & (dr < 0.6), dr.isna()], [20, 10, -5], 0)
        + np.select([f["guarantee_method"] == "mortgage", f["guarantee_method"] == "guarantor"], [15, 5], 0)
        + np.where(f["prior_overdue_count"].fillna(-1) == 0, 10, 0)
        + np.where(f["loan_amount"].fillna(0) >= 100_000, 7.5, 0)
    )
    np.testing.assert_array_equal(got["points"].to_numpy(), total)
    grade = np.select([total >= 35, total >= 20, total >= 0], ["A", "B", "C"], "")
    assert got["grade"].fillna("").tolist() == grade.tolist()
    knocked = f["prior_overdue_count"].fillna(0) >= 3
    assert got["reject"].tolist() == ((total < 20) | knocked).astype(int).tolist()


def test_recorded_decisions_in_chinese_and_score_threshold(loans):
    frame = table(loans)

    def rejects(source):
        ctx = datasets.table_context(loans, "loans")
        return decisions.decide(loans, ctx, source)["reject"].astype("float64").to_numpy()

    want = frame["decision"].map({"同意": 0.0, "拒绝": 1.0}).astype("float64").to_numpy()
    assert np.isnan(want).sum() > 0
    np.testing.assert_array_equal(rejects(RecordedDecision("decision")), want)  # 同意 is a known approval word
    np.testing.assert_array_equal(rejects(RecordedDecision("decision", ("拒绝",))), 1 - want)  # what the user names
    score = frame["score"].astype("float64").to_numpy()
    np.testing.assert_array_equal(rejects(ScoreThreshold("score", 40)), np.where(np.isnan(score), np.nan, score < 40))


def test_one_applicant_gets_the_same_decision_as_its_row(loans):
    rules = decisions.RuleSet(
        knockouts=(Condition("guarantee_method", "is null"), Condition("debt_ratio", ">", "0.6", "or")),
        points=(PointsRow("debt_ratio", 10, high=0.4), PointsRow("guarantee_method", 5, level="mortgage")),
        grades=(GradeBand("A", 10), GradeBand("B", 0)),
        threshold=5,
    )
    ctx = datasets.table_context(loans, "loans")
    everyone = decisions.decide(loans, ctx, rules).astype("object")
    frame = table(loans)
    for i in (0, 1, 17, 42, 299):
        applicant = {k: (None if pd.isna(v) else v) for k, v in frame.iloc[i].to_dict().items()}
        one = decisions.decide(loans, ctx, rules, applicant=applicant).astype("object")
        assert one.iloc[0].tolist() == everyone.iloc[i].tolist()


def test_default_source_and_starter_rules_on_the_sample(demo_db_template):
    from analytics import store

    con = store.connect(demo_db_template, read_only=True)
    try:
        ctx = datasets.table_context(con, "sample_loans")
        assert decisions.default_source(con, ctx) == RecordedDecision("expert_decision")
        recorded = decisions.decide(con, ctx, RecordedDecision("expert_decision"))
        share = con.execute("SELECT avg(CAST(expert_decision = 'reject' AS INT)) FROM sample_loans").fetchall()[0][0]
        assert recorded["reject"].mean() == pytest.approx(share)
        starter = decisions.starter_rules(ctx)
        assert starter.threshold == decisions.TRADITIONAL_THRESHOLD and len(starter.points) == len(
            decisions.TRADITIONAL_POINTS
        )
        decided = decisions.decide(con, ctx, starter)
        assert 0.1 < decided["reject"].mean() < 0.6
        assert set(decided["grade"].dropna()) <= {g.label for g in decisions.TRADITIONAL_GRADES}
        german = datasets.table_context(con, "german_credit")
        assert decisions.default_source(con, german) is None
    finally:
        con.close()


def test_saving_twice_keeps_both_versions(loans):
    first = RuleSet(knockouts=(Condition("debt_ratio", ">", "0.7"),))
    second = RuleSet(knockouts=(Condition("debt_ratio", ">", "0.8"),))
    ctx = datasets.table_context(loans, "loans")
    assert decisions.save_rule_set(loans, "Tight rules", first, ctx) == 1
    assert decisions.save_rule_set(loans, "Tight rules", second, ctx) == 2
    assert decisions.save_rule_set(loans, "Officers", RecordedDecision("decision", ("同意",)), ctx) == 1
    assert decisions.load_rule_set(loans, "Tight rules").source == second
    assert decisions.load_rule_set(loans, "Tight rules", 1).source == first
    assert decisions.load_rule_set(loans, "Officers").source == RecordedDecision("decision", ("同意",))
    listed = decisions.list_rule_sets(loans, "loans")
    assert listed[["name", "version", "kind"]].values.tolist() == [
        ["Officers", 1, "recorded"],
        ["Tight rules", 2, "rules"],
        ["Tight rules", 1, "rules"],
    ]
    audit = loans.execute("SELECT count(*) FROM risklab_catalog.audit WHERE action = 'save_rule_set'").fetchall()
    assert audit[0][0] == 3


def test_editing_tables_round_trip():
    rules = RuleSet(
        knockouts=(Condition("guarantee_method", "in", ("none", "joint group")), Condition("x", "is null", join="or")),
        points=(PointsRow("x", 5, low=1, high=2), PointsRow("g", 3, level="a")),
        grades=(GradeBand("A", 5),),
        threshold=4,
    )
    knock, points, grades = decisions.rules_to_frames(rules)
    assert knock["value"].iloc[0] == "none;joint group" and pd.isna(knock["value"].iloc[1])
    assert decisions.rules_from_frames(knock, points, grades, 4) == rules
    blank = pd.DataFrame([{"join": None, "column": None, "operator": None, "value": None}])
    assert decisions.rules_from_frames(blank) == RuleSet()


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            RuleSet(knockouts=(Condition("debt_ratio", "~", "1"),)),
            "Unknown rule operator '~'; use one of: =, !=, <, <=, >, >=, in, not in, is null, is not null.",
        ),
        (RuleSet(knockouts=(Condition("debt_ratio", ">", ""),)), "The rule 'debt_ratio >' needs a value."),
        (RuleSet(knockouts=(Condition("debt_ratio", "in", " ; "),)), "The rule 'debt_ratio in' needs a value."),
        (RuleSet(knockouts=(Condition("debt_ratio", ">", "high"),)), "debt_ratio: 'high' is not a number."),
        (
            RuleSet(knockouts=(Condition("application_date", ">", "July"),)),
            "application_date: 'July' is not a date (YYYY-MM-DD).",
        ),
        (
            RuleSet(knockouts=(Condition("guarantee_method", ">", "none"),)),
            "'>' compares numbers or dates, but guarantee_method is text: use =, !=, in or not in.",
        ),
        (
            RuleSet(knockouts=(Condition("income", ">", "1"),)),
            "The rule uses a column 'income' that this table does not have.",
        ),
        (
            RuleSet(knockouts=(Condition("debt_ratio", ">", "1"), Condition("debt_ratio", "<", "0", "xor"))),
            "Rules are joined with AND or OR, not 'xor'.",
        ),
        (
            RuleSet(points=(PointsRow("guarantee_method", 5, low=1),), threshold=1),
            "guarantee_method is text: give points per level, not a numeric range.",
        ),
        (
            RuleSet(points=(PointsRow("debt_ratio", "lots", low=1),), threshold=1),
            "debt_ratio: points must be a number, not 'lots'.",
        ),
        (
            RuleSet(),
            "The rule set is empty: add knock-out rules, or scorecard points with an approval threshold.",
        ),
        (RuleSet(threshold=10), "An approval threshold needs scorecard points."),
        (
            RecordedDecision("decision", ("approve",)),
            "No value of decision means approval; found: 同意, 拒绝. Name the values that mean approval.",
        ),
        (
            ScoreThreshold("guarantee_method", 1),
            "guarantee_method holds VARCHAR, not numbers: it cannot be compared with a score threshold.",
        ),
        (RecordedDecision("officer_view"), "table 'loans' has no column 'officer_view'"),
    ],
)
def test_bad_rules_have_clear_messages(loans, rules, message):
    ctx = datasets.table_context(loans, "loans")
    with pytest.raises(RiskLabError) as err:
        decisions.reject_sql(loans, ctx, rules)
    assert str(err.value) == message


def test_bad_names_and_unknown_rule_sets(loans):
    rules = RuleSet(knockouts=(Condition("debt_ratio", ">", "0.7"),))
    ctx = datasets.table_context(loans, "loans")
    with fails("Give the rule set a name (up to 80 characters)."):
        decisions.save_rule_set(loans, "  ", rules, ctx)
    with fails("There is no saved rule set named 'nope'."):
        decisions.load_rule_set(loans, "nope")
    with fails("The rule 'debt_ratio >' needs a value."):
        decisions.save_rule_set(loans, "broken", RuleSet(knockouts=(Condition("debt_ratio", ">"),)), ctx)
    assert decisions.list_rule_sets(loans).empty  # nothing half-saved
    with fails("debt_ratio: points must be a number, not ''."):
        decisions.rules_from_frames(points=pd.DataFrame([{"column": "debt_ratio", "points": None}]))
