"""Charts: an ``analytics.charts`` builder drawn in the user's language, its Vega-Lite spec cached per data.

Building, validating and converting an Altair chart costs tens of milliseconds; drawing a cached spec almost
nothing. The builder is passed itself (``charts.show(charts_.roc_chart, curves)``), never by name.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from analytics import core
from ui import cache, text


def _spec(args: tuple, options: tuple, lang: str, *, name: str, builder: Callable) -> dict:
    """The spec of ``builder`` (passed unhashed; its ``name`` is the cache key's part)."""

    def translate(key: str, /, **params: object) -> str:
        return core.t(key, lang, **params)

    spec = builder(*args, translate, lang=lang, **dict(options)).to_dict()
    for dataset, values in spec.get("datasets", {}).items():  # as Arrow bytes, the form st.vega_lite_chart sends
        spec["datasets"][dataset] = dataframe_util.convert_anything_to_arrow_bytes(values)
    return spec


def spec(builder: Callable, *args: object, **options: object) -> dict:
    """The Vega-Lite spec of ``builder(*args, t, lang=..., **options)`` in the session's language, cached."""
    name = f"{builder.__module__}.{builder.__qualname__}"  # the key (Streamlit cannot hash a function)
    return cache.pure(
        _spec, args, tuple(sorted(options.items())), text.lang(), name=name, unhashed={"builder": builder}
    )


def show(builder: Callable, *args: object, where=st, key: str | None = None, **options: object) -> dict:
    """Draw ``builder(*args, ...)`` in ``where`` across its width; returns the spec (its data as Arrow bytes).
    ``key``, ``on_select`` and ``selection_mode`` go to ``st.vega_lite_chart`` for charts users click."""
    chart_options = {k: options.pop(k) for k in ("on_select", "selection_mode") if k in options}
    drawn = spec(builder, *args, **options)
    where.vega_lite_chart(drawn, width="stretch", key=key, **chart_options)
    return drawn


class Report:
    """The charts a page draws and keeps for its HTML report. ``show`` draws a chart as ``charts.show`` does and
    notes how it was built; ``drawn`` builds the Altair charts only when called, from a download button's
    callable, so a rerun does not pay for it. The language is the session's when created."""

    def __init__(self) -> None:
        self.lang = text.lang()
        self.charts: list[tuple[str, Callable, tuple, dict]] = []

    def show(self, heading: str, builder: Callable, *args: object, where=st, **options: object) -> dict:
        """Draw ``builder(*args, ...)`` in ``where`` and keep it for the report under ``heading``."""
        self.charts.append((heading, builder, args, options))
        return show(builder, *args, where=where, **options)

    def drawn(self) -> list[tuple[str, alt.TopLevelMixin]]:
        """``(heading, chart)`` of the kept charts, in the report's language."""

        def translate(key: str, /, **params: object) -> str:
            return core.t(key, self.lang, **params)

        return [
            (heading, builder(*args, translate, lang=self.lang, **options))
            for heading, builder, args, options in self.charts
        ]
