"""The SQL the portfolio figures and their monthly summary share: the performance table's ``Source``, the page's
``Filters``, ``Query`` (bound parameters and column expressions) and the fragments and result frames of each figure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

import duckdb
import pandas as pd

from analytics import datasets, store

# --- the vocabulary: states, words, categories ----------------------------------------------------------------------

FILTER_DIMENSIONS = ("segment", "branch", "officer", "product")


@dataclasses.dataclass(frozen=True)
class DpdBucket:
    """Days past due from ``low`` to ``high`` (inclusive; None = open)."""

    key: str
    low: int | None
    high: int | None


DPD_BUCKETS: tuple[DpdBucket, ...] = (
    DpdBucket("current", None, 0),
    DpdBucket("dpd_1_30", 1, 30),
    DpdBucket("dpd_31_60", 31, 60),
    DpdBucket("dpd_61_90", 61, 90),
    DpdBucket("dpd_91_180", 91, 180),
    DpdBucket("dpd_180_plus", 181, None),
)
EXIT_STATES: tuple[str, ...] = ("written_off", "paid_off")
ROLL_STATES: tuple[str, ...] = (*(b.key for b in DPD_BUCKETS), *EXIT_STATES)
# Status values (compared as ``outcome.text_key``) that mean a loan was written off / paid off.
WRITTEN_OFF_WORDS = (
    "written_off",
    "write_off",
    "writeoff",
    "charged_off",
    "charge_off",
    "chargeoff",
    "chgoff",
    "核销",
    "已核销",
)
PAID_OFF_WORDS = ("paid_off", "paidoff", "paid", "closed", "settled", "repaid", "fully_paid", "结清", "已结清")
NPL_KEYS = datasets.NON_PERFORMING
CATEGORY_KEYS = tuple(c.key for c in datasets.FIVE_CATEGORIES)


# --- the table: which columns play which part -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Source:
    """A performance table and the columns the portfolio figures use (hashable, for caches).

    ``columns`` pairs a role key (``loan_id``, ``snapshot_date``, ``balance``, ``days_past_due``,
    ``classification``, ``status``, ``origination_date``, ``borrower_id``, ``amount``, ``term``,
    ``provision_held``, ``write_off``) with a
    column; ``dimensions`` pairs a dimension key with a column; ``default`` is the saved default definition.
    """

    table: str
    columns: tuple[tuple[str, str], ...]
    dimensions: tuple[tuple[str, str], ...]
    types: tuple[tuple[str, str], ...]
    default: datasets.DefaultDefinition | None = None
    one_row_per_month: bool = True

    def col(self, key: str) -> str | None:
        """The column with role ``key``, or None."""
        return dict(self.columns).get(key)

    def dim(self, key: str) -> str | None:
        """The column of dimension ``key``, or None."""
        return dict(self.dimensions).get(key)

    @property
    def dimension_keys(self) -> tuple[str, ...]:
        """The dimensions this table has, in registry order."""
        return tuple(key for key, _ in self.dimensions)

    @property
    def classification_derived(self) -> bool:
        """True when the five categories come from the days-past-due floor (no classification column)."""
        return self.col("classification") is None

    @property
    def has_dpd(self) -> bool:
        """True when the table has days past due (PAR, roll rates and ever-30+/90+ need it)."""
        return self.col("days_past_due") is not None


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the page looks at: dimension values (empty = all) and a period of months (None = open)."""

    segment: tuple[str, ...] = ()
    branch: tuple[str, ...] = ()
    officer: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None

    def values(self, key: str) -> tuple[str, ...]:
        """The chosen values of dimension ``key``."""
        return tuple(getattr(self, key, ()) or ())

    def without_period(self) -> Filters:
        """The same filters over all months."""
        return dataclasses.replace(self, start=None, end=None)


NO_FILTERS = Filters()  # every loan, every month


# --- SQL building ---------------------------------------------------------------------------------------------------

_DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y-%m",
    "%Y/%m",
    "%Y%m",
    "%Y年%m月%d日",
    "%Y年%m月",
    "%Y-%m-%d %H:%M:%S",
]


