"""The column registry: what each figure is (a share, an amount, a p-value ...) and so how every table, chart
axis, metric tile and Excel export writes it.

A column is known by the name analytics gives it in a result frame (``bad_rate``, ``balance``, ``p_value``).
Its label comes from the translations (``column.<key>``); its kind decides the format.
"""

from __future__ import annotations

import dataclasses
import math

KINDS = (
    "share",  # a fraction shown as a percentage with two decimals: 0.0907 -> 9.07%
    "pd",  # a probability of default, a share too: 0.3117 -> 31.17%
    "amount",  # money: 36,700 (compact on tiles and axes: 2.73 B / 27.32 亿)
    "count",  # loans, defaults, rows: 36,000
    "p_value",  # 0.0362; below 0.0001: <0.0001
    "statistic",  # IV, KS, AUC, Gini, PSI, WOE: 0.2834
    "ratio",  # odds ratio, VIF, lift: 1.85
    "coef",  # model coefficients and standard errors: 0.0279
    "score",  # score points: 612
    "number",  # anything else numeric: 12.5
    "date",  # 2026-11-22 / 2026年11月22日
    "month",  # 2026-11 / 2026年11月
    "text",
)


@dataclasses.dataclass(frozen=True)
class Column:
    """One figure: its key (the frame's column name), its kind and its width in a table."""

    key: str
    kind: str
    width: str = "small"  # Streamlit's "small" / "medium" / "large"


def _columns(kind: str, *keys: str, width: str = "small") -> list[Column]:
    return [Column(key, kind, width) for key in keys]


REGISTRY: dict[str, Column] = {
    c.key: c
    for c in (
        *_columns(
            "share",
            "bad_rate",
            "default_rate",
            "default_rate_12m",
            "share",
            "par30",
            "par90",
            "npl_ratio",
            "write_off_ratio",
            "approval_rate",
            "model_approval_rate",
            "override_rate",
            "capture",
            "event_rate",
            "observed_rate",
            "bad_rate_approved",
        ),
        *_columns("pd", "pd", "mean_pd", "new_pd"),
        *_columns("amount", "balance", "amount", "outstanding", "disbursed", "write_offs", "expected_loss", "profit"),
        *_columns("count", "loans", "count", "bads", "goods", "defaults", "rows", "n_obs", "n_events"),
        *_columns("p_value", "p_value", "hosmer_lemeshow_p"),
        *_columns("statistic", "iv", "ks", "auc", "gini", "psi", "csi", "woe", "brier", "pseudo_r2"),
        *_columns("ratio", "odds_ratio", "vif", "lift"),
        *_columns("coef", "coef", "std_err", "z", "ci_low", "ci_high"),
        *_columns("score", "score", "points"),
        *_columns("date", "imported_at", "date"),
        *_columns("month", "month"),
    )
}


def column(key: str, kind: str | None = None) -> Column:
    """The registered column ``key``; an unregistered one gets ``kind`` (default "number")."""
    return REGISTRY.get(key) or Column(key, kind or "number")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: object, kind: str, lang: str = "en", *, signed: bool = False, compact: bool = False) -> str:
    """``value`` written as its kind asks, in ``lang``; "-" when missing."""
    if _missing(value):
        return "-"
    sign = "+" if signed else ""
    if kind in ("share", "pd"):
        return f"{value:{sign}.2%}"
    if kind == "p_value":
        return "<0.0001" if value < 0.0001 else f"{value:.4f}"
    if kind in ("statistic", "coef"):
        return f"{value:{sign}.4f}"
    if kind == "ratio":
        return f"{value:{sign},.2f}"
    if kind == "amount" and compact:
        units = ((1e8, " 亿"), (1e4, " 万")) if lang == "zh" else ((1e9, " B"), (1e6, " M"), (1e3, " K"))
        for size, unit in units:
            if abs(value) >= size:
                return f"{value / size:{sign},.2f}{unit}"
    if kind in ("amount", "count", "score"):
        return f"{value:{sign},.0f}"
    if kind in ("date", "month", "text"):
        return str(value)
    return f"{value:{sign},.2f}"


EXCEL_FORMATS = {
    "share": "0.00%",
    "pd": "0.00%",
    "amount": "#,##0",
    "count": "#,##0",
    "p_value": "0.0000",
    "statistic": "0.0000",
    "coef": "0.0000",
    "ratio": "#,##0.00",
    "score": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
    "text": "@",
}


def excel_format(kind: str) -> str:
    """The Excel number format of a kind."""
    return EXCEL_FORMATS.get(kind, "General")
