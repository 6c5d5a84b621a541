"""How figures are written, per language, through Babel (CLDR locale data): numbers, percentages, compact
amounts (K/M/B in English, 万/亿 in Chinese), dates and months; the same rules as Vega-Lite axis properties.

Every table, chart axis, metric tile and Excel export asks here by a column's kind (``analytics.core.KINDS``),
so 0.0907 is 9.07% everywhere and 2,731,618,851 is "2.73 B" / "27.32 亿" on tiles and axes alike.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools

from babel import Locale, dates, numbers

# The Babel locale of each language of the app (``analytics.core.LANGUAGES``).
LOCALES = {"en": "en", "zh": "zh_Hans_CN"}

# CLDR number patterns by kind (``#,##0`` groups thousands; a kind not listed is written as "number").
NUMBER_PATTERNS = {
    "share": "#,##0.00%",  # 0.0907 -> 9.07%
    "pd": "#,##0.00%",
    "amount": "#,##0",  # 36,700
    "count": "#,##0",
    "score": "#,##0",
    "p_value": "0.0000",  # 0.0362
    "statistic": "0.0000",  # IV, KS, AUC: 0.2834
    "ratio": "#,##0.00",  # odds ratio 1.85
    "number": "#,##0.00",
}
COMPACT_PATTERN = "#,##0.00"  # the number before a compact unit: 2.73 B, 27.32 亿
P_VALUE_FLOOR = 0.0001  # smaller p-values are written "<0.0001"
# Coefficients keep this many significant digits (a raw income's 0.0001283 is no "0.0000"), written the way
# Streamlit's table format "%.4g" writes them (JavaScript's toPrecision, trailing zeros dropped): 0.0279,
# -1.457, 0.0001283, 12350; in exponent form only below 1e-6: 1.283e-7.
SIGNIFICANT_DIGITS = 4

# Date patterns (CLDR syntax): ISO in English, 2026年11月22日 in Chinese.
DATE_FORMATS = {"en": "yyyy-MM-dd", "zh": "y年M月d日"}
MONTH_FORMATS = {"en": "yyyy-MM", "zh": "y年M月"}
DATETIME_FORMATS = {"en": "yyyy-MM-dd HH:mm", "zh": "y年M月d日 HH:mm"}
# The same for Streamlit's table columns (moment.js syntax) and for Vega-Lite axes (d3-time-format syntax).
DATETIME_COLUMN_FORMATS = {"en": "YYYY-MM-DD HH:mm", "zh": "YYYY年M月D日 HH:mm"}
DATE_COLUMN_FORMATS = {"en": "YYYY-MM-DD", "zh": "YYYY年M月D日"}
_VEGA_TIME_FORMATS = {
    "date": {"en": "%Y-%m-%d", "zh": "%Y年%-m月%-d日"},
    "month": {"en": "%Y-%m", "zh": "%Y年%-m月"},
    "datetime": {"en": "%Y-%m-%d %H:%M", "zh": "%Y年%-m月%-d日 %H:%M"},
}

# Vega-Lite axis formats (d3-format syntax), at most the tables' decimals; "~" drops trailing zeros (ticks 2.5%, 10%).
_VEGA_NUMBER_FORMATS = {
    "share": {"format": ".2~%"},
    "pd": {"format": ".2~%"},
    "count": {"format": ",d", "tickMinStep": 1},
    "score": {"format": ",d"},
    "p_value": {"format": ".4~f"},
    "statistic": {"format": ".4~f"},
    "coef": {"format": f".{SIGNIFICANT_DIGITS}~r"},
    "ratio": {"format": ",.2~f"},
    "number": {"format": ",.2~f"},
}


def locale(lang: str) -> str:
    """The Babel locale of a language (English for an unknown one)."""
    return LOCALES.get(lang, LOCALES["en"])


def _lang(lang: str) -> str:
    return lang if lang in LOCALES else "en"


def missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA: what tables show as "-"."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True


def _signed(pattern: str) -> str:
    """The pattern with an explicit sign on both sides: ``+9.07%`` / ``-9.07%``."""
    return f"+{pattern};-{pattern}"


def format_significant(value: float, digits: int = SIGNIFICANT_DIGITS, *, signed: bool = False) -> str:
    """``value`` to ``digits`` significant digits without trailing zeros, as a table's "%.4g" column shows it
    (JavaScript: ``String(Number(value.toPrecision(4)))``): ``0.0279``, ``0.0001283``, ``-1.457``, ``12350``;
    ``1.283e-7`` below 1e-6. The same in every language (digits and a decimal point)."""
    rounded = float(f"{value:.{digits}g}")
    if rounded == 0:
        text = "0"
    elif abs(rounded) < 1e-6 or abs(rounded) >= 1e21:
        mantissa, exponent = f"{rounded:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent):+d}"
    else:
        text = format(decimal.Decimal(repr(rounded)).normalize(), "f")
    return f"+{text}" if signed and rounded > 0 else text


def format_pattern(value: float, pattern: str, lang: str = "en", *, signed: bool = False) -> str:
    """``value`` written with a CLDR number pattern (``#,##0.00``, ``0.00%``) for ``lang``. A value that the
    pattern rounds to zero has no sign: ``0.00``, not ``-0.00`` (or ``+0.00`` when ``signed``)."""
    size = numbers.format_decimal(abs(value), pattern, locale=locale(lang))
    if not any(digit in size for digit in "123456789"):
        return size
    return numbers.format_decimal(value, _signed(pattern) if signed else pattern, locale=locale(lang))


@functools.cache
def compact_units(lang: str) -> tuple[tuple[int, str], ...]:
    """``(size, unit)`` of the language's compact amounts, largest first, from CLDR's short decimal formats:
    ``(10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")`` in English, ``万亿``, ``亿``, ``万`` in Chinese."""
    patterns = Locale.parse(locale(lang)).compact_decimal_formats["short"]["other"]
    units = {}
    for size, pattern in patterns.items():
        unit = pattern.suffix[0].strip()
        if unit and unit not in units:  # the first (smallest) size a unit is written at is its size
            units[unit] = int(size)
    return tuple(sorted(((size, unit) for unit, size in units.items()), reverse=True))


def format_compact(value: float, lang: str = "en", *, signed: bool = False) -> str:
    """An amount in the language's large units with two decimals: ``2.73 B`` / ``27.32 亿``, ``950`` below the
    smallest unit. A value that rounds up to a unit is written in it (999,999.99 -> ``1.00 M``)."""
    for size, unit in compact_units(lang):
        if round(abs(value) / size, 2) >= 1:
            return f"{format_pattern(value / size, COMPACT_PATTERN, lang, signed=signed)} {unit}"
    return format_pattern(value, NUMBER_PATTERNS["amount"], lang, signed=signed)


def _as_date(value: object) -> dt.date | None:
    """A date or datetime from ISO text (``2026-11-22``, ``2026-11``, ``2026-11-22 14:30``) or as it is;
    None for other text (``2024Q1``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) == 7:  # a month
        text += "-01"
    try:
        return dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text)
    except ValueError:
        return None


def format_date(value: object, lang: str = "en", kind: str = "date") -> str:
    """A date, timestamp or ISO text as the language writes a ``kind`` ("date", "month" or "datetime"):
    ``2026-11-22`` / ``2026年11月22日``, ``2026-11`` / ``2026年11月``; "-" when missing."""
    if missing(value):
        return "-"
    day = _as_date(value)
    if day is None:
        return str(value)
    if kind == "datetime" and isinstance(day, dt.datetime):
        return dates.format_datetime(day, DATETIME_FORMATS[_lang(lang)], locale=locale(lang))
    patterns = MONTH_FORMATS if kind == "month" else DATE_FORMATS
    return dates.format_date(day, patterns[_lang(lang)], locale=locale(lang))


def format_value(value: object, kind: str, lang: str = "en", *, signed: bool = False, compact: bool = False) -> str:
    """``value`` written as its kind asks, in ``lang``; "-" when missing. ``signed`` writes "+" on positive
    values (changes); ``compact`` writes amounts in large units (tiles and axes: ``2.73 B`` / ``27.32 亿``)."""
    if missing(value):
        return "-"
    if kind in ("date", "month", "datetime"):
        return format_date(value, lang, kind)
    if kind == "text" or isinstance(value, str):
        return str(value)
    if kind == "p_value" and value < P_VALUE_FLOOR:
        return "<" + format_pattern(P_VALUE_FLOOR, NUMBER_PATTERNS["p_value"], lang)
    if kind == "amount" and compact:
        return format_compact(value, lang, signed=signed)
    if kind == "coef":
        return format_significant(value, signed=signed)
    return format_pattern(value, NUMBER_PATTERNS.get(kind, NUMBER_PATTERNS["number"]), lang, signed=signed)


def format_number(value: float | None, lang: str = "en", decimals: int = 0) -> str:
    """A count or amount with thousands separators (``36,000``; ``1,234.50``); "-" when missing."""
    if missing(value):
        return "-"
    return format_pattern(value, "#,##0" + ("." + "0" * decimals if decimals else ""), lang)


def format_percent(value: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A share as a percentage (``8.3%``; ``format_value(value, "share")`` writes two decimals); "-" when
    missing."""
    if missing(value):
        return "-"
    return format_pattern(value, "#,##0" + ("." + "0" * decimals if decimals else "") + "%", lang)


def _vega_compact_expr(lang: str) -> str:
    """A Vega expression writing ``datum.value`` as ``format_compact`` does (trailing zeros dropped on ticks)."""
    expr = "format(datum.value, ',.0f')"
    for size, unit in reversed(compact_units(lang)):
        expr = f"abs(datum.value) >= {size} ? format(datum.value / {size}, ',.2~f') + ' {unit}' : {expr}"
    return expr


def vega_format(kind: str, lang: str = "en") -> dict[str, object]:
    """Vega-Lite axis (or legend) properties that write a kind's values as ``format_value`` does: percentages
    for shares (``{"format": ".2~%"}``), amounts in K/M/B (English) or 万/亿 (Chinese) through a ``labelExpr``,
    dates as the language writes them; ``{}`` for text."""
    if kind == "amount":
        return {"labelExpr": _vega_compact_expr(_lang(lang))}
    if kind in _VEGA_TIME_FORMATS:
        return {"format": _VEGA_TIME_FORMATS[kind][_lang(lang)], "formatType": "time"}
    if kind == "text":
        return {}
    return dict(_VEGA_NUMBER_FORMATS.get(kind, _VEGA_NUMBER_FORMATS["number"]))


EXCEL_FORMATS = {
    "share": "0.00%",
    "pd": "0.00%",
    "amount": "#,##0",
    "count": "#,##0",
    "p_value": "0.0000",
    "statistic": "0.0000",
    "coef": "General",  # Excel has no significant-digit format: the whole number, never "0.0000"
    "ratio": "#,##0.00",
    "score": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
    "datetime": "yyyy-mm-dd hh:mm",
    "text": "@",
}


def excel_format(kind: str) -> str:
    """The Excel number format of a kind."""
    return EXCEL_FORMATS.get(kind, "General")
