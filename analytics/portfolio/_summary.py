"""The monthly summary of a performance table: what the Portfolio page reads instead of every loan-month.

Built once per table version (import id, table identity and row count) and source (columns, roles, default
definition), in three tables of the ``risklab_catalog`` schema:

- ``month``: one row per snapshot month and combination of dimension values, with loan-months, the latest
  snapshot date, the book sums (loans, outstanding, PAR30/90 and NPL balances, write-offs), balance and loans
  per five-category class, loans disbursed that month, and the 12-month default cohort that starts that month
  (performing, never-defaulted loans and how many of them default within 12 months);
- ``vintage``: per origination month and filter dimension values, loans and the months on book of first default,
  first 30+ and first 90+ days past due;
- ``rolls``: per month and filter dimension values, balance and loans moving from each DPD bucket to each state one
  month later.

Every figure is a sum of these rows, so any filter on dimension values and any period gives the same numbers
as the direct computation over loan-months. That holds when each loan keeps one value of each filter dimension
(segment, branch, officer, product); a table where a loan changes branch (say) is marked and its figures are
computed directly. A read-only database cannot store the summary: the figures are then computed directly too.

The build makes three passes over the loan-months. The first gathers each loan's facts (and tells whether loans
have one row a month, so an import needs no scan of its own for that). The second sums months into cells of the
few things the figures tell apart, and gives the moves of the steady loans (current every month but perhaps
their last, one row a month: most of a book) from their facts. The third sorts the months of the other loans
only, one packed number per loan-month, for their next month's states. At 10M loans and 88M loan-months it
takes 16-19 s on 2 cores (``benchmarks/README.md``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time

import duckdb
import pandas as pd

from analytics import datasets, store
from analytics.portfolio._query import (
    BREAKDOWN_SELECT,
    CATEGORY_KEYS,
    FILTER_DIMENSIONS,
    ROLL_STATES,
    Filters,
    Query,
    Source,
    breakdown_frame,
    bucket_sql,
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

_SCHEMA = store.quote_ident(store.CATALOG_SCHEMA)
REGISTRY = f"{_SCHEMA}.portfolio_summaries"
_REGISTRY_DDL = (
    f"CREATE TABLE IF NOT EXISTS {REGISTRY} (table_name VARCHAR NOT NULL, key VARCHAR PRIMARY KEY, "
    "usable BOOLEAN NOT NULL, seconds DOUBLE, built_at TIMESTAMP DEFAULT current_timestamp)"
)
PARTS = ("month", "vintage", "rolls", "loans")
# Loan-months per part of the build: beyond this, loans are split by a hash of their id and each part's per-loan
# work (first events, the window over months) runs on its own. Every part rescans the table, which cost more CPU
# than DuckDB's spilling at 76M loan-months (6M per part: over twice the CPU time), so one part goes a long way.
ROWS_PER_PART = 100_000_000


@dataclasses.dataclass(frozen=True)
class Summary:
    """The summary tables of one source and table version (quoted, qualified names) and its dimensions."""

    key: str
    dims: tuple[str, ...]

    @property
    def filter_dims(self) -> tuple[str, ...]:
        """The dimensions the page filters on (vintages and roll rates are kept by these only)."""
        return tuple(k for k in self.dims if k in FILTER_DIMENSIONS)

    def table(self, part: str) -> str:
        """The table name of ``part`` (``month``, ``vintage``, ``rolls`` or ``loans``) in the catalog schema."""
        return f"portfolio_{self.key}_{part}"

    def name(self, part: str) -> str:
        """The quoted, qualified table name of ``part``."""
        return f"{_SCHEMA}.{store.quote_ident(self.table(part))}"


def summary_key(con: duckdb.DuckDBPyConnection, source: Source, state: tuple | None = None) -> str:
    """A short key that changes with the table's import version, identity, row count and the source (``state``:
    the table's ``store.table_state`` at another moment, by default now)."""
    text = repr((source, state or store.table_state(con, source.table)))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _registered(con: duckdb.DuckDBPyConnection, key: str) -> bool | None:
    """True/False: built (usable or not); None: not built."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'portfolio_summaries'",
        [store.CATALOG_SCHEMA],
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute(f"SELECT usable FROM {REGISTRY} WHERE key = ?", [key]).fetchall()
    return bool(rows[0][0]) if rows else None


def find(con: duckdb.DuckDBPyConnection, source: Source) -> Summary | bool | None:
    """The summary when built and usable, False when built but unusable or the database is read-only,
    None when it still has to be built."""
    if store.is_read_only(con):
        return False
    key = summary_key(con, source)
    state = _registered(con, key)
    if state is None:
        return None
    return Summary(key, source.dimension_keys) if state else False


def ready(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """True when the figures need no build first (built, unusable, or read-only)."""
    return find(con, source) is not None


def ensure(con: duckdb.DuckDBPyConnection, source: Source, *, rows_checked: bool = True) -> Summary | None:
    """The summary of ``source``, built when missing; None when the figures must be computed directly
    (``rows_checked``: as ``build``)."""
    found = find(con, source)
    if found is None:
        found = build(con, source, rows_checked=rows_checked)
    return found or None


def build(con: duckdb.DuckDBPyConnection, source: Source, *, rows_checked: bool = True) -> Summary | None:
    """Build (or rebuild) the summary tables, drop those of older versions of the table; None when a loan
    changes filter values (the figures are then computed directly).

    ``rows_checked=False``: whether each loan has one row a month is not known yet (``source`` says it has); the
    loans' facts tell (each part's of its own loans), the answer is remembered for the table (``portfolio.resolve``
    then needs no scan of its own), and a table where a loan has two rows in a month is built again with them
    deduplicated."""
    began = time.perf_counter()
    parts = max(1, -(-store.table_state(con, source.table)[2] // ROWS_PER_PART))
    key = summary_key(con, source)
    summary = Summary(key, source.dimension_keys)
    con.execute(_REGISTRY_DDL)
    loans = _facts(summary)
    try:
        usable = True
        for i in range(parts):
            usable = _build_part(con, source, summary, loans, (i, parts), rows_checked)
            if usable is None:  # a loan has two rows in a month
                store.remember(con, source.table, one_row_fact(Query(source)), False)
                return build(con, dataclasses.replace(source, one_row_per_month=False))
            if not usable:
                break
        if usable and not rows_checked:  # every part's loans were checked
            store.remember(con, source.table, one_row_fact(Query(source)), True)
        usable = usable and _combos_apart(con, summary)
        return _register(con, source, summary, usable, began)
    except duckdb.TransactionException:  # another session built it at the same time
        return find(con, source) or None
    finally:
        con.execute(f"DROP TABLE IF EXISTS {loans}")


def _register(
    con: duckdb.DuckDBPyConnection, source: Source, summary: Summary, usable: bool, began: float
) -> Summary | None:
    """Record the summary as built (its tables dropped when unusable) and drop the table's older summaries."""
    if not usable:
        for part in PARTS:
            con.execute(f"DROP TABLE IF EXISTS {summary.name(part)}")
    with store.transaction(con):
        con.execute(f"DELETE FROM {REGISTRY} WHERE key = ?", [summary.key])
        con.execute(
            f"INSERT INTO {REGISTRY} (table_name, key, usable, seconds) VALUES (?, ?, ?, ?)",
            [source.table, summary.key, bool(usable), time.perf_counter() - began],
        )
    drop_stale(con, source.table, keep=summary.key)
    return summary if usable else None


