"""Expected credit loss (IFRS 9; China's CAS 22 uses the same model) of the loans outstanding at a month.

Staging at the as-of month (``STAGES``):

- stage 3, credit-impaired: more than 90 days past due, or classified substandard, doubtful or loss;
- stage 2, a significant increase in credit risk: more than 30 days past due, classified special mention, or
  (with a saved model, when the table holds the model's factors at each month) the PD now at least
  ``Settings.pd_multiple`` times the PD at origination (the model scored on the loan's row of the model's table);
- stage 1: the rest.

ECL = PD x LGD x EAD: EAD the outstanding balance, LGD by guarantee method (``Settings.lgd``), and PD over
12 months for stage 1, over the remaining term for stage 2 (both cut at the remaining term), 1 for stage 3.
The remaining term is the term column (months; the table's, else with a model the model table's) less the
months on book, else ``Settings.lifetime_months``.

PD comes from one of two sources (``Ecl.pd_source`` says which):

- ``curves``: the portfolio's own cumulative default curve by months on book, pooled over the origination
  months (``portfolio.vintages``): the marginal default rate at month on book m is the new defaults at m of the
  cohorts observed at m over those cohorts' loans, C(m) their running sum, and a performing loan at m defaults
  within h months with probability (C(m + h) - C(m)) / (1 - C(m)); the curve stays flat after its last month;
- ``model``: a saved model's PD (its outcome covering ``Settings.model_horizon`` months) scaled to the horizon
  h as 1 - (1 - PD) ^ (h / horizon), the loans joined to the model's table by loan id; the PD now (the model
  scored on the table's as-of row) where the table holds the model's factors, else the PD at origination.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics import datasets, model, portfolio, store
from analytics.core import RiskLabError
from analytics.provisions._settings import Settings, guarantee_key

EVERY_LOAN = portfolio.Filters()  # no filter

STAGES = (1, 2, 3)
CURVE_MONTHS = 120  # months on book the pooled default curve reaches at most
MIGRATION_STATES = ("stage_1", "stage_2", "stage_3", "closed")


@dataclasses.dataclass(frozen=True)
class Ecl:
    """ECL at one month: by stage, by segment and stage, and the totals; what the PD came from."""

    month: dt.date
    as_of: dt.date
    pd_source: str
    pd_multiple_used: bool
    term_assumed: bool
    by_stage: pd.DataFrame = dataclasses.field(compare=False, repr=False)
    by_segment: pd.DataFrame = dataclasses.field(compare=False, repr=False)

    @property
    def total(self) -> float:
        """The ECL of the book."""
        return float(self.by_stage["ecl"].sum())

    def report(self) -> dict:
        """Plain JSON values: totals, ``by_stage`` and ``by_segment``."""
        balance = float(self.by_stage["balance"].sum())
        stages = {
            f"stage_{int(r.stage)}": {
                "loans": int(r.loans),
                "balance": float(r.balance),
                "pd": _number(r.pd),
                "lgd": _number(r.lgd),
                "ecl": float(r.ecl),
                "ecl_rate": _number(r.ecl_rate),
            }
            for r in self.by_stage.itertuples()
        }
        segments = [
            {k: (_number(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in self.by_segment.to_dict(orient="records")
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "month": self.month.strftime("%Y-%m"),
            "pd_source": self.pd_source,
            "pd_multiple_used": self.pd_multiple_used,
            "term_assumed": self.term_assumed,
            "balance": balance,
            "ecl": self.total,
            "ecl_rate": self.total / balance if balance else None,
            "by_stage": stages,
            "by_segment": segments,
        }


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- the pooled default curve ------------------------------------------------------------------------------------


def default_curve(curves: pd.DataFrame) -> pd.DataFrame:
    """The pooled cumulative default curve (``mob``, ``marginal``, ``cumulative``) from ``portfolio.vintages``'
    frame (cumulative ``defaults`` and ``loans`` per cohort and month on book)."""
    if curves.empty:
        return pd.DataFrame({"mob": [0], "marginal": [0.0], "cumulative": [0.0]})
    frame = curves.sort_values(["cohort", "mob"])
    new = frame.groupby("cohort")["defaults"].diff().fillna(frame["defaults"])
    pooled = frame.assign(new=new).groupby("mob")[["new", "loans"]].sum()
    pooled = pooled.reindex(range(int(pooled.index.max()) + 1), fill_value=0)
    marginal = (pooled["new"] / pooled["loans"].where(pooled["loans"] > 0)).fillna(0.0)
    out = pd.DataFrame({"mob": marginal.index, "marginal": marginal.to_numpy()})
    out["cumulative"] = out["marginal"].cumsum().clip(upper=1.0)
    return out


def curve_pd(curve: pd.DataFrame, mob: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """PD within ``horizon`` months of performing loans at months on book ``mob``: (C(m+h) - C(m)) / (1 - C(m)),
    the curve flat after its last month."""
    cumulative = curve["cumulative"].to_numpy()
    last = len(cumulative) - 1
    start = cumulative[np.clip(np.asarray(mob, dtype=int), 0, last)]
    end = cumulative[np.clip(np.asarray(mob, dtype=int) + np.asarray(horizon, dtype=int), 0, last)]
    survival = 1.0 - start
    return np.where(survival > 0, (end - start) / np.where(survival > 0, survival, 1.0), 1.0)


def scaled_pd(pd_: np.ndarray, horizon: np.ndarray, model_horizon: float) -> np.ndarray:
    """A model's PD over ``model_horizon`` months scaled to ``horizon`` months: 1 - (1 - PD) ^ (h / H)."""
    return 1.0 - np.power(1.0 - np.asarray(pd_, dtype=float), np.asarray(horizon, dtype=float) / model_horizon)


