"""Which columns are candidate factors, and why each other column is not.

A column is a candidate when its role is a factor role or a loan term that scorecards use (amount, term, interest
rate: ``datasets.CANDIDATE_ROLES``). Every other column gets one reason, in this order: it holds or defines the
outcome, it identifies a loan or borrower, it is a date, its name suggests a field recorded after the outcome, it
is constant, it has too many levels, it marks booked loans, it has another role, or its role is "ignore".
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd

from analytics import core, datasets
from analytics.core import Notice
from analytics.datasets import TableContext

OUTCOME_ROLES = ("outcome", "days_past_due", "status", "classification")
ID_ROLES = ("loan_id", "borrower_id")
DATE_ROLES = ("origination_date", "snapshot_date")
REASONS = ("outcome", "id_like", "date", "leakage", "constant", "too_many_levels", "booked", "role", "ignore")
SKIPPED_COLUMNS = ("factor", "role", "reason", "levels")


@dataclasses.dataclass(frozen=True)
class Factor:
    """A candidate factor: its column and kind ("numeric" or "categorical")."""

    name: str
    kind: str


def candidate_factors(ctx: TableContext) -> tuple[list[Factor], list[Notice]]:
    """The table's candidate factors in column order (factor roles and amount, term, interest rate), with notices
    for numeric-role columns that hold text (analysed as categorical)."""
    types = ctx.types
    factors, notices = [], []
    for column, role in ctx.roles:
        if role not in datasets.CANDIDATE_ROLES or column not in types:
            continue
        numeric = datasets.is_numeric(types[column])
        if role != "factor_categorical" and not numeric:
            notices.append(Notice("factors.not_numeric", column=column, type=types[column]))
        factors.append(Factor(column, "categorical" if role == "factor_categorical" or not numeric else "numeric"))
    return factors, notices


def _reason(ctx: TableContext, column: str, role: str, outcome_column: str | None) -> str | None:
    """The reason found from the column's role, type and name alone (None: it needs the data)."""
    if column == outcome_column or role in OUTCOME_ROLES:
        return "outcome"
    if role in ID_ROLES:
        return "id_like"
    if role in DATE_ROLES or datasets.type_class(ctx.types[column]) == "date" or _date_name(column):
        return "date"
    if role == "booked":
        return "booked"
    if role != "ignore":
        return "role"
    if datasets.match_score(column, datasets.LEAKAGE_NAMES)[0]:
        return "leakage"
    if datasets.looks_like_id_name(column):
        return "id_like"
    return None


def _date_name(column: str) -> bool:
    """Names such as ``ApprovalDate``, ``disbursement_date``, ``放款日期``."""
    return "date" in datasets.name_tokens(column) or "日期" in column


def not_candidates(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, outcome_column: str | None = None
) -> pd.DataFrame:
    """Every column that is not a candidate factor, with its role and reason (``SKIPPED_COLUMNS``; ``levels``
    for text columns with too many levels). Columns whose role is "ignore" are counted in one scan."""
    rows, unexplained = [], []
    for column, role in ctx.roles:
        if column not in ctx.types or (role in datasets.CANDIDATE_ROLES and column != outcome_column):
            continue
        reason = _reason(ctx, column, role, outcome_column)
        rows.append({"factor": column, "role": role, "reason": reason, "levels": None})
        if reason is None:
            unexplained.append(len(rows) - 1)
    if unexplained:
        names = [rows[i]["factor"] for i in unexplained]
        _, counts = datasets.column_counts(con, ctx.table, names)
        for i in unexplained:
            non_null, distinct = counts[rows[i]["factor"]]
            rows[i]["reason"] = _data_reason(ctx.types[rows[i]["factor"]], non_null, distinct)
            if rows[i]["reason"] == "too_many_levels":
                rows[i]["levels"] = int(distinct)
    return pd.DataFrame(rows, columns=list(SKIPPED_COLUMNS))


def _data_reason(duckdb_type: str, non_null: int, distinct: int) -> str:
    text = datasets.type_class(duckdb_type) == "text"
    if distinct <= 1:
        return "constant"
    if text and distinct == non_null and non_null >= datasets.ID_LIKE_MIN_ROWS:
        return "id_like"
    if text and distinct > datasets.MAX_CATEGORY_LEVELS:
        return "too_many_levels"
    return "ignore"


def reason_text(reason: str, role: str, levels: object, lang: str = "en") -> str:
    """The reason a column is not ranked, in ``lang``."""
    role_name = core.t(f"role.{role}", lang) if role in datasets.ROLE_KEYS else str(role)
    count = 0 if levels is None or pd.isna(levels) else int(levels)
    return core.t(f"factors.reason.{reason}", lang, role=role_name, levels=count)
