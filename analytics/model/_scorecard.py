"""A model as it is saved and scored: specification, factor encodings, SQL and pandas scoring, points, versions.

A model is frozen as ``Encoding`` records (how each factor enters: raw number, log, categorical levels with the
reference first, or the WOE of a saved binning, with the WOE values of the training sample) plus coefficients.
The same records give one SQL expression over the raw columns (only CASE, CAST, LN and EXP, so it runs in DuckDB
and other SQL databases) and a pandas implementation; the tests check that they agree.

Anything the model has not seen gives no score (NULL / NaN) instead of a guess: a missing number, a value <= 0
under the log, an unseen level or bin. ``problem_sql`` says which factor caused it.

Saved versions live in ``risklab_catalog.models``; saving a name again adds a version, never overwrites.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from analytics import datasets, store
from analytics.core import RiskLabError
from analytics.datasets import DefaultDefinition
from analytics.factors import MISSING, OTHER, BinSpec

if TYPE_CHECKING:
    from analytics.model._fit import FittedModel

MISSING_LEVEL = "(missing)"  # the level of a categorical factor's missing values
TREATMENTS = ("numeric", "log", "categorical", "woe")
CONST = "const"
NAME_LENGTH = 60
PREDICT_BATCH = 1_000_000  # rows per Arrow batch when scoring a whole table in Python

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


def score_sql(log_odds: str, scaling: Scaling, lit: Literal) -> str:
    """Score from a log-odds SQL expression."""
    return f"({lit(scaling.offset)} - {lit(scaling.factor)} * {log_odds})"


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
# per unit of a number (or of its log), the treatments and the missing / unseen bins of a binning.
WORDS = ("base_points", "per_unit", "per_log_unit", *TREATMENTS, "missing", "other")


def scorecard_table(encodings: Sequence[Encoding], params: Mapping[str, float], scaling: Scaling) -> pd.DataFrame:
    """Points per factor level or bin: factor, treatment, attribute, value, coef, points, points_rounded.

    The score of a loan is the base points (intercept) plus its attributes' points; a numeric factor has points
    per unit (times the value, or its log), not rounded.
    """
    const, coefs = split_params(encodings, params)
    rows = [("base_points", "", "", math.nan, const, scaling.offset - scaling.factor * const)]
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
                rows.append((enc.column, enc.treatment, labels[code], woe, c[0], -scaling.factor * c[0] * woe))
    table = pd.DataFrame(rows, columns=["factor", "treatment", "attribute", "value", "coef", "points"])
    per_unit = table["treatment"].isin(("numeric", "log")).to_numpy()  # points per unit: not rounded to a whole point
    rounded = pd.array(np.where(per_unit, 0, table["points"].round()).astype(np.int64), dtype="Int64")
    rounded[per_unit] = pd.NA
    return table.assign(points_rounded=rounded)


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
    before ``split_date``, test from it, by ``date_column`` or the table's origination-date column).
    ``outcome``: the default definition (None: the table's saved one).
    """

    table: str
    factors: tuple[FactorSpec, ...]
    booked_only: bool = True
    holdout: str = "none"
    fraction: float = 0.3
    seed: int = 1
    split_date: str | None = None
    date_column: str | None = None
    outcome: DefaultDefinition | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", tuple(self.factors))

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["factors"] = [f.to_dict() for f in self.factors]
        data["outcome"] = self.outcome.to_dict() if self.outcome else None
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

    def score_sql(self) -> tuple[str, list]:
        params: list = []
        lit = binder(params)
        offset, factor = lit(self.scaling.offset), lit(self.scaling.factor)
        sql, _ = self.log_odds_sql(lit)
        return f"({offset} - {factor} * {sql})", params

    def problem_sql(self, lit: Literal) -> str:
        """SQL naming the factors a row cannot be scored on (NULL when it can)."""
        _, coefs = split_params(self.encodings, self.params)
        parts = [problem_sql(e, c, lit) for e, c in zip(self.encodings, coefs, strict=True)]
        return f"NULLIF(concat_ws('; ', {', '.join(parts)}), '')"

    def export_sql(self) -> str:
        """One SELECT with every value inlined: PD, score and grade per loan of the table, in any SQL database."""
        lit = literal
        log_odds = log_odds_sql(self.encodings, self.params, lit)
        pd_ = pd_sql(log_odds)
        score = f"({lit(self.scaling.offset)} - {lit(self.scaling.factor)} * {log_odds})"
        grade = grade_sql(pd_, lit)
        header = (
            f"-- Microcredit Risk Lab model {self.name!r} version {self.version}: PD, score and grade per loan\n"
            f"-- scaling: {self.scaling.base_score:g} points at odds {self.scaling.base_odds:g}:1, "
            f"{self.scaling.pdo:g} points to double the odds; NULL where a factor cannot be scored\n"
        )
        columns = f"  {pd_} AS pd,\n  {score} AS score,\n  {grade} AS grade"
        return f"{header}SELECT *,\n{columns}\nFROM {store.quote_ident(self.spec.table)}"

    def predict_log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        return predict_log_odds(self.encodings, self.params, frame)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """PD per row of ``frame`` (NaN where a factor cannot be scored)."""
        return 1 / (1 + np.exp(-self.predict_log_odds(frame)))

    def predict_table(self, con: duckdb.DuckDBPyConnection, table: str) -> np.ndarray:
        """PD of every row of ``table`` (in its stored order), scored in Python.

        The factor columns come as Arrow batches of ``PREDICT_BATCH`` rows (memory stays flat however long the
        table) with text dictionary-encoded (pandas categories), so the text is neither copied into Python
        strings nor mapped more than once per distinct value of a batch.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        columns = ", ".join(store.quote_ident(c) for c in dict.fromkeys(e.column for e in self.encodings))
        reader = con.sql(f"SELECT {columns} FROM {store.quote_ident(table)}").to_arrow_reader(PREDICT_BATCH)
        text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
        parts = [np.empty(0)]
        for batch in reader:
            encoded = [pc.dictionary_encode(c) if any(is_(c.type) for is_ in text) else c for c in batch.columns]
            parts.append(self.predict(pa.table(encoded, names=batch.schema.names).to_pandas()))
        return np.concatenate(parts)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Score per row of ``frame``."""
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

    def scorecard(self, scaling: Scaling | None = None) -> pd.DataFrame:
        """Points per factor level or bin (see ``scorecard_table``)."""
        return scorecard_table(self.encodings, self.params, scaling or self.scaling)

    def to_json(self) -> dict:
        """The model as JSON: spec, encodings, coefficients, covariance, scaling, metrics and its SQL."""
        return {
            "name": self.name,
            "version": self.version,
            "created_at": str(self.created_at) if self.created_at else None,
            "fingerprint": self.fingerprint,
            "spec": self.spec.to_dict(),
            "encodings": [e.to_dict() for e in self.encodings],
            "params": self.params,
            "cov": self.cov,
            "scaling": self.scaling.to_dict(),
            "metrics": self.metrics,
            "sql": self.export_sql(),
        }


