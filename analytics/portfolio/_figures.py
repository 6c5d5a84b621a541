"""Portfolio quality for executives: KPIs, trends, five-category mix, vintages, roll rates, breakdowns.

Everything is DuckDB SQL over a performance table (loan x month: balance, days past due, classification),
found by column roles. Definitions (``../shared/DESIGN.md``), balance-weighted unless said otherwise:

- loans outstanding: loans with a positive balance at the month's snapshot; gross outstanding: their balance;
- PAR30 / PAR90: balance of loans more than 30 / 90 days past due / gross outstanding;
- NPL ratio: balance classified substandard, doubtful or loss / gross outstanding. Labels are read in English,
  Chinese or as codes 1-5; without a classification column (or for an unrecognised label) the regulatory floor
  from days past due is used (``outcome.DPD_FLOORS``) and ``Source.classification_derived`` says so;
- disbursed in the month: loans that appear in the table for the first time that month, at their amount
  (amount column) or else at their first recorded balance;
- write-off ratio: write-offs of the 12 months to the month / average gross outstanding over those months
  (annualised while fewer than 12 months are available);
- 12-month default rate (count-based): of the loans performing 12 months earlier that had never defaulted,
  the share that defaulted within the 12 months (default: the table's saved definition, else 90+ days past due
  or a non-performing class; a write-off always counts);
- vintages: cumulative share of a cohort's loans that defaulted (or were ever 30+ / 90+ days past due, i.e.
  ``>= 30`` / ``>= 90``) by months on book, per origination quarter or month;
- roll rates: balance moving from each DPD bucket to each state one month later, pooled over a window.

Each figure is one query; months are the first day of the month (``DATE``). When a table holds several
snapshots of a loan within a month, the last one counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Mapping

import duckdb
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analytics import core, datasets, store
from analytics.core import RiskLabError
from analytics.datasets import TableContext
from analytics.portfolio import _summary as summary_mod
from analytics.portfolio._query import (
    BREAKDOWN_SELECT,
    CATEGORY_KEYS,
    DPD_BUCKETS,
    FILTER_DIMENSIONS,
    NO_FILTERS,
    ROLL_STATES,
    Filters,
    Query,
    Source,
    breakdown_frame,
    bucket_sql,
    cohort_label,
    date_sql,
    dim_alias,
    mob_sql,
    monthly_figures_sql,
    monthly_frame,
    npl_sum,
    one_row_fact,
    par_sum,
    period_sql,
    ratio_sql,
    roll_frame,
    vintage_frame,
)

# --- registries ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kpi:
    """A headline figure: key, kind (count, amount or ratio), whether higher is worse, default red threshold and
    whether its name is its column's label (``column.<key>``) rather than a tile's own (``portfolio.kpi.<key>``)."""

    key: str
    kind: str
    higher_is_worse: bool | None = None
    red_above: float | None = None
    column_label: bool = False

    @property
    def label_key(self) -> str:
        """The i18n key of the figure's name."""
        return core.column(self.key).label_key if self.column_label else f"portfolio.kpi.{self.key}"


KPIS: tuple[Kpi, ...] = (
    Kpi("loans", "count"),
    Kpi("outstanding", "amount"),
    Kpi("disbursed", "amount"),
    Kpi("par30", "ratio", True, 0.05),
    Kpi("par90", "ratio", True, 0.03),
    Kpi("npl_ratio", "ratio", True, 0.05),
    Kpi("write_off_ratio", "ratio", True, 0.02),
    Kpi("default_rate_12m", "ratio", True, 0.10, column_label=True),
)
KPI_KEYS = tuple(k.key for k in KPIS)
KPI_LABELS: dict[str, str] = {k.key: k.label_key for k in KPIS}  # key: the i18n key of its name


@dataclasses.dataclass(frozen=True)
class Dimension:
    """A breakdown dimension: key, the column role that marks it (if any; it then reads as the role's name) and
    column names that mean it."""

    key: str
    role: str | None
    names: tuple[str, ...]

    @property
    def label_key(self) -> str:
        """The i18n key of the dimension's name: its role's (``role.branch``), else ``portfolio.dim.<key>``."""
        return f"role.{self.role}" if self.role else f"portfolio.dim.{self.key}"


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("branch", "branch", ("branch", "网点")),
    Dimension("officer", "officer", ("officer", "loan_officer", "客户经理")),
    Dimension("segment", "segment", ("segment", "客户类型")),
    Dimension("product", "product", ("product", "产品")),
    Dimension("guarantee_method", None, ("guarantee_method", "guarantee", "担保方式")),
    Dimension("repayment_method", None, ("repayment_method", "repayment", "还款方式")),
)
DIMENSION_LABELS: dict[str, str] = {d.key: d.label_key for d in DIMENSIONS}  # key: the i18n key of its name


WRITE_OFF_COLUMNS = ("write_off_amount", "writeoff_amount", "write_off", "charge_off_amount", "核销金额")
CLI_ROLES = (
    "loan_id",
    "snapshot_date",
    "balance",
    "days_past_due",
    "classification",
    "branch",
    "officer",
    "origination_date",
    "segment",
    "product",
    "status",
    "borrower_id",
    "amount",
    "term",
    "provision_held",
)
REQUIRED_ROLES = ("loan_id", "snapshot_date", "balance")
DEFAULT_WINDOW = 6
MAX_MOB = 36

# --- the table: which columns play which part ----------------------------------------------------------------------


