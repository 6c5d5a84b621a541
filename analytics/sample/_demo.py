"""The embedded default database: the simulated sample portfolio plus the shipped real datasets."""

from __future__ import annotations

import time

import duckdb

from analytics import datasets, model, store
from analytics.model import FactorSpec, ModelSpec
from analytics.sample import _generator as sample


def build_demo(con: duckdb.DuckDBPyConnection) -> dict:
    """(Re)build the sample portfolio and the real datasets, with their roles and default definitions."""
    start = time.perf_counter()
    summary = sample.build_sample(con)
    for table, table_roles in sample.SAMPLE_ROLES.items():
        datasets.save_roles(con, table, table_roles)
        datasets.save_definition(con, table, datasets.DefaultDefinition.from_dict(sample.SAMPLE_DEFAULTS[table]))
    for table, labels in sample.SAMPLE_LABELS.items():
        datasets.save_column_labels(con, table, labels)
    shipped = [install_shipped(con, dataset) for dataset in datasets.SHIPPED]
    sample_model = save_sample_model(con, summary.loans_table)
    return {
        "sample": {
            "loans_table": summary.loans_table,
            "performance_table": summary.performance_table,
            "applications": summary.applications,
            "booked": summary.booked,
            "defaults": summary.defaults,
        },
        "shipped": shipped,
        "model": sample_model,
        "tables": store.user_tables(con),
        "seconds": round(time.perf_counter() - start, 2),
    }


SAMPLE_MODEL = "sample scorecard"
SAMPLE_MODEL_FACTORS = (
    FactorSpec("annual_income", "log"),
    FactorSpec("debt_ratio", "numeric"),
    FactorSpec("prior_overdue_count", "numeric"),
    FactorSpec("credit_rating", "categorical", "AAA"),
    FactorSpec("guarantee_method", "categorical", "none"),
    FactorSpec("repayment_method", "categorical", "equal instalments"),
    FactorSpec("interest_rate_increase", "categorical", "0"),
    FactorSpec("education", "categorical", "primary"),
)


def save_sample_model(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """A first model on the sample portfolio, so the Expert vs model and What-if pages work on first start.

    It is developed on the loans booked before the documented change in the book (``CHANGE_DATE``) and tested on
    the later ones, so the Monitoring page shows it drifting."""
    split = str(sample.CHANGE_DATE)
    spec = ModelSpec(table, SAMPLE_MODEL_FACTORS, booked_only=True, holdout="time", split_date=split)
    fitted = model.fit_model(con, datasets.table_context(con, table), spec, folds=0)
    return {"name": SAMPLE_MODEL, "version": model.save_model(con, SAMPLE_MODEL, fitted)}


def install_shipped(con: duckdb.DuckDBPyConnection, dataset: datasets.ShippedDataset) -> dict:
    """Import one shipped real dataset with its roles and default definition."""
    (result,) = datasets.import_shipped(con, dataset)
    datasets.save_roles(con, dataset.table, dataset.roles)
    datasets.save_definition(con, dataset.table, datasets.DefaultDefinition.from_dict(dataset.default))
    return {"table": result.table, "rows": result.rows}


def ensure_demo(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Build the demo database on first start (no user tables yet); otherwise do nothing."""
    if store.user_tables(con):
        return None
    return build_demo(con)
