"""A scalable sample portfolio generated in DuckDB SQL: millions of applications and tens of millions of loan-months.

The tables have the layout of ``analytics.sample`` (same column names, types, roles and default definitions) and
defaults follow the same documented true logit (``sample.TRUE_TERMS``, whose formulas are SQL). Unlike the numpy
generator, every random draw is a hash of (row number, seed, stream), so the tables are generated in parallel and
streamed to disk by DuckDB within its memory limit, and the same seed always gives the same data.

The draws approximate ``sample.py``'s (documented here, checked only loosely): applications over
``ORIGIN_MONTHS`` months with volume growing by half over the period; gamma draws by the Wilson-Hilferty normal
approximation; betas as ratios of such gammas; Poisson counts by inverse CDF (household size) or an exponential
approximation (prior overdue count); the institution's credit rating from the observable risk plus noise as in
``sample.py``; each officer's judgement is the true log-odds times an officer weight plus officer noise and
leniency (no per-term quirks). The performance table observes each booked loan for its first ``months`` months on
book (fewer when it is repaid, prepaid or written off earlier): defaulters miss a payment in months 1-9, go 30
days further past due each month and leave 5-15 months after the miss (30% recovered, else written off).
"""

from __future__ import annotations

import dataclasses
import math
import time

import duckdb

from analytics import datasets, sample, store

LOANS_TABLE = "bench_loans"
PERFORMANCE_TABLE = "bench_performance"
GENERATOR_VERSION = 2  # 2: the joint-liability groups (group_id)
ORIGIN_MONTHS = 36  # applications spread over this many months from START
START = "2021-01-01"
MIN_LOANS = 1_000
PILOT_ROWS = 200_000  # rows whose statistics centre the credit rating and the expert score (same for any N >= this)
ROLES: dict[str, dict[str, str]] = {
    LOANS_TABLE: sample.SAMPLE_ROLES[sample.LOANS_TABLE],
    PERFORMANCE_TABLE: sample.SAMPLE_ROLES[sample.PERFORMANCE_TABLE],
}
DEFAULTS: dict[str, dict] = {
    LOANS_TABLE: sample.SAMPLE_DEFAULTS[sample.LOANS_TABLE],
    PERFORMANCE_TABLE: sample.SAMPLE_DEFAULTS[sample.PERFORMANCE_TABLE],
}


@dataclasses.dataclass(frozen=True)
class BigSample:
    """What ``build`` wrote: table names, applications, booked loans, defaults, loan-months and the build time."""

    loans_table: str
    performance_table: str
    applications: int
    booked: int
    defaults: int
    loan_months: int
    months: int
    seed: int
    seconds: float

    def source(self) -> str:
        """The import record's source: what identifies these tables for reuse."""
        return source_label(self.applications, self.months, self.seed)


def source_label(loans: int, months: int, seed: int) -> str:
    return f"bigsample:v={GENERATOR_VERSION},loans={loans},months={months},seed={seed}"


# --- SQL building blocks: every draw is a hash of the row, the seed and a stream number -------------------------------


def _num(x: float) -> str:
    """A module constant as an SQL DOUBLE literal (never a user value; plain ``0.5`` would be a DECIMAL)."""
    text = repr(float(x))
    return text if "e" in text else text + "e0"


def u(stream: int, row: str = "i") -> str:
    """A uniform draw in (0, 1): the hash of one integer made of the seed, the row and the stream (DuckDB's
    several-argument ``hash`` combines its arguments too weakly: streams would be correlated)."""
    key = f"(CAST($seed AS BIGINT) << 40) + {row} * 8192 + {int(stream)}"
    return f"((CAST(hash({key}) >> 11 AS DOUBLE) + 0.5) * 1.1102230246251565e-16)"


def z(stream: int, row: str = "i") -> str:
    """A standard-normal draw (Box-Muller on two uniforms)."""
    return f"(sqrt(-2 * ln({u(stream, row)})) * cos(2 * pi() * {u(stream + 5000, row)}))"


