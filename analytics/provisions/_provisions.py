"""Loan-loss provisions by the five categories, as the People's Bank of China's guidance sets them.

At a month's snapshot, over loans with a positive balance:

- specific provisions = sum over the five categories of (balance of the category x its rate);
- general reserve = general rate x gross loans (every positive balance);
- required reserve = specific provisions + general reserve;
- coverage ratio (拨备覆盖率) = required reserve / NPL balance (substandard + doubtful + loss);
- provision-to-loan ratio (贷款拨备率) = required reserve / gross loans;
- with a column of provisions actually held (role ``provision_held``): reserve adequacy = held / required.

Substandard and doubtful rates may float by 20% of their rate: ``required_low`` / ``required_high`` give the
required reserve at the bottom and top of that range. The balances are one DuckDB query per figure; the
arithmetic (``ratios``) runs on the few aggregated rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics import datasets, portfolio
from analytics.core import RiskLabError
from analytics.provisions._settings import Settings, rate_range

EVERY_LOAN = portfolio.Filters()  # no filter

CATEGORY_KEYS = tuple(c.key for c in datasets.FIVE_CATEGORIES)
RATIO_KEYS = ("coverage_ratio", "provision_to_loan_ratio", "reserve_adequacy_ratio")
FIGURE_KEYS = (
    "gross_loans",
    "npl_balance",
    "specific_provisions",
    "general_reserve",
    "required_reserve",
    "required_low",
    "required_high",
    "coverage_ratio",
    "provision_to_loan_ratio",
    "provisions_held",
    "reserve_adequacy_ratio",
)


def _divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``, NaN where the denominator is 0 or missing."""
    return numerator / denominator.where(denominator > 0)


