"""The table context: read once per request (columns, roles, default definition, version) and handed down, so
fitting a model or comparing decisions reads the catalog once instead of at every step."""

from __future__ import annotations

import collections
import shutil

import pandas as pd
import pytest

from analytics import datasets, decisions, factors, model, portfolio, sample, store
from analytics.core import RiskLabError
from analytics.model import FactorSpec, ModelSpec
from tests.conftest import add_table


@pytest.fixture(scope="module")
def db(demo_db_template, tmp_path_factory):
    """A private copy of the demo database for this module."""
    path = tmp_path_factory.mktemp("context") / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    connection = store.connect(path)
    yield connection
    connection.close()


class CountingConnection:
    """Forwards to a DuckDB connection and keeps every SQL text run through it."""

    def __init__(self, con) -> None:
        self.con, self.queries = con, []

    def execute(self, query, *args, **kwargs):
        self.queries.append(query)
        return self.con.execute(query, *args, **kwargs)

    def sql(self, query, *args, **kwargs):
        self.queries.append(query)
        return self.con.sql(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.con, name)

    def reads(self) -> collections.Counter:
        """Catalog reads by kind: a table's columns (duckdb_columns or DESCRIBE), saved roles, default definition."""
        found = collections.Counter()
        for query in self.queries:
            text = " ".join(str(query).split())
            found["columns"] += "duckdb_columns()" in text or text.upper().startswith("DESCRIBE")
            found["roles"] += "risklab_catalog.column_roles" in text
            found["definition"] += "risklab_catalog.default_definitions" in text
        return found


def test_the_context_holds_what_the_catalog_says(db):
    ctx = datasets.table_context(db, sample.LOANS_TABLE)
    assert ctx.table == sample.LOANS_TABLE
    assert ctx.columns == tuple(store.table_columns(db, sample.LOANS_TABLE))
    assert ctx.role_map == datasets.table_roles(db, sample.LOANS_TABLE)
    assert ctx.roles == tuple(ctx.role_map.items())
    assert ctx.definition == datasets.load_definition(db, sample.LOANS_TABLE)
    assert ctx.definition.column_type == datasets.load_definition(db, sample.LOANS_TABLE).column_type
    assert ctx.types["debt_ratio"] == "DOUBLE"
    assert ctx.with_role("booked") == ["booked"] and ctx.column_with_role("booked") == "booked"
    assert ctx.column_with_role("snapshot_date") is None
    assert hash(ctx) == hash(datasets.table_context(db, sample.LOANS_TABLE))
    assert ctx == datasets.table_context(db, sample.LOANS_TABLE)
    with pytest.raises(RiskLabError, match=r"^table 'sample_loans' has no column 'nope'$"):
        ctx.require_column("nope")
    with pytest.raises(RiskLabError, match=r"^there is no table named 'nope'$"):
        datasets.table_context(db, "nope")


def test_the_version_changes_with_roles_definition_import_and_database(con, tmp_path):
    frame = pd.DataFrame({"loan_id": ["a", "b", "c"], "bad": [0, 1, 0], "x": [1.0, 2.0, 3.0]})
    add_table(con, "loans", frame)
    first = datasets.table_context(con, "loans")
    assert first.definition is None
    assert datasets.table_context(con, "loans").version == first.version
    datasets.save_roles(con, "loans", {"x": "ignore"})
    roles = datasets.table_context(con, "loans")
    assert roles.role_map["x"] == "ignore" and roles.version != first.version
    datasets.save_definition(con, "loans", datasets.DefaultDefinition("flag", "bad", values=(1,)))
    defined = datasets.table_context(con, "loans")
    assert defined.definition.column == "bad" and defined.version not in (first.version, roles.version)
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    datasets.import_path(con, path, table="loans", replace=True)
    imported = datasets.table_context(con, "loans")
    assert imported.version != defined.version
    other = store.connect(tmp_path / "other.duckdb")
    datasets.import_path(other, path, table="loans")
    elsewhere = datasets.table_context(other, "loans")
    other.close()
    assert elsewhere.version != imported.version  # another database file


def test_fitting_a_model_reads_columns_and_roles_once(db):
    """The Model page's calls for one fit: the context once, then population, treatments, split date, fit."""
    counting = CountingConnection(db)
    ctx = datasets.table_context(counting, sample.LOANS_TABLE)
    pop = factors.population(ctx)
    treatments = model.factor_treatments(ctx)
    split = model.suggest_split_date(counting, ctx)
    spec = ModelSpec(
        sample.LOANS_TABLE,
        (FactorSpec("debt_ratio"), FactorSpec("annual_income", "log"), FactorSpec("education", "categorical")),
        booked_only=pop.booked_column is not None,
        holdout="time",
        split_date=str(split),
    )
    fitted = model.fit_model(counting, ctx, spec)
    assert {f.column for f in spec.factors} <= set(treatments)
    assert fitted.validation()["test"].n > 0
    assert counting.reads() == {"columns": 1, "roles": 1, "definition": 1}


def test_a_comparison_and_the_portfolio_read_nothing_after_the_context(db):
    saved = model.load_model(db, sample.SAMPLE_MODEL)
    loans = datasets.table_context(db, sample.LOANS_TABLE)
    performance = datasets.table_context(db, sample.PERFORMANCE_TABLE)
    counting = CountingConnection(db)
    source = decisions.default_source(counting, loans)
    setup = decisions.Setup.from_model(loans, saved, source)
    decisions.compare(counting, setup, 0.1)
    decisions.officer_consistency(counting, setup, 0.1)
    ranges = decisions.factor_ranges(counting, loans, saved)
    decisions.evaluate(counting, loans, saved, decisions.typical_applicant(counting, loans, ranges), {}, 0.1, source)
    portfolio.kpis(counting, portfolio.resolve(counting, performance), summary=False)
    portfolio.loan_level(counting, loans)
    factors.rank_factors(counting, factors.population(loans))
    assert counting.reads() == {"columns": 0, "roles": 0, "definition": 0}


def test_a_context_of_another_table_does_not_fit_the_spec(db):
    ctx = datasets.table_context(db, "german_credit")
    with pytest.raises(ValueError, match="does not fit a model of table 'sample_loans'"):
        model.fit_model(db, ctx, ModelSpec(sample.LOANS_TABLE, (FactorSpec("debt_ratio"),)))
