"""The seeded sample portfolio: determinism, size, the true logit, officers and the monthly history."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analytics import datasets, portfolio, provisions, sample, store
from analytics.core import RiskLabError

CANONICAL_ROLES = {
    "loan_id",
    "borrower_id",
    "outcome",
    "days_past_due",
    "status",
    "classification",
    "origination_date",
    "snapshot_date",
    "branch",
    "officer",
    "group",
    "segment",
    "product",
    "amount",
    "balance",
    "interest_rate",
    "term",
    "expert_decision",
    "expert_score",
    "booked",
    "factor_numeric",
    "factor_categorical",
    "ignore",
}
SMALL = {"loans": 6_000, "seed": 7, "months": 30}


@pytest.fixture(scope="module")
def full():
    """The default-size sample portfolio, built once."""
    con = store.connect(":memory:")
    summary = sample.build_sample(con)
    yield con, summary
    con.close()


@pytest.fixture(scope="module")
def small():
    """A smaller portfolio for the monthly-history checks."""
    con = store.connect(":memory:")
    summary = sample.build_sample(con, **SMALL)
    yield con, summary
    con.close()


def checksums(con) -> dict[str, str]:
    rows = con.execute(
        "SELECT table_name, checksum FROM risklab_catalog.imports QUALIFY row_number() OVER (PARTITION BY table_name "
        "ORDER BY id DESC) = 1"
    ).fetchall()
    return dict(rows)


def test_same_seed_same_data_other_seed_differs(small):
    con, summary = small
    again = store.connect(":memory:")
    assert sample.build_sample(again, **SMALL).booked == summary.booked
    assert checksums(again) == checksums(con)
    for table in (sample.LOANS_TABLE, sample.PERFORMANCE_TABLE):
        ordered = f"SELECT * FROM {table} ORDER BY ALL"
        pd.testing.assert_frame_equal(again.execute(ordered).df(), con.execute(ordered).df())
    other = store.connect(":memory:")
    sample.build_sample(other, **{**SMALL, "seed": 8})
    assert set(checksums(other).values()).isdisjoint(checksums(con).values())


def test_rebuild_replaces_tables_and_catalogs_both(small):
    con, _ = small
    copy = store.connect(":memory:")
    sample.build_sample(copy, loans=1_000, seed=1, months=24)
    summary = sample.build_sample(copy, **SMALL)
    assert store.user_tables(copy) == [sample.LOANS_TABLE, sample.PERFORMANCE_TABLE]
    assert store.row_count(copy, sample.LOANS_TABLE) == SMALL["loans"] == summary.applications
    cat = store.catalog(copy).set_index("table")
    assert cat.loc[sample.LOANS_TABLE, "source_file"] == "generator:seed=7"
    assert cat.loc[sample.PERFORMANCE_TABLE, "rows"] == store.row_count(copy, sample.PERFORMANCE_TABLE)
    assert cat.loc[sample.LOANS_TABLE, "columns"] == len(store.table_columns(copy, sample.LOANS_TABLE))
    assert checksums(copy) == checksums(con)
    assert copy.execute("SELECT count(*) FROM risklab_catalog.imports").fetchone()[0] == 4


def test_bad_parameters_leave_the_database_alone(con):
    with pytest.raises(RiskLabError) as err:
        sample.build_sample(con, loans=10)
    assert str(err.value) == (
        "the sample portfolio needs at least 500 applications and 13 months (got 10 applications and 42 months)"
    )
    with pytest.raises(RiskLabError) as err:
        sample.build_sample(con, start="first of May")
    assert str(err.value) == "'first of May' is not a start date: write it as YYYY-MM-DD, e.g. 2021-01-01"
    assert store.user_tables(con) == []


def test_default_size_and_shape(full):
    con, summary = full
    assert summary.seconds < 10
    n, first, last, branches, officers, segments, booked, approved = con.execute(
        "SELECT count(*), min(application_date), max(application_date), count(DISTINCT branch), "
        "count(DISTINCT officer), list(DISTINCT segment ORDER BY segment), sum(booked::INT), "
        "sum((expert_decision = 'approve')::INT) FROM sample_loans"
    ).fetchone()
    assert n == summary.applications == 36_000
    assert (last - first).days >= 3 * 365
    assert branches == 5 and officers == 18 and segments == ["enterprise", "farm"]
    assert booked == summary.booked and 0.9 * approved < booked <= approved
    # each officer works in one branch; ids are unique
    assert (
        con.execute(
            "SELECT max(n) FROM (SELECT count(DISTINCT branch) n FROM sample_loans GROUP BY officer)"
        ).fetchone()[0]
        == 1
    )
    assert con.execute("SELECT count(DISTINCT loan_id), count(DISTINCT borrower_id) FROM sample_loans").fetchone() == (
        n,
        n,
    )
    # farm-only and enterprise-only factors
    farm, enterprise = con.execute(
        "SELECT count(*) FILTER (segment = 'farm' AND (shareholder_holding_years IS NOT NULL OR farming_type = 'none'"
        " OR land_mu <= 0)), count(*) FILTER (segment = 'enterprise' AND (shareholder_holding_years IS NULL"
        " OR farming_type <> 'none' OR land_mu <> 0)) FROM sample_loans"
    ).fetchone()
    assert farm == enterprise == 0


def test_income_assets_and_amount_are_correlated(full):
    con, _ = full
    r_assets, r_amount = con.execute(
        "SELECT corr(ln(annual_income), ln(total_assets)), corr(ln(annual_income), ln(loan_amount)) FROM sample_loans"
    ).fetchone()
    assert r_assets > 0.6 and r_amount > 0.6


def independent_design(df: pd.DataFrame) -> pd.DataFrame:
    """The true model's terms, written out by hand from data/README.md (not from the module)."""
    design = {
        "intercept": np.ones(len(df)),
        "segment[enterprise]": df.segment == "enterprise",
        "log(annual_income/10000)": np.log(df.annual_income / 10_000),
        "log(total_assets/10000)": np.log(df.total_assets / 10_000),
        "log(loan_amount/10000)": np.log(df.loan_amount / 10_000),
        "debt_ratio": df.debt_ratio,
        "prior_overdue_count": df.prior_overdue_count,
        "owner_years_in_business": df.owner_years_in_business,
        "shareholder_holding_years": df.shareholder_holding_years.fillna(0),
        "household_labour": df.household_labour,
        "interest_rate_increase": df.interest_rate_increase,
        "interest_rate_increase[from 2022-07]": df.interest_rate_increase
        * (pd.to_datetime(df.application_date) >= pd.Timestamp("2022-07-01")),
        "term_months": df.term_months,
        "repayment_method[monthly interest]": df.repayment_method == "monthly interest, principal at maturity",
        "repayment_method[quarterly interest]": df.repayment_method == "quarterly interest, principal at maturity",
    }
    for column, levels in {
        "education": ("middle", "high", "college"),
        "farming_type": ("cash crops", "livestock", "aquaculture"),
        "guarantee_method": ("guarantor", "joint group", "collateral", "mortgage"),
        "credit_rating": ("AA", "A", "B", "C"),
    }.items():
        for level in levels:
            design[f"{column}[{level}]"] = df[column] == level
    return pd.DataFrame(design).astype(float)


