"""Three-way decisions on the sample portfolio: the zones, the expert in the review zone, the review-share curve and
the officers' workload, each pinned against a direct pandas count over the scored applications.

The model side is the statsmodels Logit of ``tests/test_decisions.py`` (its PD as SQL for the engine, the same fit
in numpy for the references); every reference figure is computed here from the raw rows, never copied.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import datasets, decisions, model, store
from analytics.core import RiskLabError
from analytics.decisions import ReviewBand, Setup
from tests.test_decisions import COLUMNS, PD_SQL, design, truth

BANDS = [(0.06, 0.2), (0.1, 0.1), (0.03, 0.35)]


def fails(message: str):
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}$")


@pytest.fixture(scope="module")
def sample(demo_db_template):
    """A read-only connection to the demo database and the loans with the logit PD fitted on the booked loans."""
    con = store.connect(demo_db_template, read_only=True)
    frame = con.execute(f"SELECT {COLUMNS} FROM sample_loans ORDER BY rowid").df()
    booked = frame[frame["default_flag"].notna()]
    fit = sm.Logit(booked["default_flag"].astype(float), design(booked)).fit(disp=0)
    frame["pd"] = fit.predict(design(frame))
    yield con, frame, tuple(float(v) for v in fit.params)
    con.close()


def setup_for(sample, outcome="actual", **filters) -> Setup:
    con, _, params = sample
    ctx = datasets.table_context(con, "sample_loans")
    source = decisions.RecordedDecision("expert_decision")
    return Setup(ctx, source, PD_SQL, params, outcome=outcome, filters=decisions.Filters(**filters))


def zone_of(frame: pd.DataFrame, a: float, b: float) -> pd.Series:
    return pd.Series(np.select([frame["pd"] < a, frame["pd"] < b], ["auto_approve", "review"], "auto_reject"))


@pytest.mark.parametrize("outcome", ["actual", "simulated"])
@pytest.mark.parametrize(("a", "b"), BANDS)
def test_zones_equal_a_direct_count(sample, outcome, a, b):
    con, frame, _ = sample
    setup = setup_for(sample, outcome)
    found = decisions.zones(decisions.score(con, setup), ReviewBand(a, b))
    y = truth(frame, outcome).astype(float)
    zone = zone_of(frame, a, b)
    table = found.table.set_index("zone")
    for name in decisions.ZONES:
        inside = zone == name
        assert table.loc[name, "applications"] == inside.sum()
        assert table.loc[name, "share"] == pytest.approx(inside.mean())
        assert table.loc[name, "evaluated"] == y[inside].notna().sum()
        assert table.loc[name, "defaults"] == (y[inside] == 1).sum()
        assert table.loc[name, "bad_rate"] == pytest.approx(y[inside].mean(), nan_ok=True)
    assert found.empty == tuple(name for name in decisions.ZONES if not (zone == name).any())

    review = zone == "review"
    approves = frame["expert_decision"] == "approve"
    assert found.review["applications"] == review.sum()
    assert found.review["expert_approved"] == (review & approves).sum()
    assert found.review["expert_approval_rate"] == pytest.approx(approves[review].mean(), nan_ok=True)
    assert found.review["bad_rate_expert_approved"] == pytest.approx(y[review & approves].mean(), nan_ok=True)
    assert found.review["bad_rate_expert_rejected"] == pytest.approx(y[review & ~approves].mean(), nan_ok=True)
    book = (zone == "auto_approve") | (review & approves)
    assert found.book["approved"] == book.sum()
    assert found.book["approval_rate"] == pytest.approx(book.mean())
    assert found.book["defaults"] == (y[book] == 1).sum()
    assert found.book["bad_rate_approved"] == pytest.approx(y[book].mean())


def test_the_review_zone_holds_the_judgement_calls(sample):
    """Under the simulated outcome the expert's rejects in the review zone are worse than the approvals; under the
    actual one they were never booked, so their bad rate is unknown."""
    con, _, _ = sample
    band = ReviewBand(0.06, 0.2)
    simulated = decisions.zones(decisions.score(con, setup_for(sample, "simulated")), band)
    assert simulated.review["bad_rate_expert_rejected"] > simulated.review["bad_rate_expert_approved"]
    actual = decisions.zones(decisions.score(con, setup_for(sample)), band)
    assert np.isnan(actual.review["bad_rate_expert_rejected"])
    assert actual.to_json()["review_expert"]["bad_rate_expert_rejected"] is None


def test_filters_reach_the_zones(sample):
    con, frame, _ = sample
    setup = setup_for(sample, "simulated", segment="farm", officer=("Wang Wei", "Li Na"))
    found = decisions.zones(decisions.score(con, setup), ReviewBand(0.06, 0.2))
    subset = frame[(frame["segment"] == "farm") & frame["officer"].isin(["Wang Wei", "Li Na"])]
    counts = zone_of(subset.reset_index(drop=True), 0.06, 0.2).value_counts()
    assert found.table.set_index("zone")["applications"].to_dict() == {z: counts.get(z, 0) for z in decisions.ZONES}


@pytest.mark.parametrize("outcome", ["actual", "simulated"])
def test_review_curve_equals_brute_force(sample, outcome):
    con, frame, _ = sample
    a = 0.06
    curve = decisions.review_curve(decisions.score(con, setup_for(sample, outcome)), a)
    assert 100 <= len(curve) <= decisions.REVIEW_CURVE_POINTS
    assert curve["review_share"].is_monotonic_increasing and curve["review_share"].iloc[0] == 0
    assert curve["reject_from"].iloc[-1] == 1
    y = truth(frame, outcome).astype(float)
    approves = frame["expert_decision"] == "approve"
    for i in (0, 1, 50, len(curve) // 2, len(curve) - 1):
        point = curve.iloc[i]
        # reject_from is an application's own PD (rejected there); statsmodels' PD of it may sit 1e-16 below
        review = (frame["pd"] >= a) & (frame["pd"] < point["reject_from"] - 1e-12)
        book = (frame["pd"] < a) | (review & approves)
        assert point["review_share"] == pytest.approx(review.mean())
        assert point["approval_rate"] == pytest.approx(book.mean())
        assert point["bad_rate_approved"] == pytest.approx(y[book].mean())
    model_alone = frame["pd"] < a  # no review: the model at cutoff a
    assert curve["bad_rate_approved"].iloc[0] == pytest.approx(y[model_alone].mean())


def test_workload_equals_a_hand_computation(sample):
    con, frame, _ = sample
    setup = setup_for(sample)
    a, b, per_file, per_day = 0.06, 0.2, 45.0, 420.0
    found = decisions.zones(decisions.score(con, setup), ReviewBand(a, b))
    staff = decisions.officer_months(con, setup)
    month = pd.to_datetime(frame["application_date"]).dt.to_period("M")
    pairs = frame.assign(month=month).dropna(subset=["officer"]).groupby(["officer", "month"]).size()
    assert staff == {"officers": frame["officer"].nunique(), "months": month.nunique(), "officer_months": len(pairs)}
    work = decisions.workload(found, staff, per_file, per_day)
    review = ((frame["pd"] >= a) & (frame["pd"] < b)).sum()
    assert (work.applications, work.review) == (len(frame), review)
    assert work.per_officer_month_today == pytest.approx(len(frame) / len(pairs))
    assert work.per_officer_month_review == pytest.approx(review / len(pairs))
    assert work.files_saved == len(frame) - review
    days = (len(frame) - review) * per_file / per_day
    assert work.officer_days_saved == pytest.approx(days)
    assert work.officer_days_saved_per_month == pytest.approx(days / month.nunique())


def test_workload_follows_the_filters(sample):
    con, frame, _ = sample
    setup = setup_for(sample, officer=("Wang Wei",), start="2022-01-01", end="2022-06-30")
    staff = decisions.officer_months(con, setup)
    day = pd.to_datetime(frame["application_date"])
    subset = frame[(frame["officer"] == "Wang Wei") & (day >= "2022-01-01") & (day <= "2022-06-30")]
    months = pd.to_datetime(subset["application_date"]).dt.to_period("M").nunique()
    assert staff == {"officers": 1, "months": months, "officer_months": months}


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (0.3, 0.1, "The auto-approve cutoff (0.3) must not be above the auto-reject cutoff (0.1)."),
        (0.0, 0.2, "A review band cutoff must be a PD between 0 and 1 (exclusive), not 0.0."),
        (0.1, 1.0, "A review band cutoff must be a PD between 0 and 1 (exclusive), not 1.0."),
        (-0.1, 0.2, "A review band cutoff must be a PD between 0 and 1 (exclusive), not -0.1."),
    ],
)
def test_a_bad_band_is_one_sentence(a, b, message):
    with fails(message):
        ReviewBand(a, b)


def test_bad_minutes_and_missing_roles_are_one_sentence(sample, con):
    connection, _, _ = sample
    setup = setup_for(sample)
    found = decisions.zones(decisions.score(connection, setup), ReviewBand(0.06, 0.2))
    staff = decisions.officer_months(connection, setup)
    with fails("minutes_per_file must be a positive number of minutes, not 0."):
        decisions.workload(found, staff, 0)
    with fails("minutes_per_day must be a positive number of minutes, not -5."):
        decisions.workload(found, staff, 30, -5)
    with fails("No compared application has both an officer and an application date."):
        decisions.workload(found, {**staff, "officer_months": 0})
    con.execute("CREATE TABLE t AS SELECT range AS x, range % 2 AS bad, 'yes' AS verdict FROM range(20)")
    ctx = datasets.table_context(con, "t")
    bare = Setup(ctx, decisions.RecordedDecision("verdict"), "0.1 + x / 100")
    with fails("The workload needs the 'officer' role: set it on the Data page."):
        decisions.officer_months(con, bare)


def test_an_empty_zone_is_named(sample):
    con, _, _ = sample
    found = decisions.zones(decisions.score(con, setup_for(sample)), ReviewBand(0.2, 0.2))
    assert found.empty == ("review",)
    assert found.review["applications"] == 0 and np.isnan(found.review["expert_approval_rate"])
    assert found.to_json()["empty"] == ["review"]


# --- the command line ---------------------------------------------------------------------------------------------


def test_compare_review_band_adds_the_zones(model_db):
    from tests.conftest import SAMPLE_LOGIT
    from tests.test_cli import cli

    args = ["compare", "--table", "sample_loans", "--model", SAMPLE_LOGIT, "--expert-column", "expert_decision"]
    args += ["--cutoff", "0.15", "--outcome", "simulated"]
    result = cli(*args, "--review-band", "0.06,0.2", db=model_db)
    assert result.returncode == 0, result.stderr
    zones = json.loads(result.stdout)["zones"]
    connection = store.connect(model_db, read_only=True)
    sql, params = model.load_model(connection, SAMPLE_LOGIT).pd_sql()
    frame = connection.execute(
        f"SELECT ({sql}) AS pd, simulated_default AS y FROM sample_loans", params
    ).df()  # the model's PD of every application; the zones are counted here in pandas
    connection.close()
    zone = zone_of(frame, 0.06, 0.2)
    assert (zones["approve_below"], zones["reject_from"], zones["empty"]) == (0.06, 0.2, [])
    for name in decisions.ZONES:
        inside = zone == name
        counted = {"applications": inside.sum(), "evaluated": inside.sum(), "defaults": frame["y"][inside].sum()}
        assert {key: zones[name][key] for key in counted} == counted
        assert zones[name]["bad_rate"] == pytest.approx(frame["y"][inside].mean())
    assert "zones" not in json.loads(cli(*args, db=model_db).stdout)


@pytest.mark.parametrize(
    ("band", "needle"),
    [
        ("0.3,0.1", "The auto-approve cutoff (0.3) must not be above the auto-reject cutoff (0.1)."),
        ("0.1,1.5", "A review band cutoff must be a PD between 0 and 1 (exclusive), not 1.5."),
        ("0.1", "--review-band takes two PDs A,B (approve below A, reject from B), not '0.1'."),
        ("a,b", "--review-band takes two PDs A,B (approve below A, reject from B), not 'a,b'."),
    ],
)
def test_compare_bad_review_band_is_one_line(model_db, band, needle):
    from tests.conftest import SAMPLE_LOGIT
    from tests.test_cli import cli

    args = ["compare", "--table", "sample_loans", "--model", SAMPLE_LOGIT, "--expert-column", "expert_decision"]
    result = cli(*args, "--review-band", band, db=model_db)
    assert result.returncode == 1 and result.stderr.strip() == f"error: {needle}"


# --- the page's review zones tab (AppTest) --------------------------------------------------------------------------


def test_review_zones_tab_shows_the_band_the_user_sets(model_db, monkeypatch):
    from tests.conftest import SAMPLE_LOGIT
    from tests.test_expert_app import EXPERT_PAGE, _db, labelled, ok, open_page

    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    ok(at)
    at.slider(key="ev_band").set_value((0.05, 0.25)).run()
    at.number_input(key="ev_minutes_file").set_value(30.0).run()
    ok(at)
    connection = _db(model_db)  # the app's own connection (it lives in this process)
    sql, params = model.load_model(connection, SAMPLE_LOGIT).pd_sql()
    frame = connection.execute(
        f"SELECT ({sql}) AS pd, simulated_default AS y, officer, application_date FROM sample_loans", params
    ).df()
    zone = zone_of(frame, 0.05, 0.25)
    shown = next(labelled(table) for table in at.dataframe if "Zone" in labelled(table).columns)
    assert list(shown["Zone"]) == ["Auto-approve", "Review", "Auto-reject"]
    assert list(shown["Applications"]) == [(zone == name).sum() for name in decisions.ZONES]
    assert list(shown["Defaults"]) == [frame["y"][zone == name].sum() for name in decisions.ZONES]
    tiles = {metric.label: metric.value for metric in at.metric}
    applications = len(frame)  # every application has a PD and an expert decision
    month = pd.to_datetime(frame["application_date"]).dt.to_period("M")
    officer_months = frame.assign(month=month).groupby(["officer", "month"]).ngroups
    assert tiles["Files per officer-month today"] == f"{applications / officer_months:,.2f}"
    assert tiles["Left for review per officer-month"] == f"{(zone == 'review').sum() / officer_months:,.2f}"
    days = (zone != "review").sum() * 30 / 480
    assert tiles["Officer-days saved"] == f"{days:,.2f}"
    assert any(chart.spec and "review_share" in json.dumps(chart.spec) for chart in at.get("vega_lite_chart"))


# --- the matrix strategy: model grade x officer grade -> decision -------------------------------------------------

GRID = {  # rows: model grades from these PDs; columns: credit ratings; r = reject
    0.0: "aaaaa",
    0.05: "aaaar",
    0.12: "aaarr",
    0.25: "arrrr",
}
RATINGS_ORDER = ("AAA", "AA", "A", "B", "C")


class BoundModel:
    """What ``decisions.bind`` reads of a saved model: its PD as SQL (here the test's own logit)."""

    def __init__(self, params):
        self.params = params

    def pd_sql(self):
        return PD_SQL, list(self.params)


def hand_matrix(officer_grades=RATINGS_ORDER) -> decisions.MatrixStrategy:
    cells = {"a": "approve", "r": "reject"}
    grid = [[cells[c] for c, g in zip(row, RATINGS_ORDER, strict=True) if g in officer_grades] for row in GRID.values()]
    grades = [decisions.ModelGrade(f"M{i + 1}", bound) for i, bound in enumerate(GRID)]
    return decisions.MatrixStrategy("credit_rating", tuple(officer_grades), tuple(grades), tuple(map(tuple, grid)))


def hand_decisions(frame: pd.DataFrame, officer_grades=RATINGS_ORDER) -> pd.Series:
    """The matrix applied by hand: the model grade's row from the PD, the rating's column, 1 for "r"."""
    bounds = np.array(list(GRID))
    rows = np.searchsorted(bounds, frame["pd"].to_numpy(), side="right") - 1
    grid = list(GRID.values())
    out = []
    for row, rating in zip(rows, frame["credit_rating"], strict=True):
        if rating not in officer_grades:
            out.append(np.nan)
        else:
            out.append(1.0 if grid[row][RATINGS_ORDER.index(rating)] == "r" else 0.0)
    return pd.Series(out, index=frame.index)


def test_matrix_decisions_equal_a_hand_mapping(sample):
    con, frame, params = sample
    ctx = datasets.table_context(con, "sample_loans")
    strategy = decisions.bind(hand_matrix(), BoundModel(params))
    found = decisions.decide(con, ctx, strategy)["reject"].astype(float)
    expected = hand_decisions(frame)
    assert (found.to_numpy() == expected.to_numpy()).all()
    assert 0 < expected.mean() < 1


def test_a_grade_left_out_of_the_matrix_has_no_decision(sample):
    con, frame, params = sample
    ctx = datasets.table_context(con, "sample_loans")
    kept = ("AAA", "AA", "A", "B")
    strategy = decisions.bind(hand_matrix(kept), BoundModel(params))
    found = decisions.decide(con, ctx, strategy)["reject"].astype(float)
    expected = hand_decisions(frame, kept)
    assert found.isna().sum() == (frame["credit_rating"] == "C").sum() > 0
    np.testing.assert_array_equal(found.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("outcome", ["actual", "simulated"])
def test_matrix_is_compared_like_any_expert_side(sample, outcome):
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    con, frame, params = sample
    strategy = decisions.bind(hand_matrix(), BoundModel(params))
    ctx = datasets.table_context(con, "sample_loans")
    setup = Setup(ctx, strategy, PD_SQL, params, outcome=outcome)
    result = decisions.compare(con, setup, 0.15)
    matrix_reject = hand_decisions(frame).astype(int)
    model_reject = (frame["pd"] >= 0.15).astype(int)
    y = truth(frame, outcome)
    known = y.notna()
    np.testing.assert_array_equal(result.agreement, confusion_matrix(matrix_reject, model_reject, labels=[0, 1]))
    np.testing.assert_array_equal(result.expert, confusion_matrix(y[known], matrix_reject[known], labels=[0, 1]))
    assert result.kappa == pytest.approx(cohen_kappa_score(matrix_reject, model_reject), abs=1e-12)
    zoned = decisions.zones(decisions.score(con, setup), ReviewBand(0.06, 0.2))
    review = (frame["pd"] >= 0.06) & (frame["pd"] < 0.2)
    assert zoned.review["expert_approval_rate"] == pytest.approx(1 - matrix_reject[review].mean())


def test_matrix_with_a_saved_model_scores_in_grouped_cells(model_db):
    """A saved model knows the columns its PD reads, so the comparison groups the rows into cells first: the same
    decisions as the matrix applied by hand to the model's PD of every row."""
    from tests.conftest import SAMPLE_LOGIT

    con = store.connect(model_db, read_only=True)
    saved = model.load_model(con, SAMPLE_LOGIT)
    ctx = datasets.table_context(con, "sample_loans")
    strategy = decisions.bind(hand_matrix(), saved)
    assert set(strategy.pd_columns) == {"debt_ratio", "annual_income", "credit_rating"}
    sql, params = saved.pd_sql()
    frame = con.execute(f"SELECT ({sql}) AS pd, credit_rating FROM sample_loans", params).df()
    setup = decisions.Setup.from_model(ctx, saved, strategy, outcome="simulated")
    result = decisions.compare(con, setup, 0.15)
    con.close()
    matrix_reject = hand_decisions(frame)
    assert result.agreement[1].sum() == matrix_reject.sum()
    assert result.counts["applications"] == len(frame)


def test_matrix_is_saved_like_a_rule_set_without_its_model(demo_db, sample):
    _, frame, params = sample
    con = store.connect(demo_db)
    ctx = datasets.table_context(con, "sample_loans")
    strategy = decisions.bind(hand_matrix(), BoundModel(params))
    assert decisions.save_rule_set(con, "Score x rating", strategy, ctx) == 1
    listed = decisions.list_rule_sets(con, "sample_loans")
    assert listed.loc[listed["name"] == "Score x rating", "kind"].tolist() == ["matrix"]
    loaded = decisions.load_rule_set(con, "Score x rating").source
    assert loaded == hand_matrix() and loaded.pd_sql == ""  # the grades and grid, not the model
    with fails("A matrix strategy needs a saved model for its model grades: choose one above."):
        decisions.decide(con, ctx, loaded)
    found = decisions.decide(con, ctx, decisions.bind(loaded, BoundModel(params)))["reject"].astype(float)
    np.testing.assert_array_equal(found.to_numpy(), hand_decisions(frame).to_numpy())
    con.close()


def test_the_matrix_table_round_trips_and_the_starter_is_monotone(sample):
    con, _, _ = sample
    ctx = datasets.table_context(con, "sample_loans")
    strategy = hand_matrix()
    assert decisions.from_frame(decisions.to_frame(strategy), "credit_rating", RATINGS_ORDER) == strategy
    starter = decisions.starter_matrix(con, ctx, "credit_rating")
    assert starter.officer_grades == RATINGS_ORDER
    rejects = np.array([[cell == "reject" for cell in row] for row in starter.grid])
    assert not rejects[0].any() and rejects[-1, 1:].all()  # the best model grade approves every rating
    assert (np.diff(rejects.astype(int), axis=0) >= 0).all() and (np.diff(rejects.astype(int), axis=1) >= 0).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model_grades": (decisions.ModelGrade("M1", 0.1), decisions.ModelGrade("M2", 0.05))}, "unordered"),
        ({"grid": (("approve",) * 5,) * 3 + (("approve",) * 4 + ("maybe",),)}, "bad_decision"),
        ({"grid": (("approve",) * 5,) * 3}, "bad_grid"),
        ({"officer_grades": ("AAA", "AA", "A", "B", "B")}, "repeated"),
        ({"pd_sql": ""}, "no_model"),
    ],
)
def test_a_bad_matrix_is_one_sentence(sample, change, message):
    import dataclasses

    from analytics import core

    con, _, params = sample
    ctx = datasets.table_context(con, "sample_loans")
    strategy = dataclasses.replace(decisions.bind(hand_matrix(), BoundModel(params)), **change)
    with pytest.raises(RiskLabError) as caught:
        decisions.reject_sql(con, ctx, strategy)
    assert caught.value.key == f"matrix.{message}"
    assert core.t(caught.value.key, "en", **caught.value.params).endswith(".")


