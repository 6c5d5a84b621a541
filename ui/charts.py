"""Charts: an ``analytics.charts`` builder drawn in the user's language, its Vega-Lite spec cached per data.

Building, validating and converting an Altair chart costs tens of milliseconds; drawing a cached spec almost
nothing. The builder is passed itself (``charts.show(charts_.roc_chart, curves)``), never by name.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit import dataframe_util

from analytics import core
from ui import cache, text


def _spec(builder: Callable, args: tuple, options: tuple, lang: str) -> dict:
    def translate(key: str, /, **params: object) -> str:
        return core.t(key, lang, **params)

    spec = builder(*args, translate, lang=lang, **dict(options)).to_dict()
    for dataset, values in spec.get("datasets", {}).items():  # as Arrow bytes, the form st.vega_lite_chart sends
        spec["datasets"][dataset] = dataframe_util.convert_anything_to_arrow_bytes(values)
    return spec


def spec(builder: Callable, *args: object, **options: object) -> dict:
    """The Vega-Lite spec of ``builder(*args, t, lang=..., **options)`` in the session's language, cached."""
    return cache.pure(_spec, builder, args, tuple(sorted(options.items())), text.lang())


def show(builder: Callable, *args: object, where=st, key: str | None = None, **options: object) -> dict:
    """Draw ``builder(*args, ...)`` in ``where`` across its width; returns the spec (the reports embed it).
    ``key``, ``on_select`` and ``selection_mode`` go to ``st.vega_lite_chart`` for charts users click."""
    chart_options = {k: options.pop(k) for k in ("on_select", "selection_mode") if k in options}
    drawn = spec(builder, *args, **options)
    where.vega_lite_chart(drawn, width="stretch", key=key, **chart_options)
    return drawn
