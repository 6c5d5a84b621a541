"""The seeded sample microcredit portfolio: applications, officers' judgement and monthly performance.

Everything is simulated from one seed (same seed, same data) with numpy, then written to DuckDB in
one transaction. Defaults follow a documented logit with known coefficients (``TRUE_TERMS``, also in
``data/README.md``), so a model fitted on the booked loans can be checked against the truth.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from analytics import datasets, store
from analytics.core import RiskLabError

LOANS_TABLE = "sample_loans"
PERFORMANCE_TABLE = "sample_performance"
GENERATOR_VERSION = 3  # 2: the change in July 2022, settlement and write-off within 180 days; 3: joint-liability groups
MIN_LOANS = 500
MIN_MONTHS = 13
TAKE_UP = 0.96  # share of approved applications that are booked (the rest decline the offer)


class TrueTerm(NamedTuple):
    """One term of the true default logit: its name, true coefficient and how it is computed."""

    name: str
    coef: float
    formula: str


# The documented change in the book (data/README.md): applicants from this date carry more debt, more of them get
# a rate increase, and a rate increase matters more for default (``CHANGED_RATE_TERM`` in the true model).
CHANGE_DATE = np.datetime64("2022-07-01")
CHANGE_DEBT = 0.10  # added to the debt ratio of applicants from CHANGE_DATE
CHANGE_RATE_INCREASE = 0.15  # added to the share of applicants given a rate increase from CHANGE_DATE
CHANGED_RATE_TERM = f"interest_rate_increase[from {CHANGE_DATE.astype('datetime64[M]')}]"

# The true 12-month default model: logit(P(default)) = sum(coef * term). Reference levels: segment farm,
# education primary, farming_type grain (and "none" for enterprises), guarantee none, repayment equal
# instalments, credit_rating AAA. shareholder_holding_years counts as 0 for farm households.
TRUE_TERMS: tuple[TrueTerm, ...] = (
    TrueTerm("intercept", -2.35, "1"),
    TrueTerm("segment[enterprise]", 0.25, "segment = 'enterprise'"),
    TrueTerm("log(annual_income/10000)", -0.55, "ln(annual_income / 10000)"),
    TrueTerm("log(total_assets/10000)", -0.25, "ln(total_assets / 10000)"),
    TrueTerm("log(loan_amount/10000)", 0.35, "ln(loan_amount / 10000)"),
    TrueTerm("debt_ratio", 2.20, "debt_ratio"),
    TrueTerm("prior_overdue_count", 0.40, "prior_overdue_count"),
    TrueTerm("owner_years_in_business", -0.03, "owner_years_in_business"),
    TrueTerm("shareholder_holding_years", -0.08, "coalesce(shareholder_holding_years, 0)"),
    TrueTerm("household_labour", -0.12, "household_labour"),
    TrueTerm("education[middle]", -0.15, "education = 'middle'"),
    TrueTerm("education[high]", -0.35, "education = 'high'"),
    TrueTerm("education[college]", -0.55, "education = 'college'"),
    TrueTerm("farming_type[cash crops]", 0.25, "farming_type = 'cash crops'"),
    TrueTerm("farming_type[livestock]", 0.40, "farming_type = 'livestock'"),
    TrueTerm("farming_type[aquaculture]", 0.55, "farming_type = 'aquaculture'"),
    TrueTerm("guarantee_method[guarantor]", -0.30, "guarantee_method = 'guarantor'"),
    TrueTerm("guarantee_method[joint group]", -0.45, "guarantee_method = 'joint group'"),
    TrueTerm("guarantee_method[collateral]", -0.60, "guarantee_method = 'collateral'"),
    TrueTerm("guarantee_method[mortgage]", -0.85, "guarantee_method = 'mortgage'"),
    TrueTerm(
        "repayment_method[monthly interest]", 0.35, "repayment_method = 'monthly interest, principal at maturity'"
    ),
    TrueTerm(
        "repayment_method[quarterly interest]", 0.55, "repayment_method = 'quarterly interest, principal at maturity'"
    ),
    TrueTerm("interest_rate_increase", 0.50, "interest_rate_increase"),
    TrueTerm(
        CHANGED_RATE_TERM,
        0.90,
        f"interest_rate_increase = 1 AND application_date >= DATE '{CHANGE_DATE}'",
    ),
    TrueTerm("term_months", 0.015, "term_months"),
    TrueTerm("credit_rating[AA]", 0.30, "credit_rating = 'AA'"),
    TrueTerm("credit_rating[A]", 0.60, "credit_rating = 'A'"),
    TrueTerm("credit_rating[B]", 1.00, "credit_rating = 'B'"),
    TrueTerm("credit_rating[C]", 1.50, "credit_rating = 'C'"),
)
TRUE_COEFFICIENTS: dict[str, float] = {term.name: term.coef for term in TRUE_TERMS}
DEFAULT_RATE_RANGE = (0.08, 0.12)  # documented 12-month default rate of booked loans

# Joint-liability groups (data/README.md): the farm households whose guarantee is "joint group" borrow in groups of
# 3-5 members formed by their officer in order of application. On top of TRUE_TERMS a member's log-odds gain the
# group's shared shock (normal, mean GROUP_SHOCK_MEAN, standard deviation GROUP_SHOCK_SD: peer monitoring lowers the
# risk on average, a bad season or a failed group hits every member) and GROUP_PEER_OVERDUE times the other members'
# mean prior overdue count. Drawn from their own random stream, so every individual loan is as before version 3.
GROUP_SIZES = (3, 4, 5)
GROUP_SIZE_SHARES = (0.3, 0.4, 0.3)
GROUP_SHOCK_MEAN = -0.40
GROUP_SHOCK_SD = 1.00
GROUP_PEER_OVERDUE = 0.35
GROUP_STREAM = 5  # the groups' random stream: numpy's generator seeded with (seed, GROUP_STREAM)


# The five categories in the data, best first, in English ("normal" ... "loss"); their days-overdue floors come
# from the one registry, ``datasets.DPD_FLOORS`` (any overdue -> special mention, > 90 substandard ...).
RESTRUCTURED_MONTHS = 6  # a restructured loan stays substandard this long after it catches up
WRITE_OFF_MONTHS = 5  # an unsettled defaulted loan is written off this many months after the missed payment
# the share of defaulted loans settled by a second source of repayment, by guarantee; the rest are written off
SETTLED_BY_GUARANTOR = 0.80  # guarantor or joint-liability group
SETTLED_BY_COLLATERAL = 0.60  # collateral or mortgage (the collateral is sold)
SETTLED_UNSECURED = 0.10  # credit loans (guarantee "none")
CLASSIFICATION_LABELS: tuple[str, ...] = tuple(c.en.lower() for c in datasets.FIVE_CATEGORIES)


class Grade(NamedTuple):
    """An expert grade band: the grade and the lowest score (0-100 points) it takes."""

    label: str
    min_score: int


EXPERT_GRADES: tuple[Grade, ...] = (Grade("AAA", 80), Grade("AA", 70), Grade("A", 60), Grade("B", 45), Grade("C", 0))

# Institution credit rating bands on a standard-normal latent rating (top 15% AAA, 25% AA, 30% A, 20% B, 10% C).
RATING_BANDS: tuple[tuple[str, float], ...] = (
    ("AAA", 1.0364),
    ("AA", 0.2533),
    ("A", -0.5244),
    ("B", -1.2816),
    ("C", -np.inf),
)

BRANCHES: tuple[tuple[str, float], ...] = (  # (branch, share of farm households among its applications)
    ("Qingshan", 0.85),
    ("Hexi", 0.80),
    ("Longquan", 0.55),
    ("Dongcheng", 0.20),
    ("Nanhu", 0.30),
)
OFFICERS: tuple[tuple[str, str], ...] = (  # (officer, branch)
    ("Wang Wei", "Qingshan"),
    ("Li Na", "Qingshan"),
    ("Zhang Min", "Qingshan"),
    ("Liu Yang", "Qingshan"),
    ("Chen Jing", "Hexi"),
    ("Yang Fan", "Hexi"),
    ("Zhao Lei", "Hexi"),
    ("Huang Li", "Hexi"),
    ("Zhou Qiang", "Longquan"),
    ("Wu Hong", "Longquan"),
    ("Xu Tao", "Longquan"),
    ("Sun Yan", "Longquan"),
    ("Hu Jun", "Dongcheng"),
    ("Zhu Lin", "Dongcheng"),
    ("Gao Feng", "Dongcheng"),
    ("Lin Xia", "Nanhu"),
    ("He Ping", "Nanhu"),
    ("Guo Hui", "Nanhu"),
)
BRANCH_WEIGHTS = (0.24, 0.22, 0.22, 0.16, 0.16)

EDUCATION = ("primary", "middle", "high", "college")
FARMING_TYPES = ("grain", "cash crops", "livestock", "aquaculture")
GUARANTEES = ("none", "guarantor", "joint group", "collateral", "mortgage")
REPAYMENTS = (
    "equal instalments",
    "monthly interest, principal at maturity",
    "quarterly interest, principal at maturity",
)
FARM_PURPOSES = ("seeds and fertiliser", "livestock purchase", "farm machinery", "housing repair", "consumption")
ENTERPRISE_PURPOSES = ("working capital", "equipment", "expansion", "consumption")
TERMS = (12, 24, 36)

SAMPLE_ROLES: dict[str, dict[str, str]] = {
    LOANS_TABLE: {
        "loan_id": "loan_id",
        "borrower_id": "borrower_id",
        "group_id": "group",
        "application_date": "origination_date",
        "branch": "branch",
        "officer": "officer",
        "segment": "segment",
        "product": "product",
        "loan_amount": "amount",
        "term_months": "term",
        "interest_rate": "interest_rate",
        "interest_rate_increase": "factor_categorical",
        "repayment_method": "factor_categorical",
        "guarantee_method": "factor_categorical",
        "loan_purpose": "factor_categorical",
        "annual_income": "factor_numeric",
        "total_assets": "factor_numeric",
        "debt_ratio": "factor_numeric",
        "prior_overdue_count": "factor_numeric",
        "credit_rating": "factor_categorical",
        "owner_years_in_business": "factor_numeric",
        "shareholder_holding_years": "factor_numeric",
        "household_size": "factor_numeric",
        "household_labour": "factor_numeric",
        "education": "factor_categorical",
        "farming_type": "factor_categorical",
        "land_mu": "factor_numeric",
        "expert_score": "expert_score",
        "expert_grade": "ignore",
        "expert_decision": "expert_decision",
        "booked": "booked",
        "default_flag": "outcome",
        "simulated_default": "ignore",
        "simulated_pd": "ignore",
        "outcome_window_complete": "ignore",
    },
    PERFORMANCE_TABLE: {
        "loan_id": "loan_id",
        "snapshot_date": "snapshot_date",
        "months_on_book": "ignore",
        "balance": "balance",
        "days_past_due": "days_past_due",
        "classification": "classification",
        "status": "status",
        "write_off_amount": "ignore",
        "origination_date": "origination_date",
        "branch": "branch",
        "officer": "officer",
        "segment": "segment",
        "product": "product",
        "guarantee_method": "factor_categorical",
    },
}
# display names of the loans table's columns per language (the Data page edits them; What-if shows them)
_LOAN_LABELS = {
    "group_id": ("Joint-liability group", "联保小组"),
    "loan_amount": ("Loan amount", "贷款金额"),
    "term_months": ("Term (months)", "期限（月）"),
    "interest_rate": ("Interest rate", "利率"),
    "interest_rate_increase": ("Interest-rate increase", "利率上浮"),
    "repayment_method": ("Repayment method", "还款方式"),
    "guarantee_method": ("Guarantee method", "担保方式"),
    "loan_purpose": ("Loan purpose", "贷款用途"),
    "annual_income": ("Annual income", "年收入"),
    "total_assets": ("Total assets", "总资产"),
    "debt_ratio": ("Debt ratio", "负债率"),
    "prior_overdue_count": ("Prior overdue count", "历史逾期次数"),
    "credit_rating": ("Credit rating", "信用评级"),
    "owner_years_in_business": ("Owner's years in business", "经营年限"),
    "shareholder_holding_years": ("Shareholder's holding years", "股东持股年限"),
    "household_size": ("Household size", "家庭人口"),
    "household_labour": ("Household labour", "家庭劳动力"),
    "education": ("Education", "受教育程度"),
    "farming_type": ("Farming type", "经营类型"),
    "land_mu": ("Land (mu)", "土地面积（亩）"),
    "expert_score": ("Expert score", "专家评分"),
    "expert_decision": ("Expert decision", "专家决策"),
}
SAMPLE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    LOANS_TABLE: {
        "en": {column: names[0] for column, names in _LOAN_LABELS.items()},
        "zh": {column: names[1] for column, names in _LOAN_LABELS.items()},
    },
}
SAMPLE_DEFAULTS: dict[str, dict] = {
    LOANS_TABLE: {"kind": "flag", "column": "default_flag", "values": [1]},
    PERFORMANCE_TABLE: {"kind": "dpd", "column": "days_past_due", "threshold": 90},
}


@dataclasses.dataclass(frozen=True)
class SampleSummary:
    """What ``build_sample`` wrote: table names, counts and the build time."""

    loans_table: str
    performance_table: str
    applications: int
    booked: int
    defaults: int
    months: int
    seconds: float


def build_sample(
    con: duckdb.DuckDBPyConnection,
    *,
    loans: int = 36_000,
    seed: int = 20240601,
    start: str = "2021-01-01",
    months: int = 42,
) -> SampleSummary:
    """(Re)create ``sample_loans`` and ``sample_performance`` from ``seed``, atomically, and catalog them.

    ``loans`` applications (booked and rejected) are spread over ``months`` months from ``start``; the
    performance table runs to the end of the last origination month (the data cut-off).
    """
    began = time.perf_counter()
    if not isinstance(loans, int) or not isinstance(months, int) or loans < MIN_LOANS or months < MIN_MONTHS:
        raise RiskLabError("sample.bad_size", loans=loans, months=months, min_loans=MIN_LOANS, min_months=MIN_MONTHS)
    try:
        first_month = np.datetime64(str(start), "D").astype("datetime64[M]")
    except ValueError:
        raise RiskLabError("sample.bad_start", start=start) from None
    rng = np.random.default_rng(seed)
    apps = _applications(rng, np.random.default_rng([seed, GROUP_STREAM]), loans, months, first_month)
    perf = _performance(rng, apps, months, first_month)
    loans_arrow = _loans_arrow(apps)
    perf_arrow = _performance_arrow(perf)
    source = f"generator:seed={seed}"
    con.register("_sample_loans_src", loans_arrow)
    con.register("_sample_perf_src", perf_arrow)
    try:
        with store.transaction(con):
            con.execute(f"DROP TABLE IF EXISTS {store.quote_ident(PERFORMANCE_TABLE)}")
            con.execute(f"DROP TABLE IF EXISTS {store.quote_ident(LOANS_TABLE)}")
            con.execute(f"CREATE TABLE {store.quote_ident(LOANS_TABLE)} AS SELECT * FROM _sample_loans_src")
            con.execute(
                f"""
                CREATE TABLE {store.quote_ident(PERFORMANCE_TABLE)} AS
                SELECT p.loan_id, p.snapshot_date, p.months_on_book, p.balance, p.days_past_due, p.classification,
                       p.status, p.write_off_amount, l.application_date AS origination_date, l.branch, l.officer,
                       l.segment, l.product, l.guarantee_method
                FROM _sample_perf_src p JOIN {store.quote_ident(LOANS_TABLE)} l USING (loan_id)
                ORDER BY p.loan_id, p.snapshot_date
                """
            )
            store.record_import(
                con,
                table=LOANS_TABLE,
                source_file=source,
                checksum=_checksum(loans_arrow),
                rows=loans_arrow.num_rows,
                columns=loans_arrow.num_columns,
            )
            store.record_import(
                con,
                table=PERFORMANCE_TABLE,
                source_file=source,
                checksum=_checksum(perf_arrow),
                rows=perf_arrow.num_rows,
                columns=len(store.table_columns(con, PERFORMANCE_TABLE)),
            )
    finally:
        con.unregister("_sample_loans_src")
        con.unregister("_sample_perf_src")
    booked = apps["booked"]
    return SampleSummary(
        loans_table=LOANS_TABLE,
        performance_table=PERFORMANCE_TABLE,
        applications=loans,
        booked=int(booked.sum()),
        defaults=int(apps["simulated_default"][booked].sum()),
        months=months,
        seconds=round(time.perf_counter() - began, 3),
    )


def true_design(columns: dict[str, np.ndarray]) -> np.ndarray:
    """The design matrix of ``TRUE_TERMS`` (one column per term, in order) from loan columns."""
    seg = columns["segment"]
    holding = np.nan_to_num(columns["shareholder_holding_years"].astype(float), nan=0.0)
    values = {
        "intercept": np.ones(len(seg)),
        "segment[enterprise]": seg == "enterprise",
        "log(annual_income/10000)": np.log(columns["annual_income"] / 1e4),
        "log(total_assets/10000)": np.log(columns["total_assets"] / 1e4),
        "log(loan_amount/10000)": np.log(columns["loan_amount"] / 1e4),
        "debt_ratio": columns["debt_ratio"],
        "prior_overdue_count": columns["prior_overdue_count"],
        "owner_years_in_business": columns["owner_years_in_business"],
        "shareholder_holding_years": holding,
        "household_labour": columns["household_labour"],
        "interest_rate_increase": columns["interest_rate_increase"],
        CHANGED_RATE_TERM: columns["interest_rate_increase"] * after_change(columns),
        "term_months": columns["term_months"],
        "repayment_method[monthly interest]": columns["repayment_method"] == REPAYMENTS[1],
        "repayment_method[quarterly interest]": columns["repayment_method"] == REPAYMENTS[2],
    }
    for name in TRUE_COEFFICIENTS:
        if name not in values:
            column, level = name.rstrip("]").split("[")
            values[name] = columns[column] == level
    return np.column_stack([np.asarray(values[name], dtype=float) for name in TRUE_COEFFICIENTS])


def after_change(columns: dict[str, np.ndarray]) -> np.ndarray:
    """1 for applications on or after ``CHANGE_DATE``, else 0."""
    dates = np.asarray(columns["application_date"]).astype("datetime64[D]")
    return (dates >= CHANGE_DATE).astype(float)


def floor_rank(days_past_due: np.ndarray) -> np.ndarray:
    """The regulatory floor category of each days-past-due value, as an index into ``CLASSIFICATION_LABELS``."""
    keys = [c.key for c in datasets.FIVE_CATEGORIES]
    rank = np.zeros(len(days_past_due), dtype=int)
    for floor in datasets.DPD_FLOORS:
        rank = np.where(days_past_due > floor.above_days, np.maximum(rank, keys.index(floor.category)), rank)
    return rank


def _pick(rng: np.random.Generator, labels: tuple, probs: np.ndarray) -> np.ndarray:
    """One label per row from per-row probabilities (``probs``: rows x labels), vectorised."""
    cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    index = (rng.random(len(probs))[:, None] > cumulative).sum(axis=1)
    return np.asarray(labels, dtype=object)[np.minimum(index, len(labels) - 1)]


def _by_segment(farm: np.ndarray, share_farm: list[float], share_enterprise: list[float]) -> np.ndarray:
    return np.where(farm[:, None], np.asarray(share_farm), np.asarray(share_enterprise))


def _applications(
    rng: np.random.Generator, group_rng: np.random.Generator, n: int, months: int, first_month: np.datetime64
) -> dict[str, np.ndarray]:
    """Applicants, their factors, the officers' judgement and the simulated 12-month outcome; the joint-liability
    groups and their effects come from ``group_rng``."""
    # when and where: volume grows over time, farm applications peak in spring (planting season)
    month_index = np.arange(months)
    calendar_month = (first_month + month_index).astype(int) % 12
    volume = (1 + 0.5 * month_index / months) * (1 + 0.25 * np.isin(calendar_month, [1, 2, 3]))
    origin = np.sort(rng.choice(months, size=n, p=volume / volume.sum()))
    month_start = (first_month + origin).astype("datetime64[D]")
    days_in_month = ((first_month + origin + 1).astype("datetime64[D]") - month_start).astype(int)
    application_date = month_start + np.floor(rng.random(n) * days_in_month).astype(int)
    branch_idx = rng.choice(len(BRANCHES), size=n, p=BRANCH_WEIGHTS)
    farm = rng.random(n) < np.array([share for _, share in BRANCHES])[branch_idx]
    officer_branch = np.array([[b for b, _ in BRANCHES].index(branch) for _, branch in OFFICERS])
    officer_idx = np.empty(n, dtype=int)
    for b in range(len(BRANCHES)):
        rows = np.flatnonzero(branch_idx == b)
        officer_idx[rows] = rng.choice(np.flatnonzero(officer_branch == b), size=len(rows))
    drift = origin / max(months - 1, 1)  # 0 at the first origination month, 1 at the last

    # household and business
    segment = np.where(farm, "farm", "enterprise").astype(object)
    education = _pick(rng, EDUCATION, _by_segment(farm, [0.35, 0.40, 0.18, 0.07], [0.08, 0.32, 0.35, 0.25]))
    household_size = np.minimum(2 + rng.poisson(1.8, n), 9)
    household_labour = 1 + rng.binomial(household_size - 1, 0.55)
    owner_years = np.round(np.minimum(np.where(farm, rng.gamma(4.0, 4.0, n), rng.gamma(2.5, 3.2, n)) + 1, 45), 1)
    holding = np.where(farm, np.nan, np.round(np.minimum(owner_years, rng.gamma(2.0, 3.0, n) + 0.5), 1))
    farming_type = np.where(farm, _pick(rng, FARMING_TYPES, np.tile([0.45, 0.25, 0.2, 0.1], (n, 1))), "none")
    land_scale = np.select(
        [farming_type == "grain", farming_type == "cash crops", farming_type == "livestock"], [2.5, 1.8, 0.8], 1.2
    )
    land_mu = np.where(farm, np.round(np.exp(land_scale + 0.6 * rng.standard_normal(n)), 1), 0.0)

    # solvency: income drives assets and the amount asked for
    edu_rank = np.select([education == level for level in EDUCATION], range(len(EDUCATION)))
    income_log = np.where(farm, np.log(60_000), np.log(280_000)) + 0.12 * edu_rank + 0.55 * rng.standard_normal(n)
    annual_income = np.round(np.exp(income_log), -2)
    total_assets = np.round(annual_income * np.exp(np.where(farm, 1.4, 1.6) + 0.5 * rng.standard_normal(n)), -3)
    changed = application_date >= CHANGE_DATE
    debt_ratio = np.where(farm, rng.beta(2.0, 5.0, n), 0.95 * rng.beta(3.0, 4.0, n)) + 0.05 * drift
    debt_ratio = debt_ratio + CHANGE_DEBT * changed
    debt_ratio = np.round(np.clip(debt_ratio, 0.0, 0.98), 3)
    amount = annual_income * np.exp(np.where(farm, -0.2, 0.0) + 0.45 * rng.standard_normal(n))
    loan_amount = np.where(farm, np.clip(amount, 5_000, 500_000), np.clip(amount, 20_000, 3_000_000))
    loan_amount = np.round(loan_amount, -3)
    prior_overdue = np.where(rng.random(n) < 0.72, 0, 1 + rng.poisson(0.4 + 1.2 * debt_ratio))

    # loan terms
    term_months = np.asarray(TERMS)[
        _pick(rng, (0, 1, 2), _by_segment(farm, [0.6, 0.25, 0.15], [0.45, 0.3, 0.25])).astype(int)
    ]
    repayment = _pick(rng, REPAYMENTS, _by_segment(farm, [0.3, 0.3, 0.4], [0.45, 0.4, 0.15]))
    big = np.log(loan_amount / 1e5)[:, None] * np.array([[-0.5, 0.0, 0.0, 0.4, 0.6]])
    guarantee_base = _by_segment(farm, [0.30, 0.25, 0.30, 0.10, 0.05], [0.15, 0.25, 0.05, 0.25, 0.30])
    guarantee = _pick(rng, GUARANTEES, guarantee_base * np.exp(big))
    purpose = np.where(
        farm,
        _pick(rng, FARM_PURPOSES, np.tile([0.35, 0.2, 0.15, 0.15, 0.15], (n, 1))),
        _pick(rng, ENTERPRISE_PURPOSES, np.tile([0.5, 0.2, 0.2, 0.1], (n, 1))),
    )
    purpose = np.where(
        farming_type == "livestock", np.where(rng.random(n) < 0.5, "livestock purchase", purpose), purpose
    )
    product = np.select(
        [farm & np.isin(purpose, ["housing repair", "consumption"]), farm, loan_amount < 500_000],
        ["farmer household loan", "agricultural production loan", "micro business loan"],
        "SME working capital loan",
    ).astype(object)
    rate_increase = (rng.random(n) < 0.15 + 0.2 * drift + CHANGE_RATE_INCREASE * changed).astype(np.int32)

    columns: dict[str, np.ndarray] = {
        "application_date": application_date,
        "segment": segment,
        "education": education,
        "household_size": household_size,
        "household_labour": household_labour,
        "owner_years_in_business": owner_years,
        "shareholder_holding_years": holding,
        "farming_type": farming_type,
        "land_mu": land_mu,
        "annual_income": annual_income,
        "total_assets": total_assets,
        "debt_ratio": debt_ratio,
        "loan_amount": loan_amount,
        "prior_overdue_count": prior_overdue,
        "term_months": term_months,
        "repayment_method": repayment,
        "guarantee_method": guarantee,
        "loan_purpose": purpose,
        "interest_rate_increase": rate_increase,
        "credit_rating": np.full(n, "AAA", dtype=object),
    }
    # the institution's own rating: observable risk plus soft information the other columns miss. Nobody at the
    # institution sees that a rate increase matters more from CHANGE_DATE: the rating and the officers keep the old
    # weight on it
    beta = np.array(list(TRUE_COEFFICIENTS.values()))
    is_rating = np.array([name.startswith("credit_rating") for name in TRUE_COEFFICIENTS])
    unseen = np.array([name == CHANGED_RATE_TERM for name in TRUE_COEFFICIENTS])
    observed = true_design(columns)[:, ~is_rating & ~unseen] @ beta[~is_rating & ~unseen]
    latent = -0.6 * (observed - observed.mean()) / observed.std() + 0.8 * rng.standard_normal(n)
    cuts = np.array([cut for _, cut in RATING_BANDS])
    columns["credit_rating"] = np.asarray([label for label, _ in RATING_BANDS], dtype=object)[
        (latent[:, None] < cuts[None, :]).sum(axis=1)
    ]
    design = true_design(columns)
    group = _joint_groups(group_rng, officer_idx, farm & (guarantee == "joint group"))
    true_lp = design @ beta + _group_terms(group_rng, group, prior_overdue)
    simulated_pd = 1 / (1 + np.exp(-true_lp))
    simulated_default = (rng.random(n) < simulated_pd).astype(np.int32)

    # officers: own leniency, own weights on the true terms, own noise; they never see the outcome draw
    k = len(OFFICERS)
    weights = 1 + 0.2 * rng.standard_normal((k, len(beta)))
    weights[:, 0] = 1.0
    weights[:, unseen] = 0.0
    names = list(TRUE_COEFFICIENTS)
    for o in range(k):
        quirk = o % 4
        if quirk == 0:  # overweights collateral and mortgages
            weights[o, [names.index("guarantee_method[collateral]"), names.index("guarantee_method[mortgage]")]] *= 3
        elif quirk == 1:  # ignores the debt ratio
            weights[o, names.index("debt_ratio")] = 0
        elif quirk == 2:  # follows the institution's rating closely
            weights[o, is_rating] *= 1.8
    leniency = rng.uniform(-6, 8, k)
    sloppiness = rng.uniform(0.4, 1.0, k)
    officer_beta = beta * weights
    perceived = np.einsum("ij,ij->i", design, officer_beta[officer_idx])
    # each officer's scale is centred on the whole book: level differences come from leniency only
    perceived -= (design.mean(axis=0) @ (officer_beta - beta).T)[officer_idx]
    perceived += sloppiness[officer_idx] * rng.standard_normal(n)
    expert_score = np.clip(np.round(64 - 11 * (perceived - np.median(perceived))), 0, 100).astype(np.int32)
    grade_floor = np.array([g.min_score for g in EXPERT_GRADES])
    expert_grade = np.asarray([g.label for g in EXPERT_GRADES], dtype=object)[
        (expert_score[:, None] < grade_floor[None, :]).sum(axis=1)
    ]
    approve = expert_score >= 50 - leniency[officer_idx]
    booked = approve & (rng.random(n) < TAKE_UP)

    base_rate = np.where(farm, 6.5, 5.2) + np.select(
        [columns["credit_rating"] == label for label, _ in RATING_BANDS], [0.0, 0.4, 0.9, 1.8, 2.8]
    )
    interest_rate = np.round(
        base_rate + rate_increase * rng.uniform(1.0, 3.0, n) + 0.25 * rng.standard_normal(n) + 0.3 * drift, 2
    )
    order = rng.permutation(n)
    columns.update(
        {
            "loan_id": np.char.add("L", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object),
            "borrower_id": np.char.add("B", np.char.zfill((1_000_000 + order * 7).astype(str), 7)).astype(object),
            "group_id": np.where(group >= 0, np.char.add("G", np.char.zfill((group + 1).astype(str), 5)), None),
            "application_date": application_date,
            "origin": origin,
            "branch": np.asarray([b for b, _ in BRANCHES], dtype=object)[branch_idx],
            "officer": np.asarray([o for o, _ in OFFICERS], dtype=object)[officer_idx],
            "product": product,
            "interest_rate": interest_rate,
            "expert_score": expert_score,
            "expert_grade": expert_grade,
            "expert_decision": np.where(approve, "approve", "reject").astype(object),
            "booked": booked,
            "simulated_default": simulated_default,
            "simulated_pd": np.round(simulated_pd, 6),
            "outcome_window_complete": origin + 12 <= months - 1,
        }
    )
    return columns


def _joint_groups(rng: np.random.Generator, officer_idx: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each application's group (0, 1, ...; -1 for individual loans): each officer puts ``members`` in groups of
    ``GROUP_SIZES`` in order of application (the applications are sorted by date); the officer's last groups lose a
    member each until the sizes add up (they stay 3-5); an officer with fewer than 3 such applications forms none."""
    group = np.full(len(members), -1)
    count = 0
    for officer in range(len(OFFICERS)):
        rows = np.flatnonzero(members & (officer_idx == officer))
        sizes = list(rng.choice(GROUP_SIZES, size=len(rows) // min(GROUP_SIZES) + 1, p=GROUP_SIZE_SHARES))
        sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), len(rows))) + 1]
        while sum(sizes) > len(rows) and any(size > min(GROUP_SIZES) for size in sizes):
            sizes[max(i for i, size in enumerate(sizes) if size > min(GROUP_SIZES))] -= 1
        if sum(sizes) > len(rows):
            continue
        group[rows] = count + np.repeat(np.arange(len(sizes)), sizes)
        count += len(sizes)
    return group


