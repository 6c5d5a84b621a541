"""Caching at the UI edge: one mechanism for every analytics result a page shows.

``data(func, con, *args, **kwargs)`` calls ``func(con, *args, **kwargs)`` once per distinct arguments and keeps
a copy of the result; ``shared`` keeps the result itself (large read-only arrays). The arguments are the key:
a ``datasets.TableContext`` carries the table's version (import, roles, default definition), so a new import
or a changed definition misses the cache. ``depends_on`` adds to the key what the call depends on without
being passed it (the saved models' version ...); ``unhashed`` passes arguments that are not part of the key
(large arrays whose source is in the key already). The database file is always part of the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st

from analytics import store


def _name(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


@st.cache_data(show_spinner=False, max_entries=512)
def _data(name: str, _func: Callable, _con, db_file, args: tuple, kwargs: tuple, depends_on, _unhashed: dict):
    return _func(_con, *args, **dict(kwargs), **_unhashed)


@st.cache_resource(show_spinner=False, max_entries=8)  # up to ~180 MB each for 10M loans
def _shared(name: str, _func: Callable, _con, db_file, args: tuple, kwargs: tuple, depends_on):
    return _func(_con, *args, **dict(kwargs))


def data(
    func: Callable,
    con: duckdb.DuckDBPyConnection,
    *args: Any,
    depends_on: Any = None,
    unhashed: dict | None = None,
    **kwargs: Any,
) -> Any:
    """``func(con, *args, **kwargs)``, cached per its arguments (a copy of the result each time)."""
    key = tuple(sorted(kwargs.items()))
    return _data(_name(func), func, con, store.database_file(con), args, key, depends_on, unhashed or {})


def shared(func: Callable, con: duckdb.DuckDBPyConnection, *args: Any, depends_on: Any = None, **kwargs: Any) -> Any:
    """``func(con, *args, **kwargs)``, cached per its arguments; the result itself is shared (never change it)."""
    key = tuple(sorted(kwargs.items()))
    return _shared(_name(func), func, con, store.database_file(con), args, key, depends_on)


@st.cache_data(show_spinner=False, max_entries=512)
def _pure(name: str, _func: Callable, args: tuple, kwargs: tuple, _unhashed: dict):
    return _func(*args, **dict(kwargs), **_unhashed)


def pure(func: Callable, *args: Any, unhashed: dict | None = None, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` of a function that reads no database, cached per its arguments; ``unhashed``
    passes arguments that are not part of the key (a function, whose name the caller puts in the key)."""
    return _pure(_name(func), func, args, tuple(sorted(kwargs.items())), unhashed or {})
