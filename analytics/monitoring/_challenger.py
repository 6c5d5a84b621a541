"""Champion and challenger: a saved model (the champion) against a refit of its specification on a recent window,
or against the champion recalibrated on recent outcomes (the intercept, or intercept and slope), both judged on
the latest periods whose outcome windows have closed. The challenger can be saved as the champion's next version
with the reason recorded.

Recalibration is a logit of the recent outcomes on the champion's own log-odds (as an offset for the intercept
alone, as a term for intercept and slope), fitted by statsmodels on the score cells of ``_scan``; it changes the
intercept to ``a + b x intercept`` and every coefficient to ``b x coefficient``, so the ranking stays the
champion's and only the level (and spread) of the PDs moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm

from analytics import core, datasets, model
from analytics.core import RiskLabError
from analytics.monitoring import _report as report
from analytics.monitoring import _scan as scanning
from analytics.monitoring import _statistics as statistics

CHALLENGES = ("refit", "intercept", "intercept_slope")
EVALUATION_MONTHS = 6
COMPARED = (
    "loans",
    "defaults",
    "default_rate",
    "mean_pd",
    "jeffreys_p",
    "auc",
    "gini",
    "ks",
    "hosmer_lemeshow_p",
    "approval_rate",
    "bad_rate_approved",
)


@dataclasses.dataclass(frozen=True)
class Challenge:
    """A challenger beside its champion: how it was made (``kind``, fitted on loans originated from
    ``fit_start`` to ``fit_end``), both judged on the loans from ``evaluation_start`` to ``evaluation_end``
    (``comparison``: metric, champion, challenger), and the challenger itself, ready to save."""

    kind: str
    champion: model.SavedModel
    challenger: model.SavedModel
    fit_start: dt.date
    fit_end: dt.date
    evaluation_start: dt.date
    evaluation_end: dt.date
    comparison: pd.DataFrame

    def reason(self, lang: str = "en") -> str:
        """Why the challenger exists, in words (the default reason saved with it)."""
        return core.t(
            f"monitoring.reason.{self.kind}",
            lang,
            champion=f"{self.champion.name} v{self.champion.version}",
            start=self.fit_start.isoformat(),
            end=self.fit_end.isoformat(),
        )


def windows(as_of: dt.date, window_months: int, since: dt.date, evaluation_months: int) -> tuple[dt.date, ...]:
    """(fit start, fit end, evaluation start, evaluation end): the evaluation is the last ``evaluation_months``
    whole months whose outcome windows have closed by ``as_of``; the fit runs from ``since`` to the day before."""
    closed = report.add_months(as_of, -window_months)  # loans originated up to here have a closed window
    month_after = dt.date(closed.year, closed.month, 1)
    if report.add_months(month_after, 1) - dt.timedelta(days=1) <= closed:
        month_after = report.add_months(month_after, 1)
    evaluation_end = month_after - dt.timedelta(days=1)
    evaluation_start = report.add_months(month_after, -evaluation_months)
    if since >= evaluation_start:
        raise RiskLabError(
            "monitoring.window_too_late", since=since.isoformat(), evaluation=evaluation_start.isoformat()
        )
    return since, evaluation_start - dt.timedelta(days=1), evaluation_start, evaluation_end


def challenge(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    name: str,
    version: int | None,
    kind: str,
    since: dt.date,
    settings: report.Settings | None = None,
    evaluation_months: int = EVALUATION_MONTHS,
) -> Challenge:
    """Make a challenger of saved model ``name`` (``kind``: "refit", "intercept" or "intercept_slope") from the
    loans of ``ctx``'s table originated from ``since``, and compare it with the champion on the latest closed
    months."""
    if kind not in CHALLENGES:
        raise RiskLabError("monitoring.bad_challenge", kind=kind)
    settings = settings or report.Settings()
    if ctx.definition is None:
        raise RiskLabError("factors.no_definition", table=ctx.table)
    champion = model.load_model(con, name, version)
    dates = report.date_column(ctx)
    as_of = settings.as_of or report.default_as_of(con, ctx, dates)
    fit_start, fit_end, evaluation_start, evaluation_end = windows(
        as_of, settings.window_months, since, evaluation_months
    )
    if kind == "refit":
        challenger = _refit(con, ctx, champion, dates, fit_start, evaluation_start)
    else:
        recent = scanning.window_scan(con, champion, ctx, dates, fit_start, fit_end)
        challenger = _recalibrate(champion, recent.cells, slope=kind == "intercept_slope")
    rows = {}
    for side, candidate in (("champion", champion), ("challenger", challenger)):
        found = scanning.window_scan(con, candidate, ctx, dates, evaluation_start, evaluation_end)
        rows[side] = _judge(found.cells, settings.cutoff)
    comparison = pd.DataFrame({"metric": list(COMPARED), **{side: [rows[side][m] for m in COMPARED] for side in rows}})
    return Challenge(kind, champion, challenger, fit_start, fit_end, evaluation_start, evaluation_end, comparison)


def _refit(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    champion: model.SavedModel,
    date_column: str,
    start: dt.date,
    split: dt.date,
) -> model.SavedModel:
    """The champion's specification fitted again on the loans originated from ``start`` to before ``split``."""
    spec = dataclasses.replace(
        champion.spec,
        table=ctx.table,
        holdout="time",
        split_date=split.isoformat(),
        start_date=start.isoformat(),
        date_column=date_column,
        outcome=None,
    )
    fitted = model.fit_model(con, ctx, spec, folds=0, validate=False)
    return fitted.as_saved(champion.name, 0, champion.scaling)