def group_terms(every: pd.DataFrame, truth: pd.Series) -> pd.Series:
    """What each application's group adds to its true log-odds (data/README.md, *Joint-liability groups*): 0 for
    individual loans; for members, the peer term plus the group's shock, read back from the member whose PD is
    nearest one half (the least distorted by rounding): logit(simulated_pd) - TRUE_TERMS - the peer term."""
    logit = np.log(every.simulated_pd / (1 - every.simulated_pd))
    member = every.group_id.notna()
    groups = every.groupby("group_id").prior_overdue_count
    others = (groups.transform("sum") - every.prior_overdue_count) / (groups.transform("count") - 1)
    peer = sample.GROUP_PEER_OVERDUE * others.where(member, 0.0)
    implied = logit - independent_design(every)[list(truth.index)] @ truth - peer
    sharpest = (every.simulated_pd * (1 - every.simulated_pd)).groupby(every.group_id).idxmax()  # least rounded
    shock = every.group_id.map(pd.Series(implied[sharpest].to_numpy(), index=sharpest.index))
    return (shock + peer).where(member, 0.0)


def test_logit_on_booked_loans_recovers_the_true_coefficients(full):
    """With the groups' terms as an offset (their shocks read back from the simulated PD)."""
    con, summary = full
    every = con.execute("SELECT * FROM sample_loans ORDER BY loan_id").df()
    truth = pd.Series(sample.TRUE_COEFFICIENTS)
    offset = group_terms(every, truth)
    df = every[every.booked]
    design = independent_design(df)
    assert sorted(design.columns) == sorted(sample.TRUE_COEFFICIENTS)
    design = design[list(sample.TRUE_COEFFICIENTS)]
    fit = sm.Logit(df.default_flag.astype(float), design, offset=offset[every.booked]).fit(disp=0)
    z = (fit.params - truth) / fit.bse
    # every coefficient at once: a Bonferroni bound with a 1% family-wise error over the terms (3.58 for 29 terms)
    bound = stats.norm.ppf(1 - 0.01 / (2 * len(truth)))
    assert 3.5 < bound < 3.6
    assert (z.abs() < bound).all(), z[z.abs() >= bound]
    low, high = sample.DEFAULT_RATE_RANGE
    assert low <= df.default_flag.mean() <= high
    assert df.default_flag.sum() == summary.defaults
    # the simulated PD is exactly the true model plus the group's terms, on every application
    pd_true = 1 / (1 + np.exp(-(independent_design(every)[list(truth.index)] @ truth + offset)))
    np.testing.assert_allclose(every.simulated_pd, pd_true, atol=2e-6)


