"""How every chart looks: colour-blind-safe palettes, axis and tooltip formats by column kind, legends that fit.

Axis formats follow the column registry (``core.column(key).kind``), so a chart writes a figure the way the
tables and metric tiles do: shares as percentages, amounts compact in the page's language (2.5 B / 25 亿).
"""

from __future__ import annotations

import altair as alt

from analytics import core

# Okabe & Ito's palette (Color Universal Design): told apart with any common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}
# Series with no order (PAR30, PAR90, NPL ...): the palette's most distinct colours first.
SERIES_COLOURS = tuple(OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow"))
GOOD, BAD = OKABE_ITO["blue"], OKABE_ITO["vermillion"]  # never red against green
NEUTRAL = OKABE_ITO["grey"]
# Ordered classes, best to worst (the five loan categories): blue through yellow to vermillion.
ORDERED_COLOURS = tuple(OKABE_ITO[c] for c in ("blue", "sky_blue", "yellow", "orange", "vermillion"))
# Many ordered series (vintage cohorts): a perceptually uniform scheme, oldest dark, its pale yellow end cut off.
COHORT_SCHEME = {"name": "viridis", "extent": [0, 0.85]}
# Line patterns and point shapes that cycle together: with 5 and 7 (coprime) every one of 35 series differs.
DASHES = ([1, 0], [8, 4], [2, 3], [12, 3, 2, 3], [4, 2, 1, 2, 1, 2])
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right")

LABEL_LIMIT = 480  # px: legend labels and titles such as "Non-defaults (cumulative share)" are never cut
ROW_STEP = 24  # px per heat-map row
TOOLTIP_FORMATS = {  # the tables' precision (axes drop trailing zeros, tooltips keep them)
    "share": ".2%",
    "pd": ".2%",
    "amount": ",.0f",
    "count": ",.0f",
    "score": ",.0f",
    "p_value": ".4f",
    "statistic": ".4f",
    "coef": ".4~r",  # 4 significant digits, as the tables write coefficients
    "ratio": ",.2f",
    "number": ",.2f",
}
TIME_KINDS = ("date", "month", "datetime")


def column_kind(key: str, fallback: str = "number") -> str:
    """The registry's kind of column ``key``; ``fallback`` for a column the registry does not list."""
    return core.column(key, fallback).kind


def axis(kind: str, lang: str = "en", **properties: object) -> alt.Axis:
    """An axis that writes its labels as the tables write ``kind`` in ``lang`` (``core.vega_format``: 2.5%,
    2.5 B / 25 亿, 2024-03 / 2024年3月), with any other ``properties``."""
    return alt.Axis(**{**core.vega_format(kind, lang), **properties})


def tooltip_format(kind: str, lang: str = "en") -> str:
    """The d3 number (or time) format a tooltip uses for ``kind`` in ``lang``: the tables' precision."""
    if kind in TIME_KINDS:
        return core.vega_format(kind, lang)["format"]
    return TOOLTIP_FORMATS.get(kind, TOOLTIP_FORMATS["number"])


def legend(title: str | None = None, **properties: object) -> alt.Legend:
    """A legend below the chart whose labels and title are never truncated."""
    return alt.Legend(
        **{"title": title, "orient": "bottom", "labelLimit": LABEL_LIMIT, "titleLimit": LABEL_LIMIT, **properties}
    )


def titled(chart: alt.TopLevelMixin, title: str) -> alt.TopLevelMixin:
    """``chart`` with a title above it, left-aligned like the page's headings."""
    return chart.properties(title=alt.Title(title, anchor="start"))
