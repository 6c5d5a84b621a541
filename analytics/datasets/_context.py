"""A table as one request sees it, read from the catalog once and handed to every step that needs it.

A page resolves ``table_context(con, table)`` at the top of its run and passes the context down: the population
of a factor analysis, a model fit, a comparison setup and the portfolio's source read columns, types, roles and
the default definition from it instead of querying the catalog again at each step.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json

import duckdb

from analytics import store
from analytics.core import RiskLabError
from analytics.datasets import _outcome as outcome
from analytics.datasets import _roles as roles_mod


@dataclasses.dataclass(frozen=True)
class TableContext:
    """A table's columns (name, DuckDB type) in table order, every column's role, the saved default definition
    (None without one) and ``version``, a key that changes when any of them or the import changes. Hashable: a
    cache key."""

    table: str
    columns: tuple[tuple[str, str], ...]
    roles: tuple[tuple[str, str], ...]
    definition: outcome.DefaultDefinition | None = None
    version: tuple = ()

    @functools.cached_property
    def types(self) -> dict[str, str]:
        """``{column: DuckDB type}``."""
        return dict(self.columns)

    @functools.cached_property
    def role_map(self) -> dict[str, str]:
        """``{column: role}`` in column order."""
        return dict(self.roles)

    def with_role(self, key: str) -> list[str]:
        """The columns with role ``key``, in column order."""
        return roles_mod.columns_with_role(self.role_map, key)

    def column_with_role(self, key: str) -> str | None:
        """The first column with role ``key``, or None."""
        return next(iter(self.with_role(key)), None)

    def require_column(self, column: str) -> str:
        """``column`` if the table has it, else ``error.no_column`` (as ``store.require_column`` says it)."""
        if column not in self.types:
            raise RiskLabError("error.no_column", table=self.table, column=column)
        return column


def table_context(con: duckdb.DuckDBPyConnection, table: str) -> TableContext:
    """Read ``table``'s context: one catalog query each for its columns, its saved roles (new columns detected by
    one scan) and its default definition, plus its import version and the database file."""
    columns = tuple(store.table_columns(con, table))  # raises error.no_table
    roles = tuple(roles_mod.roles_of(con, table, columns).items())
    defn = outcome.saved_definition(con, table)
    types = dict(columns)
    if defn is not None and defn.column in types:
        defn = dataclasses.replace(defn, column_type=types[defn.column])
    basis = json.dumps([columns, roles, defn.to_dict() if defn else None], default=str, ensure_ascii=False)
    digest = hashlib.sha1(basis.encode()).hexdigest()[:16]
    version = (store.database_file(con), store.table_version(con, table), digest)
    return TableContext(table, columns, roles, defn, version)
