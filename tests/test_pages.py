"""Pages read top to bottom: no formatting switched off, no widget drawn inside a comprehension, no assignment
hidden inside a layout call, one statement per line."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import PROJECT

UI_FILES = [PROJECT / "app.py", *sorted((PROJECT / "ui").glob("*.py")), *sorted((PROJECT / "pages").glob("*.py"))]
CODE = [*UI_FILES, *sorted((PROJECT / "analytics").rglob("*.py")), *sorted((PROJECT / "tests").glob("*.py"))]
WIDGETS = {
    "button",
    "checkbox",
    "color_picker",
    "data_editor",
    "date_input",
    "download_button",
    "file_uploader",
    "multiselect",
    "number_input",
    "radio",
    "select_slider",
    "selectbox",
    "slider",
    "text_area",
    "text_input",
    "time_input",
    "toggle",
}


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(PROJECT)))
def test_formatting_is_never_switched_off(path):
    marker = "fmt: " + "skip"  # split so this file does not match itself
    assert marker not in path.read_text(encoding="utf-8")
    assert "fmt: " + "off" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_widget_inside_a_comprehension(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ListComp | ast.DictComp | ast.SetComp | ast.GeneratorExp):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "attr", "") in WIDGETS:
                    found.append(f"{path.name}:{inner.lineno}")
    assert found == []


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_assignment_inside_a_call_and_one_statement_per_line(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    walrus_in_calls = [
        f"{path.name}:{inner.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for inner in ast.walk(node)
        if isinstance(inner, ast.NamedExpr)
    ]
    assert walrus_in_calls == []
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    assert sorted({n for n in lines if lines.count(n) > 1}) == []  # `a = 1; b = 2` and `if x: y` alike