def gamma(shape: float, scale: float, stream: int) -> str:
    """A gamma draw by the Wilson-Hilferty approximation (cube of a normal)."""
    c = 1 / (9 * shape)
    return f"({_num(shape * scale)} * pow(greatest(0.0, {_num(1 - c)} + {z(stream)} * {_num(math.sqrt(c))}), 3))"


def beta(a: float, b: float, stream: int) -> str:
    """A beta draw as the ratio of two gamma draws."""
    x, y = gamma(a, 1.0, stream), gamma(b, 1.0, stream + 1)
    return f"({x} / greatest({x} + {y}, 1e-12))"


def pick(draw: str, labels: tuple, probs: tuple[float, ...]) -> str:
    """One of ``labels`` with fixed probabilities, by inverse CDF of a uniform ``draw``."""
    total = sum(probs)
    edges, acc = [], 0.0
    for p in probs[:-1]:
        acc += p / total
        edges.append(acc)
    whens = " ".join(f"WHEN {draw} < {_num(e)} THEN {_lit(v)}" for e, v in zip(edges, labels, strict=False))
    return f"(CASE {whens} ELSE {_lit(labels[-1])} END)"


def pick_weighted(draw: str, labels: tuple, weights: tuple[str, ...]) -> str:
    """One of ``labels`` with per-row weights (SQL expressions), by inverse CDF of ``draw``."""
    total = " + ".join(f"({w})" for w in weights)
    whens, acc = [], []
    for w, v in zip(weights[:-1], labels[:-1], strict=True):
        acc.append(f"({w})")
        whens.append(f"WHEN {draw} * ({total}) < {' + '.join(acc)} THEN {_lit(v)}")
    return f"(CASE {' '.join(whens)} ELSE {_lit(labels[-1])} END)"


def _lit(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value)) if isinstance(value, int) else _num(value)


def _list(values: tuple) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def true_log_odds_sql() -> str:
    """``sample.TRUE_TERMS`` as one SQL expression over the loan columns."""
    return " + ".join(f"{_num(t.coef)} * CAST(({t.formula}) AS DOUBLE)" for t in sample.TRUE_TERMS)


def observed_log_odds_sql() -> str:
    """The true log-odds without the credit-rating terms (what the rating itself is drawn from)."""
    return " + ".join(
        f"{_num(t.coef)} * CAST(({t.formula}) AS DOUBLE)"
        for t in sample.TRUE_TERMS
        if not t.name.startswith("credit_rating")
    )


# --- the loans ---------------------------------------------------------------------------------------------------


