"""Reject inference: what the booked-only model says of the rejected applications, added to its loans and refitted.

Every method starts from the booked-only model of the same specification and its PD ``p`` of each rejected
application (one without the booked flag) in the training part, raised by the event-rate factor K:
``p' = min(1, K p)``.

- ``hard``: a reject with ``p'`` at or above the cutoff counts as a default, the others as non-defaults;
- ``fuzzy``: each reject enters twice, as a default with frequency weight ``p'`` and as a non-default with weight
  ``1 - p'``. In the binomial likelihood the pair is one application with ``p'`` defaults out of one, which is how
  it is fitted (the same likelihood and estimates, to the last digit);
- ``parcel``: within each score band of the booked-only model (deciles of its booked training loans), rejects get
  defaults at the band's booked bad rate times K, ``round(rejects x rate)`` of them, drawn with a fixed seed.

Then one refit on the booked training loans (weight 1) and the rejects. With K = 1 fuzzy augmentation returns the
booked-only estimates: at those estimates each reject's expected default ``p`` equals the model's own PD, so the
rejects add nothing to the score equations. No method can add what officers knew and the data does not hold.

The fit is exact in every path: the augmented data are weighted cells (one per application) fitted by Newton's
method on the binomial counts, whatever path the booked-only model took.
"""

from __future__ import annotations

import dataclasses
import math
import time

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit

from analytics import core, datasets, factors, store
from analytics.core import RiskLabError
from analytics.datasets import TableContext
from analytics.model import _fit as fitting
from analytics.model._scorecard import Encoding, ModelSpec

REJECT_METHODS = ("hard", "fuzzy", "parcel")
PARCEL_BANDS = 10
DEFAULT_CUTOFF = 0.15  # the PD cutoff the pages share by default
SIMULATED_OUTCOME = "simulated_default"  # the sample portfolio's outcome of every application (simulated)


@dataclasses.dataclass(frozen=True)
class _Applications:
    """Every application the booked-only model can score, in row order: design blocks per factor, part (0 train,
    1 test, -1 neither), booked or not, the known outcome and the simulated one (NaN: unknown)."""

    blocks: tuple[np.ndarray, ...]
    part: np.ndarray
    booked: np.ndarray
    outcome: np.ndarray
    truth: np.ndarray | None
    unscorable: int  # rejected training applications the model cannot score (a new level, a missing number)

    def design(self, mask: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(int(mask.sum())), *(b[mask] for b in self.blocks)])

    @property
    def booked_train(self) -> np.ndarray:
        return self.booked & (self.part == 0) & ~np.isnan(self.outcome)

    @property
    def rejects(self) -> np.ndarray:
        return ~self.booked & (self.part == 0)


@dataclasses.dataclass(frozen=True)
class RejectInference:
    """One method's inferred model (``model``, validated on the booked loans when asked), the booked-only model it
    started from, K, the cutoff, the seed, the rejects used and, for parceling, its bands."""

    method: str
    factor: float
    cutoff: float
    seed: int
    rejects: int
    booked: fitting.FittedModel
    model: fitting.FittedModel
    bands: pd.DataFrame | None = None

    def summary(self) -> dict:
        return dict(self.model.stats["reject_inference"])


@dataclasses.dataclass(frozen=True)
class RejectComparison:
    """The booked-only model, each method's and (with a simulated outcome) the through-the-door model side by side:
    ``coefficients`` (term, then one column per model: ``booked``, ``hard``, ``fuzzy``, ``parcel``, ``truth``),
    ``metrics`` (one row per model: AUC on all applications, approval and bad rate at the cutoff), the parceling
    bands, and ``fuzzy_gap``: the largest difference between the fuzzy (K = 1 when ``factor`` is 1) and the
    booked-only coefficients."""

    coefficients: pd.DataFrame
    metrics: pd.DataFrame
    bands: pd.DataFrame
    factor: float
    cutoff: float
    seed: int
    rejects: int
    unscorable: int
    simulated: bool
    fuzzy_gap: float