def _group_terms(rng: np.random.Generator, group: np.ndarray, prior_overdue: np.ndarray) -> np.ndarray:
    """What a group adds to its members' true log-odds: the shared shock and the other members' mean prior overdue
    count times ``GROUP_PEER_OVERDUE``; 0 for individual loans."""
    member = group >= 0
    groups = int(group.max()) + 1
    shock = rng.normal(GROUP_SHOCK_MEAN, GROUP_SHOCK_SD, groups)
    size = np.bincount(group[member], minlength=groups)
    overdue = np.bincount(group[member], weights=prior_overdue[member], minlength=groups)
    others = (overdue[group[member]] - prior_overdue[member]) / (size[group[member]] - 1)
    terms = np.zeros(len(group))
    terms[member] = shock[group[member]] + GROUP_PEER_OVERDUE * others
    return terms


def _performance(
    rng: np.random.Generator, apps: dict[str, np.ndarray], months: int, first_month: np.datetime64
) -> dict[str, np.ndarray]:
    """Loan x month rows of the booked loans, from the month after origination to the end or the cut-off."""
    booked = np.flatnonzero(apps["booked"])
    b = len(booked)
    term = apps["term_months"][booked]
    origin = apps["origin"][booked]
    principal = apps["loan_amount"][booked]
    rate = apps["interest_rate"][booked] / 1200
    method = apps["repayment_method"][booked]
    step = np.where(method == REPAYMENTS[2], 3, 1)  # payments fall due every `step` months
    default12 = apps["simulated_default"][booked] == 1
    p = apps["simulated_pd"][booked]

    def due_month(low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """A random due month in [low, high] (multiples of `step`); high >= low assumed where used."""
        first = -(-low // step)
        last = np.maximum(high // step, first)
        return step * (first + np.floor(rng.random(b) * (last - first + 1)).astype(int))

    # defaulters miss a payment by month 9 (90+ days past due by month 12); a smaller share defaults later
    late = ~default12 & (rng.random(b) < 0.08 * p * term / 12)
    defaulted = default12 | late
    miss = np.where(default12, due_month(np.ones(b, int), np.full(b, 9)), due_month(np.full(b, 10), term))
    first_dpd = rng.integers(1, 30, b)
    # a defaulted loan is settled (the guarantor, the group or the sale of the collateral repays it) 4-5 months
    # after the missed payment, or else written off 5 months after it (151-179 days past due, a loss loan)
    guarantee = apps["guarantee_method"][booked]
    by_guarantor = np.isin(guarantee, ["guarantor", "joint group"])
    by_collateral = np.isin(guarantee, ["collateral", "mortgage"])
    settle_share = np.select(
        [by_guarantor, by_collateral], [SETTLED_BY_GUARANTOR, SETTLED_BY_COLLATERAL], SETTLED_UNSECURED
    )
    settle_month = miss + 4 + np.where(by_collateral, rng.integers(0, 2, b), 0)
    recovered = defaulted & (rng.random(b) < settle_share)
    exit_month = np.where(recovered, settle_month, miss + WRITE_OFF_MONTHS)
    # performing loans: some slip one or two months and cure; some prepay
    cure = ~defaulted & (rng.random(b) < np.minimum(2.5 * p, 0.6))
    cure_len = rng.integers(1, 3, b)
    cure_start = due_month(np.ones(b, int), np.maximum(term - cure_len, 1))
    prepay = ~defaulted & ~cure & (term > 12) & (rng.random(b) < 0.12)
    prepay_month = rng.integers(6, np.maximum(term, 7), b)
    # judgement (drawn last, so every draw above is unchanged): some cured loans missed a third payment first
    # (61-89 days past due) and were restructured, then held substandard for 6 months whatever their days past
    # due; some defaulting loans are downgraded to substandard at 61-90 days, a month before the floor
    restructured = cure & (cure_len == 2) & (cure_start + 3 < term) & (rng.random(b) < 0.10)
    cure_len = np.where(restructured, 3, cure_len)
    early = defaulted & (rng.random(b) < 0.25)
    end = np.where(defaulted, exit_month, np.where(prepay, prepay_month, term))
    horizon = months - 1 - origin  # months on book reachable by the data cut-off
    rows = np.clip(np.minimum(end, horizon), 0, None)

    loan = np.repeat(np.arange(b), rows)
    m = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows) + 1
    final = m == end[loan]
    in_default = defaulted[loan] & (m >= miss[loan])
    in_cure = cure[loan] & (m >= cure_start[loan]) & (m < cure_start[loan] + cure_len[loan])
    dpd = np.where(in_default, first_dpd[loan] + 30 * (m - miss[loan]), 0)
    dpd = np.where(in_cure, first_dpd[loan] + 30 * (m - cure_start[loan]), dpd)
    paid = np.where(in_default, miss[loan] - 1, np.where(in_cure, cure_start[loan] - 1, m))
    n_term = term[loan]
    growth = (1 + rate[loan]) ** n_term
    amortised = principal[loan] * (growth - (1 + rate[loan]) ** paid) / (growth - 1)
    balance = np.where(method[loan] == REPAYMENTS[0], amortised, np.where(paid >= n_term, 0.0, principal[loan]))
    balance = np.round(np.maximum(balance, 0.0), 2)
    written_off = final & defaulted[loan] & ~recovered[loan]
    paid_off = final & ~written_off
    write_off_amount = np.where(written_off, balance, 0.0)
    dpd = np.where(paid_off, 0, dpd)
    balance = np.where(final, 0.0, balance)

    rank = floor_rank(dpd)
    watch = cure[loan] & (m >= cure_start[loan] + cure_len[loan]) & (m < cure_start[loan] + cure_len[loan] + 3)
    rank = np.where(watch & ~final, np.maximum(rank, 1), rank)
    substandard, doubtful, loss = (
        [c.key for c in datasets.FIVE_CATEGORIES].index(key) for key in ("substandard", "doubtful", "loss")
    )
    cured_at = cure_start[loan] + cure_len[loan]
    held = restructured[loan] & (m >= cured_at) & (m < cured_at + RESTRUCTURED_MONTHS) & ~final
    downgraded = early[loan] & in_default & (dpd > 60) & ~final
    rank = np.where(held | downgraded, np.maximum(rank, substandard), rank)
    # a loan nobody will repay (it is going to be written off) is doubtful past 90 days and loss past 120
    hopeless = in_default & ~recovered[loan] & ~final
    rank = np.where(hopeless & (dpd > 90), np.maximum(rank, doubtful), rank)
    rank = np.where(hopeless & (dpd > 120), np.maximum(rank, loss), rank)
    rank = np.where(written_off, loss, rank)
    status = np.where(
        written_off, "written_off", np.where(paid_off, "paid_off", np.where(dpd > 0, "overdue", "current"))
    )
    snapshot = (first_month + origin[loan] + m + 1).astype("datetime64[D]") - 1
    return {
        "loan_id": apps["loan_id"][booked][loan],
        "snapshot_date": snapshot,
        "months_on_book": m.astype(np.int32),
        "balance": balance,
        "days_past_due": dpd.astype(np.int32),
        "classification": np.asarray(CLASSIFICATION_LABELS, dtype=object)[rank],
        "status": status.astype(object),
        "write_off_amount": write_off_amount,
    }


LOAN_COLUMNS: tuple[str, ...] = tuple(SAMPLE_ROLES[LOANS_TABLE])  # the loans table, in this column order
_INTEGER_COLUMNS = {
    "term_months",
    "interest_rate_increase",
    "prior_overdue_count",
    "household_size",
    "household_labour",
}


def _loans_arrow(apps: dict[str, np.ndarray]) -> pa.Table:
    arrays = {}
    for name in LOAN_COLUMNS:
        if name == "default_flag":
            arrays[name] = pa.array(apps["simulated_default"], type=pa.int32(), mask=~apps["booked"])
        elif name == "shareholder_holding_years":
            values = apps[name]
            arrays[name] = pa.array(np.nan_to_num(values), type=pa.float64(), mask=np.isnan(values))
        elif name in _INTEGER_COLUMNS:
            arrays[name] = pa.array(apps[name].astype(np.int32))
        elif name == "application_date":
            arrays[name] = pa.array(apps[name], type=pa.date32())
        elif name == "group_id":  # None for individual loans
            arrays[name] = pa.array(apps[name], type=pa.string())
        elif apps[name].dtype == object:
            arrays[name] = pa.array(apps[name].astype(str), type=pa.string())
        else:
            arrays[name] = pa.array(apps[name])
    return pa.table(arrays)


def _performance_arrow(perf: dict[str, np.ndarray]) -> pa.Table:
    arrays = {}
    for name, values in perf.items():
        if name == "snapshot_date":
            arrays[name] = pa.array(values, type=pa.date32())
        elif values.dtype == object:
            arrays[name] = pa.array(values.astype(str), type=pa.string())
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def _checksum(table: pa.Table) -> str:
    """sha256 over the generated columns (names, types and values), independent of DuckDB."""
    digest = hashlib.sha256(json.dumps([GENERATOR_VERSION, [str(f) for f in table.schema]]).encode())
    for column in table.columns:
        values = column.to_numpy(zero_copy_only=False)
        if values.dtype == object:
            digest.update("\x1f".join(map(str, values)).encode())
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()