# --- staging --------------------------------------------------------------------------------------------------------


def _stage_sql(pd_rule: str = "false") -> str:
    """The stage of a row of ``rows`` (dpd, category) by the delinquency, classification and PD rules."""
    npl = ", ".join(f"'{k}'" for k in datasets.NON_PERFORMING)
    return (
        f"CASE WHEN coalesce(dpd, 0) > 90 OR category IN ({npl}) THEN 3 "
        f"WHEN coalesce(dpd, 0) > 30 OR category = 'special_mention' OR coalesce({pd_rule}, false) THEN 2 "
        "ELSE 1 END"
    )


def _dims(source: portfolio.Source) -> tuple[str, ...]:
    return tuple(k for k in ("segment", "guarantee_method") if source.dim(k))


def _dim_sql(source: portfolio.Source, key: str) -> str:
    return f"coalesce(dim_{key}, '-')" if source.dim(key) else "'-'"


@dataclasses.dataclass(frozen=True)
class _ModelPd:
    """SQL giving each loan's PD at origination (``pds``: loan, pd0) and, when the table holds the model's
    factors, now (``pd_now`` over the table's as-of rows)."""

    ctes: str
    join: str
    has_now: bool
    has_term: bool = False  # the model's table has a term column (``pds.model_term``)


def _model_pd(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    saved: model.SavedModel,
    q: portfolio.Query,
    month: dt.date,
) -> _ModelPd:
    """The model's PD SQL for the loans of ``ctx`` at ``month``."""
    model_ctx = datasets.table_context(con, saved.spec.table)
    loan_column = model_ctx.column_with_role("loan_id")
    if loan_column is None:
        raise RiskLabError("provisions.model_no_loan_id", model=saved.name, table=saved.spec.table)
    log_odds = model.log_odds_sql(saved.encodings, saved.params, model.literal)
    term_column = model_ctx.column_with_role("term")
    term = f"CAST({store.quote_ident(term_column)} AS DOUBLE)" if term_column else "CAST(NULL AS DOUBLE)"
    origin = (
        f"pds AS (SELECT CAST({store.quote_ident(loan_column)} AS VARCHAR) AS loan, "
        f"any_value(1 / (1 + exp(-({log_odds})))) AS pd0, any_value({term}) AS model_term "
        f"FROM {store.quote_ident(saved.spec.table)} GROUP BY 1)"
    )
    factors = {e.column for e in saved.encodings}
    has_now = factors <= set(ctx.types) and saved.spec.table != ctx.table
    join = "LEFT JOIN pds USING (loan)"
    if not has_now:
        return _ModelPd(origin, join, False, term_column is not None)
    now = (
        f"pd_now AS (SELECT {q.loan_sql()} AS loan, any_value(1 / (1 + exp(-({log_odds})))) AS pd1 "
        f"FROM {store.quote_ident(ctx.table)} WHERE {q.month_sql()} = CAST({q.bind(month)} AS DATE) GROUP BY 1)"
    )
    return _ModelPd(f"{origin}, {now}", f"{join} LEFT JOIN pd_now USING (loan)", True, term_column is not None)


