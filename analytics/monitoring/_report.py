"""Monitoring a saved model period by period: population stability of the score (PSI, score bands, approval rate),
characteristic analysis (CSI, points shift per factor), back-testing (mean PD against the realised default rate
per period and grade, binomial and Jeffreys tests, traffic lights, AUC with a DeLong interval, Hosmer-Lemeshow)
and alerts in plain words.

Every per-period figure comes from ``_scan``'s one grouped scan of the monitored table; the development figures
from the same scan of the model's training loans. A period's outcome counts only when its outcome window has
closed by the as-of date (the period's last day plus ``window_months``): until then its default rate, tests and
AUC are missing, never zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math

import duckdb
import numpy as np
import pandas as pd

from analytics import core, datasets, model, store
from analytics.core import Notice, RiskLabError
from analytics.monitoring import _scan as scanning
from analytics.monitoring import _statistics as statistics

PSI_FLOOR = 1e-4  # an empty share counts as this much in PSI and CSI (core.psi)
PSI_WATCH, PSI_ACT = 0.10, 0.25
AUC_DROP = 0.05  # an AUC this far below development raises an alert
DEVELOPMENT = "development"


@dataclasses.dataclass(frozen=True)
class Settings:
    """How to monitor: by ``period`` ("month" or "quarter") up to ``as_of`` (None: the end of the month of the
    latest origination), outcomes observed ``window_months`` after a period ends, the PD ``cutoff`` of approval,
    traffic lights red below ``red_p`` and yellow below ``yellow_p``, ``bands`` score bands for PSI."""

    period: str = "month"
    as_of: dt.date | None = None
    window_months: int = 12
    cutoff: float = 0.15
    yellow_p: float = 0.05
    red_p: float = 0.01
    bands: int = 10

    def __post_init__(self) -> None:
        if self.period not in scanning.PERIODS:
            raise RiskLabError("monitoring.bad_period", period=self.period)
        if not isinstance(self.window_months, int) or not 0 <= self.window_months <= 120:
            raise RiskLabError("monitoring.bad_window", months=self.window_months)
        if not 0 < self.cutoff < 1:
            raise RiskLabError("monitoring.bad_cutoff", cutoff=self.cutoff)
        if not 0 < self.red_p < self.yellow_p < 1:
            raise RiskLabError("monitoring.bad_p_values", red=self.red_p, yellow=self.yellow_p)
        if not 2 <= self.bands <= 20:
            raise RiskLabError("monitoring.bad_bands", bands=self.bands)


def parse_date(text: object) -> dt.date:
    """A date from ISO text (``YYYY-MM-DD``), or a user error."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise RiskLabError("monitoring.bad_date", date=text) from None


# --- bands --------------------------------------------------------------------------------------------------------


