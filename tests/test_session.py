"""The session keys: declared once, widget keys never collide with shared values, pages use only declared keys,
and a surviving widget gets its value back after a page switch."""

from __future__ import annotations

import ast

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from ui import session

UI_FILES = [PROJECT / "app.py", *sorted((PROJECT / "ui").glob("*.py")), *sorted((PROJECT / "pages").glob("*.py"))]


def _calls(path, names: set[str]):
    """(function name, first argument node, call node) of calls to ``names`` (``session.widget(...)`` ...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names and node.args:
                yield name, node.args[0], node


def test_widget_keys_never_collide_with_values():
    widgets = [k.name for k in session.KEYS.values() if k.widget]
    values = [k.name for k in session.KEYS.values() if not k.widget]
    clashes = [(v, w) for v in values for w in widgets if v == w or v.startswith(f"{w}_")]
    assert clashes == []


def test_every_key_has_an_owner_page():
    pages = {p.stem for p in (PROJECT / "pages").glob("*.py")} | {"app"}
    assert {k.owner for k in session.KEYS.values()} <= pages


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_keys_used_by_the_ui_are_declared(path):
    """session.get/put/pop name declared values, session.widget/widget_key/set_widget declared widgets."""
    wrong = []
    for name, first, node in _calls(path, {"get", "put", "pop", "widget", "widget_key", "set_widget"}):
        func = node.func
        if not (isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "session"):
            continue
        if not isinstance(first, ast.Constant):
            if path.parent.name == "ui":
                continue  # a ui helper given its key by a page (session checks it when called)
            wrong.append(f"{path.name}:{node.lineno} session.{name} with a computed name")
            continue
        key = session.KEYS.get(first.value)
        want_widget = name in {"widget", "widget_key", "set_widget"}
        if key is None or key.widget != want_widget:
            wrong.append(f"{path.name}:{node.lineno} session.{name}({first.value!r})")
    assert wrong == []


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_widget_keys_come_from_the_registry(path):
    """No literal ``key="..."`` and no direct ``st.session_state[...]`` with a literal name in the UI: every key
    goes through ui.session (the one place that knows them all)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literal = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "key" and isinstance(node.value, ast.Constant | ast.JoinedStr):
            literal.append(f"{path.name}:{node.value.lineno} key=")
        if (
            path.name != "session.py"
            and isinstance(node, ast.Subscript)
            and getattr(node.value, "attr", "") == "session_state"
            and isinstance(node.slice, ast.Constant | ast.JoinedStr)
        ):
            literal.append(f"{path.name}:{node.lineno} st.session_state[...]")
    assert literal == []


def test_a_surviving_widget_is_restored_after_a_page_switch(demo_db, monkeypatch):
    """Streamlit forgets a widget that was not drawn; session.keep_widgets/widget bring its value back."""
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/risk_factors.py").run()
    at.selectbox(key="bin_factor").set_value("debt_ratio").run()
    at.switch_page("pages/home.py").run()
    if "bin_factor" in at.session_state:  # the browser forgets the widgets of a page it left
        del at.session_state["bin_factor"]
    assert "bin_factor" not in at.session_state
    at.switch_page("pages/risk_factors.py").run()
    assert not at.exception
    assert at.selectbox(key="bin_factor").value == "debt_ratio"


def test_the_browser_is_told_every_widget_value_on_every_run(demo_db, monkeypatch):
    """A browser that lost a widget's state (a click while a rerun was on its way) shows the widget's own default:
    the holdout radio's is "none". Every run therefore sends the value, not only the run that set it."""
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/model.py").run()
    for _ in range(2):
        holdout = at.radio(key="model_holdout")
        assert holdout.value == "random"
        assert holdout.proto.default == 0  # "none": what a browser without the state would show
        assert holdout.proto.set_value
        assert holdout.proto.raw_value == holdout.options[1]  # "Random holdout"
        at.number_input(key="model_seed").set_value(7).run()
    assert at.number_input(key="model_seed").proto.set_value
    assert at.number_input(key="model_seed").value == 7
