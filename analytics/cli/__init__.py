"""cli"""

from analytics.cli._commands import (
    main,
)

__all__ = [
    "main",
]