def _fingerprint(con: duckdb.DuckDBPyConnection, fitted: FittedModel) -> str:
    """A hash of the data the model was fitted on: the table's import, definition, sample and counts."""
    rows = con.execute(
        "SELECT checksum, rows FROM risklab_catalog.imports WHERE table_name = ? ORDER BY id DESC LIMIT 1",
        [fitted.spec.table],
    ).fetchall()
    spec = fitted.spec.to_dict()
    basis = [spec["table"], list(rows[0]) if rows else None, spec["outcome"], spec["booked_only"], spec["holdout"]]
    basis += [spec["fraction"], spec["seed"], spec["split_date"], fitted.stats["n_obs"], fitted.stats["n_events"]]
    return hashlib.sha256(json.dumps(basis, default=str).encode()).hexdigest()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def save_model(con: duckdb.DuckDBPyConnection, name: str, fitted: FittedModel, scaling: Scaling | None = None) -> int:
    """Save ``fitted`` as the next version of ``name`` (versions never overwrite); returns the version."""
    name = (name or "").strip()
    if not 1 <= len(name) <= NAME_LENGTH:
        raise RiskLabError("model.bad_name", max=NAME_LENGTH)
    saved = fitted.as_saved(name, 0, scaling)

    def insert() -> int:
        with store.transaction(con):
            ((version,),) = con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM risklab_catalog.models WHERE name = ?", [name]
            ).fetchall()
            con.execute(
                "INSERT INTO risklab_catalog.models (name, version, table_name, spec, params, cov, metrics, scaling, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    name,
                    version,
                    fitted.spec.table,
                    _json({"model": fitted.spec.to_dict(), "encodings": [e.to_dict() for e in fitted.encodings]}),
                    _json(saved.params),
                    _json(saved.cov),
                    _json(saved.metrics),
                    _json(saved.scaling.to_dict()),
                    _fingerprint(con, fitted),
                ],
            )
            store.audit(con, "save_model", fitted.spec.table, name=name, version=int(version))
        return int(version)

    return store.retry_conflicts(insert)  # two users saving one name at once get two versions