def _check(ctx: TableContext, method: str | None, factor: float, cutoff: float) -> None:
    if ctx.column_with_role("booked") is None:
        raise RiskLabError("reject.no_booked", table=ctx.table)
    if method is not None and method not in REJECT_METHODS:
        raise RiskLabError("reject.unknown_method", method=method, methods=", ".join(REJECT_METHODS))
    if not (isinstance(factor, int | float) and math.isfinite(factor) and factor > 0):
        raise RiskLabError("reject.bad_factor", factor=factor)
    if not (isinstance(cutoff, int | float) and 0 < cutoff < 1):
        raise RiskLabError("reject.bad_cutoff", cutoff=cutoff)


def _start(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, spec: ModelSpec
) -> tuple[fitting._Prepared, fitting.FittedModel, _Applications]:
    """The booked-only model's prepared data and fit, and every application it can score."""
    prep = fitting._prepare(con, ctx, dataclasses.replace(spec, booked_only=True), folds=1)
    booked = fitting._fit_prepared(con, prep, False, time.perf_counter())
    apps = _applications(con, prep)
    if not apps.rejects.any():
        raise RiskLabError("reject.no_rejects", table=ctx.table)
    return prep, booked, apps


def _applications(con: duckdb.DuckDBPyConnection, prep: fitting._Prepared) -> _Applications:
    """One scan of every application: part, booked flag, outcome, simulated outcome and each factor's value."""
    pop, spec = prep.pop, prep.spec
    ctx = pop.context
    everyone = dataclasses.replace(pop, booked_column=None, booked_type=None)
    where, where_params = factors.population_where(everyone)
    booked_where, booked_params = factors.population_where(pop)
    outcome, outcome_params = datasets.default_sql(pop.defn)
    truth = f"TRY_CAST({store.quote_ident(SIMULATED_OUTCOME)} AS DOUBLE)" if SIMULATED_OUTCOME in ctx.types else "NULL"
    items = [
        fitting._item(lambda lit: fitting._part_sql(ctx, spec, lit), "__part"),
        (f"CASE WHEN {booked_where.removeprefix('WHERE ')} THEN 1 ELSE 0 END AS __booked", booked_params),
        (f"{outcome} AS __bad", list(outcome_params)),
        (f"{truth} AS __truth", []),
        *(fitting._item(fitting._raw_sql(spec.factors[i], e.bins), f"f{i}") for i, e in enumerate(prep.encodings)),
    ]
    sql = f"SELECT {', '.join(s for s, _ in items)} FROM {store.quote_ident(pop.table)} {where} ORDER BY rowid"
    frame = con.execute(sql, [*(p for _, params in items for p in params), *where_params]).df()
    scorable = np.ones(len(frame), dtype=bool)
    values = []
    for i, enc in enumerate(prep.encodings):
        ok, value = _scorable(enc, frame[f"f{i}"])
        scorable &= ok
        values.append(value)
    part = pd.to_numeric(frame["__part"]).fillna(-1).to_numpy(dtype=np.int64)
    booked = frame["__booked"].to_numpy(dtype=np.int64) == 1
    unscorable = int((~booked & (part == 0) & ~scorable).sum())
    blocks = tuple(_design_block(enc, value[scorable]) for enc, value in zip(prep.encodings, values, strict=True))
    simulated = pd.to_numeric(frame["__truth"]).to_numpy(dtype=float)[scorable]
    return _Applications(
        blocks=blocks,
        part=part[scorable],
        booked=booked[scorable],
        outcome=pd.to_numeric(frame["__bad"]).to_numpy(dtype=float)[scorable],
        truth=simulated if SIMULATED_OUTCOME in ctx.types else None,
        unscorable=unscorable,
    )