def _new_rows(con: duckdb.DuckDBPyConnection, source: Source, last) -> tuple[int, object, int]:
    """Rows of the months after ``last``: how many, the latest month, and how many distinct (loan, month) hashes
    (a snapshot date column lets DuckDB skip the older row groups)."""
    q = Query(source)
    after = f"CAST(DATE '{last.isoformat()}' + INTERVAL 1 MONTH AS DATE)"
    where = f"{q.month_sql()} >= {after}"
    snapshot = source.col("snapshot_date")
    if q.types.get(snapshot, "").upper() in ("DATE", "TIMESTAMP"):
        where += f" AND {store.quote_ident(snapshot)} >= {after}"
    sql = (
        f"SELECT count(*), max({q.month_sql()}), count(DISTINCT hash({q.loan_sql()}, {q.month_sql()})) "
        f"FROM {store.quote_ident(source.table)} WHERE {where}"
    )
    return tuple(q.execute(con, sql).fetchall()[0])


def _last_month(con: duckdb.DuckDBPyConnection, summary: Summary):
    return con.execute(f"SELECT max(month) FROM {summary.name('month')}").fetchall()[0][0]


def carry_one_row(con: duckdb.DuckDBPyConnection, source: Source, previous: tuple, rows_before: int) -> None:
    """Keep the fact that each loan has one row a month for the table after rows of later months were added,
    from the fact before and the new rows alone (instead of a scan of every row); nothing when it cannot."""
    fact = one_row_fact(Query(source))
    before = store.recall(con, source.table, fact, previous)
    if before is None:
        return
    old = Summary(summary_key(con, dataclasses.replace(source, one_row_per_month=bool(before)), previous), ())
    if not _registered(con, old.key):
        return
    count, _, distinct = _new_rows(con, source, _last_month(con, old))
    if count == store.row_count(con, source.table) - rows_before:
        store.remember(con, source.table, fact, bool(before) and count == distinct)


def add_months(con: duckdb.DuckDBPyConnection, source: Source, previous: tuple, rows_before: int) -> Summary | None:
    """The summary after rows of later months were added to the table (``previous``: its ``store.table_state``
    before, with ``rows_before`` rows): the summary of the table as it was, updated from the new months' rows.

    Only the new rows are aggregated; what they change in earlier months is patched from the loans' kept facts:
    the 12-month default cohorts of loans that default in a new month (their rows of the 12 months before), the
    moves out of the last month (its rows), the vintages (the new loans and first events). The result equals a
    full build; a full build runs instead when the summary of the table as it was is missing, an added row is of
    a month already summarised, the table has no write-off amounts (a write-off's amount is then the balance a
    month before), or a loan's origination, first amount or filter values change."""
    began = time.perf_counter()
    old = Summary(summary_key(con, source, previous), source.dimension_keys)
    summary = Summary(summary_key(con, source), source.dimension_keys)
    if _registered(con, summary.key) is not None:
        return find(con, source) or None
    kept = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [store.CATALOG_SCHEMA, old.table("loans")],
    ).fetchall()[0][0]
    if not (source.one_row_per_month and source.col("write_off") and kept and _registered(con, old.key)):
        return build(con, source)
    last = _last_month(con, old)
    count, newest, _ = _new_rows(con, source, last)
    if count != store.row_count(con, source.table) - rows_before:
        return build(con, source)
    new = (f"CAST(DATE '{last.isoformat()}' + INTERVAL 1 MONTH AS DATE)", f"DATE '{newest.isoformat()}'")
    facts = store.quote_ident(f"_portfolio_new_{summary.key}")
    known = store.quote_ident(f"_portfolio_known_{summary.key}")
    q = Query(source)
    try:
        q.execute(
            con,
            f"""CREATE OR REPLACE TEMP TABLE {facts} AS
            WITH {q.rows_cte(Filters(), summary.dims, months=new)}
            SELECT {_facts_sql(summary)} FROM rows GROUP BY loan""",
        )
        # the kept facts of the loans in the new rows: one pass over the kept loans, then small joins only
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {known} AS "
            f"SELECT * FROM {old.name('loans')} WHERE loan IN (SELECT loan FROM {facts})"
        )
        if _changes_history(con, known, facts):
            return build(con, source)
        for part in PARTS:
            con.execute(f"ALTER TABLE {old.name(part)} RENAME TO {store.quote_ident(summary.table(part))}")
        _add_facts(con, source, summary, facts, known, new)
        _add_cohort_defaults(con, source, summary, facts, known, last)
        if source.has_dpd:
            con.execute(f"DELETE FROM {summary.name('rolls')} WHERE month = ?", [last])
            _build_rolls(con, source, summary, None, months=(f"DATE '{last.isoformat()}'", new[1]))
        return _register(con, source, summary, _combos_apart(con, summary), began)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {facts}")
        con.execute(f"DROP TABLE IF EXISTS {known}")