def test_matrix_strategy_on_the_page_is_the_expert_side_and_saves(model_db, monkeypatch):
    from tests.conftest import SAMPLE_LOGIT
    from tests.test_expert_app import EXPERT_PAGE, WHATIF_PAGE, _db, labelled, ok, open_page

    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    at.radio(key="ev_kind").set_value("matrix").run()
    ok(at)
    assert at.selectbox(key="ev_matrix_column").value == "credit_rating"
    assert "Credit rating" in at.selectbox(key="ev_matrix_column").options  # its display name, not the column's
    assert any("Credit rating" in caption.value for caption in at.caption)
    source = at.session_state["expert_source"]
    assert isinstance(source, decisions.MatrixStrategy) and source.officer_grades == RATINGS_ORDER
    connection = _db(model_db)
    sql, params = model.load_model(connection, SAMPLE_LOGIT).pd_sql()
    frame = connection.execute(f"SELECT ({sql}) AS pd, credit_rating FROM sample_loans", params).df()
    bounds = np.array([grade.pd_from for grade in source.model_grades])
    rows = np.searchsorted(bounds, frame["pd"].to_numpy(), side="right") - 1
    columns = [source.officer_grades.index(rating) for rating in frame["credit_rating"]]
    approved = np.mean([source.grid[r][c] == "approve" for r, c in zip(rows, columns, strict=True)])
    metrics = next(labelled(table) for table in at.dataframe if "Metric" in labelled(table).columns)
    assert metrics.set_index("Metric")["Expert"]["Approval rate of all applications"] == f"{approved:.2%}"
    at.text_input(key="ev_matrix_name").input("Score x rating").run()
    at.button(key="ev_matrix_save").click().run()
    ok(at)
    assert at.success[0].value == "Saved rule set 'Score x rating' as version 1."
    assert at.selectbox(key="ev_matrix_choice").value == "Score x rating"
    saved = decisions.load_rule_set(_db(model_db), "Score x rating").source
    assert saved == dataclasses.replace(source, pd_sql="", pd_params=(), pd_columns=())
    at.switch_page(WHATIF_PAGE).run()  # What-if decides its applicant with the matrix too
    ok(at)
    assert any("matrix strategy (model grade x officer grade)" in caption.value for caption in at.caption)
    at.switch_page(EXPERT_PAGE).run()
    at.radio(key="ev_kind").set_value("rules").run()
    assert "Score x rating" not in at.selectbox(key="ev_rules_choice").options  # matrices have their own picker


def test_compare_with_a_saved_matrix_binds_the_model(model_db):
    from tests.conftest import SAMPLE_LOGIT
    from tests.test_cli import cli

    connection = store.connect(model_db)
    saved = model.load_model(connection, SAMPLE_LOGIT)
    ctx = datasets.table_context(connection, "sample_loans")
    strategy = decisions.bind(hand_matrix(), saved)
    decisions.save_rule_set(connection, "Score x rating", strategy, ctx)
    sql, params = saved.pd_sql()
    frame = connection.execute(f"SELECT ({sql}) AS pd, credit_rating FROM sample_loans", params).df()
    connection.close()
    args = ["compare", "--table", "sample_loans", "--model", SAMPLE_LOGIT, "--rules", "Score x rating"]
    result = cli(*args, "--cutoff", "0.15", "--outcome", "simulated", db=model_db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["expert_source"]["kind"] == "matrix" and "pd_sql" not in report["expert_source"]
    rejected = hand_decisions(frame)
    assert report["metrics"]["expert"]["approval_rate_applications"] == pytest.approx(1 - rejected.mean())