def test_joint_liability_groups_are_as_documented(full):
    """data/README.md: farm households with a joint-group guarantee borrow in groups of 3-5 members of one officer;
    the groups' shocks have mean -0.40 and standard deviation 1.00."""
    con, _ = full
    every = con.execute("SELECT * FROM sample_loans ORDER BY loan_id").df()
    member = every.group_id.notna()
    assert (member == ((every.segment == "farm") & (every.guarantee_method == "joint group"))).all()
    groups = every[member].groupby("group_id").agg(size=("loan_id", "size"), officers=("officer", "nunique"))
    assert set(groups["size"]) == {3, 4, 5} and (groups.officers == 1).all()
    assert (len(groups), member.sum()) == (1469, 5817)
    truth = pd.Series(sample.TRUE_COEFFICIENTS)
    peer = (every.groupby("group_id").prior_overdue_count.transform("sum") - every.prior_overdue_count) / (
        every.groupby("group_id").prior_overdue_count.transform("count") - 1
    )
    shocks = (group_terms(every, truth) - sample.GROUP_PEER_OVERDUE * peer)[member].groupby(every.group_id).first()
    n = len(shocks)
    assert abs(shocks.mean() - sample.GROUP_SHOCK_MEAN) < 3 * sample.GROUP_SHOCK_SD / np.sqrt(n)
    low, high = stats.chi2.ppf([0.001, 0.999], n - 1)
    assert low < (n - 1) * shocks.var() / sample.GROUP_SHOCK_SD**2 < high


def test_documented_sql_formulas_match_the_terms(small):
    con, _ = small
    df = con.execute("SELECT * FROM sample_loans ORDER BY loan_id").df()
    expected = independent_design(df)
    for term in sample.TRUE_TERMS:
        got = con.execute(f"SELECT ({term.formula})::DOUBLE FROM sample_loans ORDER BY loan_id").fetchnumpy()
        np.testing.assert_allclose(next(iter(got.values())), expected[term.name], err_msg=term.name)