def weighted_edges(values: np.ndarray, weights: np.ndarray, bands: int) -> tuple[float, ...]:
    """Inner cut points that split ``values`` (weighted) into about ``bands`` equal shares, rounded to whole units:
    a value belongs to band ``searchsorted(edges, value, "right")``."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    share = np.cumsum(w) / w.sum()
    edges = []
    for q in np.arange(1, bands) / bands:
        edge = float(np.round(v[min(np.searchsorted(share, q, side="right"), len(v) - 1)]))
        if v[0] < edge <= v[-1] and (not edges or edge > edges[-1]):
            edges.append(edge)
    return tuple(edges)


def band_labels(edges: tuple[float, ...]) -> list[str]:
    """``< e0``, ``e0-e1`` ... ``>= en`` for the bands between the edges."""
    shown = [f"{e:g}" for e in edges]
    if not shown:
        return ["all"]
    middle = [f"{low}-{high}" for low, high in itertools.pairwise(shown)]
    return [f"< {shown[0]}", *middle, f">= {shown[-1]}"]


@dataclasses.dataclass(frozen=True)
class FactorBands:
    """How a factor's points are banded for CSI: one band per distinct points value (``levels``) or ranges
    between ``edges``; missing (unscorable) values and values unseen in development have bands of their own.
    ``loans``: the development loans per band, ``mean_points`` their average points on the factor."""

    column: str
    levels: tuple[int, ...]
    edges: tuple[float, ...]
    loans: tuple[float, ...]
    mean_points: float

    def band(self, attribute: pd.Series) -> np.ndarray:
        """The band of each points attribute (a level's cell, or a number's cell of ``ATTRIBUTE_STEP`` points; NA:
        the missing band)."""
        values = pd.to_numeric(attribute).to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        values = np.nan_to_num(values)
        if self.levels:
            levels = np.array(self.levels, dtype=float)
            position = np.minimum(np.searchsorted(levels, values), len(levels) - 1)
            out = np.where(levels[position] == values, position, len(levels))  # unseen: the band after the levels
            extra = len(self.levels) + 1
        else:
            out = np.searchsorted(np.array(self.edges), values * scanning.ATTRIBUTE_STEP, side="right")
            extra = len(self.edges) + 1
        return np.where(missing, extra, out)

    @property
    def size(self) -> int:
        return len(self.loans)

    def banding(self) -> scanning.Banding:
        """How the monitored scan writes this factor: its band (ranges) or its points cell (levels)."""
        if self.levels:
            return scanning.Banding(None, len(self.levels) + 2)
        return scanning.Banding(self.edges, len(self.edges) + 2)

    def bands_of(self, attribute: pd.Series, banded: bool) -> np.ndarray:
        """The band of each attribute the scan wrote: already a band (``banded``; NA: missing) or a points cell."""
        if not banded:
            return self.band(attribute)
        values = pd.to_numeric(attribute).to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(values), self.size - 1, np.nan_to_num(values)).astype(np.int64)


def _factor_bands(column: str, attributes: pd.DataFrame, bands: int, by_level: bool) -> FactorBands:
    """A factor's CSI bands from its development attributes: one per level or bin, or deciles of a number's
    points."""
    present = attributes[attributes["attribute"].notna()]
    if by_level:
        levels, edges = tuple(int(v) for v in np.sort(present["attribute"].astype(np.int64).unique())), ()
        size = len(levels) + 2
    else:
        points = present["attribute"].to_numpy(dtype=float) * scanning.ATTRIBUTE_STEP
        levels, edges = (), weighted_edges(points, present["loans"].to_numpy(dtype=float), bands)
        size = len(edges) + 2
    partial = FactorBands(column, levels, edges, (), 0.0)
    loans = np.bincount(partial.band(attributes["attribute"]), attributes["loans"].to_numpy(float), minlength=size)
    contributed = attributes["contributed"].sum()
    mean = attributes["points_sum"].sum() / contributed if contributed else math.nan
    return dataclasses.replace(partial, loans=tuple(float(x) for x in loans), mean_points=float(mean))


# --- the development sample ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Development:
    """The model's development sample as monitoring compares with it: the score band edges and loans per band,
    its loans, mean PD, default rate and AUC, and each factor's CSI bands."""

    model: str
    version: int
    loans: int
    edges: tuple[float, ...]
    band_loans: tuple[float, ...]
    mean_pd: float
    default_rate: float
    auc: float | None
    factors: tuple[FactorBands, ...]

    @property
    def band_shares(self) -> np.ndarray:
        loans = np.array(self.band_loans)
        return loans / loans.sum()


@dataclasses.dataclass(frozen=True)
class _Cells:
    """The scan's score cell x outcome groups (of one period or all) as arrays: the score cell (NaN: the model
    cannot score the loans), the outcome (NaN: unknown), loans, their sum of PD, the development score band (-1:
    unscored) and the grade."""

    cell: np.ndarray
    bad: np.ndarray
    loans: np.ndarray
    pd_sum: np.ndarray
    band: np.ndarray
    grade: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame, edges: tuple[float, ...]) -> _Cells:
        def numbers(column: str) -> np.ndarray:
            return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)

        cell, loans, pd_sum = numbers("cell"), numbers("loans"), np.nan_to_num(numbers("pd_sum"))
        scored = ~np.isnan(cell)
        score = np.nan_to_num(cell) * scanning.SCORE_STEP
        band = np.where(scored, np.searchsorted(np.array(edges), score, side="right"), -1)
        grade = np.full(len(cell), None, dtype=object)
        grade[scored] = model.grade(pd_sum[scored] / loans[scored])
        return cls(cell, numbers("bad"), loans, pd_sum, band, grade)

    def where(self, mask: np.ndarray) -> _Cells:
        """The cells where ``mask`` is true (or at these positions)."""
        return _Cells(*(getattr(self, f.name)[mask] for f in dataclasses.fields(self)))

    @property
    def scored(self) -> np.ndarray:
        return ~np.isnan(self.cell)

    @property
    def known(self) -> np.ndarray:
        return self.scored & ~np.isnan(self.bad)

    @property
    def defaults(self) -> float:
        return float(self.loans[self.bad == 1].sum())


