"""Translations as data: one file per language with the same keys, every key the code uses exists, and no
label is written twice."""

from __future__ import annotations

import ast
import collections
import re
import string
from importlib import resources

import pytest

from analytics import core, datasets, decisions, factors, model, portfolio
from analytics.core._i18n import CATALOGS
from tests.conftest import PROJECT

CODE_FILES = sorted(
    [
        *(PROJECT / "analytics").rglob("*.py"),
        *(PROJECT / "ui").rglob("*.py"),
        *(PROJECT / "pages").glob("*.py"),
        *(p for p in (PROJECT / "ui.py", PROJECT / "app.py") if p.exists()),
    ]
)
KEY_FUNCTIONS = {"t", "has_text", "RiskLabError", "Notice"}  # called with a translation key first
GROUPS = {key.split(".")[0] for key in core.TEXT}
# The constant start of an f-string key: "model.treatment.", "portfolio.tab_".
KEY_PREFIX = re.compile(r"[a-z_]+\.([a-z0-9_]+\.)*[a-z0-9_]*")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_one_language_file_per_language_shipped_with_the_package():
    files = resources.files("analytics.core").joinpath("locales")
    assert sorted(p.name for p in files.iterdir() if p.name.endswith(".toml")) == sorted(
        f"{lang}.toml" for lang in core.LANGUAGES
    )
    assert set(CATALOGS) == set(core.LANGUAGES) and all(len(c) > 700 for c in CATALOGS.values())  # none lost


def test_both_languages_have_the_same_keys():
    english, chinese = set(CATALOGS["en"]), set(CATALOGS["zh"])
    assert sorted(english - chinese) == [] and sorted(chinese - english) == []


def test_every_text_has_english_and_chinese():
    missing = [key for key, entry in core.TEXT.items() if not entry.get("en") or not entry.get("zh")]
    assert missing == []


def test_both_languages_fill_the_same_placeholders():
    differ = [key for key, text in CATALOGS["en"].items() if _fields(text) != _fields(CATALOGS["zh"][key])]
    assert differ == []


def test_chinese_falls_back_to_english_and_formats():
    assert core.t("data.imported", "zh", table="贷款", rows=1234) == "已导入 1,234 行到数据表 贷款。"
    assert core.t("no.such.key", "zh") == "no.such.key"
    assert core.t("app.title", "fr") == "Microcredit Risk Lab"  # an unknown language reads English
    assert core.has_text("app.title") and not core.has_text("no.such.key")
    assert core.TEXT["app.title"] == {"en": "Microcredit Risk Lab", "zh": "小微信贷风险实验室"}
    with pytest.raises(TypeError):
        core.TEXT["app.title"] = {"en": "changed"}  # read-only


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _prefix(node: ast.JoinedStr) -> str | None:
    """The constant start of an f-string that builds a key (``"model.treatment."``), else None."""
    first = node.values[0] if node.values else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and KEY_PREFIX.fullmatch(first.value):
        return first.value
    return None