def _factors_sql(n_sql: str) -> str:
    """Applications with their factors (no rating, expert or outcome yet): a SELECT over ``range(n)``."""
    growth = 0.5  # volume grows by half over the origination months: inverse CDF of the density 1 + growth * x
    origin = (
        f"least({ORIGIN_MONTHS - 1}, CAST(floor({ORIGIN_MONTHS} * (sqrt(1 + {_num(2 * growth * (1 + growth / 2))}"
        f" * {u(1)}) - 1) / {_num(growth)}) AS INTEGER))"
    )
    branches = tuple(b for b, _ in sample.BRANCHES)
    farm_share = _list(tuple(s for _, s in sample.BRANCHES))
    by_branch = [[k for k, (_, b) in enumerate(sample.OFFICERS) if b == branch] for branch in branches]
    officers = _list(tuple(o for o, _ in sample.OFFICERS))
    officer_lists = "[" + ", ".join(_list(tuple(x)) for x in by_branch) + "]"
    size_p = [math.exp(-1.8) * 1.8**k / math.factorial(k) for k in range(7)]
    size_p.append(1 - sum(size_p))  # household size 2 + Poisson(1.8), capped at 9
    household_size = pick(u(10), tuple(range(2, 10)), tuple(size_p))
    farm_pick = sample.FARMING_TYPES
    land_scale = (
        "(CASE farming_type WHEN 'grain' THEN 2.5 WHEN 'cash crops' THEN 1.8 WHEN 'livestock' THEN 0.8 ELSE 1.2 END)"
    )
    edu_rank = "(CASE education WHEN 'primary' THEN 0 WHEN 'middle' THEN 1 WHEN 'high' THEN 2 ELSE 3 END)"
    big = [f"exp(ln(loan_amount / 1e5) * {_num(c)})" for c in (-0.5, 0.0, 0.0, 0.4, 0.6)]
    farm_g = (0.30, 0.25, 0.30, 0.10, 0.05)
    ent_g = (0.15, 0.25, 0.05, 0.25, 0.30)
    guarantee_w = tuple(
        f"(CASE WHEN farm THEN {_num(f)} ELSE {_num(e)} END) * {b}" for f, e, b in zip(farm_g, ent_g, big, strict=True)
    )
    return f"""
    WITH r AS (SELECT range AS i FROM range({n_sql})),
    a AS (
        SELECT i, {origin} AS origin, {pick(u(2), tuple(range(len(branches))), sample.BRANCH_WEIGHTS)} AS b FROM r
    ),
    b AS (
        SELECT *, {u(3)} < list_extract({farm_share}, b + 1) AS farm,
               list_extract({officer_lists}, b + 1) AS officer_pool,
               origin / {ORIGIN_MONTHS - 1}.0 AS drift,
               CAST(CAST($start AS DATE) + to_months(origin) AS DATE) AS month_start
        FROM a
    ),
    c AS (
        SELECT *,
               list_extract(officer_pool, 1 + CAST(floor({u(4)} * len(officer_pool)) AS INTEGER)) AS officer_index,
               CASE WHEN farm THEN 'farm' ELSE 'enterprise' END AS segment,
               CASE WHEN farm THEN {pick(u(5), sample.EDUCATION, (0.35, 0.40, 0.18, 0.07))}
                    ELSE {pick(u(5), sample.EDUCATION, (0.08, 0.32, 0.35, 0.25))} END AS education,
               CAST({household_size} AS INTEGER) AS household_size,
               round(least(CASE WHEN farm THEN {gamma(4.0, 4.0, 11)} ELSE {gamma(2.5, 3.2, 11)} END + 1, 45), 1)
                   AS owner_years_in_business,
               CASE WHEN farm THEN {pick(u(12), farm_pick, (0.45, 0.25, 0.2, 0.1))} ELSE 'none' END AS farming_type,
               CASE WHEN farm THEN {beta(2.0, 5.0, 13)} ELSE 0.95 * {beta(3.0, 4.0, 13)} END AS debt_base,
               {u(15)} AS u_overdue, {u(16)} AS u_overdue_n
        FROM b
    ),
    d AS (
        SELECT *,
               CAST(1 + least(household_size - 1, greatest(0, round(0.55 * (household_size - 1)
                   + sqrt(0.2475 * (household_size - 1)) * {z(17)}))) AS INTEGER) AS household_labour,
               CASE WHEN farm THEN NULL ELSE round(least(owner_years_in_business, {gamma(2.0, 3.0, 18)} + 0.5), 1)
                   END AS shareholder_holding_years,
               CASE WHEN farm THEN round(exp({land_scale} + 0.6 * {z(19)}), 1) ELSE 0.0 END AS land_mu,
               round(exp(CASE WHEN farm THEN {_num(math.log(60_000))} ELSE {_num(math.log(280_000))} END
                   + 0.12 * {edu_rank} + 0.55 * {z(20)}), -2) AS annual_income,
               round(least(greatest(debt_base + 0.05 * drift, 0.0), 0.98), 3) AS debt_ratio
        FROM c
    ),
    e AS (
        SELECT *,
               round(annual_income * exp(CASE WHEN farm THEN 1.4 ELSE 1.6 END + 0.5 * {z(21)}), -3) AS total_assets,
               round(CASE WHEN farm THEN least(greatest(annual_income * exp(-0.2 + 0.45 * {z(22)}), 5000), 500000)
                          ELSE least(greatest(annual_income * exp(0.45 * {z(22)}), 20000), 3000000) END, -3)
                   AS loan_amount,
               CAST(CASE WHEN u_overdue < 0.72 THEN 0
                         ELSE 1 + floor(-ln(u_overdue_n) * (0.4 + 1.2 * debt_ratio)) END AS INTEGER)
                   AS prior_overdue_count,
               CAST(CASE WHEN farm THEN {pick(u(23), (12, 24, 36), (0.6, 0.25, 0.15))}
                    ELSE {pick(u(23), (12, 24, 36), (0.45, 0.3, 0.25))} END AS INTEGER) AS term_months,
               CASE WHEN farm THEN {pick(u(24), sample.REPAYMENTS, (0.3, 0.3, 0.4))}
                    ELSE {pick(u(24), sample.REPAYMENTS, (0.45, 0.4, 0.15))} END AS repayment_method,
               CAST({u(25)} < 0.15 + 0.2 * drift AS INTEGER) AS interest_rate_increase,
               CASE WHEN farm THEN {pick(u(26), sample.FARM_PURPOSES, (0.35, 0.2, 0.15, 0.15, 0.15))}
                    ELSE {pick(u(26), sample.ENTERPRISE_PURPOSES, (0.5, 0.2, 0.2, 0.1))} END AS purpose_draw
        FROM d
    )
    SELECT *,
           {pick_weighted(u(27), sample.GUARANTEES, guarantee_w)} AS guarantee_method,
           CASE WHEN farming_type = 'livestock' AND {u(28)} < 0.5 THEN 'livestock purchase' ELSE purpose_draw END
               AS loan_purpose,
           list_extract({officers}, officer_index + 1) AS officer,
           list_extract({_list(branches)}, b + 1) AS branch,
           CAST(month_start + CAST(floor({u(29)} * day(last_day(month_start))) AS INTEGER) AS DATE)
               AS application_date
    FROM e
    """