def _scorable(enc: Encoding, raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Which values the model can score, and the values in the form ``_design_block`` takes."""
    if enc.treatment in ("numeric", "log"):
        x = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x) & ((x > 0) if enc.treatment == "log" else True)
        return ok, np.where(ok, x, 1.0)
    if enc.treatment == "categorical":
        index = {level: k for k, level in enumerate(enc.levels)}
        codes = raw.astype(object).map(index)
        return codes.notna().to_numpy(), codes.fillna(0).to_numpy(dtype=np.int64)
    woe = dict(enc.woe)
    codes = pd.to_numeric(raw, errors="coerce")
    ok = codes.isin(list(woe)).to_numpy()
    return ok, codes.map(woe).fillna(0.0).to_numpy(dtype=float)


def _design_block(enc: Encoding, values: np.ndarray) -> np.ndarray:
    """The design columns of one factor: the number (its log), dummies of the level codes, or the bin's WOE."""
    if enc.treatment == "numeric":
        return values.astype(float)[:, None]
    if enc.treatment == "log":
        return np.log(values.astype(float))[:, None]
    if enc.treatment == "categorical":
        return (values[:, None] == np.arange(1, len(enc.levels))[None, :]).astype(float)
    return values.astype(float)[:, None]


def _inferred(
    apps: _Applications, coefs: np.ndarray, method: str, factor: float, cutoff: float, seed: int
) -> tuple[np.ndarray, pd.DataFrame | None]:
    """The rejects' defaults (0/1, or ``p'`` for fuzzy augmentation) by ``method``, and parceling's bands."""
    rejects = apps.rejects
    log_odds = apps.design(rejects) @ coefs
    raised = np.minimum(1.0, factor * expit(log_odds))
    if method == "hard":
        return (raised >= cutoff).astype(float), None
    if method == "fuzzy":
        return raised, None
    return _parcel(apps, coefs, log_odds, factor, seed)


def _parcel(
    apps: _Applications, coefs: np.ndarray, reject_log_odds: np.ndarray, factor: float, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """Parceling: bands at the deciles of the booked training loans' log-odds; in each band, ``round(rejects x
    min(1, K x booked bad rate))`` rejects drawn as defaults (``np.random.default_rng(seed)``, bands in order)."""
    train = apps.booked_train
    booked_log_odds = apps.design(train) @ coefs
    edges = np.unique(np.quantile(booked_log_odds, np.arange(1, PARCEL_BANDS) / PARCEL_BANDS, method="inverted_cdf"))
    booked_band = np.searchsorted(edges, booked_log_odds, side="right")
    reject_band = np.searchsorted(edges, reject_log_odds, side="right")
    outcome = apps.outcome[train]
    rng = np.random.default_rng(seed)
    defaults = np.zeros(len(reject_log_odds))
    rows = []
    for band in range(len(edges) + 1):
        loans = int((booked_band == band).sum())
        bads = int(outcome[booked_band == band].sum())
        rate = bads / loans if loans else float(outcome.mean())
        members = np.flatnonzero(reject_band == band)
        drawn = math.floor(len(members) * min(1.0, factor * rate) + 0.5)
        defaults[rng.choice(members, size=drawn, replace=False)] = 1.0
        low = 0.0 if band == 0 else float(expit(edges[band - 1]))
        rows.append((band + 1, low, loans, bads, rate, len(members), drawn))
    columns = ["score_band", "pd_from", "loans", "defaults", "bad_rate", "rejects", "reject_defaults"]
    return defaults, pd.DataFrame(rows, columns=columns)


def _refit(
    con: duckdb.DuckDBPyConnection,
    prep: fitting._Prepared,
    apps: _Applications,
    rows: np.ndarray,
    defaults: np.ndarray,
    validate: bool,
) -> fitting.FittedModel:
    """The logit on the applications ``rows`` (each one loan with ``defaults`` defaults out of one, a fraction for
    fuzzy augmentation): weighted cells, Newton's method on the binomial counts, validated on the booked loans."""
    data = fitting._Data(tuple(b[rows] for b in apps.blocks), defaults, np.ones(len(defaults)))
    weighted = dataclasses.replace(prep, data=data, method="rows", rows_total=len(defaults), sampled=False, scan=None)
    return fitting._fit_prepared(con, weighted, validate, time.perf_counter())


def _fit_method(
    con: duckdb.DuckDBPyConnection,
    prep: fitting._Prepared,
    booked: fitting.FittedModel,
    apps: _Applications,
    method: str,
    factor: float,
    cutoff: float,
    seed: int,
    validate: bool,
) -> tuple[fitting.FittedModel, pd.DataFrame | None]:
    """The refit on the booked training loans and the rejects inferred by ``method`` (and parceling's bands)."""
    train, rejects = apps.booked_train, apps.rejects
    inferred, bands = _inferred(apps, booked.coefs, method, factor, cutoff, seed)
    rows = train | rejects
    defaults = np.empty(len(rows))
    defaults[train], defaults[rejects] = apps.outcome[train], inferred
    return _refit(con, prep, apps, rows, defaults[rows], validate), bands


def infer_rejects(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    method: str,
    *,
    factor: float = 1.0,
    cutoff: float = DEFAULT_CUTOFF,
    seed: int | None = None,
    validate: bool = True,
) -> RejectInference:
    """Reject inference by ``method`` (``hard``, ``fuzzy`` or ``parcel``) from the booked-only model of ``spec``:
    the refitted model, validated on the booked loans (``seed``: parceling's draw, the spec's seed unless given)."""
    _check(ctx, method, factor, cutoff)
    seed = spec.seed if seed is None else int(seed)
    prep, booked, apps = _start(con, ctx, spec)
    fitted, bands = _fit_method(con, prep, booked, apps, method, factor, cutoff, seed, validate)
    rejects = int(apps.rejects.sum())
    how = {"method": method, "factor": float(factor), "cutoff": float(cutoff), "seed": seed, "rejects": rejects}
    fitted = dataclasses.replace(fitted, stats={**fitted.stats, "reject_inference": how})  # kept when it is saved
    return RejectInference(method, float(factor), float(cutoff), seed, rejects, booked, fitted, bands)


def compare_reject_inference(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    *,
    factor: float = 1.0,
    cutoff: float = DEFAULT_CUTOFF,
    seed: int | None = None,
) -> RejectComparison:
    """The booked-only model, every method and, when the table has the simulated outcome of every application, the
    through-the-door model fitted on it (same encodings): coefficients, AUC on all applications, approval and bad
    rate at the PD ``cutoff`` (approve below it)."""
    _check(ctx, None, factor, cutoff)
    seed = spec.seed if seed is None else int(seed)
    prep, booked, apps = _start(con, ctx, spec)
    coefs = {"booked": booked.coefs}
    bands = None
    for method in REJECT_METHODS:
        fitted, found = _fit_method(con, prep, booked, apps, method, factor, cutoff, seed, False)
        coefs[method] = fitted.coefs
        bands = found if found is not None else bands
    simulated = apps.truth is not None and bool(np.isfinite(apps.truth).any())
    if simulated:
        rows = (apps.part == 0) & np.isfinite(apps.truth)
        coefs["truth"] = _refit(con, prep, apps, rows, apps.truth[rows], False).coefs
    coefficients = pd.DataFrame({"term": booked.names, **coefs})
    metrics = pd.DataFrame([{"model": name, **_performance(apps, c, cutoff, simulated)} for name, c in coefs.items()])
    metrics["rejects_used"] = [0 if m in ("booked", "truth") else int(apps.rejects.sum()) for m in coefs]
    return RejectComparison(
        coefficients=coefficients,
        metrics=metrics,
        bands=bands,
        factor=float(factor),
        cutoff=float(cutoff),
        seed=seed,
        rejects=int(apps.rejects.sum()),
        unscorable=apps.unscorable,
        simulated=simulated,
        fuzzy_gap=float(np.max(np.abs(coefs["fuzzy"] - coefs["booked"]))),
    )


def _performance(apps: _Applications, coefs: np.ndarray, cutoff: float, simulated: bool) -> dict:
    """AUC, approval rate and the approved applications' bad rate at ``cutoff``: on every application against the
    simulated outcome, else the AUC and bad rate on the booked loans with a known outcome. Only the applications
    of the specification's population count (train or test part: not those outside its segment)."""
    inside = apps.part >= 0
    approved = np.zeros(len(inside), dtype=bool)
    approved[inside] = expit(apps.design(inside) @ coefs) < cutoff
    outcome = apps.truth if simulated else apps.outcome
    known = inside & np.isfinite(outcome)
    log_odds = apps.design(known) @ coefs
    kept = known & approved
    return {
        "auc": core.auc(outcome[known], log_odds),
        "approval_rate": float(approved.sum() / inside.sum()),
        "bad_rate": float(outcome[kept].mean()) if kept.any() else math.nan,
    }