def list_models(con: duckdb.DuckDBPyConnection, table: str | None = None) -> pd.DataFrame:
    """Saved versions (of one table's models, when given): name, version, table, created_at, factors, n_obs,
    auc, test_auc, fingerprint; newest first within a name."""
    rows = con.execute(
        "SELECT name, version, table_name, created_at, spec, metrics, fingerprint FROM risklab_catalog.models "
        "WHERE ? IS NULL OR table_name = ? ORDER BY name, version DESC",
        [table, table],
    ).fetchall()
    out = []
    for name, version, table_name, created, spec, metrics_json, fingerprint in rows:
        spec_data, saved_metrics = json.loads(spec), json.loads(metrics_json or "{}")
        train, test = saved_metrics.get("train") or {}, saved_metrics.get("test") or {}
        out.append(
            {
                "name": name,
                "version": int(version),
                "table": table_name,
                "created_at": created,
                "factors": ", ".join(f["column"] for f in spec_data["model"]["factors"]),
                "n_obs": (saved_metrics.get("fit") or {}).get("n_obs"),
                "auc": train.get("auc"),
                "test_auc": test.get("auc"),
                "fingerprint": fingerprint[:12],
            }
        )
    columns = ["name", "version", "table", "created_at", "factors", "n_obs", "auc", "test_auc", "fingerprint"]
    return pd.DataFrame(out, columns=columns)


def models_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """A key that changes whenever a model is saved or deleted (for UI caches)."""
    ((count, last),) = con.execute("SELECT count(*), max(created_at) FROM risklab_catalog.models").fetchall()
    return int(count), str(last)


def load_model(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None) -> SavedModel:
    """A saved version of model ``name`` (the latest when ``version`` is None)."""
    rows = con.execute(
        "SELECT version, spec, params, cov, metrics, scaling, created_at, fingerprint FROM risklab_catalog.models "
        "WHERE name = ? AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
        [name, version, version],
    ).fetchall()
    if not rows:
        raise RiskLabError("model.not_found", name=name, version="" if version is None else f" version {version}")
    version, spec, params, cov, saved_metrics, scaling, created, fingerprint = rows[0]
    spec_data = json.loads(spec)
    return SavedModel(
        name=name,
        version=int(version),
        spec=ModelSpec.from_dict(spec_data["model"]),
        params=json.loads(params),
        scaling=Scaling.from_dict(json.loads(scaling or "{}")),
        encodings=tuple(Encoding.from_dict(e) for e in spec_data["encodings"]),
        cov=json.loads(cov) if cov else None,
        metrics=json.loads(saved_metrics or "{}"),
        created_at=created,
        fingerprint=fingerprint or "",
    )