def development(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None, bands: int = 10) -> Development:
    """Score band edges (deciles of the development score, whole points) and the development figures of a saved
    model version."""
    saved = model.load_model(con, name, version)
    found = scanning.development_scan(con, saved)
    frame = found.cells[found.cells["cell"].notna()]
    if frame.empty:
        raise RiskLabError("monitoring.no_development", name=name, version=saved.version)
    scores = frame["cell"].to_numpy(dtype=float) * scanning.SCORE_STEP
    edges = weighted_edges(scores, frame["loans"].to_numpy(dtype=float), bands)
    cells = _Cells.of(frame, edges)
    band_loans = np.bincount(cells.band, cells.loans, minlength=len(edges) + 1)
    auc = _auc(cells)
    per_factor = tuple(_factor_bands(c, found.attributes[c], bands, c in found.levelled) for c in found.attributes)
    loans = cells.loans.sum()
    return Development(
        model=saved.name,
        version=saved.version,
        loans=int(loans),
        edges=edges,
        band_loans=tuple(float(x) for x in band_loans),
        mean_pd=float(cells.pd_sum.sum() / loans),
        default_rate=float(cells.defaults / loans),
        auc=auc.auc if auc else None,
        factors=per_factor,
    )


def _auc(cells: _Cells) -> statistics.AucInterval | None:
    """AUC with its DeLong interval from the cells with known outcomes (None with fewer than two of each class)."""
    known = cells.where(cells.known)
    levels, inverse = np.unique(-known.cell, return_inverse=True)  # increasing risk: decreasing score
    goods = np.bincount(inverse, known.loans * (known.bad == 0), len(levels))
    bads = np.bincount(inverse, known.loans * (known.bad == 1), len(levels))
    if goods.sum() < 2 or bads.sum() < 2:
        return None
    return statistics.delong_from_counts(goods, bads)


# --- the report ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Monitoring:
    """A saved model monitored on a table: per period (``periods``), score band shares (``bands``, development
    first), per period and grade (``grades``), per factor and period (``characteristics``), and ``alerts``."""

    model: str
    version: int
    table: str
    settings: Settings
    as_of: dt.date
    development: Development
    periods: pd.DataFrame
    bands: pd.DataFrame
    grades: pd.DataFrame
    characteristics: pd.DataFrame
    alerts: tuple[Notice, ...]

    def to_json(self) -> dict:
        """The object the ``monitor`` command prints."""
        rows = []
        for r in self.periods.itertuples(index=False):
            rows.append(
                {
                    "period": r.period,
                    "n": int(r.loans),
                    "psi": _number(r.psi),
                    "auc": _number(r.auc),
                    "mean_pd": _number(r.mean_pd),
                    "default_rate": _number(r.default_rate),
                    "complete": bool(r.complete),
                    "traffic_light": r.traffic_light if isinstance(r.traffic_light, str) else None,
                }
            )
        return {
            "model": self.model,
            "version": self.version,
            "bins": list(self.development.edges),
            "periods": rows,
            "alerts": [str(a) for a in self.alerts],
        }


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the day of month kept, or the month's last day when it has fewer)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (following - dt.timedelta(days=1)).day))


def period_label(start: dt.date, period: str) -> str:
    """``YYYY-MM`` or ``YYYY-Qn``."""
    return f"{start.year}-{start.month:02d}" if period == "month" else f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def default_as_of(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, date_column: str) -> dt.date:
    """The data cut-off: the last day of the month of the latest origination."""
    day = scanning.date_sql(date_column)
    sql = f"SELECT last_day(max({day})) FROM {store.quote_ident(ctx.table)}"
    ((latest,),) = con.execute(sql).fetchall()
    if latest is None:
        raise RiskLabError("monitoring.no_dates", table=ctx.table, column=date_column)
    return latest