def _changes_history(con: duckdb.DuckDBPyConnection, known: str, facts: str) -> bool:
    """True when the new rows change what the summary holds of a loan's earlier months (``known``: the kept facts
    of the loans in the new rows): its filter values, its first amount (an amount where all its earlier rows had
    none) or its origination month; or a new row has no loan id."""
    return (
        con.execute(
            f"""SELECT count(*) FROM {facts} n JOIN {known} o USING (loan)
        WHERE o.filter_combo <> n.filter_combo OR (o.amount_first IS NULL AND n.amount_first IS NOT NULL)
              OR (n.orig_month IS NOT NULL AND (o.orig_month IS NULL OR n.orig_month < o.orig_month))"""
        ).fetchall()[0][0]
        > 0
        or not con.execute(
            f"SELECT coalesce(bool_and(same), true) AND count(*) FILTER (WHERE loan IS NULL) = 0 FROM {facts}"
        ).fetchall()[0][0]
    )


def _add_facts(
    con: duckdb.DuckDBPyConnection, source: Source, summary: Summary, facts: str, known: str, new: tuple
) -> None:
    """The new months' sums, the new loans' facts and vintages, and the first events of loans already known (their
    vintages' event counts). A known loan's new first events replace its row (deleted and added again: an update
    of rows all over the kept loans makes DuckDB rewrite the whole table at its next checkpoint)."""
    loans = summary.name("loans")
    events = ("default_month", "e30", "e90")
    firsts = store.quote_ident(f"_portfolio_firsts_{summary.key}")
    newly = ", ".join(f"CASE WHEN o.{e} IS NULL THEN n.{e} END AS {e}" for e in events)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {firsts} AS
        SELECT o.loan, o.orig, o.filter_combo, {newly}
        FROM {facts} n JOIN {known} o USING (loan)
        WHERE {" OR ".join(f"(o.{e} IS NULL AND n.{e} IS NOT NULL)" for e in events)}"""
    )
    try:
        now = ", ".join(f"coalesce(m.{e}, f.{e}) AS {e}" for e in events)
        with store.transaction(con):
            con.execute(f"INSERT INTO {loans} SELECT * EXCLUDE (same) FROM {facts} ANTI JOIN {known} USING (loan)")
            con.execute(f"DELETE FROM {loans} WHERE loan IN (SELECT loan FROM {firsts})")
            con.execute(f"INSERT INTO {loans} SELECT m.* REPLACE ({now}) FROM {known} m JOIN {firsts} f USING (loan)")
        _build_month(con, source, summary, loans, None, months=new)
        con.execute(f"DROP TABLE IF EXISTS {_cells(summary)}")
        # the vintages: every kind of the new loans, the new first events of the others
        _build_vintage(con, summary, f"(SELECT * FROM {loans} WHERE first_month >= {new[0]})", None)
        _build_vintage(con, summary, firsts, None, kinds=False)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {firsts}")


def _add_cohort_defaults(
    con: duckdb.DuckDBPyConnection, source: Source, summary: Summary, facts: str, known: str, last
) -> None:
    """Loans that default for the first time in a new month join the 12-month default cohorts of their months
    before (with a balance): one more default in each of those months' rows. Only their rows are read."""
    q = Query(source)
    newly = f"""(SELECT loan, n.default_month FROM {facts} n JOIN {known} o USING (loan)
                 WHERE o.default_month IS NULL AND n.default_month IS NOT NULL)"""
    first = con.execute(f"SELECT min(default_month) FROM {newly}").fetchall()[0][0]
    if first is None:
        return
    since = f"CAST(DATE '{first.isoformat()}' - INTERVAL 12 MONTH AS DATE)"
    dims = [dim_alias(k) for k in summary.dims]
    keys = ", ".join(["month", *dims])
    same = " AND ".join(f"m.{c} IS NOT DISTINCT FROM d.{c}" for c in ["month", *dims])
    month = summary.name("month")
    delta = store.quote_ident(f"_portfolio_cohorts_{summary.key}")
    q.execute(
        con,
        f"""CREATE OR REPLACE TEMP TABLE {delta} AS
        WITH {q.rows_cte(Filters(), summary.dims, months=(since, f"DATE '{last.isoformat()}'"), among=newly)},
        counts AS (
            SELECT {keys}, count(*) AS n FROM rows JOIN {newly} newly USING (loan)
            WHERE balance > 0 AND default_month > month AND default_month <= CAST(month + INTERVAL 12 MONTH AS DATE)
            GROUP BY ALL
        )
        SELECT d.n, m.rid FROM counts d
        JOIN (SELECT {keys}, min(rowid) AS rid FROM {month} GROUP BY ALL) m ON {same}""",
    )
    try:
        con.execute(
            f"UPDATE {month} AS m SET cohort_defaults = cohort_defaults + d.n FROM {delta} d WHERE m.rowid = d.rid"
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {delta}")


def _hash_sql(keys: tuple[str, ...]) -> str:
    """One number per combination of dimension values (NULL hashes apart from any value)."""
    return f"hash({', '.join(map(dim_alias, keys))})" if keys else "CAST(0 AS UBIGINT)"


def _build_part(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    summary: Summary,
    loans: str,
    part: tuple[int, int],
    rows_checked: bool = True,
) -> bool | None:
    """Add one part of the loans to the summary tables (the first part creates them); False when a loan
    changes filter values, None when rows are not checked and a loan has two rows in a month. The loans' facts
    are numbers only (dimension values travel as hashes)."""
    q = Query(source)
    q.execute(
        con,
        f"""CREATE OR REPLACE TEMP TABLE {loans} AS
        WITH {q.rows_cte(Filters(), summary.dims, part=part)}
        SELECT {_facts_sql(summary)}, {_roll_facts_sql()}
        FROM rows GROUP BY loan""",
    )
    if not rows_checked and not _one_row_in_facts(con, source, loans):
        return None  # (a part's facts tell: the parts split the loans, not their months)
    if not con.execute(f"SELECT coalesce(bool_and(same), true) FROM {loans}").fetchall()[0][0]:
        return False
    try:
        _build_month(con, source, summary, loans, part, steady=source.has_dpd)
        _build_vintage(con, summary, loans, part)
        if source.has_dpd:
            _build_rolls(con, source, summary, part, steady=True)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_cells(summary)}")
    kept = f"SELECT * EXCLUDE (same, {', '.join(_ROLL_FACTS)}) FROM {loans}"
    con.execute(f"{_into(summary, 'loans', part)} {kept}")  # kept for a new month
    return True


