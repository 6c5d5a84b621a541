"""The user's language: translations and formatted figures for the current session."""

from __future__ import annotations

from collections.abc import Callable

from analytics import core
from ui import session


def lang() -> str:
    """The chosen language code ("en" or "zh")."""
    return session.get("lang")


def t(key: str, /, **params: object) -> str:
    """``key`` translated into the session's language."""
    return core.t(key, lang(), **params)


def labels(prefix: str) -> Callable[[object], str]:
    """A ``format_func`` for options whose labels are the keys ``prefix.<option>``, fixed to the language now
    (Streamlit may call it outside the script run)."""
    language = lang()
    return lambda option: core.t(f"{prefix}.{option}", language)


def figure(value: object, kind: str, *, compact: bool = False, signed: bool = False) -> str:
    """A figure written as the column registry writes its ``kind`` (share, amount, count, p_value ...)."""
    return core.format_value(value, kind, lang(), compact=compact, signed=signed)


def date(value: object) -> str:
    """A date as the session's language writes it."""
    return core.format_value(value, "date", lang())


def message(error: core.RiskLabError | core.Notice) -> str:
    """A user error or notice in the session's language."""
    return error.message(lang())