def _staged_sql(
    q: portfolio.Query,
    source: portfolio.Source,
    filters: portfolio.Filters,
    month_sql: str,
    settings: Settings,
    model_pd: _ModelPd | None = None,
    dims: tuple[str, ...] = (),
) -> str:
    """CTEs ending in ``staged``: the loans outstanding at ``month_sql`` with stage, months on book and remaining
    term (and pd0/pd1 with a model)."""
    has_orig = source.col("origination_date") is not None
    months = (month_sql, month_sql) if has_orig else None
    first = "" if has_orig else ", firsts AS (SELECT loan, min(month) AS first_month FROM rows GROUP BY loan)"
    start = "orig_month" if has_orig else "first_month"
    join_first = "" if has_orig else "JOIN firsts USING (loan)"
    pd_rule = "false"
    if model_pd is not None and model_pd.has_now:
        pd_rule = f"pd1 >= {q.bind(float(settings.pd_multiple))} * pd0"
    lifetime = q.bind(float(settings.lifetime_months))
    term = "coalesce(term, model_term)" if model_pd is not None else "term"
    return f"""
    WITH {q.rows_cte(filters, dims, months=months)}{first}{", " + model_pd.ctes if model_pd else ""},
    now AS (
        SELECT rows.*, greatest(coalesce(datediff('month', {start}, month), 0), 0) AS mob
        FROM rows {join_first}
        WHERE month = {month_sql} AND balance > 0 AND NOT written_off
    ),
    staged AS (
        SELECT *, {_stage_sql(pd_rule)} AS stage,
               CASE WHEN {term} IS NULL THEN {lifetime} ELSE greatest(round({term}) - mob, 1) END AS remaining
        FROM now {model_pd.join if model_pd else ""}
    )"""


def ecl(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    source: portfolio.Source,
    settings: Settings,
    filters: portfolio.Filters = EVERY_LOAN,
    as_of: str | dt.date | None = None,
    saved: model.SavedModel | None = None,
) -> Ecl:
    """ECL by stage and by segment at the as-of month (default: the latest), PD from the portfolio's default
    curve or, with ``saved``, from the model."""
    month, snapshot = portfolio.as_of_month(con, source, as_of)
    filters = filters.without_period()
    q = portfolio.Query(source)
    month_sql = f"CAST({q.bind(month)} AS DATE)"
    model_pd = _model_pd(con, ctx, saved, q, month) if saved is not None else None
    staged = _staged_sql(q, source, filters, month_sql, settings, model_pd, _dims(source))
    keys = f"stage, {_dim_sql(source, 'segment')} AS segment, {_dim_sql(source, 'guarantee_method')} AS guarantee"
    if model_pd is None:
        sql = f"""{staged}
        SELECT {keys}, mob, remaining, count(*) AS loans, sum(balance) AS balance
        FROM staged GROUP BY ALL"""
        groups = q.run(con, sql)
        vintage = portfolio.vintages(con, source, filters, by="month", max_mob=CURVE_MONTHS)
        curve = default_curve(vintage)
        horizon = np.where(groups["stage"] == 1, np.minimum(groups["remaining"], 12), groups["remaining"])
        pd_ = curve_pd(curve, groups["mob"].to_numpy(), horizon)
        groups["pd_balance"] = np.where(groups["stage"] == 3, 1.0, pd_) * groups["balance"]
    else:
        horizon = "CASE WHEN stage = 1 THEN least(remaining, 12) ELSE remaining END"
        pd_now = "coalesce(pd1, pd0)" if model_pd.has_now else "pd0"  # the PD now where the table allows it
        scale = q.bind(settings.model_horizon)
        pd_h = f"CASE WHEN stage = 3 THEN 1.0 ELSE 1 - pow(1 - {pd_now}, ({horizon}) / {scale}) END"
        sql = f"""{staged}
        SELECT {keys}, count(*) AS loans, sum(balance) AS balance, sum(balance * ({pd_h})) AS pd_balance,
               count(*) FILTER (WHERE pd0 IS NULL AND stage < 3) AS unscored
        FROM staged GROUP BY ALL"""
        groups = q.run(con, sql)
        if int(groups["unscored"].sum()):
            raise RiskLabError("provisions.unscored", model=saved.name, loans=int(groups["unscored"].sum()))
    if groups.empty:
        raise RiskLabError("provisions.no_loans", table=source.table, month=month.strftime("%Y-%m"))
    groups["lgd"] = [settings.loss_given_default(guarantee_key(g)) for g in groups["guarantee"]]
    groups["ecl"] = groups["pd_balance"] * groups["lgd"]
    groups["lgd_balance"] = groups["lgd"] * groups["balance"]
    return Ecl(
        month=month,
        as_of=snapshot,
        pd_source="curves" if model_pd is None else "model",
        pd_multiple_used=bool(model_pd and model_pd.has_now),
        term_assumed=source.col("term") is None and not (model_pd and model_pd.has_term),
        by_stage=_summarise(groups, ["stage"]),
        by_segment=_summarise(groups, ["segment", "stage"]),
    )