def ratios(balances: pd.DataFrame, settings: Settings, keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """The provision figures per group of ``keys`` from rows of ``(*keys, category, balance, held)`` (a NULL
    category: balance counted in gross loans without a specific provision; ``held`` NaN: no held column)."""
    frame = balances.copy()
    if not keys:
        frame["_all"] = "all"
    group = list(keys) or ["_all"]
    rates = frame["category"].map(dict(settings.rates)).fillna(0.0)
    low = frame["category"].map(lambda c: rate_range(c, settings.rate(c))[0] if c in CATEGORY_KEYS else 0.0)
    high = frame["category"].map(lambda c: rate_range(c, settings.rate(c))[1] if c in CATEGORY_KEYS else 0.0)
    npl = frame["category"].isin(datasets.NON_PERFORMING)
    parts = frame.assign(
        specific=frame["balance"] * rates,
        low=frame["balance"] * low,
        high=frame["balance"] * high,
        npl=frame["balance"].where(npl, 0.0),
    )
    sums = parts.groupby(group, dropna=False, sort=False).agg(
        gross_loans=("balance", "sum"),
        npl_balance=("npl", "sum"),
        specific_provisions=("specific", "sum"),
        low=("low", "sum"),
        high=("high", "sum"),
        provisions_held=("held", lambda s: s.sum(min_count=1)),
    )
    out = sums.reset_index()
    out["general_reserve"] = out["gross_loans"] * settings.general
    out["required_reserve"] = out["specific_provisions"] + out["general_reserve"]
    out["required_low"] = out["low"] + out["general_reserve"]
    out["required_high"] = out["high"] + out["general_reserve"]
    out["coverage_ratio"] = _divide(out["required_reserve"], out["npl_balance"])
    out["provision_to_loan_ratio"] = _divide(out["required_reserve"], out["gross_loans"])
    out["reserve_adequacy_ratio"] = _divide(out["provisions_held"], out["required_reserve"])
    return out[[*keys, *FIGURE_KEYS]]


def below_minimum(key: str, value: float | None, settings: Settings) -> bool:
    """True when a ratio is below its red-flag minimum."""
    return value is not None and not np.isnan(value) and value < settings.minimum(key)


@dataclasses.dataclass(frozen=True)
class Provisions:
    """The provisions at one month: the totals, and balance and provision per category."""

    month: dt.date
    as_of: dt.date
    figures: tuple[tuple[str, float | None], ...]
    by_category: pd.DataFrame = dataclasses.field(compare=False, repr=False)
    has_held: bool = False

    def get(self, key: str) -> float | None:
        """One figure (``coverage_ratio``, ``required_reserve`` ...), None when it cannot be computed."""
        return dict(self.figures)[key]

    def report(self) -> dict:
        """The figures as plain JSON values, with ``by_category`` as ``{category: {balance, provision ...}}``."""
        out: dict[str, object] = {"as_of": self.as_of.isoformat(), "month": self.month.strftime("%Y-%m")}
        out |= dict(self.figures)
        out["by_category"] = {
            row.category: {
                "loans": int(row.loans),
                "balance": float(row.balance),
                "rate": float(row.rate),
                "rate_low": float(row.rate_low),
                "rate_high": float(row.rate_high),
                "provision": float(row.provision),
            }
            for row in self.by_category.itertuples()
        }
        return out


def _month_rows(
    con: duckdb.DuckDBPyConnection,
    source: portfolio.Source,
    filters: portfolio.Filters,
    month: dt.date | None,
    dimension: str | None = None,
) -> pd.DataFrame:
    """``(month, [group], category, loans, balance, held)`` of loans with a positive balance: at ``month``, or over
    the filters' period when ``month`` is None."""
    q = portfolio.Query(source)
    dims = (dimension,) if dimension else ()
    months = None
    if month is not None:
        at = f"CAST({q.bind(month)} AS DATE)"
        months = (at, at)
    group = f"coalesce(dim_{dimension}, '-') AS \"group\", " if dimension else ""
    period = []
    if month is None and filters.start:
        period.append(f"month >= CAST(date_trunc('month', CAST({q.bind(filters.start)} AS DATE)) AS DATE)")
    if month is None and filters.end:
        period.append(f"month <= CAST(date_trunc('month', CAST({q.bind(filters.end)} AS DATE)) AS DATE)")
    where = " AND ".join(["balance > 0", *period])
    held = "sum(held)" if source.col("provision_held") else "CAST(NULL AS DOUBLE)"
    sql = f"""
    WITH {q.rows_cte(filters, dims, months=months)}
    SELECT month, {group}category, count(*) AS loans, sum(balance) AS balance, {held} AS held
    FROM rows WHERE {where} GROUP BY ALL ORDER BY ALL
    """
    frame = q.run(con, sql)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def provisions(
    con: duckdb.DuckDBPyConnection,
    source: portfolio.Source,
    settings: Settings,
    filters: portfolio.Filters = EVERY_LOAN,
    as_of: str | dt.date | None = None,
) -> Provisions:
    """The provisions at the as-of month (default: the latest): totals, ratios and the five categories."""
    month, snapshot = portfolio.as_of_month(con, source, as_of)
    rows = _month_rows(con, source, filters.without_period(), month)
    if rows.empty:
        raise RiskLabError("provisions.no_loans", table=source.table, month=month.strftime("%Y-%m"))
    totals = ratios(rows, settings).iloc[0]
    figures = tuple((k, None if pd.isna(totals[k]) else float(totals[k])) for k in FIGURE_KEYS)
    by_category = rows.dropna(subset=["category"]).groupby("category")[["loans", "balance"]].sum()
    by_category = by_category.reindex(CATEGORY_KEYS, fill_value=0).rename_axis("category").reset_index()
    by_category["loans"] = by_category["loans"].astype("int64")
    by_category["rate"] = [settings.rate(c) for c in by_category["category"]]
    by_category["rate_low"] = [rate_range(c, settings.rate(c))[0] for c in by_category["category"]]
    by_category["rate_high"] = [rate_range(c, settings.rate(c))[1] for c in by_category["category"]]
    by_category["provision"] = by_category["balance"] * by_category["rate"]
    by_category["provision_low"] = by_category["balance"] * by_category["rate_low"]
    by_category["provision_high"] = by_category["balance"] * by_category["rate_high"]
    return Provisions(month, snapshot, figures, by_category, has_held=source.col("provision_held") is not None)


def provisions_by(
    con: duckdb.DuckDBPyConnection,
    source: portfolio.Source,
    settings: Settings,
    dimension: str,
    filters: portfolio.Filters = EVERY_LOAN,
    as_of: str | dt.date | None = None,
) -> pd.DataFrame:
    """The provision figures per value of a dimension (branch, segment, product ...) at the as-of month, largest
    gross loans first."""
    if source.dim(dimension) is None:
        raise RiskLabError("portfolio.no_dimension", dimension=dimension, table=source.table)
    month, _ = portfolio.as_of_month(con, source, as_of)
    rows = _month_rows(con, source, filters.without_period(), month, dimension)
    out = ratios(rows, settings, ("group",))
    return out.sort_values(["gross_loans", "group"], ascending=[False, True]).reset_index(drop=True)


def provisions_trend(
    con: duckdb.DuckDBPyConnection,
    source: portfolio.Source,
    settings: Settings,
    filters: portfolio.Filters = EVERY_LOAN,
) -> pd.DataFrame:
    """The provision figures per month of the filters' period. Without a held column they come from the
    five-category mix (the table's monthly summary); with one, from one scan of the loan-months."""
    if source.col("provision_held"):
        rows = _month_rows(con, source, filters, None)
    else:
        mix = portfolio.classification_mix(con, source, filters)
        rows = mix.assign(held=np.nan)[["month", "category", "balance", "held"]]
    out = ratios(rows, settings, ("month",))
    return out.sort_values("month").reset_index(drop=True)
