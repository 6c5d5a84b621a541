"""The data-quality profile of a loan table: per-column statistics and warnings, computed in DuckDB.

One aggregate scan gives counts, distinct counts, ranges and means for every column; one grouped query
the top values of the text columns; with a default definition, two more queries look for factors that
separate defaults almost perfectly (a univariate AUC, pure levels, or missingness that only defaults have):
the usual sign of a field recorded after the outcome.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from analytics import store
from analytics.core import Notice, RiskLabError
from analytics.datasets import _outcome as outcome
from analytics.datasets import _roles as roles_mod
from analytics.datasets._context import TableContext

HIGH_MISSING_PCT = 50.0
LEAKAGE_AUC = 0.95  # a factor whose univariate AUC (either direction) is above this separates defaults
LEAKAGE_LEVEL_SHARE = 0.05  # a level where every loan defaulted, covering more than this share of loans ...
LEAKAGE_MIN_ROWS = 10  # ... and at least this many loans
AUC_MIN_CLASS = 5  # the AUC check needs this many defaults and non-defaults with a value
TOP_VALUES = 3
PROFILE_COLUMNS = ("column", "type", "missing_pct", "distinct", "min", "max", "mean", "top_values", "warnings")

# Names of fields usually recorded after the outcome (same pattern syntax as roles.ROLES).
LEAKAGE_NAMES: tuple[str, ...] = (
    "recovery",
    "recoveries",
    "recovered",
    "collection",
    "collections",
    "write off",
    "writeoff",
    "written off",
    "charge off",
    "charged off",
    "chargeoff",
    "chgoff",
    "chg off",
    "paid off",
    "payoff",
    "pay off",
    "settled",
    "settlement",
    "last pymnt",
    "last payment",
    "total pymnt",
    "total rec",
    "after",
    "post default",
    "结清",
    "催收",
    "回收",
    "核销",
    "追偿",
    "清收",
    "处置",
    "代偿",
    "违约后",
    "诉讼",
    "贷后",
)
# In a loan-level table (no snapshot date) the loan's current state is known only after the outcome.
CURRENT_STATE_NAMES: tuple[str, ...] = (
    "current dpd",
    "current days past due",
    "curr dpd",
    "current status",
    "cur status",
    "current balance",
    "current classification",
    "当前逾期",
    "最新逾期",
    "当前状态",
    "最新状态",
    "目前状态",
    "当前余额",
    "当前五级",
    "当前分类",
)
CURRENT_STATE_ROLES = ("days_past_due", "status", "classification")
_DESCRIPTIVE_ROLES = ("loan_id", "borrower_id", "officer", "branch", "segment", "product")


def _stats(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], source: str
) -> tuple[int, list[tuple]]:
    """One scan of ``source`` (the table or its sample): row count and (non_null, distinct, min, max, mean)."""

    def expressions(column: tuple[str, str]) -> list[str]:
        q, cls = store.quote_ident(column[0]), roles_mod.type_class(column[1])
        parts = [f"count({q})", f"count(DISTINCT {q})"]
        if cls in ("integer", "float"):
            return [*parts, f"CAST(min({q}) AS DOUBLE)", f"CAST(max({q}) AS DOUBLE)", f"avg(CAST({q} AS DOUBLE))"]
        if cls == "date":
            return [*parts, f"CAST(min({q}) AS VARCHAR)", f"CAST(max({q}) AS VARCHAR)", "NULL"]
        return [*parts, "NULL", "NULL", "NULL"]

    return store.scan_columns(con, table, columns, expressions, source)


def _top_values(con: duckdb.DuckDBPyConnection, source: str, names: dict[int, str]) -> dict[int, str]:
    """``"value (count), ..."`` of the most frequent values, for the columns ``{index: name}``, in one query
    over ``source`` (the table or its sample)."""
    if not names:
        return {}
    union = " UNION ALL ".join(
        f"SELECT {i} AS i, CAST({store.quote_ident(n)} AS VARCHAR) AS v, count(*) AS n FROM {source} "
        f"WHERE {store.quote_ident(n)} IS NOT NULL GROUP BY 2"
        for i, n in names.items()
    )
    rows = con.execute(
        f"SELECT i, v, n FROM ({union}) QUALIFY row_number() OVER (PARTITION BY i ORDER BY n DESC, v) <= ? "
        "ORDER BY i, n DESC, v",
        [TOP_VALUES],
    ).fetchall()
    out: dict[int, list[str]] = {}
    for i, v, n in rows:
        out.setdefault(i, []).append(f"{v} ({n:,})")
    return {i: ", ".join(vs) for i, vs in out.items()}


def _auc_leaks(
    con: duckdb.DuckDBPyConnection, source: str, expr: str, params: list, names: dict[int, str]
) -> dict[int, float]:
    """Univariate AUC (the larger of AUC and 1 - AUC, ties ranked by their average) of numeric columns."""
    if not names:
        return {}
    cols = ", ".join(f"CAST({store.quote_ident(n)} AS DOUBLE) AS c{i}" for i, n in names.items())
    keys = ", ".join(f"c{i}" for i in names)
    rows = con.execute(
        f"""
        WITH base AS (SELECT {expr} AS __o, {cols} FROM {source}),
        long AS (UNPIVOT (SELECT * FROM base WHERE __o IS NOT NULL) ON {keys} INTO NAME k VALUE v),
        ranked AS (
            SELECT k, __o, rank() OVER (PARTITION BY k ORDER BY v) + (count(*) OVER (PARTITION BY k, v) - 1) / 2.0 AS r
            FROM long
        )
        SELECT k, count(*) FILTER (WHERE __o = 1), count(*) FILTER (WHERE __o = 0), sum(r) FILTER (WHERE __o = 1)
        FROM ranked GROUP BY k
        """,
        params,
    ).fetchall()
    out = {}
    for k, n1, n0, rank_sum in rows:
        if n1 >= AUC_MIN_CLASS and n0 >= AUC_MIN_CLASS:
            auc = (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)
            out[int(k[1:])] = max(auc, 1 - auc)
    return out


def _level_leaks(
    con: duckdb.DuckDBPyConnection, source: str, expr: str, params: list, names: dict[int, tuple[str, bool]]
) -> list[tuple[int, str | None, int, int]]:
    """Levels (text values, or missing / filled in) where every loan with a known outcome defaulted.

    ``names`` is ``{index: (column, by_value)}``; ``by_value`` False groups by missing vs filled in only.
    Returns ``(index, level, n, known)``; ``level`` is None for missing and ``""`` for filled in.
    """
    if not names:
        return []
    cols = ", ".join(f"{store.quote_ident(n)} AS c{i}" for i, (n, _) in names.items())
    parts = []
    for i, (_, by_value) in names.items():
        level = f"CAST(c{i} AS VARCHAR)" if by_value else f"CASE WHEN c{i} IS NULL THEN NULL ELSE '' END"
        parts.append(f"SELECT {i} AS i, {level} AS v, count(*) AS n, sum(__o) AS bad FROM known GROUP BY 2")
    rows = con.execute(
        f"""
        WITH base AS (SELECT {expr} AS __o, {cols} FROM {source}),
        known AS (SELECT * FROM base WHERE __o IS NOT NULL),
        total AS (SELECT count(*) AS known FROM known)
        SELECT i, v, n, total.known FROM ({" UNION ALL ".join(parts)}), total
        WHERE bad = n AND n >= ? AND n > ? * total.known
        ORDER BY i, n DESC, v
        """,
        [*params, LEAKAGE_MIN_ROWS, LEAKAGE_LEVEL_SHARE],
    ).fetchall()
    return [(int(i), v, int(n), int(known)) for i, v, n, known in rows]


def _data_leaks(
    con: duckdb.DuckDBPyConnection,
    source: str,
    columns: list[tuple[str, str]],
    stats: list[tuple],
    defn: outcome.DefaultDefinition,
) -> dict[int, list[Notice]]:
    """Leakage notices from the data: near-perfect separation of defaults under ``defn``."""
    try:
        expr, params = outcome.default_sql(defn)
    except RiskLabError:
        return {}
    if defn.column not in dict(columns):
        return {}
    known, defaults = con.execute(
        f"SELECT count(d), coalesce(sum(d), 0) FROM (SELECT {expr} AS d FROM {source})", params
    ).fetchall()[0]
    if defaults == 0 or defaults == known:
        return {}
    numeric, levels = {}, {}
    for i, ((name, duckdb_type), (non_null, distinct, *_)) in enumerate(zip(columns, stats, strict=True)):
        if name == defn.column or non_null == 0 or distinct <= 1:
            continue
        cls = roles_mod.type_class(duckdb_type)
        if cls in ("integer", "float"):
            numeric[i] = name
            levels[i] = (name, False)
        elif cls in ("text", "boolean"):
            levels[i] = (name, distinct < non_null)
        else:
            levels[i] = (name, False)
    notices: dict[int, list[Notice]] = {}
    for i, auc in _auc_leaks(con, source, expr, params, numeric).items():
        if auc > LEAKAGE_AUC:
            notices.setdefault(i, []).append(Notice("profile.leakage_auc", column=columns[i][0], auc=auc))
    for i, level, n, known in _level_leaks(con, source, expr, params, levels):
        column, share = columns[i][0], n / known
        if level is None:
            notice = Notice("profile.leakage_missing", column=column, n=n, share=share)
        elif level == "" and not levels[i][1]:
            notice = Notice("profile.leakage_present", column=column, n=n, share=share)
        else:
            notice = Notice("profile.leakage_level", column=column, level=level, n=n, share=share)
        notices.setdefault(i, []).append(notice)
    return notices


def _name_notices(name: str, role: str | None, loan_level: bool, defn_column: str | None) -> list[Notice]:
    if name == defn_column:
        return []
    found = []
    score, pattern = roles_mod.match_score(name, LEAKAGE_NAMES)
    if score:
        found.append(Notice("profile.leakage_name", column=name, hint=pattern.lstrip("=")))
    if loan_level and (role in CURRENT_STATE_ROLES or roles_mod.match_score(name, CURRENT_STATE_NAMES)[0]):
        found.append(Notice("profile.leakage_status", column=name))
    return found


def profile_table(con: duckdb.DuckDBPyConnection, ctx: TableContext) -> pd.DataFrame:
    """One row per column: type, missing %, distinct, min/max/mean (numbers; min/max also dates),
    top values (text) and warnings (constant, all or mostly missing, ID-like, likely post-outcome).

    A table without a snapshot-date column is loan-level. With a default definition, factors that separate
    defaults almost perfectly are flagged too. A table longer than ``roles.SCAN_ROWS`` is profiled on a
    deterministic sample (``profile_summary`` says so).
    """
    table, columns, roles, defn = ctx.table, list(ctx.columns), ctx.role_map, ctx.definition
    loan_level = not ctx.with_role("snapshot_date")
    source, _, _ = roles_mod.bounded_source(con, table)
    n, stats = _stats(con, table, columns, source)
    text_columns = {
        i: name
        for i, ((name, duckdb_type), (non_null, distinct, *_)) in enumerate(zip(columns, stats, strict=True))
        if roles_mod.type_class(duckdb_type) in ("text", "boolean")
        and non_null > 0
        and not (distinct == non_null and non_null >= roles_mod.ID_LIKE_MIN_ROWS)
    }
    top = _top_values(con, source, text_columns)
    leaks = _data_leaks(con, source, columns, stats, defn) if defn is not None and n > 0 else {}
    records = []
    for i, ((name, duckdb_type), (non_null, distinct, lo, hi, mean)) in enumerate(zip(columns, stats, strict=True)):
        missing_pct = 100.0 * (n - non_null) / n if n else math.nan
        cls = roles_mod.type_class(duckdb_type)
        role = roles.get(name)
        warnings: list[Notice] = []
        if n and non_null == 0:
            warnings.append(Notice("profile.all_missing", column=name))
        elif distinct == 1:
            warnings.append(Notice("profile.constant", column=name))
        if non_null and missing_pct > HIGH_MISSING_PCT:
            warnings.append(Notice("profile.high_missing", column=name, pct=missing_pct))
        id_by_data = cls in ("text", "integer") and distinct == non_null and non_null >= roles_mod.ID_LIKE_MIN_ROWS
        if (id_by_data or roles_mod.looks_like_id_name(name)) and role not in _DESCRIPTIVE_ROLES:
            warnings.append(Notice("profile.id_like", column=name))
        warnings += _name_notices(name, role, loan_level, defn.column if defn else None)
        warnings += leaks.get(i, [])
        records.append(
            {
                "column": name,
                "type": duckdb_type,
                "missing_pct": missing_pct,
                "distinct": int(distinct),
                "min": lo,
                "max": hi,
                "mean": mean,
                "top_values": top.get(i, ""),
                "warnings": tuple(warnings),
            }
        )
    return pd.DataFrame.from_records(records, columns=list(PROFILE_COLUMNS))


def profile_summary(con: duckdb.DuckDBPyConnection, ctx: TableContext) -> dict:
    """Rows, columns, ``sampled_rows`` (the sample the profile uses, None for the whole table) and, when a loan-id
    column is set, the duplicate keys (loan id + snapshot date if any).

    ``duplicate_keys`` counts the rows beyond the first for each repeated key; ``missing_keys`` rows without one.
    """
    table, columns = ctx.table, ctx.columns
    source, rows, every = roles_mod.bounded_source(con, table)
    sampled = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0] if every > 1 else None
    summary = {
        "rows": rows,
        "columns": len(columns),
        "sampled_rows": sampled,
        "key_columns": [],
        "duplicate_keys": None,
        "missing_keys": None,
    }
    ids = ctx.with_role("loan_id")
    if not ids:
        return summary
    keys = [ids[0], *ctx.with_role("snapshot_date")[:1]]
    quoted = ", ".join(store.quote_ident(k) for k in keys)
    not_null = " AND ".join(f"{store.quote_ident(k)} IS NOT NULL" for k in keys)
    duplicates, missing = con.execute(
        f"""
        SELECT coalesce(sum(n - 1) FILTER (WHERE complete AND n > 1), 0),
               coalesce(sum(n) FILTER (WHERE NOT complete), 0)
        FROM (SELECT {not_null} AS complete, count(*) AS n FROM {store.quote_ident(table)} GROUP BY {quoted}, complete)
        """
    ).fetchall()[0]
    summary.update(key_columns=keys, duplicate_keys=int(duplicates), missing_keys=int(missing))
    return summary