def _facts_sql(summary: Summary) -> str:
    """Each loan's facts over ``rows``: first month, first default, 30+ and 90+ months, origination, first amount,
    the hashes of its first dimension values and of its filter values (whether those stay the same: ``same``)."""
    filter_combo = _hash_sql(summary.filter_dims)  # a loan must keep one of each (checked): two numbers per loan
    return f"""loan, min(month) AS first_month, min(month) FILTER (WHERE event) AS default_month,
               min(month) FILTER (WHERE dpd >= 30) AS e30, min(month) FILTER (WHERE dpd >= 90) AS e90,
               coalesce(min(orig_month), min(month)) AS orig, min(orig_month) AS orig_month,
               coalesce(arg_min(amount, month), arg_min(balance, month)) AS first_amount,
               arg_min(amount, month) AS amount_first,
               arg_min({_hash_sql(summary.dims)}, month) AS first_combo,
               min({filter_combo}) AS filter_combo, min({filter_combo}) = max({filter_combo}) AS same"""


# Months a loan may span for its distinct months to be counted in its facts (one bit per month in a HUGEINT).
_SPAN_BITS = 120
_ROLL_FACTS = ("month_rows", "distinct_months", "moved", "last_month", "last_state")


def _roll_facts_sql() -> str:
    """What a full build needs besides the kept facts: rows and distinct months (one row a month?), rows not
    current (``moved``; current: a balance, not overdue, not written or paid off), the last month and its state.
    Few aggregates: each costs about a quarter of a second per 10M loans."""
    _, state = _state_sql()
    bit = f"CAST(1 AS HUGEINT) << CAST((year(month) * 12 + month(month)) % {_SPAN_BITS} AS HUGEINT)"
    return f"""count(*) AS month_rows, bit_count(bit_or({bit})) AS distinct_months,
               count(*) FILTER (WHERE {state} <> 0) AS moved, max(month) AS last_month,
               arg_max({state}, month) AS last_state"""


# Months from a loan's first to its last.
_SPAN = "datediff('month', first_month, last_month)"
# A loan current every month but perhaps its last, one row a month without a gap (and an id): its moves follow from
# its facts.
_STEADY = (
    f"loan IS NOT NULL AND {_SPAN} < {_SPAN_BITS} AND distinct_months = month_rows AND month_rows = {_SPAN} + 1 "
    "AND (moved = 0 OR (moved = 1 AND last_state <> 0))"
)


def _one_row_in_facts(con: duckdb.DuckDBPyConnection, source: Source, loans: str) -> bool:
    """Whether each of these loans has one row a month, from their facts (a scan of the table when a loan spans
    too many months to tell)."""
    counted, long = con.execute(
        f"SELECT coalesce(bool_and(distinct_months = month_rows), true), "
        f"count(*) FILTER (WHERE {_SPAN} >= {_SPAN_BITS}) FROM {loans}"
    ).fetchall()[0]
    return one_row_per_month(con, source) if long else bool(counted)


