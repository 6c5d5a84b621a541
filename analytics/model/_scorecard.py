"""A model as it is saved and scored: specification, factor encodings, SQL and pandas scoring, points, versions.

A model is frozen as ``Encoding`` records (how each factor enters: raw number, log, categorical levels with the
reference first, or the WOE of a saved binning, with the WOE values of the training sample) plus coefficients.
The same records give one SQL expression over the raw columns (only CASE, CAST, LN and EXP, so it runs in DuckDB
and other SQL databases) and a pandas implementation; the tests check that they agree.

Anything the model has not seen gives no score (NULL / NaN) instead of a guess: a missing number, a value <= 0
under the log, an unseen level or bin. ``problem_sql`` says which factor caused it.

Saving, loading and comparing versions is ``_versions``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from analytics import store
from analytics.core import RiskLabError, format_date, t
from analytics.datasets import DefaultDefinition
from analytics.factors import MISSING, OTHER, BinSpec

MISSING_LEVEL = "(missing)"  # the level of a categorical factor's missing values
TREATMENTS = ("numeric", "log", "categorical", "woe")
CONST = "const"
PREDICT_BATCH = 1_000_000  # rows per Arrow batch when scoring a whole table in Python

MAX_SCALING = 1e9  # base score, base odds and PDO beyond this make no scorecard (and overflow its points)
Literal = Callable[[object], str]  # a value -> SQL text: a bound "?" or an inlined literal


@dataclasses.dataclass(frozen=True)
class Scaling:
    """Points from log-odds: ``base_score`` points at good:bad odds ``base_odds``, ``pdo`` points to double them."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        values = (self.base_score, self.base_odds, self.pdo)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values) or min(values[1:]) <= 0:
            raise RiskLabError("model.bad_scaling")
        if max(abs(v) for v in values) > MAX_SCALING:  # points that would overflow to infinity (PDO 5e307)
            raise RiskLabError("model.bad_scaling")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: pdo / ln 2."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """The score at log-odds (of default) 0 ... shifted: base_score - factor * ln(base_odds)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def score(self, log_odds: np.ndarray | float) -> np.ndarray | float:
        """Score of a default log-odds: offset - factor * log-odds (higher score, lower risk)."""
        return self.offset - self.factor * np.asarray(log_odds, dtype=float)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Scaling:
        return cls(**{k: float(v) for k, v in (data or {}).items() if k in ("base_score", "base_odds", "pdo")})


@dataclasses.dataclass(frozen=True)
class Grade:
    """A risk grade: loans with PD below ``below`` (and above the previous grade's bound)."""

    key: str
    below: float


GRADES: tuple[Grade, ...] = (
    Grade("A", 0.02),
    Grade("B", 0.05),
    Grade("C", 0.10),
    Grade("D", 0.20),
    Grade("E", math.inf),
)


def grade(pd_: np.ndarray) -> np.ndarray:
    """The grade of each PD (None where there is no PD)."""
    p = np.asarray(pd_, dtype=float)
    bounds = np.array([g.below for g in GRADES])
    keys = np.array([g.key for g in GRADES], dtype=object)
    return np.where(np.isnan(p), None, keys[np.minimum(np.searchsorted(bounds, p, side="right"), len(keys) - 1)])


def grade_sql(pd_sql: str, lit: Literal) -> str:
    """The SQL twin of ``grade``."""
    whens = " ".join(f"WHEN {pd_sql} < {lit(g.below)} THEN {lit(g.key)}" for g in GRADES[:-1])
    return f"(CASE WHEN {pd_sql} IS NULL THEN NULL {whens} ELSE {lit(GRADES[-1].key)} END)"