def _summarise(groups: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Loans, balance, balance-weighted PD and LGD, ECL and ECL / balance per ``keys`` (every stage listed)."""
    sums = groups.groupby(keys)[["loans", "balance", "pd_balance", "lgd_balance", "ecl"]].sum()
    if keys == ["stage"]:
        sums = sums.reindex(list(STAGES), fill_value=0)
    out = sums.reset_index()
    weight = out["balance"].where(out["balance"] > 0)
    out["pd"] = out["pd_balance"] / weight
    out["lgd"] = out["lgd_balance"] / weight
    out["ecl_rate"] = out["ecl"] / weight
    out["loans"] = out["loans"].astype("int64")
    out["stage"] = out["stage"].astype("int64")
    return out[[*keys, "loans", "balance", "pd", "lgd", "ecl", "ecl_rate"]]


# --- migration ----------------------------------------------------------------------------------------------------


def stage_migration(
    con: duckdb.DuckDBPyConnection,
    source: portfolio.Source,
    settings: Settings,
    start: str | dt.date,
    end: str | dt.date,
    filters: portfolio.Filters = EVERY_LOAN,
) -> pd.DataFrame:
    """Balance of the loans in each stage at ``start`` by their state at ``end`` (a stage, or ``closed``: no
    positive balance then), long form: from_stage, to_stage, loans, balance, share of the from-stage's balance.
    Stages by days past due and classification (the PD rule needs a model at both dates)."""
    first, _ = portfolio.as_of_month(con, source, start)
    last, _ = portfolio.as_of_month(con, source, end)
    if last <= first:
        raise RiskLabError("provisions.bad_migration", start=first.strftime("%Y-%m"), end=last.strftime("%Y-%m"))
    filters = filters.without_period()
    q = portfolio.Query(source)
    at_start = _staged_sql(q, source, filters, f"CAST({q.bind(first)} AS DATE)", settings)
    end_month = q.bind(last)
    dpd = f"CAST({q.ident('days_past_due')} AS DOUBLE)" if source.has_dpd else "CAST(NULL AS DOUBLE)"
    sql = f"""{at_start},
    later AS (
        SELECT loan, max(balance) AS balance_end, max({_stage_sql()}) AS stage
        FROM (
            SELECT {q.loan_sql()} AS loan, CAST({q.ident("balance")} AS DOUBLE) AS balance, {dpd} AS dpd,
                   {q.category_sql(dpd)} AS category
            FROM {store.quote_ident(source.table)} WHERE {q.month_sql()} = CAST({end_month} AS DATE)
        ) GROUP BY loan
    )
    SELECT 'stage_' || staged.stage AS from_stage,
           CASE WHEN later.loan IS NULL OR coalesce(later.balance_end, 0) <= 0 THEN 'closed'
                ELSE 'stage_' || later.stage END AS to_stage,
           count(*) AS loans, sum(staged.balance) AS balance
    FROM staged LEFT JOIN later USING (loan)
    GROUP BY ALL
    """
    frame = q.run(con, sql)
    frame["share"] = frame["balance"] / frame.groupby("from_stage")["balance"].transform("sum")
    frame["loans"] = frame["loans"].astype("int64")
    order = {s: i for i, s in enumerate(MIGRATION_STATES)}
    frame = frame.sort_values(["from_stage", "to_stage"], key=lambda s: s.map(order)).reset_index(drop=True)
    return frame[["from_stage", "to_stage", "loans", "balance", "share"]]


def migration_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """``stage_migration`` as a from x to matrix of balance shares (rows sum to 1)."""
    matrix = frame.pivot_table(index="from_stage", columns="to_stage", values="share", aggfunc="sum", fill_value=0.0)
    matrix = matrix.reindex(index=list(MIGRATION_STATES[:3]), columns=list(MIGRATION_STATES), fill_value=0.0)
    return matrix.rename_axis(index="from_stage", columns=None).reset_index()
