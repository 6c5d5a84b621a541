"""Risk-based pricing: the break-even annual rate of each grade or score band of a saved model, by CGAP's
microcredit pricing formula (Rosenberg, "Microcredit Interest Rates", CGAP Occasional Paper 1, 1996, revised
2002), against the rates actually charged.

    R = (AE + LL + CF + K - II) / (1 - LL)

each term a share of the average loan portfolio: AE administrative expenses, LL loan losses, CF cost of funds,
K the desired real growth of capital, II investment income. Per band, LL is the expected loss rate: the mean
of PD x LGD over the band's loans (weighted by amount when the table has one; LGD by guarantee method). A band
whose mean charged rate is below R is under-priced by the difference. The profit of the book at a PD cutoff is,
over the loans the model approves (PD below the cutoff) that have a rate: amount x (charged x (1 - LL) + II -
AE - LL - CF), the year's net income before the capital growth K (the charged rate earns only on the loans
that do not default, as in the formula). Rates above 1 are read as percentages (7.5 = 7.5%).
"""

from __future__ import annotations

import dataclasses
import math

import duckdb
import pandas as pd

from analytics import datasets, model, portfolio, store
from analytics.core import RiskLabError
from analytics.provisions._settings import GUARANTEES, Settings

BANDS = ("grade", "score")
SCORE_BAND = 50  # points per score band


@dataclasses.dataclass(frozen=True)
class Costs:
    """The pricing formula's costs, each an annual share of the average loan portfolio (defaults: a rural credit
    cooperative's order of magnitude; every institution should enter its own)."""

    admin: float = 0.02
    funds: float = 0.025
    capital: float = 0.005
    investment: float = 0.005

    def __post_init__(self) -> None:
        for name in ("admin", "funds", "capital", "investment"):
            value = getattr(self, name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or math.isnan(value) or not -1.0 <= value <= 5.0:
                raise RiskLabError("provisions.bad_cost", name=name, value=value)


def break_even_rate(costs: Costs, loss_rate: float) -> float:
    """CGAP's R = (AE + LL + CF + K - II) / (1 - LL); raises when the loss rate is 1 or more."""
    if not 0 <= loss_rate < 1:
        raise RiskLabError("provisions.bad_loss_rate", value=loss_rate)
    return (costs.admin + loss_rate + costs.funds + costs.capital - costs.investment) / (1 - loss_rate)


@dataclasses.dataclass(frozen=True)
class Pricing:
    """Per band (``grade`` or ``score_band``): applications, PD, LGD, loss rate, break-even and charged rates,
    the gap and the profit at the cutoff; the book's profit and how rates were read."""

    by_band: pd.DataFrame = dataclasses.field(compare=False, repr=False)
    profit: float | None
    approved: int
    cutoff: float
    rate_column: str | None
    rate_in_percent: bool
    unscored: int

    def report(self) -> dict:
        """Plain JSON values."""
        bands = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in self.by_band.to_dict(orient="records")
        ]
        return {
            "cutoff": self.cutoff,
            "approved": self.approved,
            "profit": self.profit,
            "rate_column": self.rate_column,
            "rate_in_percent": self.rate_in_percent,
            "unscored": self.unscored,
            "by_band": bands,
        }