def _find_column(names: list[str], wanted: tuple[str, ...]) -> str | None:
    """The first column whose normalised name equals one of ``wanted`` (normalised)."""
    targets = {datasets.normalise_name(w) for w in wanted}
    return next((c for c in names if datasets.normalise_name(c) in targets), None)


def resolve_dimensions(ctx: TableContext, roles: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{dimension key: column}`` for the dimensions a table has: by role (the table's, or ``roles``), else by a
    column of that name."""
    names = list(ctx.types)
    roles = ctx.role_map if roles is None else roles
    found = {}
    for d in DIMENSIONS:
        by_role = datasets.columns_with_role(roles, d.role) if d.role else []
        column = by_role[0] if by_role else _find_column(names, d.names)
        if column and column not in found.values():
            found[d.key] = column
    return found


def missing_roles(ctx: TableContext) -> list[str]:
    """The roles a table lacks to be a performance table (empty when it can feed the portfolio figures)."""
    try:
        _source(ctx)
    except RiskLabError as exc:
        if exc.key == "portfolio.missing_role":
            return list(exc.params.get("missing", [exc.params.get("role")]))
        raise
    return []


def resolve(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    overrides: dict[str, str] | None = None,
    *,
    check_rows: bool = True,
) -> Source:
    """The portfolio view of a table: columns by saved or detected roles, ``overrides`` (role -> column) first.

    Raises ``portfolio.missing_role`` when loan id, snapshot date, balance, or both days past due and
    classification are missing. ``check_rows`` also checks (one scan) whether loans have several rows a month.
    """
    source = _source(ctx, overrides)
    if not check_rows:
        return source
    return dataclasses.replace(source, one_row_per_month=summary_mod.one_row_per_month(con, source))


def _source(ctx: TableContext, overrides: dict[str, str] | None = None) -> Source:
    """``resolve`` without the check of rows per month (no query)."""
    table = ctx.table
    overrides = dict(overrides or {})
    for role, column in overrides.items():
        if role not in CLI_ROLES:
            raise RiskLabError("portfolio.bad_role", role=role, roles=", ".join(CLI_ROLES))
        ctx.require_column(column)
    table_roles = ctx.role_map
    names = list(table_roles)
    columns: dict[str, str] = {}
    for role in (
        "loan_id",
        "snapshot_date",
        "balance",
        "days_past_due",
        "classification",
        "status",
        "origination_date",
        "borrower_id",
        "amount",
        "term",
        "provision_held",
    ):
        by_role = datasets.columns_with_role(table_roles, role)
        column = overrides.get(role) or (by_role[0] if by_role else _find_column(names, (role,)))
        if column:
            columns[role] = column
    write_off = _find_column(names, WRITE_OFF_COLUMNS)
    if write_off:
        columns["write_off"] = write_off
    missing = [r for r in REQUIRED_ROLES if r not in columns]
    if "days_past_due" not in columns and "classification" not in columns:
        missing.append("days_past_due")
    if missing:
        raise RiskLabError("portfolio.missing_role", table=table, role=missing[0], missing=missing)
    types = ctx.types
    for role in ("balance", "days_past_due", "term", "provision_held"):
        if role in columns and not datasets.is_numeric(types[columns[role]]):
            raise RiskLabError("portfolio.not_numeric", role=role, column=columns[role], type=types[columns[role]])
    dims = resolve_dimensions(ctx, {**table_roles, **{c: r for r, c in overrides.items()}})
    for role in ("branch", "officer", "segment", "product"):
        if role in overrides:
            dims[role] = overrides[role]
    dims = {k: dims[k] for k in (d.key for d in DIMENSIONS) if k in dims}
    defn = ctx.definition
    if defn is not None and defn.column not in types:
        defn = None
    used = set(columns.values()) | set(dims.values())
    return Source(
        table=table,
        columns=tuple(columns.items()),
        dimensions=tuple(dims.items()),
        types=tuple((c, t) for c, t in types.items() if c in used or (defn and c == defn.column)),
        default=defn,
    )


# --- monthly figures and KPIs --------------------------------------------------------------------------------------


def months(con: duckdb.DuckDBPyConnection, source: Source, *, summary: bool = True) -> list[dt.date]:
    """The snapshot months of the table, oldest first."""
    if summary and (found := _summary(con, source)):
        return summary_mod.months(con, found)
    q = Query(source)
    month = q.month_sql()
    rows = q.execute(
        con, f"SELECT DISTINCT {month} AS m FROM {store.quote_ident(source.table)} WHERE m IS NOT NULL ORDER BY m"
    ).fetchall()
    return [r[0] for r in rows]


def filter_options(con: duckdb.DuckDBPyConnection, table: str, dimensions: dict[str, str], limit: int = 500) -> dict:
    """``{dimension key: [values, most frequent first]}`` for the filter dimensions a table has."""
    return {
        key: store.distinct_values(con, table, dimensions[key], limit=limit)
        for key in FILTER_DIMENSIONS
        if key in dimensions
    }


def monthly(
    con: duckdb.DuckDBPyConnection, source: Source, filters: Filters = NO_FILTERS, *, summary: bool = True
) -> pd.DataFrame:
    """One row per snapshot month (within the period): loans, outstanding, disbursed, PAR30/90, NPL, write-offs,
    write-off ratio (trailing 12 months) and 12-month default rate, with the balances behind the ratios.

    ``summary`` reads the table's monthly summary (built on first use); False computes over loan-months."""
    if summary and (found := _summary(con, source)):
        return summary_mod.monthly(con, found, source, filters)
    q = Query(source)
    sql = f"""
    WITH {q.rows_cte(filters)},
    loans AS (
        SELECT loan, min(month) AS first_month, min(month) FILTER (WHERE event) AS default_month,
               coalesce(arg_min(amount, month), arg_min(balance, month)) AS first_amount
        FROM rows GROUP BY loan
    ),
    book AS (
        SELECT month,
               count(*) FILTER (WHERE balance > 0) AS loans,
               coalesce(sum(balance) FILTER (WHERE balance > 0), 0) AS outstanding,
               {par_sum(source, 30, "balance > 0 AND ")} AS par30_balance,
               {par_sum(source, 90, "balance > 0 AND ")} AS par90_balance,
               {npl_sum("balance > 0 AND ")} AS npl_balance,
               sum(write_off) AS write_offs
        FROM rows GROUP BY month
    ),
    new AS (SELECT first_month AS month, count(*) AS disbursed_loans, sum(first_amount) AS disbursed
            FROM loans GROUP BY ALL),
    cohort AS (
        SELECT CAST(r.month + INTERVAL 12 MONTH AS DATE) AS month, count(*) AS cohort_loans,
               count(*) FILTER (WHERE l.default_month <= CAST(r.month + INTERVAL 12 MONTH AS DATE)) AS cohort_defaults
        FROM rows r JOIN loans l USING (loan)
        WHERE r.balance > 0 AND (l.default_month IS NULL OR l.default_month > r.month)
        GROUP BY ALL
    ),
    {monthly_figures_sql(q, filters)}
    """
    return monthly_frame(q.run(con, sql))


@dataclasses.dataclass(frozen=True)
class KpiValue:
    """One KPI at the as-of month, the month before and 12 months before (None where not available)."""

    key: str
    value: float | None
    previous: float | None
    year_ago: float | None

    @property
    def change_month(self) -> float | None:
        """Change against the previous month (ratio points for ratios, absolute otherwise)."""
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def change_year(self) -> float | None:
        """Change against the same month a year earlier."""
        return None if self.value is None or self.year_ago is None else self.value - self.year_ago


@dataclasses.dataclass(frozen=True)
class PortfolioKpis:
    """The KPI tiles of one as-of month."""

    month: dt.date
    as_of: dt.date
    values: tuple[KpiValue, ...]
    classification_derived: bool
    history: pd.DataFrame | None = dataclasses.field(default=None, compare=False, repr=False)  # monthly to ``month``

    def get(self, key: str) -> KpiValue:
        """The KPI ``key``."""
        return next(v for v in self.values if v.key == key)

    def frame(self) -> pd.DataFrame:
        """One row per KPI: value, previous month, a year ago and both changes."""
        return pd.DataFrame(
            [
                {
                    "kpi": v.key,
                    "value": v.value,
                    "previous_month": v.previous,
                    "year_ago": v.year_ago,
                    "change_month": v.change_month,
                    "change_year": v.change_year,
                }
                for v in self.values
            ]
        )


def _clean(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def kpis_from_monthly(frame: pd.DataFrame, month: dt.date, as_of: dt.date | None = None) -> PortfolioKpis:
    """Pick the KPI tiles of ``month`` (and the comparison months) out of ``monthly``'s frame."""
    by_month = frame.set_index("month")

    def at(m: dt.date, key: str) -> float | None:
        return _clean(by_month.at[m, key]) if m in by_month.index else None

    previous, year_ago = _add_months(month, -1), _add_months(month, -12)
    values = tuple(KpiValue(k, at(month, k), at(previous, k), at(year_ago, k)) for k in KPI_KEYS)
    return PortfolioKpis(month=month, as_of=as_of or month, values=values, classification_derived=False)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_as_of(value: str | dt.date | None) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or ``YYYY-MM``); raises ``portfolio.bad_date``."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}", text):
        text += "-01"
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RiskLabError("portfolio.bad_date", value=value) from None


def as_of_month(
    con: duckdb.DuckDBPyConnection, source: Source, as_of: str | dt.date | None, *, summary: bool = True
) -> tuple[dt.date, dt.date]:
    """``(month, snapshot date)`` for ``as_of`` (default: the latest); raises ``portfolio.no_snapshot``."""
    date = parse_as_of(as_of)
    if summary and (built := _summary(con, source)):
        first, last, found = summary_mod.month_range(con, built, None if date is None else date.replace(day=1))
        if date is None and last is not None:
            found = summary_mod.month_range(con, built, last)[2]
    else:
        q = Query(source)
        snap, month = q.date_sql(source.col("snapshot_date"), end_of_month=True), q.month_sql()
        first, last = q.execute(
            con, f"SELECT min({month}), max({month}) FROM {store.quote_ident(source.table)}"
        ).fetchall()[0]
        if last is not None:
            wanted = last if date is None else date.replace(day=1)
            found = q.execute(
                con, f"SELECT max({snap}) FROM {store.quote_ident(source.table)} WHERE {month} = {q.bind(wanted)}"
            ).fetchall()[0][0]
    if last is None:
        raise RiskLabError("portfolio.no_snapshots", table=source.table)
    wanted = last if date is None else date.replace(day=1)
    if found is None:
        raise RiskLabError(
            "portfolio.no_snapshot",
            table=source.table,
            date=date.isoformat(),
            first=first.strftime("%Y-%m"),
            last=last.strftime("%Y-%m"),
        )
    return wanted, found


def kpis(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    filters: Filters = NO_FILTERS,
    as_of: str | dt.date | None = None,
    *,
    summary: bool = True,
) -> PortfolioKpis:
    """The KPI tiles for the as-of month (default: latest) with changes vs the previous month and a year earlier."""
    month, snap = as_of_month(con, source, as_of, summary=summary)
    frame = monthly(con, source, filters.without_period(), summary=summary)
    result = kpis_from_monthly(frame, month, snap)
    history = frame[frame["month"] <= month].reset_index(drop=True)
    return dataclasses.replace(result, classification_derived=source.classification_derived, history=history)


# --- classification mix, vintages, roll rates ----------------------------------------------------------------------


def classification_mix(
    con: duckdb.DuckDBPyConnection, source: Source, filters: Filters = NO_FILTERS, *, summary: bool = True
) -> pd.DataFrame:
    """Balance by month and five-category class (``category`` key, rank 1-5), with its share of the month."""
    if summary and (found := _summary(con, source)):
        return summary_mod.classification_mix(con, found, source, filters)
    q = Query(source)
    ranks = {c.key: c.rank for c in datasets.FIVE_CATEGORIES}
    sql = f"""
    WITH {q.rows_cte(filters)},
    grid AS (SELECT month, category FROM (SELECT DISTINCT month FROM rows WHERE {period_sql(q, filters)}),
             (SELECT unnest(CAST({q.bind(list(CATEGORY_KEYS))} AS VARCHAR[])) AS category)),
    mix AS (SELECT month, category, sum(balance) AS balance, count(*) AS loans FROM rows
            WHERE balance > 0 AND category IS NOT NULL GROUP BY ALL)
    SELECT g.month, g.category, CAST({q.bind(ranks)} AS MAP(VARCHAR, INTEGER))[g.category] AS rank,
           coalesce(m.balance, 0) AS balance, coalesce(m.loans, 0) AS loans,
           coalesce(m.balance, 0) / nullif(sum(m.balance) OVER (PARTITION BY g.month), 0) AS share
    FROM grid g LEFT JOIN mix m USING (month, category)
    ORDER BY g.month, rank
    """
    frame = q.run(con, sql)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def vintages(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    filters: Filters = NO_FILTERS,
    by: str = "quarter",
    max_mob: int = MAX_MOB,
    *,
    summary: bool = True,
) -> pd.DataFrame:
    """Cumulative default / ever-30+ / ever-90+ rates (count-based) by months on book, per origination cohort.

    Cohorts are origination quarters (``by="quarter"``) or months; without an origination date a loan's first
    month in the table stands in. A cohort's curve stops where its youngest loans stop being observed.
    """
    if by not in ("quarter", "month"):
        raise RiskLabError("portfolio.bad_cohort", by=by)
    if summary and (found := _summary(con, source)):
        return summary_mod.vintages(con, found, source, filters, by, max_mob)
    q = Query(source)
    ever30 = "dpd >= 30" if source.has_dpd else "false"
    ever90 = "dpd >= 90" if source.has_dpd else "false"
    span = 3 if by == "quarter" else 1
    sql = f"""
    WITH {q.rows_cte(filters)},
    last AS (SELECT max(month) AS last_month FROM rows),
    loans AS (
        SELECT loan, coalesce(min(orig_month), min(month)) AS orig,
               min(month) FILTER (WHERE event) AS d, min(month) FILTER (WHERE {ever30}) AS e30,
               min(month) FILTER (WHERE {ever90}) AS e90
        FROM rows GROUP BY loan
    ),
    cohorts AS (
        SELECT CAST(date_trunc('{by}', orig) AS DATE) AS cohort, loan,
               {mob_sql("d")} AS d_mob, {mob_sql("e30")} AS e30_mob, {mob_sql("e90")} AS e90_mob
        FROM loans
    ),
    sizes AS (
        SELECT cohort, count(*) AS loans,
               least(datediff('month', CAST(cohort + INTERVAL {span - 1} MONTH AS DATE), any_value(last_month)),
                     {q.bind(int(max_mob))}) AS top_mob
        FROM cohorts, last WHERE {period_sql(q, filters, "cohort")} GROUP BY cohort
    ),
    events AS (
        SELECT cohort, mob, sum(d) AS d, sum(e30) AS e30, sum(e90) AS e90 FROM (
            SELECT cohort, d_mob AS mob, 1 AS d, 0 AS e30, 0 AS e90 FROM cohorts WHERE d_mob IS NOT NULL
            UNION ALL SELECT cohort, e30_mob, 0, 1, 0 FROM cohorts WHERE e30_mob IS NOT NULL
            UNION ALL SELECT cohort, e90_mob, 0, 0, 1 FROM cohorts WHERE e90_mob IS NOT NULL
        ) GROUP BY ALL
    ),
    grid AS (SELECT cohort, loans, top_mob, unnest(range(0, top_mob + 1)) AS mob FROM sizes WHERE top_mob >= 0),
    curves AS (
        SELECT g.cohort, g.mob, g.loans,
               sum(coalesce(e.d, 0)) OVER w AS defaults, sum(coalesce(e.e30, 0)) OVER w AS ever30,
               sum(coalesce(e.e90, 0)) OVER w AS ever90
        FROM grid g LEFT JOIN events e USING (cohort, mob)
        WINDOW w AS (PARTITION BY g.cohort ORDER BY g.mob)
    )
    SELECT cohort, mob, loans, CAST(defaults AS BIGINT) AS defaults, defaults / loans AS default_rate,
           {"ever30 / loans" if source.has_dpd else "NULL"} AS ever30_rate,
           {"ever90 / loans" if source.has_dpd else "NULL"} AS ever90_rate
    FROM curves ORDER BY cohort, mob
    """
    return vintage_frame(q.run(con, sql), by)


# The state a loan moves to the next month (from ``lead`` columns over the loan's months).
TO_STATE_SQL = """CASE WHEN next_month IS NULL OR next_month > CAST(month + INTERVAL 1 MONTH AS DATE) THEN 'paid_off'
                WHEN next_written_off THEN 'written_off'
                WHEN next_paid_off OR next_balance <= 0 THEN 'paid_off'
                ELSE next_bucket END"""


def roll_rates(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    filters: Filters = NO_FILTERS,
    window: int = DEFAULT_WINDOW,
    as_of: dt.date | None = None,
    *,
    summary: bool = True,
) -> pd.DataFrame:
    """Balance-weighted month-to-month migration between DPD buckets, pooled over the ``window`` transitions
    ending at ``as_of`` (default: the latest month). Long form: from_state, to_state, balance, share of from_state.

    A loan absent the next month, with a zero balance or a paid-off status, moved to ``paid_off``; a written-off
    status or write-off amount moves it to ``written_off``.
    """
    if not source.has_dpd:
        raise RiskLabError("portfolio.no_dpd", table=source.table)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise RiskLabError("portfolio.bad_window", window=window)
    if summary and (found := _summary(con, source)):
        return summary_mod.roll_rates(con, found, source, filters, window, as_of)
    q = Query(source)
    end = q.last_month_sql(as_of)
    start = f"CAST({end} - INTERVAL ({q.bind(int(window))}) MONTH AS DATE)"
    sql = f"""
    WITH {q.rows_cte(filters, months=(start, end))},
    moves AS (
        SELECT month, balance, written_off, {bucket_sql("dpd")} AS from_state,
               lead(month) OVER w AS next_month, lead(balance) OVER w AS next_balance,
               lead(written_off) OVER w AS next_written_off, lead(paid_off) OVER w AS next_paid_off,
               {bucket_sql("lead(dpd) OVER w")} AS next_bucket
        FROM rows WINDOW w AS (PARTITION BY loan ORDER BY month)
    ),
    span AS (SELECT {end} AS last_month)
    SELECT from_state, {TO_STATE_SQL} AS to_state, sum(balance) AS balance, count(*) AS loans
    FROM moves, span
    WHERE balance > 0 AND NOT written_off
      AND month < last_month AND month >= {start}
    GROUP BY ALL
    """
    return roll_frame(q.run(con, sql))


def roll_rate_matrix(rates: pd.DataFrame, label: Callable[[str], str] | None = None) -> pd.DataFrame:
    """``roll_rates`` as a from x to matrix of shares (rows sum to 1; states in registry order), states named
    by ``label`` when given."""
    from_states = [b.key for b in DPD_BUCKETS]
    matrix = rates.pivot_table(index="from_state", columns="to_state", values="share", aggfunc="sum", fill_value=0.0)
    matrix = matrix.reindex(index=from_states, columns=list(ROLL_STATES), fill_value=0.0)
    matrix = matrix.rename_axis(index="from_state", columns="to_state")
    return matrix.rename(index=label, columns=label) if label else matrix


# --- breakdowns and concentration ----------------------------------------------------------------------------------


def _require_dimension(source: Source, dimension: str) -> str:
    column = source.dim(dimension)
    if column is None:
        raise RiskLabError("portfolio.no_dimension", dimension=dimension, table=source.table)
    return column


def breakdown(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    dimension: str,
    filters: Filters = NO_FILTERS,
    as_of: dt.date | None = None,
    *,
    summary: bool = True,
) -> pd.DataFrame:
    """By dimension value at the as-of month: loans, outstanding, share, PAR30, PAR90, NPL ratio and 12-month
    default rate; largest outstanding first."""
    _require_dimension(source, dimension)
    if summary and (found := _summary(con, source)):
        return summary_mod.breakdown(con, found, source, dimension, filters, as_of)
    q = Query(source)
    alias = dim_alias(dimension)
    end = q.last_month_sql(as_of)
    sql = f"""
    WITH {q.rows_cte(filters, (dimension,))},
    span AS (SELECT {end} AS m),
    first_default AS (SELECT loan, min(month) AS default_month FROM rows WHERE event GROUP BY loan),
    now AS (
        SELECT {alias} AS value, count(*) AS loans, sum(balance) AS outstanding,
               {par_sum(source, 30)} AS par30_balance, {par_sum(source, 90)} AS par90_balance,
               {npl_sum()} AS npl_balance
        FROM rows, span WHERE month = span.m AND balance > 0 GROUP BY ALL
    ),
    cohort AS (
        SELECT {alias} AS value, count(*) AS cohort_loans,
               count(*) FILTER (WHERE f.default_month <= span.m) AS cohort_defaults
        FROM rows r LEFT JOIN first_default f USING (loan), span
        WHERE r.month = CAST(span.m - INTERVAL 12 MONTH AS DATE) AND r.balance > 0
          AND (f.default_month IS NULL OR f.default_month > r.month)
        GROUP BY ALL
    )
    {BREAKDOWN_SELECT}
    """
    return breakdown_frame(q.run(con, sql))


def dimension_trend(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    dimension: str,
    filters: Filters = NO_FILTERS,
    *,
    summary: bool = True,
) -> pd.DataFrame:
    """By month and dimension value (within the period): outstanding, PAR30 and NPL ratio (for heat maps)."""
    _require_dimension(source, dimension)
    if summary and (found := _summary(con, source)):
        return summary_mod.dimension_trend(con, found, source, dimension, filters)
    q = Query(source)
    alias = dim_alias(dimension)
    sql = f"""
    WITH {q.rows_cte(filters, (dimension,))}
    SELECT month, coalesce({alias}, '-') AS "group", count(*) AS loans, sum(balance) AS outstanding,
           {ratio_sql(par_sum(source, 30), "sum(balance)")} AS par30,
           {ratio_sql(npl_sum(), "sum(balance)")} AS npl_ratio
    FROM rows WHERE balance > 0 AND {period_sql(q, filters)}
    GROUP BY ALL ORDER BY month, "group"
    """
    frame = q.run(con, sql)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


@dataclasses.dataclass(frozen=True)
class Concentration:
    """Top borrowers (or loans, without a borrower id) and the Herfindahl index by dimension at one month."""

    by_borrower: bool
    top: pd.DataFrame
    top_share: float | None
    hhi: pd.DataFrame


def concentration(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    filters: Filters = NO_FILTERS,
    as_of: dt.date | None = None,
    top: int = 10,
    *,
    summary: bool = True,
) -> Concentration:
    """The top ``top`` borrowers' share of outstanding and HHI (sum of squared shares, 0-1) per dimension."""
    found = summary and _summary(con, source)
    dims = () if found else source.dimension_keys  # the summary gives the HHI; the month's loans give the top
    q = Query(source)
    end = q.last_month_sql(as_of)
    hhi_parts = " UNION ALL ".join(
        f"SELECT '{k}' AS dimension, sum(s * s) AS hhi, count(*) AS groups FROM "
        f"(SELECT sum(balance) / any_value(total) AS s FROM now, totals GROUP BY {dim_alias(k)})"
        for k in dims
    )
    if source.col("borrower_id") is None and source.one_row_per_month:  # one row per loan: no grouping
        top_sql = "SELECT borrower, balance AS outstanding, 1 AS loans FROM now"
    else:
        top_sql = "SELECT borrower, sum(balance) AS outstanding, count(*) AS loans FROM now GROUP BY borrower"
    sql = f"""
    WITH {q.rows_cte(filters, dims, months=(end, end))},
    now AS (SELECT * FROM rows WHERE balance > 0),
    totals AS (SELECT sum(balance) AS total FROM now),
    top AS ({top_sql} ORDER BY outstanding DESC, borrower LIMIT {q.bind(int(top))})
    SELECT 'top' AS part, borrower AS name, outstanding, loans, outstanding / (SELECT total FROM totals) AS share
    FROM top
    {"UNION ALL SELECT 'hhi', dimension, hhi, groups, NULL FROM (" + hhi_parts + ")" if dims else ""}
    """
    frame = q.run(con, sql)
    top_frame = frame[frame["part"] == "top"].drop(columns="part").rename(columns={"name": "borrower"})
    top_frame = top_frame.sort_values(["outstanding", "borrower"], ascending=[False, True]).reset_index(drop=True)
    hhi = frame[frame["part"] == "hhi"].rename(columns={"name": "dimension", "outstanding": "hhi", "loans": "groups"})
    hhi = hhi[["dimension", "hhi", "groups"]].reset_index(drop=True)
    if found:
        hhi = summary_mod.hhi(con, found, source, filters, as_of)
    return Concentration(
        by_borrower=source.col("borrower_id") is not None,
        top=top_frame,
        top_share=float(top_frame["share"].sum()) if len(top_frame) else None,
        hhi=hhi,
    )


# --- loan-level tables (no performance history) --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoanLevel:
    """What a loan-level table allows: default rates by origination cohort and by dimension."""

    table: str
    definition: datasets.DefaultDefinition | None
    summary: dict
    by_cohort: pd.DataFrame
    by_dimension: dict[str, pd.DataFrame]


def loan_level(con: duckdb.DuckDBPyConnection, ctx: TableContext, filters: Filters = NO_FILTERS) -> LoanLevel:
    """Counts and default rates (count-based, the table's default definition) by origination quarter and by
    segment, branch, officer, product, guarantee and repayment method; booked loans only when flagged."""
    table, types = ctx.table, ctx.types
    dims = resolve_dimensions(ctx)
    defn = ctx.definition or datasets.suggest_definition(con, table, ctx.role_map, types=types)
    empty = pd.DataFrame(columns=["cohort", "loans", "known", "defaults", "default_rate"])
    params: list = []
    conditions = ["true"]
    for key in FILTER_DIMENSIONS:
        if filters.values(key) and key in dims:
            conditions.append(f"list_contains(CAST(? AS VARCHAR[]), CAST({store.quote_ident(dims[key])} AS VARCHAR))")
            params.append(list(filters.values(key)))
    for column in ctx.with_role("booked")[:1]:
        conditions.append(f"coalesce(CAST({store.quote_ident(column)} AS BOOLEAN), false)")
    where = " AND ".join(conditions)
    if defn is None:
        n = con.execute(f"SELECT count(*) FROM {store.quote_ident(table)} WHERE {where}", params).fetchall()[0][0]
        return LoanLevel(table, None, {"loans": int(n)}, empty, {})
    expr, expr_params = datasets.default_sql(defn)
    origination = ctx.with_role("origination_date")
    date_params: list = []

    def bind(value: object) -> str:
        date_params.append(value)
        return "?"

    cohort = "CAST(NULL AS DATE)"
    if origination:
        cohort = f"CAST(date_trunc('quarter', {date_sql(origination[0], types[origination[0]], bind)}) AS DATE)"
    dim_sql = "".join(f", CAST({store.quote_ident(c)} AS VARCHAR) AS {dim_alias(k)}" for k, c in dims.items())
    base = f"SELECT {expr} AS d, {cohort} AS cohort{dim_sql} FROM {store.quote_ident(table)} WHERE {where}"
    base_params = [*expr_params, *date_params, *params]

    def grouped(key_sql: str, name: str) -> pd.DataFrame:
        return con.execute(
            f'SELECT {key_sql} AS "{name}", count(*) AS loans, count(d) AS known, coalesce(sum(d), 0) AS defaults, '
            f'sum(d) / nullif(count(d), 0) AS default_rate FROM ({base}) GROUP BY ALL ORDER BY "{name}"',
            base_params,
        ).df()

    total = grouped("'all'", "group")
    by_cohort = grouped("cohort", "cohort") if origination else empty
    if origination:
        by_cohort = by_cohort.dropna(subset=["cohort"])
        by_cohort["cohort"] = [cohort_label(pd.Timestamp(v).date(), "quarter") for v in by_cohort["cohort"]]
    by_dimension = {
        k: grouped(f"coalesce({dim_alias(k)}, '-')", "group")
        .sort_values("loans", ascending=False)
        .reset_index(drop=True)
        for k in dims
    }
    row = total.iloc[0] if len(total) else None
    summary = {
        "loans": int(row["loans"]) if row is not None else 0,
        "known": int(row["known"]) if row is not None else 0,
        "defaults": int(row["defaults"]) if row is not None else 0,
        "default_rate": _clean(row["default_rate"]) if row is not None else None,
    }
    return LoanLevel(table, defn, summary, by_cohort, by_dimension)


# --- thresholds (saved per database) -------------------------------------------------------------------------------

_THRESHOLDS = f"{store.quote_ident(store.CATALOG_SCHEMA)}.portfolio_thresholds"
_THRESHOLDS_DDL = f"CREATE TABLE IF NOT EXISTS {_THRESHOLDS} (kpi VARCHAR PRIMARY KEY, red_above DOUBLE NOT NULL)"


def load_thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The red-above thresholds of the ratio KPIs: the saved ones, else the registry's defaults."""
    thresholds = {k.key: k.red_above for k in KPIS if k.red_above is not None}
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'portfolio_thresholds'",
        [store.CATALOG_SCHEMA],
    ).fetchall()[0][0]
    if exists:
        thresholds.update(dict(con.execute(f"SELECT kpi, red_above FROM {_THRESHOLDS}").fetchall()))
    return thresholds


