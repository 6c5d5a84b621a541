"""The column registry: every figure analytics returns has a kind, a label in both languages and a width that
shows its header whole."""

from __future__ import annotations

import unicodedata

import pytest

from analytics import core

# The numeric columns of the result frames that analytics' public functions return (factors, model, decisions,
# portfolio, datasets), gathered from the frames themselves. Columns named after the data (factor names, model
# names, roll-rate states) are not registered: their kind comes with the figure that shows them.
RESULT_COLUMNS = {
    "factors": (
        "bins",
        "bin",
        "count",
        "share",
        "goods",
        "bads",
        "bad_rate",
        "woe",
        "iv",
        "ks",
        "gini",
        "p_value",
        "missing_share",
        "csi",
        "vif",
        "count_0",
        "count_1",
        "share_0",
        "share_1",
        "bad_rate_0",
        "bad_rate_1",
        "woe_0",
        "woe_1",
        "saved_at",
        "version",
    ),
    "model": (
        "coef",
        "se",
        "z",
        "p_value",
        "odds_ratio",
        "or_low",
        "or_high",
        "vif",
        "n",
        "n_obs",
        "test_auc",
        "auc",
        "aic",
        "step",
        "terms",
        "decile",
        "loans",
        "defaults",
        "bad_rate",
        "cum_defaults",
        "capture",
        "lift",
        "cum_lift",
        "mean_pd",
        "observed_rate",
        "expected",
        "fpr",
        "tpr",
        "population",
        "gap",
        "score_low",
        "score_high",
        "low",
        "high",
        "points",
        "points_rounded",
        "created_at",
        "score",
    ),
    "decisions": (
        "cutoff",
        "approved",
        "approval_rate",
        "bads_approved",
        "bad_rate_approved",
        "rejected",
        "bads_rejected",
        "defaults_rejected",
        "expected_loss",
        "profit",
        "applications",
        "model_approval_rate",
        "agreement",
        "override_rate",
        "low_side_override_rate",
        "high_side_override_rate",
        "bad_rate_overridden",
        "leniency",
        "leniency_rank",
        "outcome",
        "flag",
        "n",
        "row_rate",
        "column_rate",
        "pd",
        "min_points",
        "contribution",
        "value",
        "current",
        "new_value",
        "new_pd",
        "distance",
        "answered",
        "correct",
        "accuracy",
        "defaults_approved",
        "goods_rejected",
    ),
    "portfolio": (
        "month",
        "loans",
        "outstanding",
        "share",
        "par30",
        "par90",
        "npl_ratio",
        "default_rate_12m",
        "cohort_loans",
        "cohort_defaults",
        "disbursed",
        "disbursed_loans",
        "write_offs",
        "write_offs_12m",
        "write_off_ratio",
        "par30_balance",
        "par90_balance",
        "npl_balance",
        "balance",
        "cohort",
        "mob",
        "known",
        "defaults",
        "default_rate",
        "ever30_rate",
        "ever90_rate",
        "hhi",
        "groups",
        "previous_month",
        "year_ago",
        "change_month",
        "change_year",
    ),
    "datasets": (
        "missing_pct",
        "distinct",
        "min",
        "max",
        "mean",
        "imported_at",
    ),
}


def _cells(text: str) -> int:
    """Latin-letter widths of ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


KIND_OF = {  # one column of each kind, pinned
    "bad_rate": "share",
    "par30": "share",
    "new_pd": "pd",
    "balance": "amount",
    "loans": "count",
    "p_value": "p_value",
    "iv": "statistic",
    "odds_ratio": "ratio",
    "coef": "coef",
    "points_rounded": "score",
    "missing_pct": "number",
    "cohort_start": "date",
    "month": "month",
    "imported_at": "datetime",
    "factor": "text",
}


@pytest.mark.parametrize("key", sorted({c for columns in RESULT_COLUMNS.values() for c in columns}))
def test_every_numeric_result_column_has_a_kind(key):
    assert key in core.REGISTRY and core.REGISTRY[key].kind in core.KINDS


def test_kinds_are_pinned():
    assert {key: core.column(key).kind for key in KIND_OF} == KIND_OF
    assert {c.kind for c in core.REGISTRY.values()} <= set(core.KINDS)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_column_has_its_label_in_both_languages(lang):
    unlabelled = [c.key for c in core.REGISTRY.values() if not core.has_text(c.label_key)]
    assert unlabelled == []
    assert all(core.column_label(key, lang, first="a", second="b") for key in core.REGISTRY)


def test_labels_are_shared_not_copied():
    assert core.column("n_obs").label_key == core.column("count").label_key == "column.loans"
    assert core.column_label("n_obs", "zh") == core.column_label("loans", "zh") == "贷款笔数"
    assert core.column_label("n_events") == "Defaults" and core.column_label("kind") == "Type"
    assert core.column_label("count_0", "zh", first="训练集") == "贷款笔数（训练集）"


def test_the_comparison_metrics_are_registered_columns():
    """Expert vs model's metrics read and are named as the registry says (no words of their own)."""
    from analytics import decisions

    assert all(metric in core.REGISTRY for metric in decisions.METRIC_KINDS)
    assert decisions.METRIC_KINDS["approval_rate"] == "share" and decisions.METRIC_KINDS["profit"] == "amount"
    assert set(decisions.METRIC_KINDS.values()) == {"share", "count", "amount"}


def test_columns_named_after_a_role_read_as_the_role():
    assert core.column("officer").label_key == "role.officer"
    assert core.column_label("branch", "zh") == core.t("role.branch", "zh") == "网点"


def test_an_unknown_column_reads_as_its_key_and_as_a_number():
    assert core.column_label("annual_income", "zh") == "annual_income"
    assert core.column("annual_income") == core.Column("annual_income", "number")
    assert core.column("annual_income", "amount").kind == "amount"


@pytest.mark.parametrize("key", ["imported_at", "strength", "or_high", "high_side_override_rate", "reason_1_points"])
def test_headers_that_used_to_be_cut_fit(key):
    """The headers cut at 1440 px ("Imported at", "Strength", "OR high", "High-side") fit their column."""
    width = core.column(key).width
    assert all(_cells(core.column_label(key, lang)) * 7.5 + 24 <= width for lang in core.LANGUAGES)


def test_widths_fit_the_values_of_their_kind():
    assert core.column("balance").width >= 13 * 8  # 2,731,618,851
    assert core.column("imported_at").width >= _cells("2026年11月22日 14:30") * 8
    assert all(60 <= c.width <= 400 for c in core.REGISTRY.values())
