"""AppTest: the model report download on the Model page and the audit trail on the Data page, in both languages."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.sample import SAMPLE_MODEL
from tests.conftest import PROJECT


@pytest.fixture
def downloads(monkeypatch):
    """The callables behind the download buttons, by file name (Streamlit calls them on a click only)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found = {}
    add_deferred = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return found


def _open(demo_db, monkeypatch, page: str, lang: str) -> AppTest:
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    at.session_state["lang"] = lang
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("lang", "fmt", "title"),
    [("en", "xlsx", "Model development report"), ("zh", "docx", "模型开发报告")],
)
def test_the_model_page_downloads_a_saved_versions_report(demo_db, monkeypatch, downloads, lang, fmt, title):
    at = _open(demo_db, monkeypatch, "pages/model.py", lang)
    assert [e.label for e in at.expander][:1] == [title]  # there before any fit: the report needs none
    picker = at.selectbox(key="report_version")
    assert picker.options == [f"{SAMPLE_MODEL} v1"]
    at.radio(key="report_format").set_value(fmt).run()
    assert not at.exception
    assert "15.00%" in at.caption[0].value or any("15.00%" in c.value for c in at.caption)  # the cutoff used
    file_name = f"{SAMPLE_MODEL}_v1_report.{fmt}"
    assert file_name in downloads
    written = downloads[file_name]()
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(written))
        assert book["Summary"]["A1"].value == title
    else:
        document = docx.Document(io.BytesIO(written))
        assert document.paragraphs[0].text == title
        assert "签字确认" in [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def _audit_table(at: AppTest):
    """The audit table (its columns by key; the headers are in the column configuration)."""
    return next(frame.value for frame in at.dataframe if "object_kind" in frame.value.columns)


@pytest.mark.parametrize(("lang", "saved"), [("en", "saved"), ("zh", "保存")])
def test_the_audit_trail_filters_by_action_object_and_dates(demo_db, monkeypatch, lang, saved):
    at = _open(demo_db, monkeypatch, "pages/data.py", lang)
    everything = _audit_table(at)
    assert len(everything) >= 2  # the demo saves roles, definitions and the sample scorecard
    actions = at.multiselect(key="audit_actions")
    model_saved = {"en": "model: saved", "zh": "模型: 保存"}[lang]
    assert model_saved in actions.options  # each action in the reader's words
    actions.set_value(["save_model"]).run()
    shown = _audit_table(at)
    assert len(shown) == 1 and shown["action"].iloc[0] == saved and shown["object"].iloc[0] == SAMPLE_MODEL

    at.multiselect(key="audit_actions").set_value([]).run()
    at.text_input(key="audit_object").input("SAMPLE SCORECARD").run()
    assert list(_audit_table(at)["object"]) == [SAMPLE_MODEL]

    at.text_input(key="audit_object").input("").run()
    long_ago = (dt.date.today() - dt.timedelta(days=30), dt.date.today() - dt.timedelta(days=29))
    at.date_input(key="audit_dates").set_value(long_ago).run()
    assert not at.exception and _audit_table(at).empty
    shown_caption = {"en": f"0 of {len(everything)} entries", "zh": f"显示 0 条，共 {len(everything)} 条"}[lang]
    assert shown_caption in [c.value for c in at.caption]
