"""Saved model versions in ``risklab_catalog.models`` (saving a name again adds a version, never overwrites), their
comparison, and scoring a loan file with a saved version."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import datasets, store
from analytics.core import RiskLabError
from analytics.model import _reasons as reasons
from analytics.model._fit import FittedModel
from analytics.model._scorecard import (
    Encoding,
    ModelSpec,
    SavedModel,
    Scaling,
    binder,
    grade_sql,
    log_odds_sql,
    pd_sql,
)

NAME_LENGTH = 60


def _fingerprint(con: duckdb.DuckDBPyConnection, fitted: FittedModel) -> str:
    """A hash of the data the model was fitted on: the table's import, definition, sample and counts."""
    rows = con.execute(
        "SELECT checksum, rows FROM risklab_catalog.imports WHERE table_name = ? ORDER BY id DESC LIMIT 1",
        [fitted.spec.table],
    ).fetchall()
    spec = fitted.spec.to_dict()
    basis = [spec["table"], list(rows[0]) if rows else None, spec["outcome"], spec["booked_only"], spec["holdout"]]
    basis += [spec["fraction"], spec["seed"], spec["split_date"], fitted.stats["n_obs"], fitted.stats["n_events"]]
    if spec["segment_column"] is not None:  # a segment model's data is its segment (older fingerprints unchanged)
        basis += [spec["segment_column"], spec["segment_values"]]
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


def save_version(con: duckdb.DuckDBPyConnection, saved: SavedModel, reason: str) -> int:
    """Save ``saved`` (a recalibrated or refitted model built from a saved one) as the next version of its name,
    with ``reason`` in its metrics and the audit row; returns the version."""
    reason = (reason or "").strip()
    metrics = {**saved.metrics, "reason": reason}

    def insert() -> int:
        with store.transaction(con):
            ((version,),) = con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM risklab_catalog.models WHERE name = ?", [saved.name]
            ).fetchall()
            con.execute(
                "INSERT INTO risklab_catalog.models (name, version, table_name, spec, params, cov, metrics, scaling, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    saved.name,
                    version,
                    saved.spec.table,
                    _json({"model": saved.spec.to_dict(), "encodings": [e.to_dict() for e in saved.encodings]}),
                    _json(saved.params),
                    _json(saved.cov),
                    _json(metrics),
                    _json(saved.scaling.to_dict()),
                    saved.fingerprint,
                ],
            )
            store.audit(con, "save_model", saved.spec.table, name=saved.name, version=int(version), reason=reason)
        return int(version)

    return store.retry_conflicts(insert)


def list_models(con: duckdb.DuckDBPyConnection, table: str | None = None) -> pd.DataFrame:
    """Saved versions (of one table's models, when given): name, version, table, created_at, factors, n_obs,
    train_auc, test_auc (each named by its sample), fingerprint; newest first within a name."""
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
                "train_auc": train.get("auc"),
                "test_auc": test.get("auc"),
                "fingerprint": fingerprint[:12],
            }
        )
    columns = ["name", "version", "table", "created_at", "factors", "n_obs", "train_auc", "test_auc", "fingerprint"]
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
SCORE_COLUMNS = ("pd", "score", "grade", *reasons.reason_columns(), "problem")


def score_file(
    con: duckdb.DuckDBPyConnection, name: str, input_path: str, output_path: str, version: int | None = None
) -> dict:
    """Add ``pd``, ``score``, ``grade``, the reason codes (``reason_1`` .. ``reason_3`` with the points each
    lost, ``model.reason_codes``) and ``problem`` to every row of a loan file with a saved model.

    The file is read like an import (CSV/TSV/TXT, Excel, Parquet, JSON) into a scratch database; rows the model
    cannot score keep empty scores and say why in ``problem``. The score is the sum of the rounded points.
    Returns counts and the first problems.
    """
    writer = OUTPUT_WRITERS.get(Path(output_path).suffix.lower())
    if writer is None:
        raise RiskLabError("model.bad_output", path=output_path, kinds=", ".join(OUTPUT_WRITERS))
    saved = load_model(con, name, version)
    best = reasons.best_points(saved, reasons.value_ranges(con, saved))
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
        sql += f"problem FROM (SELECT *, {pd_sql('__lo')} AS pd, __score AS score, __problem AS problem FROM ("
        sql += f"SELECT *, {log_odds_sql(saved.encodings, saved.params, lit)} AS __lo, "
        sql += f"{saved.score_sql(lit)[0]} AS __score, {saved.problem_sql(lit)} AS __problem "
        sql += f"FROM (SELECT *{f' REPLACE ({replace})' if replace else ''} FROM loans ORDER BY rowid)))"
        frame = scratch.execute(sql, params).df()
    finally:
        scratch.close()
    factors = frame[list(dict.fromkeys(e.column for e in saved.encodings))]
    codes = reasons.reason_codes(saved, factors, best)
    problem = frame.pop("problem")
    frame = pd.concat([frame, codes], axis=1).assign(problem=problem)
    whole = ["score", *(c for c in codes.columns if c.endswith("_points"))]  # whole points: written 507, not 507.0
    frame[whole] = frame[whole].astype("Float64").astype("Int64")
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