def date_sql(column: str, duckdb_type: str, bind: Callable[[object], str], *, end_of_month: bool = False) -> str:
    """A column of any date-like type as a DATE (text: common formats; integers: YYYYMM or YYYYMMDD)."""
    col, cls = store.quote_ident(column), datasets.type_class(duckdb_type)
    if cls == "date":
        return f"CAST({col} AS DATE)"
    if cls == "integer":
        first = f"make_date(CAST({col} // 100 AS INTEGER), CAST({col} % 100 AS INTEGER), 1)"
        return (
            f"(CASE WHEN {col} BETWEEN 100001 AND 999912 AND {col} % 100 BETWEEN 1 AND 12 "
            f"THEN {f'last_day({first})' if end_of_month else first} "
            f"WHEN {col} BETWEEN 10000101 AND 99991231 "
            f"THEN CAST(try_strptime(CAST({col} AS VARCHAR), '%Y%m%d') AS DATE) END)"
        )
    return f"CAST(try_strptime(trim(CAST({col} AS VARCHAR)), {bind(_DATE_FORMATS)}) AS DATE)"


class Query:
    """Named parameters and column expressions for one query over a ``Source``."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.types = dict(source.types)
        self.params: dict[str, object] = {}

    def bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def one_of(self, values: list, text_sql: str) -> str:
        """``text_sql`` is one of ``values`` (bound as one list parameter)."""
        return f"list_contains(CAST({self.bind(values)} AS VARCHAR[]), {text_sql})"

    def among_words(self, words: list[str], text_sql: str) -> str:
        """``text_sql`` is one of a few fixed ``words`` (NULL when not): a map lookup, a third of the time of a list
        over tens of millions of rows."""
        return f"CAST({self.bind(dict.fromkeys(words, True))} AS MAP(VARCHAR, BOOLEAN))[{text_sql}]"

    def ident(self, key: str) -> str | None:
        column = self.source.col(key)
        return store.quote_ident(column) if column else None

    def date_sql(self, column: str, *, end_of_month: bool = False) -> str:
        return date_sql(column, self.types.get(column, "DATE"), self.bind, end_of_month=end_of_month)

    def month_of(self, column: str) -> str:
        """The first day of the month of ``column``'s dates (of a date column: the date less its day of the month,
        a third of the time of ``date_trunc`` over tens of millions of rows)."""
        date = self.date_sql(column)
        if datasets.type_class(self.types.get(column, "DATE")) == "date":
            return f"({date} - CAST(day({date}) - 1 AS INTEGER))"
        return f"CAST(date_trunc('month', {date}) AS DATE)"

    def month_sql(self) -> str:
        return self.month_of(self.source.col("snapshot_date"))

    def loan_sql(self) -> str:
        return f"CAST({self.ident('loan_id')} AS VARCHAR)"

    def category_sql(self, dpd: str) -> str:
        """The category key of each row: the classification label, else the days-past-due floor."""
        floor = datasets.classification_floor_sql(dpd) if self.source.has_dpd else "NULL"
        column = self.source.col("classification")
        if column is None:
            return floor
        spellings = {s: c.key for c in datasets.FIVE_CATEGORIES for s in c.spellings}
        label = datasets.text_key_sql(store.quote_ident(column))
        return f"coalesce(CAST({self.bind(spellings)} AS MAP(VARCHAR, VARCHAR))[{label}], {floor})"

    def status_in(self, words: tuple[str, ...]) -> str:
        status = self.ident("status")
        if status is None:
            return "false"
        return f"coalesce({self.among_words(list(words), datasets.text_key_sql(status))}, false)"

    def default_sql(self, dpd: str, category: str) -> str:
        """1/0 default event per row: the saved definition, else 90+ days past due or a non-performing class."""
        defn = self.source.default
        npl = f"({category}) IN ({', '.join(repr(k) for k in NPL_KEYS)})"
        if defn is None:
            return f"({dpd}) >= {datasets.DEFAULT_DPD_THRESHOLD}" if self.source.has_dpd else npl
        col = store.quote_ident(defn.column)
        if defn.kind == "dpd":
            return f"CAST({col} AS DOUBLE) >= {self.bind(float(defn.threshold or datasets.DEFAULT_DPD_THRESHOLD))}"
        if defn.kind == "classification":
            spellings = [s for c in datasets.FIVE_CATEGORIES if c.key in defn.labels for s in c.spellings]
            return self.among_words(spellings, datasets.text_key_sql(col))
        spellings = {datasets.text_key(v) for v in defn.values}
        for pair in ({"1", "true"}, {"0", "false"}):
            if spellings & pair:
                spellings |= pair
        return self.among_words(sorted(spellings), datasets.text_key_sql(col))

    def where_sql(self, filters: Filters) -> str:
        """Dimension filters as a condition with bound values."""
        conditions = [f"{self.month_sql()} IS NOT NULL"]
        for key in FILTER_DIMENSIONS:
            values = filters.values(key)
            column = self.source.dim(key)
            if values and column:
                conditions.append(self.one_of(list(values), f"CAST({store.quote_ident(column)} AS VARCHAR)"))
        return " AND ".join(conditions)

    def last_month_sql(self, as_of: dt.date | None) -> str:
        """The month of ``as_of``, or the table's latest month (a cheap one-column scan)."""
        if as_of:
            return f"CAST(date_trunc('month', CAST({self.bind(as_of)} AS DATE)) AS DATE)"
        return f"(SELECT max({self.month_sql()}) FROM {store.quote_ident(self.source.table)})"

    def rows_cte(
        self,
        filters: Filters,
        dims: tuple[str, ...] = (),
        months: tuple[str, str] | None = None,
        part: tuple[int, int] | None = None,
        among: str | None = None,
    ) -> str:
        """``rows``: one row per loan and month with loan, month, balance, dpd, category, flags, term (months),
        provisions held and dimensions.

        ``months`` (two SQL expressions) keeps only the months between them, before any per-loan window work;
        ``part`` ``(i, n)`` keeps the loans whose id hashes to ``i`` of ``n`` parts (whole loans, every month);
        ``among`` (SQL of a relation with a VARCHAR ``loan`` column) keeps those loans' rows, before any other work.
        """
        s = self.source
        dpd = f"CAST({self.ident('days_past_due')} AS DOUBLE)" if s.has_dpd else "CAST(NULL AS DOUBLE)"
        category = self.category_sql(dpd)
        written_off = self.status_in(WRITTEN_OFF_WORDS)
        write_off_col = self.ident("write_off")
        if write_off_col:
            written_off = f"({written_off} OR coalesce(CAST({write_off_col} AS DOUBLE), 0) > 0)"
        orig = self.month_of(s.col("origination_date")) if s.col("origination_date") else "CAST(NULL AS DATE)"
        amount = f"CAST({self.ident('amount')} AS DOUBLE)" if s.col("amount") else "CAST(NULL AS DOUBLE)"
        borrower = f"CAST({self.ident('borrower_id')} AS VARCHAR)" if s.col("borrower_id") else self.loan_sql()
        term = f"CAST({self.ident('term')} AS DOUBLE)" if s.col("term") else "CAST(NULL AS DOUBLE)"
        held = f"CAST({self.ident('provision_held')} AS DOUBLE)" if s.col("provision_held") else "CAST(NULL AS DOUBLE)"
        dim_sql = "".join(f", CAST({store.quote_ident(s.dim(k))} AS VARCHAR) AS {dim_alias(k)}" for k in dims)
        in_months = f" AND {self.month_sql()} BETWEEN {months[0]} AND {months[1]}" if months else ""
        snapshot = s.col("snapshot_date")
        if months and self.types.get(snapshot, "").upper() in ("DATE", "TIMESTAMP"):  # lets DuckDB skip row groups
            column = store.quote_ident(snapshot)
            in_months += f" AND {column} >= {months[0]} AND {column} < CAST({months[1]} + INTERVAL 1 MONTH AS DATE)"
        if part and part[1] > 1:
            in_months += f" AND hash({self.loan_sql()}) % {int(part[1])} = {int(part[0])}"
        among_sql = f" SEMI JOIN {among} AS among ON {self.loan_sql()} IS NOT DISTINCT FROM among.loan" if among else ""
        dedupe = (
            "" if s.one_row_per_month else "QUALIFY row_number() OVER (PARTITION BY loan, month ORDER BY snap DESC) = 1"
        )
        raw = f"""
        raw AS (
            SELECT {self.loan_sql()} AS loan, {self.month_sql()} AS month,
                   {self.date_sql(s.col("snapshot_date"), end_of_month=True)} AS snap,
                   coalesce(CAST({self.ident("balance")} AS DOUBLE), 0) AS balance, {dpd} AS dpd,
                   {category} AS category, {written_off} AS written_off, {self.status_in(PAID_OFF_WORDS)} AS paid_off,
                   {f"coalesce(CAST({write_off_col} AS DOUBLE), 0)" if write_off_col else "CAST(NULL AS DOUBLE)"}
                       AS write_off_amount,
                   {orig} AS orig_month, {amount} AS amount, {borrower} AS borrower, {term} AS term,
                   {held} AS held{dim_sql},
                   coalesce({self.default_sql(dpd, category)}, false) AS event_raw
            FROM {store.quote_ident(s.table)}{among_sql}
            WHERE {self.where_sql(filters)}{in_months}
            {dedupe}
        )"""
        if write_off_col:
            write_off = "write_off_amount"
        else:
            write_off = (
                "CASE WHEN written_off AND NOT coalesce(lag(written_off) OVER w, false) "
                "THEN coalesce(lag(balance) OVER w, 0) ELSE 0 END"
            )
        return f"""{raw},
        rows AS (
            SELECT * EXCLUDE (event_raw, write_off_amount), event_raw OR written_off AS event,
                   {write_off} AS write_off
            FROM raw
            WINDOW w AS (PARTITION BY loan ORDER BY month)
        )"""

    def execute(self, con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
        """Run ``sql`` with the parameters it uses (DuckDB refuses unused ones)."""
        used = set(re.findall(r"\$(p\d+)\b", sql))
        return con.execute(sql, {k: v for k, v in self.params.items() if k in used})

    def run(self, con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
        return self.execute(con, sql).df()


def one_row_fact(q: Query) -> str:
    """The name of the fact kept per table state: whether each loan has one row per month."""
    return f"one row per loan and month: {q.loan_sql()}, {q.month_sql()}"


def dim_alias(key: str) -> str:
    return f"dim_{key}"


def _npl_list() -> str:
    return ", ".join(f"'{k}'" for k in NPL_KEYS)


def par_sum(source: Source, days: int, condition: str = "") -> str:
    """Balance more than ``days`` past due (NULL when the table has no days past due)."""
    if not source.has_dpd:
        return "CAST(NULL AS DOUBLE)"
    return f"coalesce(sum(balance) FILTER (WHERE {condition}dpd > {int(days)}), 0)"


def npl_sum(condition: str = "") -> str:
    """Balance classified substandard, doubtful or loss."""
    return f"coalesce(sum(balance) FILTER (WHERE {condition}category IN ({_npl_list()})), 0)"


def period_sql(q: Query, filters: Filters, column: str = "month") -> str:
    conditions = []
    if filters.start:
        conditions.append(f"{column} >= CAST(date_trunc('month', CAST({q.bind(filters.start)} AS DATE)) AS DATE)")
    if filters.end:
        conditions.append(f"{column} <= CAST(date_trunc('month', CAST({q.bind(filters.end)} AS DATE)) AS DATE)")
    return " AND ".join(conditions) or "true"


def ratio_sql(numerator: str, denominator: str) -> str:
    return f"CAST({numerator} AS DOUBLE) / nullif({denominator}, 0)"


def mob_sql(column: str) -> str:
    """Months on book of an event month (NULL stays NULL; events before origination count at 0)."""
    return f"CASE WHEN {column} IS NOT NULL THEN greatest(datediff('month', orig, {column}), 0) END"


def bucket_sql(dpd: str, *, position: bool = False) -> str:
    """The days-past-due bucket of ``dpd`` (NULL counts as current): its key, or its position in ``ROLL_STATES``."""
    name = str if position else (lambda i: f"'{DPD_BUCKETS[i].key}'")
    whens = " ".join(f"WHEN {dpd} <= {b.high} THEN {name(i)}" for i, b in enumerate(DPD_BUCKETS) if b.high is not None)
    return f"(CASE WHEN {dpd} IS NULL THEN {name(0)} {whens} ELSE {name(len(DPD_BUCKETS) - 1)} END)"


# --- what the figures and the monthly summary share: query ends and result frames -----------------------------------


def monthly_figures_sql(q: Query, filters: Filters) -> str:
    """The end of ``monthly``'s query, over CTEs ``book`` (month sums), ``new`` (disbursed) and ``cohort``
    (the 12-month default cohort ending in each month)."""
    return f"""figures AS (
        SELECT b.*, coalesce(n.disbursed_loans, 0) AS disbursed_loans, coalesce(n.disbursed, 0) AS disbursed,
               c.cohort_loans, c.cohort_defaults,
               sum(b.write_offs) OVER w12 AS write_offs_12m, avg(b.outstanding) OVER w12 AS average_outstanding_12m,
               count(*) OVER w12 AS months_12m
        FROM book b LEFT JOIN new n USING (month) LEFT JOIN cohort c USING (month)
        WINDOW w12 AS (ORDER BY b.month RANGE BETWEEN INTERVAL 11 MONTH PRECEDING AND CURRENT ROW)
    )
    SELECT month, loans, outstanding, disbursed_loans, disbursed,
           {ratio_sql("par30_balance", "outstanding")} AS par30, {ratio_sql("par90_balance", "outstanding")} AS par90,
           {ratio_sql("npl_balance", "outstanding")} AS npl_ratio,
           {ratio_sql("write_offs_12m * 12 / months_12m", "average_outstanding_12m")} AS write_off_ratio,
           {ratio_sql("cohort_defaults", "cohort_loans")} AS default_rate_12m,
           par30_balance, par90_balance, npl_balance, write_offs, write_offs_12m, cohort_loans, cohort_defaults
    FROM figures WHERE {period_sql(q, filters)}
    ORDER BY month"""


def monthly_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    for column in ("loans", "disbursed_loans"):
        frame[column] = frame[column].astype("int64")
    return frame


def cohort_label(start: dt.date, by: str) -> str:
    return f"{start.year}Q{(start.month - 1) // 3 + 1}" if by == "quarter" else start.strftime("%Y-%m")


def vintage_frame(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    frame["cohort_start"] = pd.to_datetime(frame["cohort"]).dt.date
    frame["cohort"] = [cohort_label(d, by) for d in frame["cohort_start"]]
    frame["mob"] = frame["mob"].astype("int64")
    return frame[["cohort", "cohort_start", "mob", "loans", "defaults", "default_rate", "ever30_rate", "ever90_rate"]]


def roll_frame(frame: pd.DataFrame) -> pd.DataFrame:
    order = {state: i for i, state in enumerate(ROLL_STATES)}
    frame["share"] = frame["balance"] / frame.groupby("from_state")["balance"].transform("sum")
    frame = frame.sort_values(["from_state", "to_state"], key=lambda s: s.map(order)).reset_index(drop=True)
    return frame[["from_state", "to_state", "balance", "loans", "share"]]


# The end of ``breakdown``'s query, over CTEs ``now`` (the month's sums by value) and ``cohort``.
BREAKDOWN_SELECT = f"""SELECT coalesce(value, '-') AS "group", coalesce(loans, 0) AS loans,
           coalesce(outstanding, 0) AS outstanding, outstanding / nullif(sum(outstanding) OVER (), 0) AS share,
           {ratio_sql("par30_balance", "outstanding")} AS par30, {ratio_sql("par90_balance", "outstanding")} AS par90,
           {ratio_sql("npl_balance", "outstanding")} AS npl_ratio,
           {ratio_sql("cohort_defaults", "cohort_loans")} AS default_rate_12m, cohort_loans
    FROM now FULL JOIN cohort USING (value)
    ORDER BY outstanding DESC NULLS LAST, "group"
"""


def breakdown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame["loans"] = frame["loans"].astype("int64")
    return frame
