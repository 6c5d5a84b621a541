"""The command line: ``python -m analytics COMMAND``, the same engine as the app without a browser."""

from analytics.cli._commands import (
    main,
)

__all__ = [
    "main",
]