def one_row_per_month(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """Whether each loan has one row a month (one scan: distinct hashes of loan and month; equal counts prove it,
    a rare collision only costs a dedupe), remembered for the table."""
    q = Query(source)

    def one_row() -> bool:
        sql = (
            f"SELECT count(*) = count(DISTINCT hash({q.loan_sql()}, {q.month_sql()})) "
            f"FROM {store.quote_ident(source.table)} WHERE {q.month_sql()} IS NOT NULL"
        )
        return bool(q.execute(con, sql).fetchall()[0][0])

    return bool(store.remembered(con, source.table, one_row_fact(q), one_row))


def _into(summary: Summary, part_name: str, part: tuple[int, int] | None) -> str:
    """The first part creates a summary table, the others (and a new month: no part) add to it."""
    name = summary.name(part_name)
    return f"CREATE OR REPLACE TABLE {name} AS" if part and part[0] == 0 else f"INSERT INTO {name}"


def _combos_apart(con: duckdb.DuckDBPyConnection, summary: Summary) -> bool:
    """True when no two combinations of dimension values (nor of filter values) share a hash: the loans' facts
    are joined to them by hash. With 64-bit hashes of thousands of combinations, a clash does not happen in
    practice; if it did, the figures would be computed directly."""
    month = summary.name("month")
    checks = [
        f"(SELECT count(DISTINCT {_hash_sql(keys)}) = count(DISTINCT row({', '.join(map(dim_alias, keys))})) "
        f"FROM {month})"
        for keys in (summary.dims, summary.filter_dims)
        if keys
    ]
    return all(con.execute(f"SELECT {', '.join(checks) or 'true'}").fetchall()[0])


def _filter_values(summary: Summary) -> str:
    """The combinations of filter values by their hash (from the month table)."""
    dims = "".join(f", {dim_alias(k)}" for k in summary.filter_dims)
    return f"(SELECT DISTINCT {_hash_sql(summary.filter_dims)} AS filter_combo{dims} FROM {summary.name('month')})"


def drop_stale(con: duckdb.DuckDBPyConnection, table: str, keep: str | None = None) -> None:
    """Drop the summaries of ``table`` other than ``keep`` (older versions, other role choices)."""
    old = [
        k
        for (k,) in con.execute(
            f"SELECT key FROM {REGISTRY} WHERE table_name = ? AND key <> ?", [table, keep or ""]
        ).fetchall()
    ]
    for key in old:
        for part in PARTS:
            con.execute(f"DROP TABLE IF EXISTS {Summary(key, ()).name(part)}")
        con.execute(f"DELETE FROM {REGISTRY} WHERE key = ?", [key])


def _facts(summary: Summary) -> str:
    """The temporary table of the loans' facts during a build."""
    return store.quote_ident(f"_portfolio_loans_{summary.key}")


def _cells(summary: Summary) -> str:
    """The temporary table of the month cells during a build (``_build_month``)."""
    return store.quote_ident(f"_portfolio_cells_{summary.key}")


def _build_month(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    summary: Summary,
    loans: str,
    part: tuple[int, int],
    months: tuple[str, str] | None = None,
    steady: bool = False,
) -> None:
    """Sums per month and combination of dimension values: one scan, joined to the loans that default (for the
    12-month cohorts), into cells of the few things the sums tell apart (a few aggregates per row, not two dozen);
    loans disbursed come from the loans' facts. The cells stay for the caller to drop. ``months`` (two SQL dates):
    add the rows of these months only. ``steady`` (a full build: ``loans`` has the roll facts): the scan joins the
    steady loans too, and each of their months' move to next month (``_STEADY``: a current month stays current, the
    month before a last month that is not current moves to its state, a last month with a balance moves out: paid
    off) is a part of the cells that ``_build_rolls`` reads."""
    q = Query(source)
    first = f"WHERE first_month BETWEEN {months[0]} AND {months[1]}" if months else ""
    dims = "".join(f", {dim_alias(k)}" for k in summary.dims)
    in_category = {c: f"positive AND category = '{c}'" for c in CATEGORY_KEYS}
    categories = "".join(
        f", coalesce(sum(balance) FILTER (WHERE {where}), 0) AS balance_{c}, {_count(where)} AS loans_{c}"
        for c, where in in_category.items()
    )
    # date arithmetic once a loan, not once a row: a month is in the 12 months before a default from cohort_from on
    joined = "loan, default_month, CAST(default_month - INTERVAL 12 MONTH AS DATE) AS cohort_from"
    from_code, to_code = "NULL", "NULL"
    if steady:
        moving = "CASE WHEN moved = 1 THEN CAST(last_month - INTERVAL 1 MONTH AS DATE) END"
        joined += f", {_STEADY} AS steady, last_month, {moving} AS moving_month, last_state"
        counted = "coalesce(steady, false) AND balance > 0 AND NOT written_off"
        from_code = f"CASE WHEN {counted} THEN {bucket_sql('dpd', position=True)} END"
        to_code = f"""CASE WHEN NOT ({counted}) THEN NULL WHEN month = last_month THEN {_PAID_OFF}
                           WHEN month = moving_month THEN last_state ELSE 0 END"""
    needed = f"default_month IS NOT NULL OR ({_STEADY})" if steady else "default_month IS NOT NULL"
    q.execute(
        con,
        f"""CREATE OR REPLACE TEMP TABLE {_cells(summary)} AS
        WITH {q.rows_cte(Filters(), summary.dims, months=months, part=part)}
        SELECT month{dims}, category, balance > 0 AS positive,
               -- days past due as the classes the sums tell apart (over 90, over 30, other): par_sum reads it as is
               CASE WHEN dpd > 90 THEN 91 WHEN dpd > 30 THEN 31 WHEN dpd IS NOT NULL THEN 0 END AS dpd,
               CASE WHEN default_month <= month THEN 'before' WHEN cohort_from <= month THEN 'within' END
                   AS cohort_default,
               {from_code} AS from_code, {to_code} AS to_code,
               count(*) AS n, sum(balance) AS balance, max(snap) AS snap, sum(write_off) AS write_off
        FROM rows LEFT JOIN (SELECT {joined} FROM {loans} WHERE {needed}) USING (loan)
        GROUP BY ALL""",
    )
    q.execute(
        con,
        f"""{_into(summary, "month", part)}
        WITH sums AS (
            SELECT month{dims}, {_count("true")} AS loan_months, max(snap) AS snap, {_count("positive")} AS loans,
                   coalesce(sum(balance) FILTER (WHERE positive), 0) AS outstanding,
                   {par_sum(source, 30, "positive AND ")} AS par30_balance,
                   {par_sum(source, 90, "positive AND ")} AS par90_balance,
                   {npl_sum("positive AND ")} AS npl_balance,
                   sum(write_off) AS write_offs{categories},
                   {_count("positive AND cohort_default IS DISTINCT FROM 'before'")} AS cohort_loans,
                   {_count("positive AND cohort_default = 'within'")} AS cohort_defaults
            FROM {_cells(summary)}
            GROUP BY ALL
        ),
        disbursed AS (
            SELECT first_month AS month, first_combo AS combo, count(*) AS disbursed_loans,
                   sum(first_amount) AS disbursed
            FROM {loans} {first} GROUP BY ALL
        )
        SELECT sums.*, coalesce(d.disbursed_loans, 0) AS disbursed_loans, d.disbursed
        FROM sums LEFT JOIN disbursed d ON d.month = sums.month AND d.combo = {_hash_sql(summary.dims)}""",
    )


def _count(condition: str) -> str:
    """The loan-months of the cells meeting ``condition`` (0 when none)."""
    return f"CAST(coalesce(sum(n) FILTER (WHERE {condition}), 0) AS BIGINT)"


def _build_vintage(
    con: duckdb.DuckDBPyConnection, summary: Summary, loans: str, part: tuple[int, int] | None, kinds: bool = True
) -> None:
    """Loans per origination month and filter values, and by months on book of their first default, 30+, 90+
    (``kinds=False``: the events only, not the loans)."""
    dims = "".join(f", {dim_alias(k)}" for k in summary.filter_dims)
    parts = " UNION ALL ".join(
        f"SELECT orig, filter_combo, '{kind}' AS kind, {mob_sql(kind)} AS mob FROM {loans} WHERE {kind} IS NOT NULL"
        for kind in ("default_month", "e30", "e90")
    )
    if kinds:
        parts = f"SELECT orig, filter_combo, 'loans' AS kind, NULL AS mob FROM {loans} UNION ALL {parts}"
    con.execute(
        f"""{_into(summary, "vintage", part)}
        SELECT orig{dims}, kind, CAST(mob AS INTEGER) AS mob, count(*) AS loans FROM ({parts})
        JOIN {_filter_values(summary)} USING (filter_combo)
        GROUP BY ALL"""
    )


_WRITTEN_OFF, _PAID_OFF = (ROLL_STATES.index(s) for s in ("written_off", "paid_off"))


def _state_sql() -> tuple[str, str]:
    """A row's days-past-due bucket and its state: the bucket, or how the loan left (written off, paid off), each
    as a position in ``ROLL_STATES``."""
    bucket = bucket_sql("dpd", position=True)
    exits = f"WHEN written_off THEN {_WRITTEN_OFF} WHEN paid_off OR balance <= 0 THEN {_PAID_OFF}"
    return bucket, f"CASE {exits} ELSE {bucket} END"


def _build_rolls(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    summary: Summary,
    part: tuple[int, int] | None,
    months: tuple[str, str] | None = None,
    steady: bool = False,
) -> None:
    """Balance and loans moving from each days-past-due bucket to each state next month, per month and filter
    values. ``months``: the moves from these months only. ``steady`` (a full build, after ``_build_month`` with
    ``steady``): the loans current every month but perhaps their last (most of a book) moved as their facts say, in
    the month cells; only the other loans' months are sorted."""
    q = Query(source)
    if not steady:
        _insert_rolls(con, q, summary, part, _window_moves(q, summary, part, months))
        return
    unsteady = f"(SELECT loan FROM {_facts(summary)} WHERE NOT ({_STEADY}))"
    _insert_rolls(con, q, summary, part, _window_moves(q, summary, part, months, unsteady))
    _insert_rolls(con, q, summary, None, _steady_moves(summary))


def _window_moves(
    q: Query,
    summary: Summary,
    part: tuple[int, int] | None,
    months: tuple[str, str] | None,
    only: str | None = None,
) -> str:
    """The moves of each loan-month from the next row of its loan (``only``: of these loans). A window over each
    loan's months finds next month's state; it sorts every loan-month and spills at tens of millions, so it
    carries one number per loan-month (month, state and bucket packed together), the balance and the hash of the
    filter values, and nothing else."""
    bucket, state = _state_sql()
    code = f"((year(month) * 12 + month(month)) * 8 + {state}) * 8 + {bucket}"
    gone = "next_code IS NULL OR next_code // 64 > code // 64 + 1"  # no row next month: paid off
    return f"""WITH {q.rows_cte(Filters(), summary.filter_dims, months=months, part=part, among=only)},
        thin AS (
            SELECT loan, {code} AS code, CASE WHEN balance > 0 AND NOT written_off THEN balance END AS balance,
                   {_hash_sql(summary.filter_dims)} AS filter_combo
            FROM rows
        ),
        moves AS (
            SELECT code // 64 AS month_index, code % 8 AS from_code,
                   CASE WHEN {gone} THEN {_PAID_OFF} ELSE next_code // 8 % 8 END AS to_code, filter_combo,
                   sum(balance) AS balance, count(balance) AS loans
            FROM (SELECT *, lead(code) OVER (PARTITION BY loan ORDER BY code) AS next_code FROM thin)
            WHERE balance IS NOT NULL
            GROUP BY ALL
        )"""


def _steady_moves(summary: Summary) -> str:
    """The steady loans' moves, as the month cells hold them (``_build_month``)."""
    return f"""WITH moves AS (
            SELECT year(month) * 12 + month(month) AS month_index, from_code, to_code,
                   {_hash_sql(summary.filter_dims)} AS filter_combo, sum(balance) AS balance, sum(n) AS loans
            FROM {_cells(summary)} WHERE to_code IS NOT NULL
            GROUP BY ALL
        )"""


def _insert_rolls(
    con: duckdb.DuckDBPyConnection, q: Query, summary: Summary, part: tuple[int, int] | None, moves: str
) -> None:
    """Write ``moves`` (SQL ending in a ``moves`` CTE: month index, from and to positions, filter hash, balance,
    loans) into the rolls table with months, filter values and state names."""
    dims = "".join(f", {dim_alias(k)}" for k in summary.filter_dims)
    states = "[" + ", ".join(f"'{s}'" for s in ROLL_STATES) + "]"
    q.execute(
        con,
        f"""{_into(summary, "rolls", part)}
        {moves}
        SELECT make_date(CAST((month_index - 1) // 12 AS INTEGER), CAST((month_index - 1) % 12 + 1 AS INTEGER), 1)
                   AS month{dims},
               {states}[from_code + 1] AS from_state, {states}[to_code + 1] AS to_state, balance,
               CAST(loans AS BIGINT) AS loans
        FROM moves JOIN {_filter_values(summary)} USING (filter_combo)""",
    )


def where_sql(q: Query, filters: Filters) -> str:
    """The dimension filters as a condition on summary columns (bound values)."""
    conditions = ["true"]
    for key in FILTER_DIMENSIONS:
        values = filters.values(key)
        if values and q.source.dim(key):
            conditions.append(q.one_of(list(values), dim_alias(key)))
    return " AND ".join(conditions)


# --- the figures, read from the summary ---------------------------------------------------------------------------


def _sum(column: str) -> str:
    return f"CAST(sum({column}) AS BIGINT)"


def months(con: duckdb.DuckDBPyConnection, summary: Summary) -> list:
    """The snapshot months, oldest first."""
    return [r[0] for r in con.execute(f"SELECT DISTINCT month FROM {summary.name('month')} ORDER BY month").fetchall()]


def month_range(con: duckdb.DuckDBPyConnection, summary: Summary, month: object) -> tuple:
    """``(first month, last month, latest snapshot date of ``month``)``."""
    return con.execute(
        f"SELECT min(month), max(month), max(snap) FILTER (WHERE month = ?) FROM {summary.name('month')}", [month]
    ).fetchall()[0]


def filter_options(con: duckdb.DuckDBPyConnection, summary: Summary, limit: int = 500) -> dict[str, list[str]]:
    """The filter choices, most loan-months first."""
    return {
        key: [
            r[0]
            for r in con.execute(
                f"SELECT {dim_alias(key)} AS v, sum(loan_months) AS n FROM {summary.name('month')} "
                "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
                [limit],
            ).fetchall()
        ]
        for key in FILTER_DIMENSIONS
        if key in summary.dims
    }


def monthly(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, filters: Filters):
    """``portfolio.monthly`` from the summary."""
    q = Query(source)
    where = where_sql(q, filters)
    sql = f"""
    WITH s AS (SELECT * FROM {summary.name("month")} WHERE {where}),
    book AS (
        SELECT month, {_sum("loans")} AS loans, sum(outstanding) AS outstanding, sum(par30_balance) AS par30_balance,
               sum(par90_balance) AS par90_balance, sum(npl_balance) AS npl_balance, sum(write_offs) AS write_offs
        FROM s GROUP BY month
    ),
    new AS (SELECT month, {_sum("disbursed_loans")} AS disbursed_loans, sum(disbursed) AS disbursed FROM s
            GROUP BY month HAVING sum(disbursed_loans) > 0),
    cohort AS (SELECT CAST(month + INTERVAL 12 MONTH AS DATE) AS month, {_sum("cohort_loans")} AS cohort_loans,
                      {_sum("cohort_defaults")} AS cohort_defaults
               FROM s GROUP BY ALL HAVING sum(cohort_loans) > 0),
    {monthly_figures_sql(q, filters)}
    """
    return monthly_frame(q.run(con, sql))


def classification_mix(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, filters: Filters):
    """``portfolio.classification_mix`` from the summary."""
    q = Query(source)
    ranks = {c.key: c.rank for c in datasets.FIVE_CATEGORIES}
    sums = ", ".join(f"sum(balance_{c}) AS balance_{c}, {_sum(f'loans_{c}')} AS loans_{c}" for c in CATEGORY_KEYS)
    long = " UNION ALL ".join(
        f"SELECT month, '{c}' AS category, balance_{c} AS balance, loans_{c} AS loans FROM m WHERE loans_{c} > 0"
        for c in CATEGORY_KEYS
    )
    sql = f"""
    WITH m AS (SELECT month, {sums} FROM {summary.name("month")} WHERE {where_sql(q, filters)} GROUP BY month),
    grid AS (SELECT month, category FROM (SELECT month FROM m WHERE {period_sql(q, filters)}),
             (SELECT unnest(CAST({q.bind(list(CATEGORY_KEYS))} AS VARCHAR[])) AS category)),
    mix AS ({long})
    SELECT g.month, g.category, CAST({q.bind(ranks)} AS MAP(VARCHAR, INTEGER))[g.category] AS rank,
           coalesce(x.balance, 0) AS balance, coalesce(x.loans, 0) AS loans,
           coalesce(x.balance, 0) / nullif(sum(x.balance) OVER (PARTITION BY g.month), 0) AS share
    FROM grid g LEFT JOIN mix x USING (month, category)
    ORDER BY g.month, rank
    """
    frame = q.run(con, sql)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def vintages(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, filters: Filters, by: str, max_mob: int):
    """``portfolio.vintages`` from the summary (``by`` already checked)."""
    q = Query(source)
    where = where_sql(q, filters)
    span = 3 if by == "quarter" else 1
    sql = f"""
    WITH last AS (SELECT max(month) AS last_month FROM {summary.name("month")} WHERE {where}),
    cohorts AS (
        SELECT CAST(date_trunc('{by}', orig) AS DATE) AS cohort, kind, mob, sum(loans) AS n
        FROM {summary.name("vintage")} WHERE {where} GROUP BY ALL
    ),
    sizes AS (
        SELECT cohort, sum(n) AS loans,
               least(datediff('month', CAST(cohort + INTERVAL {span - 1} MONTH AS DATE), any_value(last_month)),
                     {q.bind(int(max_mob))}) AS top_mob
        FROM cohorts, last WHERE kind = 'loans' AND {period_sql(q, filters, "cohort")} GROUP BY cohort
    ),
    events AS (
        SELECT cohort, mob, coalesce(sum(n) FILTER (WHERE kind = 'default_month'), 0) AS d,
               coalesce(sum(n) FILTER (WHERE kind = 'e30'), 0) AS e30,
               coalesce(sum(n) FILTER (WHERE kind = 'e90'), 0) AS e90
        FROM cohorts WHERE kind <> 'loans' GROUP BY ALL
    ),
    grid AS (SELECT cohort, loans, top_mob, unnest(range(0, top_mob + 1)) AS mob FROM sizes WHERE top_mob >= 0),
    curves AS (
        SELECT g.cohort, g.mob, g.loans,
               sum(coalesce(e.d, 0)) OVER w AS defaults, sum(coalesce(e.e30, 0)) OVER w AS ever30,
               sum(coalesce(e.e90, 0)) OVER w AS ever90
        FROM grid g LEFT JOIN events e USING (cohort, mob)
        WINDOW w AS (PARTITION BY g.cohort ORDER BY g.mob)
    )
    SELECT cohort, mob, CAST(loans AS BIGINT) AS loans, CAST(defaults AS BIGINT) AS defaults,
           defaults / loans AS default_rate,
           {"ever30 / loans" if source.has_dpd else "NULL"} AS ever30_rate,
           {"ever90 / loans" if source.has_dpd else "NULL"} AS ever90_rate
    FROM curves ORDER BY cohort, mob
    """
    return vintage_frame(q.run(con, sql), by)


def roll_rates(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, filters: Filters, window: int, as_of):
    """``portfolio.roll_rates`` from the summary (``window`` already checked)."""
    q = Query(source)
    end = f"(SELECT max(month) FROM {summary.name('month')})"
    if as_of:
        end = f"CAST(date_trunc('month', CAST({q.bind(as_of)} AS DATE)) AS DATE)"
    sql = f"""
    WITH span AS (SELECT {end} AS last_month, CAST({end} - INTERVAL ({q.bind(int(window))}) MONTH AS DATE) AS first)
    SELECT from_state, to_state, sum(balance) AS balance, {_sum("loans")} AS loans
    FROM {summary.name("rolls")}, span
    WHERE {where_sql(q, filters)} AND month < last_month AND month >= first
    GROUP BY ALL
    """
    return roll_frame(q.run(con, sql))


def _month_sql(q: Query, summary: Summary, as_of) -> str:
    if as_of:
        return f"CAST(date_trunc('month', CAST({q.bind(as_of)} AS DATE)) AS DATE)"
    return f"(SELECT max(month) FROM {summary.name('month')})"


def breakdown(
    con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, dimension: str, filters: Filters, as_of
):
    """``portfolio.breakdown`` from the summary (``dimension`` already checked)."""
    q = Query(source)
    alias = dim_alias(dimension)
    sql = f"""
    WITH span AS (SELECT {_month_sql(q, summary, as_of)} AS m),
    s AS (SELECT * FROM {summary.name("month")} WHERE {where_sql(q, filters)}),
    now AS (
        SELECT {alias} AS value, {_sum("loans")} AS loans, sum(outstanding) AS outstanding,
               sum(par30_balance) AS par30_balance, sum(par90_balance) AS par90_balance,
               sum(npl_balance) AS npl_balance
        FROM s, span WHERE month = span.m GROUP BY ALL HAVING sum(loans) > 0
    ),
    cohort AS (
        SELECT {alias} AS value, {_sum("cohort_loans")} AS cohort_loans, {_sum("cohort_defaults")} AS cohort_defaults
        FROM s, span WHERE month = CAST(span.m - INTERVAL 12 MONTH AS DATE) GROUP BY ALL HAVING sum(cohort_loans) > 0
    )
    {BREAKDOWN_SELECT}
    """
    return breakdown_frame(q.run(con, sql))


def dimension_trend(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, dimension: str, filters: Filters):
    """``portfolio.dimension_trend`` from the summary (``dimension`` already checked)."""
    q = Query(source)
    alias = dim_alias(dimension)
    sql = f"""
    SELECT month, coalesce({alias}, '-') AS "group", {_sum("loans")} AS loans, sum(outstanding) AS outstanding,
           {ratio_sql("sum(par30_balance)", "sum(outstanding)")} AS par30,
           {ratio_sql("sum(npl_balance)", "sum(outstanding)")} AS npl_ratio
    FROM {summary.name("month")} WHERE {where_sql(q, filters)} AND {period_sql(q, filters)}
    GROUP BY ALL HAVING sum(loans) > 0 ORDER BY month, "group"
    """
    frame = q.run(con, sql)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def hhi(con: duckdb.DuckDBPyConnection, summary: Summary, source: Source, filters: Filters, as_of):
    """The Herfindahl index of outstanding per dimension at the month (``concentration``'s second table)."""
    q = Query(source)
    if not summary.dims:
        return pd.DataFrame({"dimension": [], "hhi": [], "groups": []})
    parts = " UNION ALL ".join(
        f"SELECT '{k}' AS dimension, sum(s * s) AS hhi, count(*) AS groups FROM "
        f"(SELECT sum(outstanding) / any_value(total) AS s FROM now, totals GROUP BY {dim_alias(k)} "
        "HAVING sum(loans) > 0)"
        for k in summary.dims
    )
    sql = f"""
    WITH now AS (SELECT * FROM {summary.name("month")}
                 WHERE {where_sql(q, filters)} AND month = {_month_sql(q, summary, as_of)} AND loans > 0),
    totals AS (SELECT sum(outstanding) AS total FROM now)
    {parts}
    """
    return q.run(con, sql)