def _rating_sql(mean: float, sd: float) -> str:
    """The credit rating: observable risk (standardised with the pilot's mean and SD) plus soft information."""
    latent = f"(-0.6 * (({observed_log_odds_sql()}) - {_num(mean)}) / {_num(sd)} + 0.8 * {z(30)})"
    finite = [(label, cut) for label, cut in sample.RATING_BANDS if math.isfinite(cut)]
    index = " + ".join(f"CAST({latent} < {_num(cut)} AS INTEGER)" for _, cut in finite)
    return f"list_extract({_list(tuple(label for label, _ in sample.RATING_BANDS))}, 1 + {index})"


def _officer_sql(kind: str) -> str:
    """Per officer (``officer_index``): leniency in [-6, 8], sloppiness in [0.4, 1] or weight around 1."""
    draw = u({"leniency": 40, "sloppiness": 41, "weight": 42}[kind], row="officer_index")
    if kind == "leniency":
        return f"(-6 + 14 * {draw})"
    if kind == "sloppiness":
        return f"(0.4 + 0.6 * {draw})"
    return f"(1 + 0.2 * {z(42, row='officer_index')})"


def _loans_sql(n_sql: str, mean: float, sd: float, score_centre: float) -> str:
    """The final loans table as a SELECT (columns in ``sample.LOAN_COLUMNS`` order)."""
    perceived = f"(true_lp * {_officer_sql('weight')} + {_officer_sql('sloppiness')} * {z(31)})"
    grades = " ".join(f"WHEN expert_score >= {g.min_score} THEN {_lit(g.label)}" for g in sample.EXPERT_GRADES[:-1])
    rating_add = (
        "(CASE credit_rating WHEN 'AAA' THEN 0.0 WHEN 'AA' THEN 0.4 WHEN 'A' THEN 0.9 WHEN 'B' THEN 1.8 ELSE 2.8 END)"
    )
    width = max(7, len(str(n_sql)))
    product = (
        "CASE WHEN farm AND loan_purpose IN ('housing repair', 'consumption') THEN 'farmer household loan' "
        "WHEN farm THEN 'agricultural production loan' WHEN loan_amount < 500000 THEN 'micro business loan' "
        "ELSE 'SME working capital loan' END"
    )
    return f"""
    WITH f AS ({_factors_sql(n_sql)}),
    g AS (SELECT *, {_rating_sql(mean, sd)} AS credit_rating FROM f),
    h AS (SELECT *, {true_log_odds_sql()} AS true_lp FROM g),
    k AS (
        SELECT *, 1 / (1 + exp(-true_lp)) AS p,
               CAST(least(greatest(round(64 - 11 * ({perceived} - {_num(score_centre)})), 0), 100) AS INTEGER)
                   AS expert_score
        FROM h
    ),
    m AS (
        SELECT *, expert_score >= 50 - {_officer_sql("leniency")} AS approve,
               CAST({u(32)} < p AS INTEGER) AS simulated_default
        FROM k
    )
    SELECT 'L' || lpad(CAST(i + 1 AS VARCHAR), {width}, '0') AS loan_id,
           'B' || lpad(CAST(CAST(floor({u(36)} * $n * 2) AS BIGINT) AS VARCHAR), {width + 1}, '0') AS borrower_id,
           {_group_sql()} AS group_id,
           application_date, branch, officer, segment, {product} AS product, loan_amount, term_months,
           round(CASE WHEN farm THEN 6.5 ELSE 5.2 END + {rating_add} + interest_rate_increase * (1 + 2 * {u(33)})
                 + 0.25 * {z(34)} + 0.3 * drift, 2) AS interest_rate,
           interest_rate_increase, repayment_method, guarantee_method, loan_purpose, annual_income, total_assets,
           debt_ratio, prior_overdue_count, credit_rating, owner_years_in_business, shareholder_holding_years,
           household_size, household_labour, education, farming_type, land_mu, expert_score,
           CASE {grades} ELSE {_lit(sample.EXPERT_GRADES[-1].label)} END AS expert_grade,
           CASE WHEN approve THEN 'approve' ELSE 'reject' END AS expert_decision,
           approve AND {u(35)} < {_num(sample.TAKE_UP)} AS booked,
           CASE WHEN approve AND {u(35)} < {_num(sample.TAKE_UP)} THEN simulated_default END AS default_flag,
           simulated_default, round(p, 6) AS simulated_pd,
           origin + 12 <= {ORIGIN_MONTHS - 1} AS outcome_window_complete
    FROM m
    """