# --- encodings ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Encoding:
    """How one factor enters the model, frozen when it was fitted.

    ``levels``: a categorical factor's levels seen in training, the reference first. ``bins`` and ``woe``: a WOE
    factor's binning and the WOE of each bin code seen in training.
    """

    column: str
    treatment: str
    levels: tuple[str, ...] = ()
    bins: BinSpec | None = None
    woe: tuple[tuple[int, float], ...] = ()

    @property
    def reference(self) -> str | None:
        return self.levels[0] if self.treatment == "categorical" and self.levels else None

    def terms(self) -> tuple[str, ...]:
        """Parameter names (patsy's style): ``col``, ``log(col)``, ``woe(col)`` or ``col[T.level]``."""
        if self.treatment == "categorical":
            return tuple(f"{self.column}[T.{level}]" for level in self.levels[1:])
        return (({"numeric": self.column, "log": f"log({self.column})", "woe": f"woe({self.column})"})[self.treatment],)

    def bin_labels(self) -> dict[int, str]:
        """``{bin code: label}`` of a WOE factor's bins."""
        return {**self.bins.labels(), OTHER: "other", MISSING: "missing"} if self.bins else {}

    def to_dict(self) -> dict:
        return {
            "column": self.column,
            "treatment": self.treatment,
            "levels": list(self.levels),
            "bins": self.bins.to_dict() if self.bins else None,
            "binning": self.bins.name if self.bins else None,
            "woe": [[code, value] for code, value in self.woe],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Encoding:
        bins = BinSpec.from_dict(data["bins"], name=data.get("binning")) if data.get("bins") else None
        return cls(
            column=data["column"],
            treatment=data["treatment"],
            levels=tuple(data.get("levels") or ()),
            bins=bins,
            woe=tuple((int(c), float(v)) for c, v in data.get("woe") or ()),
        )


def literal(value: object) -> str:
    """A value as an inlined SQL literal: numbers with an exponent (approximate numeric in standard SQL, DOUBLE
    in DuckDB), text quoted."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("SQL export needs finite numbers")
    text = repr(number)
    return text if "e" in text else f"{text}e0"


def binder(params: list) -> Literal:
    """A ``Literal`` that binds each value as a ``?`` parameter appended to ``params`` (typed, so DuckDB
    does not guess a CASE of parameters wrong)."""

    def bind(value: object) -> str:
        params.append(value)
        if isinstance(value, str):
            return "CAST(? AS VARCHAR)"
        return "CAST(? AS DOUBLE PRECISION)" if isinstance(value, float) else "?"

    return bind


def _number(column: str) -> str:
    return f"CAST({store.quote_ident(column)} AS DOUBLE PRECISION)"


def bin_case(bins: BinSpec, column: str, values: Mapping[int, object], lit: Literal) -> str:
    """A CASE over a column's bins (missing first, unseen levels last) giving ``values[code]`` (NULL without)."""

    def then(code: int) -> str:
        return lit(values[code]) if code in values else "NULL"

    col = store.quote_ident(column)
    if bins.kind == "numeric":
        x = _number(column)
        whens = [f"WHEN {x} IS NULL THEN {then(MISSING)}"]
        whens += [f"WHEN {x} < {lit(c)} THEN {then(i)}" for i, c in enumerate(bins.cuts)]
        return f"(CASE {' '.join(whens)} ELSE {then(len(bins.cuts))} END)"
    whens = [f"WHEN {col} IS NULL THEN {then(MISSING)}"]
    for i, group in enumerate(bins.groups):
        whens.append(f"WHEN CAST({col} AS VARCHAR) IN ({', '.join(lit(v) for v in group)}) THEN {then(i)}")
    return f"(CASE {' '.join(whens)} ELSE {then(OTHER)} END)"


def bin_code_sql(bins: BinSpec, column: str, lit: Literal) -> str:
    """SQL giving each row its bin code (``MISSING`` -1, unseen level ``OTHER`` -2)."""
    codes = {MISSING: MISSING, OTHER: OTHER, **{i: i for i in range(bins.bins)}}
    return bin_case(bins, column, codes, lambda v: str(v) if isinstance(v, int) else lit(v))


def level_sql(column: str, lit: Literal) -> str:
    """A categorical factor's level as text (missing values as ``MISSING_LEVEL``)."""
    return f"COALESCE(CAST({store.quote_ident(column)} AS VARCHAR), {lit(MISSING_LEVEL)})"


def contribution_sql(enc: Encoding, coefs: Sequence[float], lit: Literal) -> str:
    """SQL giving the factor's log-odds contribution (NULL when the model cannot score the value)."""
    if enc.treatment == "numeric":
        return f"({lit(coefs[0])} * {_number(enc.column)})"
    if enc.treatment == "log":
        x = _number(enc.column)
        return f"(CASE WHEN {x} > 0 THEN {lit(coefs[0])} * LN({x}) END)"
    if enc.treatment == "categorical":
        points = dict(zip(enc.levels, [0.0, *coefs], strict=True))
        text = level_sql(enc.column, lit)  # parameters are bound in the order they appear in the text
        whens = " ".join(f"WHEN {lit(level)} THEN {lit(value)}" for level, value in points.items())
        return f"(CASE {text} {whens} END)"
    values = {code: coefs[0] * woe for code, woe in enc.woe}
    return bin_case(enc.bins, enc.column, values, lit)


def problem_sql(enc: Encoding, coefs: Sequence[float], lit: Literal) -> str:
    """SQL naming why the factor cannot be scored (NULL when it can)."""
    col = store.quote_ident(enc.column)
    head = f"(CASE WHEN {contribution_sql(enc, coefs, lit)} IS NULL THEN {lit(enc.column + ': ')} || "
    if enc.treatment == "log":
        reason = f"CASE WHEN {col} IS NULL THEN {lit('missing')} ELSE {lit('not a positive number')} END"
    elif enc.treatment == "numeric":
        reason = lit("missing")
    else:
        reason = f"CASE WHEN {col} IS NULL THEN {lit('missing')} ELSE {lit('not seen when the model was fitted')} END"
    return f"{head}{reason} END)"


def split_params(encodings: Sequence[Encoding], params: Mapping[str, float]) -> tuple[float, list[list[float]]]:
    """The intercept and each encoding's coefficients, in term order."""
    return float(params[CONST]), [[float(params[term]) for term in enc.terms()] for enc in encodings]


def log_odds_sql(encodings: Sequence[Encoding], params: Mapping[str, float], lit: Literal) -> str:
    """One SQL expression: the default log-odds of a row (NULL when any factor cannot be scored)."""
    const, coefs = split_params(encodings, params)
    parts = [lit(const), *(contribution_sql(e, c, lit) for e, c in zip(encodings, coefs, strict=True))]
    return f"({' + '.join(parts)})"


def pd_sql(log_odds: str) -> str:
    """PD from a log-odds SQL expression."""
    return f"(1.0 / (1.0 + EXP(-{log_odds})))"


# --- whole points: the score is the sum of the rounded points -----------------------------------------------------
#
# The one convention of the app, the SQL export and batch scoring: each factor's points for an application are
# -factor x its log-odds contribution rounded to a whole point (halves up: FLOOR(x + 0.5), the same in numpy and
# SQL), the base points (offset - factor x intercept) are rounded alike, and the score is their sum. The rounded
# points a scorecard lists per attribute therefore add up exactly to the score shown. PD and grade stay exact.


def whole_points(points: np.ndarray | float) -> np.ndarray:
    """Points rounded to a whole number, halves up (as ``FLOOR(x + 0.5)`` in SQL); never ``-0``."""
    return np.floor(np.asarray(points, dtype=float) + 0.5) + 0.0


def base_points(const: float, scaling: Scaling) -> float:
    """The exact base points of an intercept: offset - factor x intercept."""
    return scaling.offset - scaling.factor * const


def factor_points(enc: Encoding, coefs: Sequence[float], values: pd.Series, scaling: Scaling) -> np.ndarray:
    """A factor's rounded points per value (NaN when the model cannot score it)."""
    return whole_points(-scaling.factor * contribution(enc, coefs, values))


def points_sql(enc: Encoding, coefs: Sequence[float], scaling: Scaling, lit: Literal) -> str:
    """SQL giving a factor's rounded points (NULL when the model cannot score the value): a CASE of whole points
    per level or bin, or FLOOR(points per unit x value + 0.5) for a number."""
    if enc.treatment in ("numeric", "log"):
        return f"FLOOR({lit(-scaling.factor)} * {contribution_sql(enc, coefs, lit)} + {lit(0.5)})"
    if enc.treatment == "categorical":
        levels = list(enc.levels)
        points = whole_points(-scaling.factor * np.array([0.0, *coefs], dtype=float))
        text = level_sql(enc.column, lit)  # parameters are bound in the order they appear in the text
        whens = " ".join(f"WHEN {lit(level)} THEN {lit(float(p))}" for level, p in zip(levels, points, strict=True))
        return f"(CASE {text} {whens} END)"
    values = {code: float(whole_points(-scaling.factor * (coefs[0] * woe))) for code, woe in enc.woe}
    return bin_case(enc.bins, enc.column, values, lit)


def score_sql(encodings: Sequence[Encoding], params: Mapping[str, float], scaling: Scaling, lit: Literal) -> str:
    """One SQL expression: the score as the sum of the rounded base and factor points (NULL when any factor
    cannot be scored)."""
    const, coefs = split_params(encodings, params)
    base = float(whole_points(base_points(const, scaling)))
    parts = [lit(base), *(points_sql(e, c, scaling, lit) for e, c in zip(encodings, coefs, strict=True))]
    return f"({' + '.join(parts)})"


# --- the same in pandas -------------------------------------------------------------------------------------------


def _one_text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    return str(v)


def _text_codes(values: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Each value's index into its distinct texts (as ``_text`` gives them); missing values point at a last None.

    Distinct values are found once (``pd.factorize``), so the Python work grows with levels, not rows. Object
    columns mixing kinds (``True`` and ``1`` hash alike) are converted value by value first.
    """
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True).startswith("mixed"):
        values = pd.Series([_one_text(v) for v in values], index=values.index, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [_one_text(u) for u in uniques]
    texts.append(None)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, texts


def _text(values: pd.Series) -> pd.Series:
    """Values as the text SQL's CAST(... AS VARCHAR) gives (booleans as true/false); missing as None."""
    codes, texts = _text_codes(values)
    return pd.Series(np.array(texts, dtype=object)[codes], index=values.index, dtype=object)


def contribution(enc: Encoding, coefs: Sequence[float], values: pd.Series) -> np.ndarray:
    """The factor's log-odds contribution per value (NaN when the model cannot score it)."""
    if enc.treatment in ("numeric", "log"):
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if enc.treatment == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
        return coefs[0] * x
    if enc.treatment == "categorical":
        points = dict(zip(enc.levels, [0.0, *coefs], strict=True))
        codes, texts = _text_codes(values)
        per_text = np.array([points.get(MISSING_LEVEL if v is None else v, np.nan) for v in texts], dtype=float)
        return per_text[codes]
    codes = bin_codes(enc.bins, values)
    lowest = min(MISSING, OTHER)  # bin codes run from the unseen/missing codes up to the last bin
    highest = max([enc.bins.bins - 1, *(c for c, _ in enc.woe), *codes.max(initial=lowest, keepdims=True)])
    per_code = np.full(highest - lowest + 1, np.nan)  # a lookup by code: the work grows with bins, not rows
    for code, woe in enc.woe:
        per_code[code - lowest] = coefs[0] * woe
    return per_code[codes - lowest]


def bin_codes(bins: BinSpec, values: pd.Series) -> np.ndarray:
    """Each value's bin code, as ``bin_code_sql`` gives it."""
    if bins.kind == "numeric":
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(x), MISSING, np.searchsorted(np.array(bins.cuts), x, side="right"))
    where = {level: i for i, group in enumerate(bins.groups) for level in group}
    codes, texts = _text_codes(values)
    per_text = np.array([MISSING if v is None else where.get(v, OTHER) for v in texts], dtype=np.int64)
    return per_text[codes]


def predict_log_odds(encodings: Sequence[Encoding], params: Mapping[str, float], frame: pd.DataFrame) -> np.ndarray:
    """Default log-odds per row of ``frame`` (NaN when any factor cannot be scored)."""
    const, coefs = split_params(encodings, params)
    total = np.full(len(frame), const, dtype=float)
    for enc, c in zip(encodings, coefs, strict=True):
        if enc.column not in frame.columns:
            raise RiskLabError("model.input_missing_column", column=enc.column)
        total = total + contribution(enc, c, frame[enc.column])
    return total


# --- the scorecard ------------------------------------------------------------------------------------------------


# Words of the scorecard table that the page translates (keys ``model.word.<word>``): the base points row, points
# per unit of a number (or of its log) and the treatments. Its "missing" and "other" attributes are a binning's
# special bins and read as the binning's (``binning.missing``, ``binning.other``).
WORDS = (CONST, "base_points", "per_unit", "per_log_unit", *TREATMENTS)  # written in the user's language


def scorecard_table(encodings: Sequence[Encoding], params: Mapping[str, float], scaling: Scaling) -> pd.DataFrame:
    """Points per factor level or bin: factor, treatment, attribute, value, coef, points, points_rounded.

    The score of a loan is the rounded base points (intercept) plus its attributes' rounded points
    (``whole_points``); a numeric factor has points per unit (times the value, or its log, then rounded per loan),
    so its row has no rounded points. No ``-0``: the reference level has 0 points.
    """
    const, coefs = split_params(encodings, params)
    rows = [("base_points", "", "", math.nan, const, base_points(const, scaling))]
    for enc, c in zip(encodings, coefs, strict=True):
        if enc.treatment in ("numeric", "log"):
            unit = "per_unit" if enc.treatment == "numeric" else "per_log_unit"
            rows.append((enc.column, enc.treatment, unit, math.nan, c[0], -scaling.factor * c[0]))
        elif enc.treatment == "categorical":
            for level, coef in zip(enc.levels, [0.0, *c], strict=True):
                rows.append((enc.column, enc.treatment, level, math.nan, coef, -scaling.factor * coef))
        else:
            labels = enc.bin_labels()
            for code, woe in sorted(enc.woe, key=lambda cw: (cw[0] < 0, cw[0])):
                rows.append((enc.column, enc.treatment, labels[code], woe, c[0], -scaling.factor * (c[0] * woe)))
    table = pd.DataFrame(rows, columns=["factor", "treatment", "attribute", "value", "coef", "points"])
    table["coef"] = table["coef"] + 0.0  # a reference level's 0 coefficient times a negative factor is -0
    table["points"] = table["points"] + 0.0
    per_unit = table["treatment"].isin(("numeric", "log")).to_numpy()  # points per unit: not rounded to a whole point
    rounded = pd.array(np.where(per_unit, 0, whole_points(table["points"])).astype(np.int64), dtype="Int64")
    rounded[per_unit] = pd.NA
    return table.assign(points_rounded=rounded)


# --- the coefficient table ---------------------------------------------------------------------------------------


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def odds_ratio_unit(coef: float) -> int:
    """The unit a number's odds ratio is read per: 1, or the power of ten that moves the log-odds by at least 0.01
    when one unit moves it less (a coefficient of -0.0000015 per yuan of income reads per 10,000 yuan)."""
    size = abs(float(coef))
    if size >= 0.01 or size == 0 or not math.isfinite(size):
        return 1
    return int(10 ** min(math.ceil(math.log10(0.01 / size)), 12))


def coefficient_table(
    encodings: Sequence[Encoding],
    names: Sequence[str],
    coefs: np.ndarray,
    standard_errors: np.ndarray,
    vif: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """term, factor, level, coef, se, z, p_value, per, odds_ratio, or_low, or_high (95 %), sig, vif.

    The odds ratio and its interval are per ``per`` units of the factor: 1, or for a number as it is whose
    coefficient is too small to read per unit (a raw amount), the power of ten that moves the log-odds by at
    least 0.01 (``odds_ratio_unit``). Without ``vif`` (a saved version keeps none) the VIF is empty."""
    coefs = np.asarray(coefs, dtype=float)
    standard_errors = np.asarray(standard_errors, dtype=float)
    vif = vif or {}
    owners = [("", "")] + [(e.column, level) for e in encodings for level in (e.levels[1:] if e.levels else ("",))]
    numeric = {e.terms()[0] for e in encodings if e.treatment == "numeric"}
    per = np.array([odds_ratio_unit(c) if n in numeric else 1 for n, c in zip(names, coefs, strict=True)])
    z = coefs / standard_errors
    p = 2 * stats.norm.sf(np.abs(z))
    half = stats.norm.ppf(0.975) * standard_errors
    with np.errstate(over="ignore"):
        return pd.DataFrame(
            {
                "term": list(names),
                "factor": [o[0] for o in owners],
                "level": [o[1] for o in owners],
                "coef": coefs,
                "se": standard_errors,
                "z": z,
                "p_value": p,
                "per": per,
                "odds_ratio": np.exp(coefs * per),
                "or_low": np.exp((coefs - half) * per),
                "or_high": np.exp((coefs + half) * per),
                "sig": [_stars(v) for v in p],
                "vif": [vif.get(n, np.nan) for n in names],
            }
        )


# --- specification ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FactorSpec:
    """A factor and its treatment: "numeric", "log", "categorical" (with a reference level) or "woe" (the WOE
    of the saved binning named ``binning``)."""

    column: str
    treatment: str = "numeric"
    reference: str | None = None
    binning: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What to fit: the table, the factors, the loans (booked only) and the holdout.

    ``holdout``: "none", "random" (``fraction`` of loans by a hash of the row and ``seed``) or "time" (train
    before ``split_date``, test from it, by ``date_column`` or the table's origination-date column; with
    ``start_date``, loans before it are left out: a refit on a recent window).
    ``outcome``: the default definition (None: the table's saved one).
    ``segment_column`` and ``segment_values``: a segment filter (segment = farm); only loans whose column, as
    text, is one of the values are trained and tested on (``segment_sql``).
    """

    table: str
    factors: tuple[FactorSpec, ...]
    booked_only: bool = True
    holdout: str = "none"
    fraction: float = 0.3
    seed: int = 1
    split_date: str | None = None
    date_column: str | None = None
    start_date: str | None = None
    outcome: DefaultDefinition | None = None
    segment_column: str | None = None
    segment_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", tuple(self.factors))
        object.__setattr__(self, "segment_values", tuple(str(v) for v in self.segment_values or ()))

    @property
    def segment(self) -> str | None:
        """The segment filter in words (``segment = farm, enterprise``), None without one."""
        if not self.segment_column:
            return None
        return f"{self.segment_column} = {', '.join(self.segment_values)}"

    def segment_sql(self, lit: Literal) -> str:
        """SQL true for the loans of the segment (TRUE without a filter); the values bound through ``lit``."""
        if not self.segment_column:
            return "TRUE"
        column = f"CAST({store.quote_ident(self.segment_column)} AS VARCHAR)"
        return f"({column} IN ({', '.join(lit(v) for v in self.segment_values)}))"

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["factors"] = [f.to_dict() for f in self.factors]
        data["outcome"] = self.outcome.to_dict() if self.outcome else None
        data["segment_values"] = list(self.segment_values)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        fields = {k: v for k, v in data.items() if k in {f.name for f in dataclasses.fields(cls)}}
        fields["factors"] = tuple(FactorSpec(**f) for f in data["factors"])
        fields["outcome"] = DefaultDefinition.from_dict(data["outcome"]) if data.get("outcome") else None
        return cls(**fields)


# --- saved versions -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class SavedModel:
    """A saved model version: everything needed to score loans in SQL or Python, and its fit metrics."""

    name: str
    version: int
    spec: ModelSpec
    params: dict[str, float]
    scaling: Scaling = dataclasses.field(default_factory=Scaling)
    encodings: tuple[Encoding, ...] = ()
    cov: dict | None = None
    metrics: dict = dataclasses.field(default_factory=dict)
    created_at: object = None
    fingerprint: str = ""

    def log_odds_sql(self, lit: Literal | None = None) -> tuple[str, list]:
        """SQL over the table's raw columns giving the default log-odds (WOE bins and levels inlined as CASE)."""
        params: list = []
        return log_odds_sql(self.encodings, self.params, lit or binder(params)), params

    def pd_sql(self) -> tuple[str, list]:
        sql, params = self.log_odds_sql()
        return pd_sql(sql), params

    def score_sql(self, lit: Literal | None = None) -> tuple[str, list]:
        """SQL giving the score: the sum of the rounded base and factor points (``whole_points``)."""
        params: list = []
        return score_sql(self.encodings, self.params, self.scaling, lit or binder(params)), params

    @property
    def saved(self) -> bool:
        """Whether this is a saved version (a model fitted but not saved has version 0)."""
        return self.version > 0

    def identity(self) -> dict:
        """What identifies the model in every export: name, version, creation time and the data fingerprint
        (as the catalog keeps them); an unsaved model has ``saved`` False and no name, version or time."""
        if not self.saved:
            return {"saved": False, "name": None, "version": None, "created_at": None, "fingerprint": None}
        created = self.created_at
        return {
            "saved": True,
            "name": self.name,
            "version": self.version,
            "created_at": created.isoformat() if hasattr(created, "isoformat") else created,
            "fingerprint": self.fingerprint or None,
        }

    def identity_text(self, lang: str = "en") -> str:
        """The model's identity in one sentence in ``lang`` (an unsaved model says it is not saved), and its segment."""
        segment = f" {t('segments.identity', lang, segment=self.spec.segment)}" if self.spec.segment else ""
        if not self.saved:
            return t("exports.unsaved", lang, table=self.spec.table) + segment
        identity = t(
            "exports.identity",
            lang,
            name=self.name,
            version=self.version,
            created=format_date(self.created_at, lang, "datetime"),
            fingerprint=self.fingerprint or "-",
            table=self.spec.table,
        )
        return identity + segment

    def problem_sql(self, lit: Literal) -> str:
        """SQL naming the factors a row cannot be scored on (NULL when it can)."""
        _, coefs = split_params(self.encodings, self.params)
        parts = [problem_sql(e, c, lit) for e, c in zip(self.encodings, coefs, strict=True)]
        return f"NULLIF(concat_ws('; ', {', '.join(parts)}), '')"

    def export_sql(self, lang: str = "en") -> str:
        """One SELECT with every value inlined: PD, score and grade per loan of the table, in any SQL database.

        The header comments (in ``lang``) state the model's identity (``identity_text``) and its scaling; the
        score is the sum of the rounded points, as the scorecard lists them."""
        lit = literal
        pd_ = pd_sql(log_odds_sql(self.encodings, self.params, lit))
        score = score_sql(self.encodings, self.params, self.scaling, lit)
        grade = grade_sql(pd_, lit)
        scaling = t(
            "exports.scaling",
            lang,
            base_score=f"{self.scaling.base_score:g}",
            base_odds=f"{self.scaling.base_odds:g}",
            pdo=f"{self.scaling.pdo:g}",
        )
        identity = " ".join(self.identity_text(lang).split())  # one comment line whatever the name holds
        header = f"-- {identity}\n-- {scaling}\n"
        columns = f"  {pd_} AS pd,\n  {score} AS score,\n  {grade} AS grade"
        return f"{header}SELECT *,\n{columns}\nFROM {store.quote_ident(self.spec.table)}"

    def predict_log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        return predict_log_odds(self.encodings, self.params, frame)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """PD per row of ``frame`` (NaN where a factor cannot be scored)."""
        return 1 / (1 + np.exp(-self.predict_log_odds(frame)))

    def _table_batches(self, con: duckdb.DuckDBPyConnection, table: str):
        """The factor columns of every row of ``table`` (in its stored order) as pandas frames of
        ``PREDICT_BATCH`` rows.

        They come as Arrow batches (memory stays flat however long the table) with text dictionary-encoded
        (pandas categories), so the text is neither copied into Python strings nor mapped more than once per
        distinct value of a batch.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        columns = ", ".join(store.quote_ident(c) for c in dict.fromkeys(e.column for e in self.encodings))
        reader = con.sql(f"SELECT {columns} FROM {store.quote_ident(table)}").to_arrow_reader(PREDICT_BATCH)
        text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
        for batch in reader:
            encoded = [pc.dictionary_encode(c) if any(is_(c.type) for is_ in text) else c for c in batch.columns]
            yield pa.table(encoded, names=batch.schema.names).to_pandas()

    def predict_table(self, con: duckdb.DuckDBPyConnection, table: str) -> np.ndarray:
        """PD of every row of ``table`` (in its stored order), scored in Python."""
        return np.concatenate([np.empty(0), *(self.predict(frame) for frame in self._table_batches(con, table))])

    def score_table(self, con: duckdb.DuckDBPyConnection, table: str) -> np.ndarray:
        """Score (the sum of the rounded points) of every row of ``table`` (in its stored order), in Python."""
        return np.concatenate([np.empty(0), *(self.score(frame) for frame in self._table_batches(con, table))])

    def points_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Each factor's rounded points (a column per factor) for every row of ``frame`` (NaN where it cannot be
        scored)."""
        _, coefs = split_params(self.encodings, self.params)
        out = {}
        for enc, c in zip(self.encodings, coefs, strict=True):
            if enc.column not in frame.columns:
                raise RiskLabError("model.input_missing_column", column=enc.column)
            out[enc.column] = factor_points(enc, c, frame[enc.column], self.scaling)
        return pd.DataFrame(out, index=frame.index)

    @property
    def base_points(self) -> float:
        """The rounded base points every score starts from."""
        return float(whole_points(base_points(float(self.params[CONST]), self.scaling)))

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Score per row of ``frame``: the rounded base points plus each factor's rounded points."""
        return self.base_points + self.points_frame(frame).sum(axis=1, skipna=False).to_numpy(dtype=float)

    def exact_score(self, frame: pd.DataFrame) -> np.ndarray:
        """The unrounded score per row (offset - factor x log-odds): monitoring's score bands use it."""
        return self.scaling.score(self.predict_log_odds(frame))

    def contributions(self, row: dict) -> dict[str, float]:
        """Log-odds contribution of the intercept (``const``) and each factor for one loan."""
        frame = pd.DataFrame([row])
        const, coefs = split_params(self.encodings, self.params)
        out = {CONST: const}
        for enc, c in zip(self.encodings, coefs, strict=True):
            if enc.column not in frame.columns:
                raise RiskLabError("model.input_missing_column", column=enc.column)
            out[enc.column] = float(contribution(enc, c, frame[enc.column])[0])
        return out

    def contribution_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Log-odds contribution of each factor (a column per factor) for every row of ``frame``."""
        _, coefs = split_params(self.encodings, self.params)
        out = {}
        for enc, c in zip(self.encodings, coefs, strict=True):
            if enc.column not in frame.columns:
                raise RiskLabError("model.input_missing_column", column=enc.column)
            out[enc.column] = contribution(enc, c, frame[enc.column])
        return pd.DataFrame(out, index=frame.index)

    def coef_table(self) -> pd.DataFrame:
        """The coefficient table (``coefficient_table``) from the saved coefficients and their covariance
        (standard errors are the square roots of its diagonal); no VIF."""
        names = (self.cov or {}).get("names") or list(self.params)
        coefs = np.array([self.params[n] for n in names], dtype=float)
        matrix = (self.cov or {}).get("matrix")
        se = np.sqrt(np.diag(np.array(matrix, dtype=float))) if matrix else np.full(len(names), np.nan)
        return coefficient_table(self.encodings, names, coefs, se)

    def scorecard(self, scaling: Scaling | None = None) -> pd.DataFrame:
        """Points per factor level or bin (see ``scorecard_table``)."""
        return scorecard_table(self.encodings, self.params, scaling or self.scaling)

    def to_json(self, lang: str = "en") -> dict:
        """The model as JSON: its identity (name, version, creation time, data fingerprint, and in words), spec,
        encodings, coefficients, covariance, scaling, metrics and its SQL."""
        return {
            **self.identity(),
            "identity": self.identity_text(lang),
            "spec": self.spec.to_dict(),
            "encodings": [e.to_dict() for e in self.encodings],
            "params": self.params,
            "cov": self.cov,
            "scaling": self.scaling.to_dict(),
            "metrics": self.metrics,
            "sql": self.export_sql(lang),
        }
