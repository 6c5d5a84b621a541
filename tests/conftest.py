"""Shared fixtures: an empty sandboxed database and one demo database built once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics import store

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def con():
    """An empty in-memory, sandboxed Risk Lab database."""
    connection = store.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The demo database (sample portfolio + shipped datasets), built once; copy before changing it."""
    from analytics.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "risklab.duckdb"
    connection = store.connect(path)
    build_demo(connection)
    connection.close()
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path) -> Path:
    """A private copy of the demo database that a test may change."""
    path = tmp_path / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    return path