def _group_sql() -> str:
    """The joint-liability group of a farm household with a "joint group" guarantee: each officer's such applicants
    in groups of four, in order of application (the sample's layout; the bench draws no group effect on default)."""
    member = "segment = 'farm' AND guarantee_method = 'joint group'"
    number = f"(row_number() OVER (PARTITION BY officer_index, {member} ORDER BY i) - 1) // 4"
    return f"CASE WHEN {member} THEN 'G' || officer_index || '-' || {number} END"


def _pilot(con: duckdb.DuckDBPyConnection, seed: int) -> tuple[float, float, float]:
    """Mean and SD of the observable risk and the median perceived risk over the first ``PILOT_ROWS`` rows."""
    factors = _factors_sql(str(PILOT_ROWS))
    params = {"seed": seed, "start": START}
    mean, sd = con.execute(
        f"WITH f AS ({factors}) SELECT avg(x), stddev_pop(x) FROM (SELECT {observed_log_odds_sql()} AS x FROM f)",
        params,
    ).fetchall()[0]
    perceived = f"(true_lp * {_officer_sql('weight')} + {_officer_sql('sloppiness')} * {z(31)})"
    (centre,) = con.execute(
        f"WITH f AS ({factors}), g AS (SELECT *, {_rating_sql(mean, sd)} AS credit_rating FROM f), "
        f"h AS (SELECT *, {true_log_odds_sql()} AS true_lp FROM g) SELECT median({perceived}) FROM h",
        params,
    ).fetchall()[0]
    return float(mean), float(sd), float(centre)


# --- the performance table ----------------------------------------------------------------------------------------