def pricing(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    saved: model.SavedModel,
    costs: Costs,
    settings: Settings,
    cutoff: float = 0.15,
    by: str = "grade",
) -> Pricing:
    """Break-even rates by grade (``by="grade"``) or 50-point score band (``"score"``) of ``saved`` on the
    table's applications, with the rates charged and the profit of the loans approved at the PD ``cutoff``."""
    if by not in BANDS:
        raise RiskLabError("provisions.bad_band", by=by, bands=", ".join(BANDS))
    if not 0 < cutoff <= 1:
        raise RiskLabError("provisions.bad_cutoff", value=cutoff)
    table = store.quote_ident(ctx.table)
    log_odds = model.log_odds_sql(saved.encodings, saved.params, model.literal)
    pd_sql = f"1 / (1 + exp(-({log_odds})))"
    scaling = saved.scaling
    score = f"({model.literal(scaling.offset)} - {model.literal(scaling.factor)} * ({log_odds}))"
    rate_column = ctx.column_with_role("interest_rate")
    amount_column = ctx.column_with_role("amount")
    guarantee_column = portfolio.resolve_dimensions(ctx).get("guarantee_method")
    rate = f"CAST({store.quote_ident(rate_column)} AS DOUBLE)" if rate_column else "CAST(NULL AS DOUBLE)"
    amount = f"coalesce(CAST({store.quote_ident(amount_column)} AS DOUBLE), 0)" if amount_column else "1.0"
    guarantee = f"CAST({store.quote_ident(guarantee_column)} AS VARCHAR)" if guarantee_column else "NULL"
    percent = bool(rate_column) and (con.execute(f"SELECT max(abs({rate})) FROM {table}").fetchall()[0][0] or 0) > 1
    charged = f"{rate} / 100" if percent else rate
    band = model.grade_sql("pd", model.literal) if by == "grade" else f"floor(score / {SCORE_BAND}) * {SCORE_BAND}"
    lgd_map = {spelling: settings.loss_given_default(g.key) for g in GUARANTEES for spelling in (g.key, *g.spellings)}
    other = settings.loss_given_default("other")
    guarantee_text = datasets.text_key_sql("coalesce(guarantee, '')")
    lgd = f"coalesce(CAST(? AS MAP(VARCHAR, DOUBLE))[{guarantee_text}], ?)"
    sql = f"""
    WITH scored AS (
        SELECT {pd_sql} AS pd, {score} AS score, {charged} AS charged, {amount} AS amount, {guarantee} AS guarantee
        FROM {table}
    ),
    banded AS (SELECT *, CAST({band} AS VARCHAR) AS band, {lgd} AS lgd FROM scored WHERE pd IS NOT NULL)
    SELECT band, count(*) AS applications, avg(pd) AS pd, avg(score) AS score,
           sum(amount * pd * lgd) / nullif(sum(amount), 0) AS loss_rate,
           sum(amount * lgd) / nullif(sum(amount), 0) AS lgd,
           sum(amount * charged) FILTER (WHERE charged IS NOT NULL)
               / nullif(sum(amount) FILTER (WHERE charged IS NOT NULL), 0) AS charged_rate,
           count(*) FILTER (WHERE pd < ? AND charged IS NOT NULL) AS approved,
           sum(amount) FILTER (WHERE pd < ? AND charged IS NOT NULL) AS approved_amount,
           sum(amount * charged * (1 - pd * lgd)) FILTER (WHERE pd < ? AND charged IS NOT NULL) AS approved_income,
           sum(amount * pd * lgd) FILTER (WHERE pd < ? AND charged IS NOT NULL) AS approved_loss
    FROM banded GROUP BY band ORDER BY min(pd)
    """
    params = [lgd_map, other, cutoff, cutoff, cutoff, cutoff]
    frame = con.execute(sql, params).df()
    unscored = con.execute(f"SELECT count(*) FROM {table} WHERE ({pd_sql}) IS NULL").fetchall()[0][0]
    frame["break_even_rate"] = [break_even_rate(costs, min(max(ll, 0.0), 0.999)) for ll in frame["loss_rate"]]
    frame["rate_gap"] = frame["charged_rate"] - frame["break_even_rate"]
    frame["under_priced"] = frame["rate_gap"] < 0
    overhead = costs.admin + costs.funds - costs.investment
    approved_amount = frame["approved_amount"].fillna(0.0)
    frame["profit"] = frame["approved_income"].fillna(0.0) - frame["approved_loss"].fillna(0.0)
    frame["profit"] -= approved_amount * overhead
    frame["approved"] = frame["approved"].astype("int64")
    frame["applications"] = frame["applications"].astype("int64")
    columns = ["band", "applications", "pd", "score", "lgd", "loss_rate", "break_even_rate", "charged_rate"]
    by_band = frame[[*columns, "rate_gap", "under_priced", "approved", "profit"]]
    by_band = by_band.rename(columns={"band": "grade" if by == "grade" else "score_band"})
    has_rates = bool(rate_column) and frame["charged_rate"].notna().any()
    return Pricing(
        by_band=by_band.reset_index(drop=True),
        profit=float(frame["profit"].sum()) if has_rates else None,
        approved=int(frame["approved"].sum()),
        cutoff=float(cutoff),
        rate_column=rate_column,
        rate_in_percent=percent,
        unscored=int(unscored),
    )