def save_thresholds(con: duckdb.DuckDBPyConnection, thresholds: dict[str, float]) -> None:
    """Save red-above thresholds (fractions between 0 and 1) for ratio KPIs, audited."""
    ratio_keys = {k.key for k in KPIS if k.kind == "ratio"}
    for key, value in thresholds.items():
        if key not in ratio_keys:
            raise RiskLabError("portfolio.bad_kpi", kpi=key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise RiskLabError("portfolio.bad_threshold", kpi=key, value=value)
    con.execute(_THRESHOLDS_DDL)
    with store.transaction(con):
        for key, value in thresholds.items():
            con.execute(f"DELETE FROM {_THRESHOLDS} WHERE kpi = ?", [key])
            con.execute(f"INSERT INTO {_THRESHOLDS} VALUES (?, ?)", [key, float(value)])
        store.audit(con, "save_portfolio_thresholds", None, **{k: float(v) for k, v in thresholds.items()})


# A KPI's kind as the column registry says it (analytics.core.KINDS): a portfolio "ratio" is a share.
_CORE_KINDS = {"ratio": "share"}


def format_value(value: float | None, kind: str, lang: str = "en", *, signed: bool = False) -> str:
    """A KPI for a tile: ratios as percentages, counts with thousands separators, amounts compact
    (``2.73 B`` / ``27.32 亿``), "-" when missing; ``signed`` adds the sign (for changes). Written by
    ``analytics.core.format_value``, as every table and chart axis."""
    return core.format_value(value, _CORE_KINDS.get(kind, kind), lang, signed=signed, compact=True)


def format_change(
    value: float | None, kind: str, points: Callable[[float], str] | None = None, lang: str = "en"
) -> str | None:
    """A KPI change: ratios in percentage points (``points`` words them, default "+0.18 pp"), else a signed
    (compact) number; None when there is nothing to compare with."""
    if value is None:
        return None
    if kind != "ratio":
        return format_value(value, kind, lang, signed=True)
    return points(value * 100) if points else f"{core.format_value(value * 100, 'number', lang, signed=True)} pp"


def classification_table(mix: pd.DataFrame) -> pd.DataFrame:
    """``classification_mix`` as one row per month and one balance column per category (best to worst)."""
    wide = mix.pivot(index="month", columns="category", values="balance")
    return wide.reindex(columns=list(CATEGORY_KEYS), fill_value=0.0).reset_index().rename_axis(columns=None)


def vintage_table(curves: pd.DataFrame, metric: str = "default_rate") -> pd.DataFrame:
    """``vintages`` as one row per cohort and one column per month on book (``metric`` values)."""
    wide = curves.pivot(index="cohort", columns="mob", values=metric)
    return wide.reset_index().rename(columns=str).rename_axis(columns=None)


def is_red(kpi: str, value: float | None, thresholds: dict[str, float]) -> bool:
    """True when a ratio KPI is above its red threshold."""
    limit = thresholds.get(kpi)
    return value is not None and limit is not None and value > limit


# --- exports ------------------------------------------------------------------------------------------------------


EXCEL_MAX_WIDTH = 60  # characters: a column is as wide as its header and values need, up to this


def excel_workbook(
    sheets: dict[str, pd.DataFrame], lang: str = "en", kinds: dict[str, dict[str, str]] | None = None
) -> bytes:
    """An .xlsx workbook with one sheet per table (sheet names cleaned and cut to Excel's 31 characters), written
    as the column registry says: headers in ``lang`` (``core.column_label``), numbers in their kind's Excel format
    (``core.excel_format``: shares as 4.42%, amounts #,##0), columns as wide as their headers and values need,
    the header row bold and frozen. ``kinds`` (``{sheet: {column: kind}}``) gives the kinds of columns the registry
    does not know (pivoted months on book, classes, states). In a sheet with a ``kpi`` column (``kpis().frame()``)
    each row is one KPI: written by its name, its figures in its kind (PAR30 4.42%, loans 11,795)."""
    kinds = kinds or {}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        used: set[str] = set()
        for name, frame in sheets.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "sheet"
            while sheet.lower() in used:
                sheet = f"{sheet[:28]}_{len(used)}"
            used.add(sheet.lower())
            column_kinds = [_excel_kind(frame, column, kinds.get(name, {})) for column in frame.columns]
            row_kinds = None
            if "kpi" in frame.columns:  # one KPI a row: its kind for the row's figures, its name for its key
                row_kinds = [core.column(str(key)).kind if key in KPI_KEYS else None for key in frame["kpi"]]
                names = [core.t(KPI_LABELS[key], lang) if key in KPI_KEYS else key for key in frame["kpi"]]
                frame = frame.assign(kpi=names)
            headers = [core.column_label(str(column), lang) for column in frame.columns]
            frame.to_excel(writer, sheet_name=sheet, index=False, header=headers)
            _format_sheet(writer.sheets[sheet], frame, headers, column_kinds, row_kinds, lang)
    return buffer.getvalue()


def _excel_kind(frame: pd.DataFrame, column: object, kinds: dict[str, str]) -> str:
    """A column's kind: given, else the registry's, else by its type."""
    if column in kinds:
        return kinds[column]
    if str(column) in core.REGISTRY:
        return core.column(str(column)).kind
    dtype = frame[column].dtype
    if dtype.kind == "M":
        return "date"
    if dtype.kind in "iu":
        return "count"
    return "number" if dtype.kind == "f" else "text"


def _display_width(text: str) -> int:
    """Characters a text needs in a cell (a wide Chinese character counts two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _format_sheet(sheet, frame: pd.DataFrame, headers: list[str], kinds: list[str], row_kinds, lang: str) -> None:
    """Number formats by kind, widths that show each header and value whole, the header row bold and frozen."""
    sheet.freeze_panes = "A2"
    for index, (column, header, kind) in enumerate(zip(frame.columns, headers, kinds, strict=True), start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        numeric = frame[column].dtype.kind in "fiu"
        width = _display_width(str(header))
        for row, value in enumerate(frame[column], start=2):
            cell_kind = (row_kinds[row - 2] or kind) if numeric and row_kinds else kind
            sheet.cell(row=row, column=index).number_format = core.excel_format(cell_kind)
            shown = value if isinstance(value, str) else core.format_value(value, cell_kind, lang)
            width = max(width, _display_width(str(shown)))
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, EXCEL_MAX_WIDTH)


# --- the monthly summary -------------------------------------------------------------------------------------------


def _summary(con: duckdb.DuckDBPyConnection, source: Source):
    """The table's monthly summary (built on first use), or None: compute over loan-months."""
    return summary_mod.ensure(con, source)


def summary_ready(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """True when the figures can be read at once (else the first one builds the monthly summary)."""
    return summary_mod.ready(con, source)


def summarise_import(con: duckdb.DuckDBPyConnection, table: str, added: datasets.Added | None) -> None:
    """After an import (``datasets.after_import``): the monthly summary of a performance table, built with the new
    or replaced table, or updated from the rows of the months added (``added``). A table that is not a performance
    table has none; a failure leaves the build to the Portfolio page's first visit (the import itself is done)."""
    if store.is_read_only(con):
        return
    context = datasets.table_context(con, table)
    if missing_roles(context):
        return
    try:
        if added is None:  # the build finds out whether loans have one row a month (no scan of its own)
            source = resolve(con, context, check_rows=False)
            known = store.recall(con, table, one_row_fact(Query(source)))
            if known is not None:
                source = dataclasses.replace(source, one_row_per_month=bool(known))
            summary_mod.ensure(con, source, rows_checked=known is not None)
            return
        summary_mod.carry_one_row(con, resolve(con, context, check_rows=False), added.state, added.rows)
        summary_mod.add_months(con, resolve(con, context), added.state, added.rows)
    except (duckdb.Error, RiskLabError):
        return


datasets.after_import(summarise_import)  # every import of a performance table builds or updates its summary


def prepare_summary(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Build the monthly summary of ``source`` now (the page calls it under a spinner)."""
    summary_mod.ensure(con, source)


def source_filter_options(
    con: duckdb.DuckDBPyConnection, source: Source, *, summary: bool = True
) -> dict[str, list[str]]:
    """The filter choices of a performance table (most loan-months with a snapshot month first)."""
    if summary and (found := _summary(con, source)):
        return summary_mod.filter_options(con, found)
    return filter_options(con, source.table, dict(source.dimensions))