def _performance_sql(months: int) -> str:
    """Loan x month rows of the booked loans, months on book 1 .. min(months, the month the loan closes)."""
    keys = [c.key for c in datasets.FIVE_CATEGORIES]
    rank = " + ".join(f"CAST(dpd > {f.above_days} AS INTEGER)" for f in datasets.DPD_FLOORS)
    assert [keys.index(f.category) for f in datasets.DPD_FLOORS] == [1, 2, 3, 4]  # one step per floor
    labels = _list(sample.CLASSIFICATION_LABELS)
    return f"""
    WITH l AS (
        SELECT CAST(substr(loan_id, 2) AS BIGINT) - 1 AS i, loan_id, application_date, branch, officer, segment,
               product, guarantee_method,
               loan_amount AS principal, interest_rate / 1200 AS rate, term_months AS term, repayment_method AS method,
               simulated_default = 1 AS default12, simulated_pd AS p,
               CAST(date_trunc('month', application_date) AS DATE) AS month_start
        FROM {store.quote_ident(LOANS_TABLE)} WHERE booked
    ),
    s AS (
        SELECT *, default12 OR (NOT default12 AND {u(50)} < 0.35 * p * term / 12) AS defaulted,
               1 + CAST(floor({u(51)} * 29) AS INTEGER) AS first_dpd,
               {u(52)} < 0.3 AS recovered,
               NOT default12 AND {u(50)} >= 0.35 * p * term / 12 AND {u(53)} < least(2.5 * p, 0.6) AS cure,
               1 + CAST(floor({u(54)} * 2) AS INTEGER) AS cure_len,
               {u(55)} < 0.12 AS prepay_draw
        FROM l
    ),
    t AS (
        SELECT *,
               CASE WHEN default12 THEN 1 + CAST(floor({u(56)} * 9) AS INTEGER)
                    ELSE 10 + CAST(floor({u(56)} * greatest(term - 9, 1)) AS INTEGER) END AS miss,
               1 + CAST(floor({u(57)} * greatest(term - cure_len, 1)) AS INTEGER) AS cure_start,
               NOT defaulted AND NOT cure AND term > 12 AND prepay_draw AS prepay,
               6 + CAST(floor({u(58)} * (greatest(term, 7) - 6)) AS INTEGER) AS prepay_month,
               5 + CAST(floor({u(59)} * 11) AS INTEGER) AS exit_after
        FROM s
    ),
    e AS (
        SELECT *, CASE WHEN defaulted THEN miss + exit_after WHEN prepay THEN prepay_month ELSE term END AS "end"
        FROM t
    ),
    rows AS (
        SELECT *, unnest(range(1, least("end", {int(months)}) + 1)) AS m FROM e
    ),
    calc AS (
        SELECT *, m = "end" AS final,
               defaulted AND m >= miss AS in_default,
               cure AND m >= cure_start AND m < cure_start + cure_len AS in_cure,
               cure AND m >= cure_start + cure_len AND m < cure_start + cure_len + 3 AS watch
        FROM rows
    ),
    dues AS (
        SELECT *,
               CASE WHEN in_default THEN first_dpd + 30 * (m - miss)
                    WHEN in_cure THEN first_dpd + 30 * (m - cure_start) ELSE 0 END AS raw_dpd,
               CASE WHEN in_default THEN miss - 1 WHEN in_cure THEN cure_start - 1 ELSE m END AS paid,
               final AND defaulted AND NOT recovered AS written_off
        FROM calc
    ),
    bal AS (
        SELECT *, final AND NOT written_off AS paid_off,
               round(greatest(CASE WHEN method = {_lit(sample.REPAYMENTS[0])}
                   THEN principal * (pow(1 + rate, term) - pow(1 + rate, paid)) / (pow(1 + rate, term) - 1)
                   WHEN paid >= term THEN 0.0 ELSE principal END, 0.0), 2) AS open_balance
        FROM dues
    ),
    fin AS (
        SELECT *, CASE WHEN paid_off THEN 0 ELSE raw_dpd END AS dpd FROM bal
    )
    SELECT loan_id, last_day(CAST(month_start + to_months(m) AS DATE)) AS snapshot_date,
           CAST(m AS INTEGER) AS months_on_book,
           CASE WHEN final THEN 0.0 ELSE open_balance END AS balance,
           CAST(dpd AS INTEGER) AS days_past_due,
           list_extract({labels}, 1 + CASE WHEN written_off THEN 4
                WHEN watch AND NOT final THEN greatest({rank}, 1) ELSE {rank} END) AS classification,
           CASE WHEN written_off THEN 'written_off' WHEN paid_off THEN 'paid_off'
                WHEN dpd > 0 THEN 'overdue' ELSE 'current' END AS status,
           CASE WHEN written_off THEN open_balance ELSE 0.0 END AS write_off_amount,
           application_date AS origination_date, branch, officer, segment, product, guarantee_method
    FROM fin
    """