def data_cut_off(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext) -> dt.date:
    """The default as-of date of a table: the last day of the month of its latest origination."""
    return default_as_of(con, ctx, date_column(ctx))


def date_column(ctx: datasets.TableContext) -> str:
    """The table's origination-date column, or a user error."""
    column = ctx.column_with_role("origination_date")
    if column is None:
        raise RiskLabError("monitoring.no_date_column", table=ctx.table)
    return column


def cell_arrays(frame: pd.DataFrame, edges: tuple[float, ...] = ()) -> _Cells:
    """The scan's score cells as arrays (for the challenger's judgement)."""
    return _Cells.of(frame, edges)


def cell_auc(cells: _Cells) -> statistics.AucInterval | None:
    """AUC with its DeLong interval of some cells (for the challenger's judgement)."""
    return _auc(cells)


def monitor(
    con: duckdb.DuckDBPyConnection,
    ctx: datasets.TableContext,
    name: str,
    version: int | None = None,
    settings: Settings | None = None,
    dev: Development | None = None,
) -> Monitoring:
    """Monitor saved model ``name`` (its latest version unless ``version``) on the loans of ``ctx``'s table."""
    settings = settings or Settings()
    saved = model.load_model(con, name, version)
    missing = [e.column for e in saved.encodings if e.column not in ctx.types]
    if missing:
        raise RiskLabError("monitoring.missing_factors", table=ctx.table, columns=", ".join(missing))
    dates = date_column(ctx)
    as_of = settings.as_of or default_as_of(con, ctx, dates)
    if dev is None or (dev.model, dev.version) != (saved.name, saved.version):
        dev = development(con, saved.name, saved.version, settings.bands)
    banding = {bands.column: bands.banding() for bands in dev.factors}
    found = scanning.monitored_scan(con, saved, ctx, dates, settings.period, as_of, banding)
    frame = found.cells[found.cells["period"].notna()]
    if frame.empty:
        raise RiskLabError("monitoring.no_loans", table=ctx.table, as_of=as_of.isoformat())
    starts, period_of = _periods(frame["period"])
    cells = _Cells.of(frame, dev.edges)
    order = np.argsort(period_of, kind="stable")  # each period's cells are one slice of this order
    bounds = np.searchsorted(period_of[order], np.arange(len(starts) + 1))
    periods, bands, grades = [], [], []
    for i, start in enumerate(starts):
        part = cells.where(order[bounds[i] : bounds[i + 1]])
        row, shares = _period_row(part, start, dev, settings, as_of)
        periods.append(row)
        bands += [(row["period"], b, s) for b, s in enumerate(shares)]
        grades += _grade_rows(part, row, settings)
    periods_frame = pd.DataFrame(periods)
    labels = band_labels(dev.edges)
    band_rows = [(DEVELOPMENT, b, s) for b, s in enumerate(dev.band_shares)] + bands
    bands_frame = pd.DataFrame(band_rows, columns=["period", "band", "share"])
    bands_frame["band"] = bands_frame["band"].map(dict(enumerate(labels)))
    characteristics = _characteristics(found, dev, settings.period)
    grade_frame = pd.DataFrame(grades, columns=GRADE_COLUMNS)
    alerts = _alerts(periods_frame, grade_frame, characteristics, dev)
    return Monitoring(
        model=saved.name,
        version=saved.version,
        table=ctx.table,
        settings=settings,
        as_of=as_of,
        development=dev,
        periods=periods_frame,
        bands=bands_frame,
        grades=grade_frame,
        characteristics=characteristics,
        alerts=alerts,
    )


def _periods(period: pd.Series) -> tuple[list[dt.date], np.ndarray]:
    """The distinct period starts in order, and each row's index into them."""
    starts, period_of = np.unique(pd.to_datetime(period).to_numpy(), return_inverse=True)
    return list(pd.to_datetime(starts).date), period_of


def _back_test(defaults: int, known: int, mean_pd: float, settings: Settings) -> tuple[float, float, str | None]:
    """Binomial and Jeffreys p-values and the Jeffreys traffic light (NaN and None without loans or a PD)."""
    if known <= 0 or not 0 < mean_pd < 1:
        return math.nan, math.nan, None
    jeffreys = statistics.jeffreys_p(defaults, known, mean_pd)
    light = statistics.traffic_light(jeffreys, settings.yellow_p, settings.red_p)
    return statistics.binomial_p(defaults, known, mean_pd), jeffreys, light


