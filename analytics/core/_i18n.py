"""The one translation layer: every user-facing string is a key in the language files ``locales/<lang>.toml``.

``t(key, lang, **params)`` formats the entry for the language (``en`` or ``zh``), falling back to English
where a Chinese entry is missing and to the key itself where the key is unknown. ``has_text(key)`` says
whether a key exists. The files are package data, read once at import.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from types import MappingProxyType

LANGUAGES = {"en": "English", "zh": "简体中文"}
FALLBACK = "en"


def _flatten(table: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``("column.coef", text)`` pairs of a parsed TOML file: tables and dotted names join with dots."""
    for name, value in table.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", str(value)


def _load(lang: str) -> Mapping[str, str]:
    text = resources.files(__package__).joinpath("locales", f"{lang}.toml").read_text(encoding="utf-8")
    return MappingProxyType(dict(_flatten(tomllib.loads(text))))


CATALOGS: Mapping[str, Mapping[str, str]] = MappingProxyType({lang: _load(lang) for lang in LANGUAGES})

TEXT: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {key: MappingProxyType({lang: CATALOGS[lang].get(key, "") for lang in LANGUAGES}) for key in CATALOGS[FALLBACK]}
)
"""``{key: {"en": text, "zh": text}}``, read-only. Deprecated, to be removed once pages no longer test
``key in TEXT``: use ``has_text(key)`` and ``t(key, lang)``."""


def has_text(key: str) -> bool:
    """True when ``key`` has a text (in English, which every key has)."""
    return key in CATALOGS[FALLBACK]


def t(key: str, lang: str = "en", /, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``; the key itself if unknown."""
    template = CATALOGS.get(lang, {}).get(key) or CATALOGS[FALLBACK].get(key)
    if template is None:
        return key
    return template.format(**params) if params else template
