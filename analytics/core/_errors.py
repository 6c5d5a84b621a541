"""One error type for everything a user can cause: a message key plus parameters.

The CLI prints ``str(error)`` (English); the app translates ``error.key`` with
``analytics.i18n.t`` so the same failure reads well in either language.
"""

from __future__ import annotations


class RiskLabError(Exception):
    """A failure the user can act on (bad file, unknown column, locked database ...)."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self, lang: str = "en") -> str:
        """The user-facing sentence in ``lang``."""
        from analytics.core._i18n import t

        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")


class Notice:
    """A warning worth showing (e.g. "column X had thousands separators"): key + parameters."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params

    def message(self, lang: str = "en") -> str:
        """The user-facing sentence in ``lang``."""
        from analytics.core._i18n import t

        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __repr__(self) -> str:
        return f"Notice({self.key!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Notice) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(map(str, self.params.items())))))