def _period_row(
    part: _Cells, start: dt.date, dev: Development, settings: Settings, as_of: dt.date
) -> tuple[dict, np.ndarray]:
    """One period's figures, and its shares of loans per development score band."""
    length = 1 if settings.period == "month" else 3
    end = add_months(start, length) - dt.timedelta(days=1)
    outcome_until = add_months(end, settings.window_months)
    complete = outcome_until <= as_of
    scored = part.where(part.scored)
    n_scored = float(scored.loans.sum())
    band_loans = np.bincount(scored.band, scored.loans, len(dev.band_loans))
    shares = band_loans / n_scored if n_scored else np.full(len(band_loans), np.nan)
    psi = core.psi(dev.band_loans, band_loans, PSI_FLOOR) if n_scored else math.nan
    approved = scored.loans[scored.pd_sum < settings.cutoff * scored.loans].sum()  # the cell's PD below the cutoff
    known = part.where(part.known)
    n_known = int(known.loans.sum())
    defaults = int(known.defaults)
    row = {
        "period": period_label(start, settings.period),
        "start": start,
        "loans": int(part.loans.sum()),
        "scored": int(n_scored),
        "psi": psi,
        "psi_band": core.band(psi, core.PSI_BANDS) if n_scored else None,
        "approval_rate": float(approved / n_scored) if n_scored else math.nan,
        "mean_pd": float(scored.pd_sum.sum() / n_scored) if n_scored else math.nan,
        "complete": complete,
        "outcome_until": outcome_until,
        "known": n_known if complete else None,
        "defaults": defaults if complete else None,
        "default_rate": defaults / n_known if complete and n_known else math.nan,
        **dict.fromkeys(("auc", "auc_low", "auc_high", "gini", "hosmer_lemeshow", "hosmer_lemeshow_p"), math.nan),
        "binomial_p": math.nan,
        "jeffreys_p": math.nan,
        "traffic_light": None,
    }
    if not complete or not n_known:
        return row, shares
    auc = _auc(known)
    if auc is not None:
        row.update(auc=auc.auc, auc_low=auc.low, auc_high=auc.high, gini=auc.gini)
    present = np.unique(known.band)
    if len(present) >= 3:  # Hosmer-Lemeshow over the development score bands
        index = np.searchsorted(present, known.band)
        loans = np.bincount(index, known.loans, len(present))
        bads = np.bincount(index, known.loans * (known.bad == 1), len(present))
        hl = core.hosmer_lemeshow_from_counts(bads, np.bincount(index, known.pd_sum, len(present)), loans)
        row.update(hosmer_lemeshow=hl.statistic, hosmer_lemeshow_p=hl.p_value)
    known_pd = float(known.pd_sum.sum() / n_known)
    binomial, jeffreys, light = _back_test(defaults, n_known, known_pd, settings)
    row.update(mean_pd=known_pd, binomial_p=binomial, jeffreys_p=jeffreys, traffic_light=light)
    return row, shares


GRADE_COLUMNS = [
    "period",
    "grade",
    "loans",
    "mean_pd",
    "complete",
    "defaults",
    "default_rate",
    "binomial_p",
    "jeffreys_p",
    "traffic_light",
]


def _grade_rows(part: _Cells, period: dict, settings: Settings) -> list[tuple]:
    """Per grade of the period: loans, mean PD, and when the outcome window is closed the defaults and tests."""
    rows = []
    complete = period["complete"]
    chosen = part.where(part.known if complete else part.scored)
    for grade in sorted(set(chosen.grade)):
        cells = chosen.where(chosen.grade == grade)
        loans = int(cells.loans.sum())
        mean_pd = float(cells.pd_sum.sum() / loans)
        if not complete:
            rows.append((period["period"], grade, loans, mean_pd, False, None, math.nan, math.nan, math.nan, None))
            continue
        defaults = int(cells.defaults)
        binomial, jeffreys, light = _back_test(defaults, loans, mean_pd, settings)
        rate = defaults / loans
        rows.append((period["period"], grade, loans, mean_pd, True, defaults, rate, binomial, jeffreys, light))
    return rows


