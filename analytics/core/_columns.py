"""The column registry: what each figure is (a share, an amount, a p-value ...) and so how every table, chart
axis, metric tile and Excel export writes it, and what it is called.

A column is known by the name analytics gives it in a result frame (``bad_rate``, ``balance``, ``p_value``).
Its label is the text ``column.<label>`` of the language files (``label`` is the key itself unless the
column shares another's label: ``n_obs`` reads "Loans" like ``loans``; a ``label`` with a dot is a whole key,
for a column named after a column role: ``branch`` reads ``role.branch``); its kind decides the format
(``format_value``, ``vega_format``, ``excel_format``); its width in pixels shows the header and the values
whole (Streamlit's ``column_config`` takes it as it is).

Not registered, on purpose: columns named after the data (factor names, model names, roll-rate states,
pivoted months). The expert-vs-model metric table's ``expert`` and ``model`` columns are registered as text
(for their labels): their rows are the comparison's metrics, each a registered column of its own kind
(``analytics.decisions.METRIC_KINDS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from analytics.core._formats import format_value
from analytics.core._i18n import LANGUAGES, has_text, t

KINDS = (
    "share",  # a fraction shown as a percentage with two decimals: 0.0907 -> 9.07%
    "pd",  # a probability of default, a share too: 0.3117 -> 31.17%
    "amount",  # money: 36,700 (compact on tiles and axes: 2.73 B / 27.32 亿)
    "count",  # loans, defaults, rows: 36,000
    "p_value",  # 0.0362; below 0.0001: <0.0001
    "statistic",  # IV, KS, AUC, Gini, PSI, WOE: 0.2834
    "ratio",  # odds ratio, VIF, lift: 1.85
    "coef",  # model coefficients and standard errors, 4 significant digits: 0.0279, -1.457, 0.0001283
    "score",  # score points: 612
    "number",  # anything else numeric: 12.50
    "date",  # 2026-11-22 / 2026年11月22日
    "month",  # 2026-11 / 2026年11月
    "datetime",  # 2026-11-22 14:30 / 2026年11月22日 14:30
    "text",
)

# A table column is as wide as its header (in either language) or its widest usual value, whichever is wider:
# pixels at about 8 per character (a Chinese character counts two) plus room for the sort and menu icons.
_PX_PER_CELL = 8
_PADDING_PX = 32
_WIDEST_VALUES = {
    "share": -0.9999,
    "pd": 0.9999,
    "amount": 2_731_618_851,
    "count": 12_345_678,
    "p_value": 0.0362,
    "statistic": -0.2834,
    "coef": -0.0001283,
    "ratio": 1_234.56,
    "score": 1_000,
    "number": -12_345.67,
    "date": dt.date(2026, 11, 22),
    "month": dt.date(2026, 11, 1),
    "datetime": dt.datetime(2026, 11, 22, 14, 30),
    "text": "x" * 12,
}


@dataclasses.dataclass(frozen=True)
class Column:
    """One figure: its key (the frame's column name), its kind, the key of its label in the ``column`` group
    (its own key unless it shares another column's label) and its width in a table, in pixels (derived from
    the labels and the kind unless given)."""

    key: str
    kind: str
    label: str = ""
    width: int = 0

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.key)
        if not self.width:
            object.__setattr__(self, "width", _width(self.label, self.kind))

    @property
    def label_key(self) -> str:
        """The translation key of the column's label."""
        return _label_key(self.label)


def _label_key(label: str) -> str:
    """``column.<label>``, or ``label`` itself when it is a whole key (``role.branch``)."""
    return label if "." in label else f"column.{label}"


def _cells(text: str) -> int:
    """How many Latin-letter widths ``text`` takes: a Chinese (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _width(label: str, kind: str) -> int:
    """Pixels that show the label (in every language) and the kind's usual values whole."""
    key = _label_key(label)
    texts = [t(key, lang) for lang in LANGUAGES] if has_text(key) else [label]
    sample = _WIDEST_VALUES.get(kind, _WIDEST_VALUES["number"])
    texts += [format_value(sample, kind, lang) for lang in LANGUAGES]
    return max(map(_cells, texts)) * _PX_PER_CELL + _PADDING_PX


def _columns(kind: str, *keys: str, label: str = "") -> list[Column]:
    return [Column(key, kind, label) for key in keys]


REGISTRY: dict[str, Column] = {
    c.key: c
    for c in (
        *_columns(
            "share",
            "share",
            "bad_rate",
            "default_rate",
            "default_rate_12m",
            "par30",
            "par90",
            "npl_ratio",
            "write_off_ratio",
            "ever30_rate",
            "ever90_rate",
            "missing_share",
            "top_share",
            "capture",
            "observed_rate",
            "fpr",
            "tpr",
            "population",
            "gap",
            "approval_rate",
            "model_approval_rate",
            "bad_rate_approved",
            "bad_rate_overridden",
            "agreement",
            "override_rate",
            "low_side_override_rate",
            "high_side_override_rate",
            "leniency",
            "row_rate",
            "column_rate",
            "defaults_rejected",
            "accuracy",
            "sensitivity",
            "specificity",
            "precision",
            "approval_rate_applications",
            "distance",
            "total_distance",
            "share_0",
            "share_1",
            "bad_rate_0",
            "bad_rate_1",
        ),
        *_columns(
            "share",
            "coverage_ratio",
            "provision_to_loan_ratio",
            "reserve_adequacy_ratio",
            "rate",
            "rate_low",
            "rate_high",
            "ecl_rate",
            "lgd",
            "loss_rate",
            "break_even_rate",
            "charged_rate",
            "rate_gap",
        ),
        *_columns("share", "event_rate", label="default_rate"),
        *_columns("pd", "pd", "mean_pd", "new_pd", "cutoff"),
        *_columns(
            "amount",
            "amount",
            "balance",
            "outstanding",
            "disbursed",
            "write_offs",
            "write_offs_12m",
            "par30_balance",
            "par90_balance",
            "npl_balance",
            "expected_loss",
            "profit",
            "gross_loans",
            "specific_provisions",
            "general_reserve",
            "required_reserve",
            "required_low",
            "required_high",
            "provision",
            "provision_low",
            "provision_high",
            "ecl",
        ),
        Column("provisions_held", "amount", "role.provision_held"),
        *_columns(
            "count",
            "loans",
            "rows",
            "columns",
            "distinct",
            "bads",
            "goods",
            "defaults",
            "cohort_loans",
            "cohort_defaults",
            "disbursed_loans",
            "known",
            "groups",
            "mob",
            "rank",
            "decile",
            "bins",
            "bin",
            "cum_defaults",
            "step",
            "terms",
            "version",
            "applications",
            "approved",
            "rejected",
            "bads_rejected",
            "defaults_approved",
            "goods_rejected",
            "answered",
            "correct",
            "scored",
            "count_0",
            "count_1",
            "leniency_rank",
            "stage",
            "outcome",  # a 0/1 default flag (the disagreements' outcome): written 0 or 1, "-" when unknown
        ),
        *_columns("count", "count", "n", "n_obs", label="loans"),
        *_columns("count", "events", "n_events", label="defaults"),
        *_columns("count", "bads_approved", label="defaults_approved"),
        *_columns("count", "hosmer_lemeshow_df", "factors_changed", "per"),
        *_columns("p_value", "p_value", "hosmer_lemeshow_p", "binomial_p", "jeffreys_p"),
        *_columns(
            "statistic",
            "iv",
            "ks",
            "auc",
            "train_auc",
            "test_auc",
            "gini",
            "csi",
            "psi",
            "auc_low",
            "auc_high",
            "woe",
            "woe_0",
            "woe_1",
            "brier",
            "pseudo_r2",
            "hhi",
            "correlation",
        ),
        *_columns("ratio", "odds_ratio", "or_low", "or_high", "vif", "lift", "cum_lift"),
        *_columns("coef", "coef", "se", "z", "contribution"),
        *_columns("score", "score", "points_rounded", "min_points", "score_low", "score_high"),
        *_columns("score", "reason_1_points", "reason_2_points", "reason_3_points", "best_points", "points_lost"),
        *_columns("text", "reason_1", "reason_2", "reason_3"),
        *_columns(
            "number",
            "points",
            "hosmer_lemeshow",
            "aic",
            "expected",
            "missing_pct",
            "min",
            "max",
            "mean",
            "low",
            "high",
            "current",
            "new_value",
            "reference",
            "previous_month",
            "year_ago",
            "change_month",
            "change_year",
            "mean_points",
            "points_shift",
        ),
        *_columns("month", "month"),
        *_columns("date", "cohort_start", "outcome_until"),
        *_columns("datetime", "imported_at", "created_at"),
        *_columns("datetime", "saved_at", label="created_at"),
        *_columns(
            "text",
            "table",
            "source_file",
            "checksum",
            "column",
            "type",
            "top_values",
            "warnings",
            "factor",
            "binning",
            "strength",
            "label",
            "level",
            "verdict",
            "band",
            "group",
            "cohort",  # an origination quarter or month by name: 2021Q1, 2021-03
            "value",  # a value as the data holds it: a factor's setting, a rule's value, a tile's figure
            "category",
            "from_state",
            "to_state",
            "borrower",
            "dimension",
            "kpi",
            "term",
            "sig",
            "sample",
            "action",
            "treatment",
            "attribute",
            "name",
            "factors",
            "fingerprint",
            "metric",
            "join",
            "operator",
            "grade",
            "expert",
            "loan_id",
            "reason",
            "flag",
            "direction",
            "decision",
            "who",
            "id",
            "knocked_out",
            "reject",
            "period",
            "psi_band",
            "status",
            "traffic_light",
            "champion",
            "challenger",
            "from_stage",
            "to_stage",
            "under_priced",
            "score_band",
        ),
        *_columns("text", "kind", label="type"),
        # group lending (factors.group_lending, factors.group_gain)
        *_columns("text", "loan_type", "defaulting_members"),
        Column("factor_set", "text", "nav.model"),
        *_columns("count", "group_size"),
        *_columns("count", "parameters", label="terms"),
        *_columns("amount", "mean_amount"),
        *_columns("number", "expected_groups"),
        Column("log_likelihood", "number", "report.log_likelihood"),
        *(Column(role, "text", f"role.{role}") for role in ("branch", "officer", "segment")),  # as the roles read
        Column("model", "text", "nav.model"),  # the model's side of a comparison, named like the Model page
        # three-way decisions (analytics.decisions._zones), labelled in their own locale section
        Column("zone", "text", "zones.column.zone"),
        Column("evaluated", "count", "zones.column.evaluated"),
        Column("review_share", "share", "zones.column.review_share"),
        Column("reject_from", "pd", "zones.column.reject_from"),
        # the audit trail (store.audit_trail)
        *_columns("datetime", "recorded_at", label="audit.column.recorded_at"),
        *(Column(key, "text", f"audit.column.{key}") for key in ("object", "result", "detail", "client")),
        Column("person", "text", "audit.person"),  # as the person filter reads
        Column("role", "text", "data.role"),
        # reject inference (model.compare_reject_inference)
        *(Column(key, "count", f"reject.column.{key}") for key in ("rejects", "reject_defaults", "rejects_used")),
        Column("pd_from", "pd", "reject.column.pd_from"),
    )
}


def column(key: str, kind: str | None = None) -> Column:
    """The registered column ``key``; an unregistered one gets ``kind`` (default "number") and its key as label."""
    return REGISTRY.get(key) or Column(key, kind or "number")


def column_label(key: str, lang: str = "en", /, **params: object) -> str:
    """The column's label in ``lang`` (``params`` fill placeholders: ``count_0`` reads "Loans ({first})");
    the key itself for a column without a label."""
    label_key = column(key).label_key
    return t(label_key, lang, **params) if has_text(label_key) else key
