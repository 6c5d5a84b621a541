"""House rules that keep the code simple: analytics/ knows no UI, every UI string is translated."""

from __future__ import annotations

import ast
import re

import pytest

from analytics.core import TEXT, t
from tests.conftest import PROJECT

UI_FILES = [PROJECT / "app.py", PROJECT / "ui.py", *sorted((PROJECT / "pages").glob("*.py"))]


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("path", sorted((PROJECT / "analytics").rglob("*.py")), ids=lambda p: p.name)
def test_analytics_never_imports_streamlit(path):
    assert not [name for name in _imports(path) if name.split(".")[0] == "streamlit"]


def test_every_text_has_english_and_chinese():
    missing = [key for key, entry in TEXT.items() if not entry.get("en") or not entry.get("zh")]
    assert missing == []


def _literal_keys(path):
    """Keys passed as string literals to t(...) / ui.t(...) / RiskLabError(...) / Notice(...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"t", "RiskLabError", "Notice"} and isinstance(node.args[0].value, str):
                yield node.args[0].value


@pytest.mark.parametrize("path", [*UI_FILES, *sorted((PROJECT / "analytics").rglob("*.py"))], ids=lambda p: p.name)
def test_every_key_used_exists(path):
    unknown = [key for key in _literal_keys(path) if key not in TEXT]
    assert unknown == []


def test_pages_show_no_raw_strings():
    """st.* calls in the UI get their text from t(): no literal sentence bypasses the translation layer."""
    offenders = []
    for path in UI_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {
                "title",
                "header",
                "subheader",
                "write",
                "markdown",
                "caption",
                "info",
                "warning",
                "error",
                "success",
                "button",
                "text_input",
                "selectbox",
                "radio",
                "checkbox",
                "multiselect",
                "metric",
            }:
                for arg in node.args[:1]:
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and re.search(r"[A-Za-z]{3}", arg.value)
                    ):
                        offenders.append(f"{path.name}:{node.lineno} {arg.value!r}")
    assert offenders == []


def test_chinese_falls_back_to_english_and_formats():
    assert t("data.imported", "zh", table="贷款", rows=1234) == "已导入 1,234 行到数据表 贷款。"
    assert t("no.such.key", "zh") == "no.such.key"
