"""The benchmark: the product timed against pandas and statsmodels on big generated data."""

from analytics.bench._bigsample import (
    LOANS_TABLE,
    PERFORMANCE_TABLE,
    build,
)
from analytics.bench._runner import (
    add_arguments,
    main_args,
    peak_mb,
    reset_peak,
)

__all__ = [
    "LOANS_TABLE",
    "PERFORMANCE_TABLE",
    "add_arguments",
    "build",
    "main_args",
    "peak_mb",
    "reset_peak",
]