def _unknown_keys(path) -> list[str]:
    """Keys ``path`` uses that the language files lack: literal keys passed to t() / has_text() /
    RiskLabError() / Notice() (and column keys passed to column_label()) exactly; keys built with f-strings by
    their constant start, which must name an existing group and begin some key."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unknown, keyed = [], set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name, first = _call_name(node), node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if name in KEY_FUNCTIONS and not core.has_text(first.value):
                unknown.append(first.value)
            if name == "column_label" and not core.has_text(core.column(first.value).label_key):
                unknown.append(core.column(first.value).label_key)
        elif isinstance(first, ast.JoinedStr) and name in KEY_FUNCTIONS:
            keyed.add(id(first))
            if first.values and isinstance(first.values[0], ast.Constant) and _prefix(first) is None:
                unknown.append(ast.unparse(first))  # a constant start that is no key prefix: "Model {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and (prefix := _prefix(node)):
            names_group = prefix.split(".")[0] in GROUPS
            if (names_group or id(node) in keyed) and not any(key.startswith(prefix) for key in core.TEXT):
                unknown.append(f"{prefix}...")
    return unknown


@pytest.mark.parametrize("path", CODE_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_key_used_exists(path):
    assert _unknown_keys(path) == []


def test_the_key_check_finds_unknown_keys(tmp_path):
    code = tmp_path / "page.py"
    code.write_text(
        'ui.t("app.title")\nui.t("app.titel")\nf"model.treatment.{kind}"\nf"model.treatmint.{kind}"\n'
        'core.t(f"modle.col.{c}")\ncore.column_label("bad_rate")\nf"analytics.{module}"\n',
        encoding="utf-8",
    )
    assert _unknown_keys(code) == ["app.titel", "model.treatmint....", "modle.col...."]


TREATMENTS = ("numeric", "log", "categorical", "woe")  # how a model takes a factor (not in the model facade)

# Enumerations whose members the code turns into keys (f"role.{key}", f"portfolio.kpi.{key}" ...).
ENUMERATIONS = {
    "roles": [r.label_key for r in datasets.ROLES],
    "default definitions": [k.label_key for k in datasets.DEFINITION_KINDS],
    "five categories": [c.label_key for c in datasets.FIVE_CATEGORIES],
    "binning methods": [m.label_key for m in factors.METHODS],
    "IV bands": [f"factors.band.{b.key}" for b in core.IV_BANDS],
    "PSI bands": [f"factors.psi.{b.key}" for b in core.PSI_BANDS],
    "KPIs": [k.label_key for k in portfolio.KPIS] + [f"portfolio.help.{k.key}" for k in portfolio.KPIS],
    "roll-rate states": [f"portfolio.state.{s}" for s in portfolio.ROLL_STATES],
    "model treatments": [f"model.treatment.{w}" for w in TREATMENTS],
    "scorecard words": [f"model.word.{w}" for w in model.WORDS],
    "stepwise directions": [f"model.direction.{d}" for d in model.DIRECTIONS],
    "stepwise criteria": [f"model.criterion.{c}" for c in model.CRITERIA],
    "disagreement cells": [f"decisions.cell.{c}" for c in decisions.CELLS],
    "outcome sources": [f"decisions.outcome.{o}" for o in decisions.OUTCOMES],
    "decision filters": [f"role.{r}" for r in decisions.FILTER_ROLES],
    "decision metrics": [core.column(m).label_key for m in decisions.METRIC_KINDS],
    "breakdown dimensions": list(portfolio.DIMENSION_LABELS.values()),
    "column registry": [c.label_key for c in core.REGISTRY.values()],
}


@pytest.mark.parametrize("name", ENUMERATIONS)
def test_every_member_of_an_enumeration_has_its_key(name):
    assert [key for key in ENUMERATIONS[name] if not core.has_text(key)] == []


def test_the_model_treatments_are_the_enumerated_ones():
    treatments = {key.split(".")[-1] for key in core.TEXT if key.startswith("model.treatment.")}
    assert treatments == set(TREATMENTS) and treatments <= set(model.WORDS)  # the scorecard words them too


# The same words under two keys on purpose: each in a grammatical role where one key would be wrong.
WRITTEN_TWICE_ON_PURPOSE = {
    # a tab's name (the noun: the import tab) and a button's (the verb: import this file)
    ("Import", "导入"): ["data.tab_import", "data.import"],
    # a stepwise criterion (choose factors by AIC) and the statistic's column (a model's AIC)
    ("AIC", "AIC"): ["model.criterion.aic", "column.aic"],
    # a treatment in the scorecard (the factor taken as its WOE) and the statistic's column (a bin's WOE)
    ("WOE", "WOE"): ["model.word.woe", "column.woe"],
}


def written_twice() -> dict[tuple[str, str], list[str]]:
    """``{(English, Chinese): keys}`` of the labels that more than one key holds (but those held on purpose)."""
    keys = collections.defaultdict(list)
    for key, entry in core.TEXT.items():
        keys[(entry["en"], entry["zh"])].append(key)
    return {
        pair: found for pair, found in keys.items() if len(found) > 1 and WRITTEN_TWICE_ON_PURPOSE.get(pair) != found
    }


def test_the_labels_written_twice_on_purpose_still_are():
    """An allowed pair whose keys changed (one deleted, the words edited) leaves the allow-list."""
    for (english, chinese), keys in WRITTEN_TWICE_ON_PURPOSE.items():
        assert [(core.t(key, "en"), core.t(key, "zh")) for key in keys] == [(english, chinese)] * len(keys)


def test_no_label_written_twice():
    duplicates = written_twice()
    report = "\n".join(f"{en!r} / {zh!r}: {', '.join(keys)}" for (en, zh), keys in duplicates.items())
    assert not duplicates, f"{len(duplicates)} labels written under more than one key:\n{report}"
