"""House rules that keep the code simple: analytics/ knows no UI, every UI string is translated (the translation
files themselves are checked in tests/test_i18n.py)."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import PROJECT

UI_FILES = [
    *(p for p in (PROJECT / "app.py", PROJECT / "ui.py") if p.exists()),
    *sorted((PROJECT / "ui").rglob("*.py")),
    *sorted((PROJECT / "pages").glob("*.py")),
]


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
