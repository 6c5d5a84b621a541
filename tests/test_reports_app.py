"""AppTest: the model report download on the Model page and the audit trail on the Accounts and audit page, in
both languages."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
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
    return next(frame.value for frame in at.dataframe if "result" in frame.value.columns)


WORDS = {
    "en": {"trainee": "trainee", "refused": "refused", "save_model": "save a model", "everyone": "Everyone"},
    "zh": {"trainee": "学员", "refused": "已拒绝", "save_model": "保存模型", "everyone": "所有人"},
}

HEADERS = {  # the CSV's first line
    "en": "When,Person,Role,Action,Object,Table,Result,Details,Client address",
    "zh": "时间,人员,角色,操作,对象,数据表,结果,详情,客户端地址",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_audit_trail_on_the_accounts_page_filters_and_downloads(demo_db, monkeypatch, downloads, lang):
    """Single-user mode: the machine's user is the admin and reads the one audit trail, by person, action,
    object and dates, and downloads what is shown."""
    con = store.connect(demo_db)
    with store.acting_as(store.Person("tina", "trainee", "10.0.0.7", "password")), pytest.raises(store.Refused):
        store.permit(con, "delete_model", None, name=SAMPLE_MODEL)
    weeks_ago = dt.date.today() - dt.timedelta(days=40)
    con.execute("UPDATE risklab_catalog.audit SET saved_at = ? WHERE person = 'tina'", [weeks_ago])
    con.close()
    words = WORDS[lang]
    at = _open(demo_db, monkeypatch, "pages/access.py", lang)
    assert [tab.label for tab in at.tabs] == []  # no tab anywhere else: the Data page lost its audit tab
    everything = _audit_table(at)
    assert len(everything) >= 3 and "tina" in set(everything["person"])  # the demo's saves and tina's attempt
    person = at.selectbox(key="audit_person")
    assert person.options[0] == words["everyone"] and "tina" in person.options
    person.select("tina").run()
    shown = _audit_table(at)
    assert list(shown["person"]) == ["tina"] and list(shown["role"]) == [words["trainee"]]
    assert list(shown["result"]) == [words["refused"]] and list(shown["client"]) == ["10.0.0.7"]

    at.selectbox(key="audit_person").select_index(0).run()
    actions = at.multiselect(key="audit_actions")
    assert words["save_model"] in actions.options  # each action in the reader's words
    actions.set_value(["save_model"]).run()
    shown = _audit_table(at)
    assert list(shown["action"]) == [words["save_model"]] and list(shown["object"]) == [SAMPLE_MODEL]
    at.multiselect(key="audit_actions").set_value([]).run()
    at.text_input(key="audit_object").input(SAMPLE_MODEL.upper()).run()
    assert set(_audit_table(at)["object"]) == {SAMPLE_MODEL} and len(_audit_table(at)) == 2  # saved; refused
    at.text_input(key="audit_object").input("").run()

    at.date_input(key="audit_dates").set_value((weeks_ago, weeks_ago)).run()
    assert list(_audit_table(at)["person"]) == ["tina"]
    written = downloads["audit_trail.csv"]().decode("utf-8-sig").splitlines()  # what is shown, in the language
    header = HEADERS[lang]
    assert written[0] == header and len(written) == 2 and f",tina,{words['trainee']}," in written[1]

    long_ago = (weeks_ago - dt.timedelta(days=30), weeks_ago - dt.timedelta(days=29))
    at.date_input(key="audit_dates").set_value(long_ago).run()
    assert not at.exception and _audit_table(at).empty
    shown_caption = {"en": f"0 of {len(everything)} entries", "zh": f"显示 0 条，共 {len(everything)} 条"}[lang]
    assert shown_caption in [c.value for c in at.caption]
    assert downloads["audit_trail.csv"]().decode("utf-8-sig").splitlines() == [header]


def test_the_data_page_has_no_audit_tab(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, "pages/data.py", "en")
    assert "Audit trail" not in [tab.label for tab in at.tabs]
    assert not [w for w in at.multiselect if w.key == "audit_actions"]