def _characteristics(found: scanning.Scan, dev: Development, period: str) -> pd.DataFrame:
    """Per factor and period: CSI against development and the points shift (average points on the factor minus
    development's)."""
    rows = []
    for bands in dev.factors:
        attributes = found.attributes[bands.column]
        attributes = attributes[attributes["period"].notna()]
        starts, period_of = _periods(attributes["period"])
        cell = period_of * bands.size + bands.bands_of(attributes["attribute"], bands.column in found.banded)
        weights = attributes["loans"].to_numpy(dtype=float)
        loans = np.bincount(cell, weights, len(starts) * bands.size).reshape(len(starts), bands.size)
        sums = np.bincount(period_of, attributes["points_sum"].to_numpy(dtype=float, na_value=0.0), len(starts))
        counts = np.bincount(period_of, attributes["contributed"].to_numpy(dtype=float), len(starts))
        for i, start in enumerate(starts):
            mean = sums[i] / counts[i] if counts[i] else math.nan
            rows.append(
                {
                    "factor": bands.column,
                    "period": period_label(start, period),
                    "csi": core.psi(bands.loans, loans[i], PSI_FLOOR),
                    "mean_points": mean,
                    "points_shift": mean - bands.mean_points,
                }
            )
    return pd.DataFrame(rows, columns=["factor", "period", "csi", "mean_points", "points_shift"])


# --- alerts -------------------------------------------------------------------------------------------------------


def _alert(key: str, rows: pd.DataFrame, fields: dict[str, str] | None = None, **values: object) -> Notice:
    """An alert on ``rows`` (the periods or grades that crossed a threshold): how many, the latest one's period
    and figures (``fields``: the alert's placeholder -> the row's column) and other ``values``."""
    latest = rows.iloc[-1]
    figures = {name: latest[column] for name, column in (fields or {}).items()}
    return Notice(key, count=len(rows), period=latest["period"], **figures, **values)


def _alerts(periods: pd.DataFrame, grades: pd.DataFrame, csi: pd.DataFrame, dev: Development) -> tuple[Notice, ...]:
    """What crossed a threshold, in plain words with the suggested action: score PSI above 0.25 (refit) or above
    0.10 (watch); AUC more than 0.05 below development with its interval below development too, so that a small
    period's noise is no alert (refit); red periods (recalibrate the intercept); red grades (recalibrate intercept
    and slope); yellow periods (watch)."""
    alerts = []
    major = periods[periods["psi"] > PSI_ACT]
    minor = periods[(periods["psi"] > PSI_WATCH) & (periods["psi"] <= PSI_ACT)]
    if len(major):
        driver = _driver(csi, major["period"].iloc[-1])
        alerts.append(_alert("monitoring.alert.psi_major", major, {"psi": "psi"}, factor=driver))
    elif len(minor):
        alerts.append(_alert("monitoring.alert.psi_minor", minor, {"psi": "psi"}))
    if dev.auc is not None:
        dropped = periods[(periods["auc"] < dev.auc - AUC_DROP) & (periods["auc_high"] < dev.auc)]
        if len(dropped):
            alerts.append(_alert("monitoring.alert.auc_drop", dropped, {"auc": "auc"}, development=dev.auc))
    red = periods[periods["traffic_light"] == "red"]
    if len(red):
        alerts.append(_alert("monitoring.alert.red_period", red, {"rate": "default_rate", "pd": "mean_pd"}))
    red_grades = grades[grades["traffic_light"] == "red"]
    if len(red_grades):
        figures = {"grade": "grade", "rate": "default_rate", "pd": "mean_pd"}
        alerts.append(_alert("monitoring.alert.red_grade", red_grades, figures))
    yellow = periods[periods["traffic_light"] == "yellow"]
    if len(yellow):
        alerts.append(_alert("monitoring.alert.yellow", yellow))
    return tuple(alerts)


def _driver(csi: pd.DataFrame, period: str) -> str:
    """The factor with the largest CSI in ``period``."""
    part = csi[csi["period"] == period]
    return str(part.loc[part["csi"].idxmax(), "factor"]) if len(part) else "-"