# --- building ---------------------------------------------------------------------------------------------------


def existing(con: duckdb.DuckDBPyConnection, loans: int, months: int, seed: int) -> BigSample | None:
    """The tables ``build`` made earlier with the same size, months and seed, or None."""
    if {LOANS_TABLE, PERFORMANCE_TABLE} - set(store.user_tables(con)):
        return None
    label = source_label(loans, months, seed)
    found = con.execute(
        "SELECT count(*) FROM risklab_catalog.imports WHERE source_file = ? AND table_name = ?", [label, LOANS_TABLE]
    ).fetchall()[0][0]
    if not found:
        return None
    return _summary(con, loans, months, seed, 0.0)


def _summary(con: duckdb.DuckDBPyConnection, loans: int, months: int, seed: int, seconds: float) -> BigSample:
    booked, defaults = con.execute(
        f"SELECT count(*) FILTER (WHERE booked), coalesce(sum(default_flag), 0) FROM {store.quote_ident(LOANS_TABLE)}"
    ).fetchall()[0]
    return BigSample(
        loans_table=LOANS_TABLE,
        performance_table=PERFORMANCE_TABLE,
        applications=loans,
        booked=int(booked),
        defaults=int(defaults),
        loan_months=store.row_count(con, PERFORMANCE_TABLE),
        months=months,
        seed=seed,
        seconds=round(seconds, 3),
    )


def build(con: duckdb.DuckDBPyConnection, *, loans: int = 1_000_000, months: int = 12, seed: int = 1) -> BigSample:
    """(Re)create ``bench_loans`` (``loans`` applications) and ``bench_performance`` (about ``months`` rows per
    booked loan) from ``seed``, save their roles and default definitions and record them in the catalog."""
    began = time.perf_counter()
    mean, sd, centre = _pilot(con, seed)
    label = source_label(loans, months, seed)
    params = {"seed": seed, "start": START, "n": loans}
    with store.transaction(con):
        con.execute(f"DROP TABLE IF EXISTS {store.quote_ident(PERFORMANCE_TABLE)}")
        con.execute(f"DROP TABLE IF EXISTS {store.quote_ident(LOANS_TABLE)}")
        con.execute(
            f"CREATE TABLE {store.quote_ident(LOANS_TABLE)} AS {_loans_sql(str(loans), mean, sd, centre)}", params
        )
        con.execute(
            f"CREATE TABLE {store.quote_ident(PERFORMANCE_TABLE)} AS {_performance_sql(months)}", {"seed": seed}
        )
        for table in (LOANS_TABLE, PERFORMANCE_TABLE):
            store.forget_table(con, table)
            store.record_import(
                con,
                table=table,
                source_file=label,
                checksum=label,
                rows=store.row_count(con, table),
                columns=len(store.table_columns(con, table)),
            )
    for table in (LOANS_TABLE, PERFORMANCE_TABLE):
        datasets.save_roles(con, table, ROLES[table])
        datasets.save_definition(con, table, datasets.DefaultDefinition.from_dict(DEFAULTS[table]))
    return _summary(con, loans, months, seed, time.perf_counter() - began)


def ensure(con: duckdb.DuckDBPyConnection, *, loans: int, months: int, seed: int) -> BigSample:
    """The tables for (``loans``, ``months``, ``seed``): reused when this database has them, else built."""
    return existing(con, loans, months, seed) or build(con, loans=loans, months=months, seed=seed)
