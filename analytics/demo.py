"""The embedded default database: the simulated sample portfolio plus the shipped real datasets."""

from __future__ import annotations

import time

import duckdb

from analytics import datasets, outcome, roles, sample, store


def build_demo(con: duckdb.DuckDBPyConnection) -> dict:
    """(Re)build the sample portfolio and the real datasets, with their roles and default definitions."""
    start = time.perf_counter()
    summary = sample.build_sample(con)
    for table, table_roles in sample.SAMPLE_ROLES.items():
        roles.save_roles(con, table, table_roles)
        outcome.save_definition(con, table, outcome.DefaultDefinition.from_dict(sample.SAMPLE_DEFAULTS[table]))
    shipped = [install_shipped(con, dataset) for dataset in datasets.SHIPPED]
    return {
        "sample": {
            "loans_table": summary.loans_table,
            "performance_table": summary.performance_table,
            "applications": summary.applications,
            "booked": summary.booked,
            "defaults": summary.defaults,
        },
        "shipped": shipped,
        "tables": store.user_tables(con),
        "seconds": round(time.perf_counter() - start, 2),
    }


def install_shipped(con: duckdb.DuckDBPyConnection, dataset: datasets.ShippedDataset) -> dict:
    """Import one shipped real dataset with its roles and default definition."""
    (result,) = datasets.import_shipped(con, dataset)
    roles.save_roles(con, dataset.table, dataset.roles)
    outcome.save_definition(con, dataset.table, outcome.DefaultDefinition.from_dict(dataset.default))
    return {"table": result.table, "rows": result.rows}


def ensure_demo(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Build the demo database on first start (no user tables yet); otherwise do nothing."""
    if store.user_tables(con):
        return None
    return build_demo(con)