def _recalibrate(champion: model.SavedModel, cells: pd.DataFrame, *, slope: bool) -> model.SavedModel:
    """The champion with the intercept (and slope) of a logit of recent outcomes on its own log-odds."""
    known = cells[cells["cell"].notna() & cells["bad"].notna()]
    grouped = known.assign(bads=known["loans"] * (known["bad"] == 1)).groupby("cell")[["loans", "bads"]].sum()
    if grouped.empty or grouped["bads"].sum() in (0, grouped["loans"].sum()):
        raise RiskLabError("monitoring.no_recent_outcomes")
    scaling = champion.scaling
    log_odds = (scaling.offset - grouped.index.to_numpy(dtype=float) * scanning.SCORE_STEP) / scaling.factor
    counts = np.column_stack([grouped["bads"], grouped["loans"] - grouped["bads"]]).astype(float)
    if slope:
        result = sm.GLM(counts, sm.add_constant(log_odds), family=sm.families.Binomial()).fit()
        a, b = (float(v) for v in result.params)
    else:
        result = sm.GLM(counts, np.ones((len(log_odds), 1)), family=sm.families.Binomial(), offset=log_odds).fit()
        a, b = float(result.params[0]), 1.0
    params = {term: b * value for term, value in champion.params.items()}
    params[model.CONST] = a + b * champion.params[model.CONST]
    metrics = {"recalibrated": {"intercept": a, "slope": b, "loans": float(grouped["loans"].sum())}}
    return dataclasses.replace(champion, version=0, params=params, cov=None, metrics=metrics)


def _judge(cells: pd.DataFrame, cutoff: float) -> dict[str, float]:
    """A model's figures on the evaluation loans: defaults, calibration (mean PD, Jeffreys), ranking (AUC, Gini,
    KS), Hosmer-Lemeshow over deciles of its score, and the approval and bad rates at the PD cutoff."""
    found = report.cell_arrays(cells)
    known = found.where(found.known)
    loans = float(known.loans.sum())
    if not loans:
        raise RiskLabError("monitoring.no_recent_outcomes")
    defaults = known.defaults
    mean_pd = float(known.pd_sum.sum() / loans)
    auc = report.cell_auc(known)
    order = np.argsort(-known.cell, kind="stable")  # increasing risk
    bads = known.loans * (known.bad == 1)
    goods = known.loans - bads
    ks = core.ks_from_counts(goods[order], bads[order]) if 0 < bads.sum() < loans else float("nan")
    scores = known.cell * scanning.SCORE_STEP
    band = np.searchsorted(np.array(report.weighted_edges(scores, known.loans, 10)), scores, side="right")
    present, index = np.unique(band, return_inverse=True)
    hl = core.hosmer_lemeshow_from_counts(
        np.bincount(index, bads, len(present)),
        np.bincount(index, known.pd_sum, len(present)),
        np.bincount(index, known.loans, len(present)),
    )
    approved = known.pd_sum < cutoff * known.loans
    n_approved = float(known.loans[approved].sum())
    return {
        "loans": loans,
        "defaults": defaults,
        "default_rate": defaults / loans,
        "mean_pd": mean_pd,
        "jeffreys_p": statistics.jeffreys_p(int(defaults), int(loans), mean_pd),
        "auc": auc.auc if auc else float("nan"),
        "gini": auc.gini if auc else float("nan"),
        "ks": ks,
        "hosmer_lemeshow_p": hl.p_value,
        "approval_rate": n_approved / loans,
        "bad_rate_approved": float(bads[approved].sum() / n_approved) if n_approved else float("nan"),
    }


def save_challenger(con: duckdb.DuckDBPyConnection, found: Challenge, reason: str) -> int:
    """Save the challenger as the champion's next version with ``reason`` (and the windows) in its metrics."""
    reason = (reason or "").strip() or found.reason()
    windows_used = {
        "kind": found.kind,
        "champion_version": found.champion.version,
        "fit": [found.fit_start.isoformat(), found.fit_end.isoformat()],
        "evaluation": [found.evaluation_start.isoformat(), found.evaluation_end.isoformat()],
        "comparison": {r.metric: [r.champion, r.challenger] for r in found.comparison.itertuples(index=False)},
    }
    challenger = dataclasses.replace(found.challenger, metrics={**found.challenger.metrics, "challenge": windows_used})
    return model.save_version(con, challenger, reason)
