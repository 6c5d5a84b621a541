"""The review-share curve of three-way decisions (``decisions.review_curve``): what sending more applications to
the loan officers does to the book's bad rate."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from analytics import core
from analytics.charts._style import BAD, NEUTRAL, axis, column_kind, legend, tooltip_format

MAX_POINTS = 1_000


def review_curve_chart(
    curve: pd.DataFrame, current: tuple[float, float] | None, t: Callable[..., str], *, lang: str = "en"
) -> alt.Chart:
    """Bad rate of approved against the review share as the auto-reject cutoff moves up, the chosen band marked."""
    if len(curve) > MAX_POINTS:
        raise ValueError(f"a chart gets aggregated data: {len(curve)} rows is more than {MAX_POINTS}")
    data = curve[["reject_from", "review_share", "approval_rate", "bad_rate_approved"]].dropna()
    keys = ("review_share", "bad_rate_approved", "approval_rate", "reject_from")
    titles = {key: t(core.column(key).label_key) for key in keys}
    kinds = {key: column_kind(key) for key in keys}
    x = alt.X("review_share:Q", title=titles["review_share"], axis=axis(kinds["review_share"], lang))
    y = alt.Y(
        "bad_rate_approved:Q",
        title=titles["bad_rate_approved"],
        axis=axis(kinds["bad_rate_approved"], lang),
        scale=alt.Scale(zero=False),
    )
    tooltip = [alt.Tooltip(f"{key}:Q", title=titles[key], format=tooltip_format(kinds[key])) for key in keys]
    line = alt.Chart(data).mark_line(color=NEUTRAL).encode(x=x, y=y, tooltip=tooltip)
    if current is None:
        return line
    marked = pd.DataFrame(
        {"who": [t("zones.chosen_band")], "review_share": [current[0]], "bad_rate_approved": [current[1]]}
    )
    colour = alt.Color("who:N", scale=alt.Scale(range=[BAD]), legend=legend())
    marker = alt.Chart(marked).mark_point(size=220, filled=True, shape="diamond").encode(x=x, y=y, color=colour)
    return alt.layer(line, marker)
