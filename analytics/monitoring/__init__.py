"""Monitoring a saved model over time: score stability, characteristic analysis, back-testing and alerts."""

from analytics.monitoring._challenger import (
    CHALLENGES,
    EVALUATION_MONTHS,
    Challenge,
    challenge,
    save_challenger,
    windows,
)
from analytics.monitoring._report import (
    AUC_DROP,
    DEVELOPMENT,
    PSI_FLOOR,
    Development,
    Monitoring,
    Settings,
    add_months,
    band_labels,
    data_cut_off,
    development,
    monitor,
    parse_date,
    period_label,
    weighted_edges,
)
from analytics.monitoring._scan import (
    PERIODS,
    SCORE_STEP,
)
from analytics.monitoring._statistics import (
    LIGHTS,
    AucInterval,
    binomial_p,
    delong_from_counts,
    jeffreys_p,
    traffic_light,
)

__all__ = [
    "AUC_DROP",
    "CHALLENGES",
    "DEVELOPMENT",
    "EVALUATION_MONTHS",
    "LIGHTS",
    "PERIODS",
    "PSI_FLOOR",
    "SCORE_STEP",
    "AucInterval",
    "Challenge",
    "Development",
    "Monitoring",
    "Settings",
    "add_months",
    "band_labels",
    "binomial_p",
    "challenge",
    "data_cut_off",
    "delong_from_counts",
    "development",
    "jeffreys_p",
    "monitor",
    "parse_date",
    "period_label",
    "save_challenger",
    "traffic_light",
    "weighted_edges",
    "windows",
]