def delete_model(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None) -> None:
    """Delete one version of a model, or all its versions when ``version`` is None (audited)."""
    load_model(con, name, version)
    with store.transaction(con):
        con.execute(
            "DELETE FROM risklab_catalog.models WHERE name = ? AND (? IS NULL OR version = ?)", [name, version, version]
        )
        store.audit(con, "delete_model", None, name=name, version=version)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Saved versions side by side: coefficients (term x model) and metrics (metric x model)."""

    coefficients: pd.DataFrame
    metrics: pd.DataFrame


COMPARED_METRICS = (
    ("fit", "n_obs"),
    ("fit", "n_events"),
    ("fit", "aic"),
    ("fit", "bic"),
    ("fit", "pseudo_r2"),
    ("train", "auc"),
    ("train", "gini"),
    ("train", "ks"),
    ("test", "auc"),
    ("test", "gini"),
    ("test", "ks"),
    ("cv", "mean"),
)


def compare_models(con: duckdb.DuckDBPyConnection, versions: Sequence[tuple[str, int]]) -> Comparison:
    """Coefficients and metrics of saved versions side by side (columns ``name v<version>``)."""
    if len(versions) < 2:
        raise RiskLabError("model.compare_two")
    models = [load_model(con, name, version) for name, version in versions]
    labels = [f"{m.name} v{m.version}" for m in models]
    coefficients = pd.DataFrame({label: pd.Series(m.params) for label, m in zip(labels, models, strict=True)})
    coefficients = coefficients.rename_axis("term").reset_index()
    rows = []
    for group, key in COMPARED_METRICS:
        values = [(m.metrics.get(group) or {}).get(key) for m in models]
        rows.append({"metric": f"{group}.{key}", **dict(zip(labels, values, strict=True))})
    return Comparison(coefficients, pd.DataFrame(rows))


# --- scoring a file -----------------------------------------------------------------------------------------------

OUTPUT_WRITERS: dict[str, Callable[[pd.DataFrame, str], None]] = {
    ".csv": lambda frame, path: frame.to_csv(path, index=False),
    ".xlsx": lambda frame, path: frame.to_excel(path, index=False),
    ".parquet": lambda frame, path: frame.to_parquet(path, index=False),
}
SCORE_COLUMNS = ("pd", "score", "grade", "problem")


def score_file(
    con: duckdb.DuckDBPyConnection, name: str, input_path: str, output_path: str, version: int | None = None
) -> dict:
    """Add ``pd``, ``score``, ``grade`` and ``problem`` to every row of a loan file with a saved model.

    The file is read like an import (CSV/TSV/TXT, Excel, Parquet, JSON) into a scratch database; rows the model
    cannot score keep empty scores and say why in ``problem``. Returns counts and the first problems.
    """
    writer = OUTPUT_WRITERS.get(Path(output_path).suffix.lower())
    if writer is None:
        raise RiskLabError("model.bad_output", path=output_path, kinds=", ".join(OUTPUT_WRITERS))
    saved = load_model(con, name, version)
    scratch = store.connect(":memory:")
    try:
        datasets.import_path(scratch, input_path, table="loans")
        types = dict(store.table_columns(scratch, "loans"))
        for enc in saved.encodings:
            if enc.column not in types:
                raise RiskLabError("model.input_missing_column", column=enc.column)
        numbers = {e.column for e in saved.encodings if e.treatment in ("numeric", "log")}
        numbers |= {e.column for e in saved.encodings if e.bins is not None and e.bins.kind == "numeric"}
        casts = [c for c in numbers if types[c] == "VARCHAR"]  # a number column with text in it: bad rows
        replace = ", ".join(f"TRY_CAST({store.quote_ident(c)} AS DOUBLE) AS {store.quote_ident(c)}" for c in casts)
        kept = [c for c in types if c not in SCORE_COLUMNS]
        params: list = []
        lit = binder(params)  # parameters are bound in the order they appear in the text: build it in that order
        sql = f"SELECT {', '.join(store.quote_ident(c) for c in kept)}, pd, score, {grade_sql('pd', lit)} AS grade, "
        sql += f"problem FROM (SELECT *, {pd_sql('__lo')} AS pd, ({lit(saved.scaling.offset)} - "
        sql += f"{lit(saved.scaling.factor)} * __lo) AS score, __problem AS problem FROM (SELECT *, "
        sql += f"{log_odds_sql(saved.encodings, saved.params, lit)} AS __lo, {saved.problem_sql(lit)} AS __problem "
        sql += f"FROM (SELECT *{f' REPLACE ({replace})' if replace else ''} FROM loans ORDER BY rowid)))"
        frame = scratch.execute(sql, params).df()
    finally:
        scratch.close()
    writer(frame, output_path)
    bad = frame.index[frame["pd"].isna()]
    return {
        "model": saved.name,
        "version": saved.version,
        "rows": len(frame),
        "scored": int(len(frame) - len(bad)),
        "bad_rows": len(bad),
        "problems": [{"row": int(i) + 1, "problem": frame.at[i, "problem"]} for i in bad[:10]],
        "output": str(output_path),
    }