def test_rejected_applications_have_only_a_simulated_outcome(full):
    con, _ = full
    rows = con.execute(
        "SELECT booked, expert_decision, count(*), count(default_flag), count(simulated_default), "
        "avg(simulated_default), count(*) FILTER (booked AND default_flag <> simulated_default) "
        "FROM sample_loans GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    by_kind = {(booked, decision): rest for booked, decision, *rest in rows}
    assert set(by_kind) == {(False, "approve"), (False, "reject"), (True, "approve")}
    n, flags, simulated, rate, mismatches = by_kind[(False, "reject")]
    assert flags == 0 and simulated == n and rate > 0.2
    n, flags, simulated, rate, mismatches = by_kind[(True, "approve")]
    assert flags == simulated == n and mismatches == 0 and rate < 0.12


def test_officers_differ_and_decide_by_their_own_score(full):
    con, _ = full
    per_officer = con.execute(
        "SELECT officer, avg((expert_decision = 'approve')::INT) AS approval, "
        "max(expert_score) FILTER (expert_decision = 'reject') AS max_rejected, "
        "min(expert_score) FILTER (expert_decision = 'approve') AS min_approved "
        "FROM sample_loans GROUP BY officer"
    ).df()
    assert len(per_officer) == 18
    assert per_officer.approval.max() - per_officer.approval.min() > 0.15
    assert 0.65 < con.execute("SELECT avg((expert_decision = 'approve')::INT) FROM sample_loans").fetchone()[0] < 0.9
    assert (per_officer.max_rejected < per_officer.min_approved).all()
    assert per_officer.min_approved.nunique() > 5  # leniency: each officer has a personal cut-off
    bands = con.execute(
        "SELECT expert_grade, min(expert_score), max(expert_score), avg(simulated_default) FROM sample_loans "
        "GROUP BY ALL ORDER BY 2 DESC"
    ).fetchall()
    assert [b[0] for b in bands] == ["AAA", "AA", "A", "B", "C"]
    assert [b[1] for b in bands] == [80, 70, 60, 45, 0]
    assert all(a[3] < b[3] for a, b in itertools.pairwise(bands))  # worse grades default more


RANK = (
    "CASE classification WHEN 'normal' THEN 1 WHEN 'special mention' THEN 2 WHEN 'substandard' THEN 3 "
    "WHEN 'doubtful' THEN 4 WHEN 'loss' THEN 5 END"
)
FLOOR = (
    "CASE WHEN days_past_due > 360 THEN 5 WHEN days_past_due > 270 THEN 4 WHEN days_past_due > 90 THEN 3 "
    "WHEN days_past_due > 0 THEN 2 ELSE 1 END"
)


def test_classification_never_below_the_dpd_floor(small):
    con, _ = small
    below, labels = con.execute(
        f"SELECT count(*) FILTER ({RANK} < {FLOOR}), list(DISTINCT classification ORDER BY classification) "
        "FROM sample_performance"
    ).fetchone()
    assert below == 0
    assert labels == ["doubtful", "loss", "normal", "special mention", "substandard"]
    floor_sql = datasets.classification_floor_sql("days_past_due")
    keys = [c.key for c in datasets.FIVE_CATEGORIES]
    rows = con.execute(f"SELECT classification, {floor_sql} AS floor FROM sample_performance").fetchall()
    assert all(keys.index(datasets.normalise_classification(c)) >= keys.index(f) for c, f in rows)


def test_monthly_history_is_consistent(small):
    con, _ = small
    checks = con.execute(
        """
        WITH p AS (
            SELECT *, lag(balance) OVER w AS prev_balance, lag(days_past_due) OVER w AS prev_dpd,
                   lag(snapshot_date) OVER w AS prev_date, lag(status) OVER w AS prev_status,
                   max(months_on_book) OVER (PARTITION BY loan_id) AS last_month
            FROM sample_performance WINDOW w AS (PARTITION BY loan_id ORDER BY months_on_book)
        )
        SELECT
            count(*) FILTER (balance < 0),
            count(*) FILTER (balance > prev_balance + 0.01),
            count(*) FILTER (prev_status IN ('paid_off', 'written_off')),
            count(*) FILTER (status IN ('paid_off', 'written_off') AND months_on_book <> last_month),
            count(*) FILTER (status IN ('paid_off', 'written_off') AND balance <> 0),
            count(*) FILTER (status = 'written_off' AND (write_off_amount <= 0 OR classification <> 'loss')),
            count(*) FILTER (status <> 'written_off' AND write_off_amount <> 0),
            count(*) FILTER (prev_date IS NOT NULL AND snapshot_date <> last_day(prev_date + INTERVAL 1 MONTH)),
            count(*) FILTER (snapshot_date <> last_day(origination_date + to_months(months_on_book))),
            count(*) FILTER (days_past_due > 0 AND prev_dpd > 0 AND days_past_due <> prev_dpd + 30
                             AND status <> 'paid_off'),
            count(*) FILTER (days_past_due > 0 AND coalesce(prev_dpd, 0) = 0 AND days_past_due >= 30),
            count(*) FILTER ((status = 'overdue') <> (days_past_due > 0 AND status NOT IN ('paid_off', 'written_off'))),
            count(*) FILTER (days_past_due = 0 AND prev_dpd > 0 AND status = 'current'),
            max(snapshot_date)
        FROM p
        """
    ).fetchone()
    *violations, cures, cutoff = checks
    assert violations == [0] * 12
    assert cures > 0  # some loans slip and cure
    last_origination = con.execute("SELECT max(application_date) FROM sample_loans").fetchone()[0]
    assert cutoff == pd.Timestamp(last_origination).to_period("M").end_time.date()
    # exactly the booked loans have a history (except those booked in the cut-off month)
    unbooked, missing = con.execute(
        "SELECT count(*) FILTER (NOT l.booked AND p.loan_id IS NOT NULL), "
        "count(*) FILTER (l.booked AND p.loan_id IS NULL AND l.application_date < date_trunc('month', ?::DATE)) "
        "FROM sample_loans l LEFT JOIN (SELECT DISTINCT loan_id FROM sample_performance) p USING (loan_id)",
        [cutoff],
    ).fetchone()
    assert unbooked == missing == 0


def test_defaults_reach_90_dpd_within_twelve_months(small):
    con, _ = small
    rows = con.execute(
        """
        SELECT l.default_flag, l.outcome_window_complete, count(*) AS loans,
               count(*) FILTER (p.worst_12 >= 90) AS reached_90,
               count(*) FILTER (p.worst_ever >= 90) AS ever_90
        FROM sample_loans l JOIN (
            SELECT loan_id, max(days_past_due) FILTER (months_on_book <= 12) AS worst_12,
                   max(days_past_due) AS worst_ever
            FROM sample_performance GROUP BY loan_id
        ) p USING (loan_id)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    found = {(flag, complete): (loans, reached, ever) for flag, complete, loans, reached, ever in rows}
    loans, reached, _ = found[(1, True)]
    assert reached == loans > 50
    loans, reached, ever = found[(0, True)]
    assert reached == 0 and ever > 0  # later defaults exist but are outside the 12-month window
    assert found[(1, False)][1] < found[(1, False)][0]  # recent loans: the outcome lies past the cut-off


def test_roles_and_default_definitions_cover_both_tables(small):
    con, _ = small
    for table, roles in sample.SAMPLE_ROLES.items():
        assert list(roles) == [name for name, _ in store.table_columns(con, table)]
        assert set(roles.values()) <= CANONICAL_ROLES
    loans = sample.SAMPLE_ROLES[sample.LOANS_TABLE]
    assert loans["default_flag"] == "outcome" and loans["simulated_default"] == "ignore"
    assert loans["booked"] == "booked" and loans["expert_score"] == "expert_score"
    assert sample.SAMPLE_DEFAULTS == {
        "sample_loans": {"kind": "flag", "column": "default_flag", "values": [1]},
        "sample_performance": {"kind": "dpd", "column": "days_past_due", "threshold": 90},
    }


def test_readme_documents_the_true_model_and_the_default_build(full):
    _, summary = full
    text = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Sample portfolio (simulated)") : text.index("## Real public datasets")]
    table = dict(re.findall(r"^\| `([^`]+)` \| ([+-][0-9.]+) \| `", section, flags=re.MULTILINE))
    assert {name: float(coef) for name, coef in table.items()} == sample.TRUE_COEFFICIENTS
    formulas = dict(re.findall(r"^\| `([^`]+)` \| [+-][0-9.]+ \| `(.+)` \|$", section, flags=re.MULTILINE))
    assert formulas == {term.name: term.formula for term in sample.TRUE_TERMS}
    assert f"{summary.booked:,} are booked" in section
    assert f"{summary.defaults / summary.booked:.1%} of the booked loans default" in section


def test_npl_differs_from_par90_through_cures_restructuring_and_early_downgrades(full):
    con, _ = full
    months = con.execute(
        """
        SELECT snapshot_date,
               coalesce(sum(balance) FILTER (days_past_due > 90), 0) / sum(balance) AS par90,
               coalesce(sum(balance) FILTER (classification IN ('substandard', 'doubtful', 'loss')), 0)
                   / sum(balance) AS npl
        FROM sample_performance WHERE balance > 0 GROUP BY 1 ORDER BY 1 DESC LIMIT 12
        """
    ).fetchall()
    assert len(months) == 12 and all(npl > par90 > 0 for _, par90, npl in months)
    by_branch = con.execute(
        """
        SELECT branch, snapshot_date,
               sum(balance) FILTER (days_past_due > 90) <> sum(balance) FILTER (classification IN
                   ('substandard', 'doubtful', 'loss')) AS differ
        FROM sample_performance WHERE snapshot_date = (SELECT max(snapshot_date) FROM sample_performance)
        GROUP BY 1, 2
        """
    ).fetchall()
    assert len(by_branch) == 5 and all(differ for *_, differ in by_branch)
    restructured, early, cured_late = con.execute(
        """
        WITH p AS (SELECT *, lag(days_past_due) OVER w AS prev_dpd, lead(days_past_due) OVER w AS next_dpd
                   FROM sample_performance WINDOW w AS (PARTITION BY loan_id ORDER BY months_on_book))
        SELECT count(DISTINCT loan_id) FILTER (classification = 'substandard' AND days_past_due = 0),
               count(*) FILTER (classification = 'substandard' AND days_past_due BETWEEN 61 AND 90),
               count(DISTINCT loan_id) FILTER (days_past_due BETWEEN 61 AND 89 AND next_dpd = 0)
        FROM p
        """
    ).fetchone()
    assert restructured > 100 and early > 100 and cured_late > 100  # 0 each when NPL was PAR90 in disguise
    held = con.execute(
        """
        WITH p AS (SELECT loan_id, months_on_book, classification, days_past_due,
                          max(days_past_due) OVER (PARTITION BY loan_id) AS worst FROM sample_performance)
        SELECT count(*) FROM p
        WHERE classification = 'substandard' AND days_past_due = 0 AND worst NOT BETWEEN 61 AND 89
        """
    ).fetchone()[0]
    assert held == 0  # only loans restructured after a third missed payment are held substandard


def test_the_documented_change_in_july_2022(full):
    """data/README.md: from 1 July 2022 the debt ratio jumps by 0.10 and the share of rate increases by 15 points
    (three months either side, so the gradual drift adds little), and a rate increase then weighs +0.90 more."""
    con, _ = full
    before, after = con.execute(
        """
        SELECT avg(debt_ratio), avg(interest_rate_increase) FROM sample_loans
        WHERE application_date BETWEEN DATE '2022-04-01' AND DATE '2022-06-30'
        UNION ALL
        SELECT avg(debt_ratio), avg(interest_rate_increase) FROM sample_loans
        WHERE application_date BETWEEN DATE '2022-07-01' AND DATE '2022-09-30'
        """
    ).fetchall()
    assert after[0] - before[0] == pytest.approx(0.10, abs=0.02)
    assert after[1] - before[1] == pytest.approx(0.15, abs=0.03)
    assert sample.TRUE_COEFFICIENTS["interest_rate_increase[from 2022-07]"] == 0.90


def test_coverage_ratio_at_the_cut_off_is_realistic_and_uneven(full):
    """The coverage ratio (拨备覆盖率) with the PBoC default rates, computed by hand from the table: required reserve
    (2% special mention, 25% substandard, 50% doubtful, 100% loss, plus 1% of gross loans) / NPL balance."""
    con, _ = full
    datasets.save_roles(con, sample.PERFORMANCE_TABLE, sample.SAMPLE_ROLES[sample.PERFORMANCE_TABLE])
    rates = {"normal": 0.0, "special mention": 0.02, "substandard": 0.25, "doubtful": 0.5, "loss": 1.0}
    frame = con.execute(
        "SELECT branch, classification, balance FROM sample_performance "
        "WHERE snapshot_date = (SELECT max(snapshot_date) FROM sample_performance) AND balance > 0"
    ).df()
    frame["specific"] = frame.balance * frame.classification.map(rates)
    frame["npl"] = frame.balance.where(frame.classification.isin(["substandard", "doubtful", "loss"]), 0.0)
    sums = frame.groupby("branch")[["balance", "specific", "npl"]].sum()
    by_hand = (sums.specific + 0.01 * sums.balance) / sums.npl
    total = sums.sum()
    overall = (total.specific + 0.01 * total.balance) / total.npl

    source = portfolio.resolve(con, datasets.table_context(con, sample.PERFORMANCE_TABLE))
    settings = provisions.Settings()
    found = provisions.provisions(con, source, settings)
    assert found.get("coverage_ratio") == pytest.approx(overall, rel=1e-9)
    assert overall == pytest.approx(1.3542, abs=1e-4)  # 135%: within what Chinese rural banks report
    assert total.npl / total.balance == pytest.approx(0.0124, abs=1e-4)
    branches = provisions.provisions_by(con, source, settings, "branch").set_index("group")["coverage_ratio"]
    pd.testing.assert_series_equal(branches.sort_index(), by_hand.sort_index(), check_names=False)
    assert by_hand.min() == pytest.approx(1.0577, abs=1e-4)  # Nanhu: below the 150% red flag
    assert by_hand.max() == pytest.approx(1.6921, abs=1e-4)  # Dongcheng
    assert by_hand.idxmin() == "Nanhu" and by_hand.idxmax() == "Dongcheng"
    assert (by_hand < settings.minimum("coverage_ratio")).sum() == 3


def test_coverage_ratio_over_time_falls_below_the_red_flag_after_the_change(full):
    """Month by month (by hand from every loan-month): a young book is well covered; as the loans booked after July
    2022 default, the coverage ratio falls below 150% in every month since May 2023 but July 2023."""
    con, _ = full
    datasets.save_roles(con, sample.PERFORMANCE_TABLE, sample.SAMPLE_ROLES[sample.PERFORMANCE_TABLE])
    rates = {"normal": 0.0, "special mention": 0.02, "substandard": 0.25, "doubtful": 0.5, "loss": 1.0}
    frame = con.execute("SELECT snapshot_date, classification, balance FROM sample_performance WHERE balance > 0").df()
    frame["month"] = pd.to_datetime(frame.snapshot_date).dt.strftime("%Y-%m")
    frame["required"] = frame.balance * (frame.classification.map(rates) + 0.01)
    frame["npl"] = frame.balance.where(frame.classification.isin(["substandard", "doubtful", "loss"]), 0.0)
    sums = frame.groupby("month")[["required", "npl"]].sum()
    by_hand = (sums.required / sums.npl.where(sums.npl > 0)).dropna()

    source = portfolio.resolve(con, datasets.table_context(con, sample.PERFORMANCE_TABLE))
    trend = provisions.provisions_trend(con, source, provisions.Settings())
    found = trend.set_index(pd.to_datetime(trend["month"]).dt.strftime("%Y-%m"))["coverage_ratio"].dropna()
    pd.testing.assert_series_equal(found, by_hand, check_names=False, check_index_type=False, rtol=1e-9)
    assert by_hand["2022-01":"2022-12"].min() > 1.6
    below = list(by_hand[by_hand < 1.5].index)
    assert [m for m in below if m >= "2023"] == [f"2023-{m:02d}" for m in (3, 5, 6, 8, 9, 10, 11, 12)] + [
        f"2024-{m:02d}" for m in range(1, 7)
    ]
    assert by_hand["2023-07":].min() == pytest.approx(1.2253, abs=1e-4)
    assert by_hand["2023-07":].max() == pytest.approx(1.5823, abs=1e-4)
