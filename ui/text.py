"""The user's language: translations and formatted figures for the current session."""

from __future__ import annotations

from collections.abc import Callable, Mapping

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


def named(label_keys: Mapping[str, str]) -> Callable[[str], str]:
    """A ``format_func`` for options whose labels are the keys ``label_keys[option]`` (a breakdown dimension's
    name: ``portfolio.DIMENSION_LABELS``), fixed to the language now."""
    language = lang()
    return lambda option: core.t(label_keys[option], language)


def figure(value: object, kind: str, *, compact: bool = False, signed: bool = False) -> str:
    """A figure written as the column registry writes its ``kind`` (share, amount, count, p_value ...)."""
    return core.format_value(value, kind, lang(), compact=compact, signed=signed)


def column_labels() -> Callable[[str], str]:
    """A ``format_func`` for options that are column keys (``par30`` -> "PAR30"): their labels in the column
    registry, fixed to the language now."""
    language = lang()
    return lambda key: core.column_label(key, language)


def formatter(kind: str) -> Callable[[object], str]:
    """A ``format_func`` writing options as the column registry writes ``kind`` (the months of a picker ...),
    fixed to the language now."""
    language = lang()
    return lambda value: core.format_value(value, kind, language)


def change(value: float | None, kind: str) -> str | None:
    """A metric tile's change: shares in percentage points (``+0.18 pp`` / ``+0.18 个百分点``), amounts compact
    (``-39.06 M``), others signed (``+1,312``); None when there is nothing to compare with."""
    if value is None:
        return None
    if kind in ("share", "pd"):
        return t("format.pp", value=figure(value * 100, "number", signed=True))
    return figure(value, kind, compact=True, signed=True)


def column(key: str) -> str:
    """The label of the registry's column ``key`` in the session's language (a metric tile's, a heading's)."""
    return core.column_label(key, lang())


def value(data: object) -> str:
    """A value of the data that is no registered figure (a factor's setting on a what-if slider, a level): a
    number with thousands separators and up to three decimals, as the sliders write it (``45,000``, ``0.409``),
    text as it is, "-" when missing."""
    if isinstance(data, str) or data is None or data != data:
        return core.format_value(data, "text", lang())
    decimals = next((d for d in range(3) if round(float(data), d) == round(float(data), 3)), 3)
    return core.format_number(float(data), lang(), decimals)


def p_value(value: float | None) -> str:
    """A test's p-value as a clause: "p = 0.0362", or "p < 0.0001" for a tiny one."""
    written = figure(value, "p_value")
    return f"p {written[0]} {written[1:]}" if written.startswith("<") else f"p = {written}"


def date(value: object) -> str:
    """A date as the session's language writes it."""
    return core.format_value(value, "date", lang())


def message(error: core.RiskLabError | core.Notice) -> str:
    """A user error or notice in the session's language."""
    return error.message(lang())
