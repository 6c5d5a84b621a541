"""Exports that carry their identity: the model JSON, the SQL and the scorecard CSV and Excel state the saved
name, version, creation time and data fingerprint (an unsaved model says so), and the `export` command."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest

from analytics import core, model, store
from tests.test_model import run_cli


@pytest.fixture
def saved_db(demo_db):
    """The demo database with "sample scorecard" saved a second time (version 2)."""
    con = store.connect(demo_db)
    first = model.load_model(con, "sample scorecard")
    model.save_version(con, first, "a second version")
    con.close()
    return demo_db


def catalog_row(db, name: str, version: int) -> tuple:
    con = store.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT created_at, fingerprint FROM risklab_catalog.models WHERE name = ? AND version = ?", [name, version]
        ).fetchone()
    finally:
        con.close()


def test_a_saved_versions_json_and_sql_carry_its_identity(saved_db):
    created, fingerprint = catalog_row(saved_db, "sample scorecard", 2)
    con = store.connect(saved_db, read_only=True)
    saved = model.load_model(con, "sample scorecard", 2)
    con.close()
    data = json.loads(model.model_json(saved))
    assert data["saved"] is True
    assert (data["name"], data["version"], data["fingerprint"]) == ("sample scorecard", 2, fingerprint)
    assert data["created_at"] == created.isoformat()
    assert data["identity"].startswith("Model 'sample scorecard' version 2, saved ")
    assert fingerprint in data["identity"] and "sample_loans" in data["identity"]
    first, second = saved.export_sql().splitlines()[:2]
    assert first.startswith("-- Model 'sample scorecard' version 2, saved ") and fingerprint in first
    assert second.startswith("-- Scaling: 600 points at good:bad odds 50:1, 20 points to double the odds.")
    chinese = saved.export_sql("zh").splitlines()[0]
    assert chinese.startswith("-- 模型“sample scorecard”第 2 版，") and fingerprint in chinese


def test_an_unsaved_model_says_so_in_words(saved_db):
    con = store.connect(saved_db, read_only=True)
    saved = model.load_model(con, "sample scorecard", 1)
    con.close()
    unsaved = model.SavedModel("", 0, saved.spec, saved.params, saved.scaling, saved.encodings)
    data = json.loads(model.model_json(unsaved))
    assert (data["saved"], data["name"], data["version"], data["created_at"]) == (False, None, None, None)
    assert data["identity"].startswith("Not saved: a model fitted in this session on table sample_loans")
    assert unsaved.export_sql().startswith("-- Not saved: ")
    assert "unsaved" not in json.dumps(data) and "version 0" not in unsaved.export_sql()
    assert model.scorecard_csv(unsaved, "zh").decode("utf-8-sig").startswith("# 未保存：")


def test_a_name_cannot_break_out_of_the_sql_comment(saved_db):
    con = store.connect(saved_db, read_only=True)
    saved = model.load_model(con, "sample scorecard", 1)
    odd = model.SavedModel(
        "x\nDROP TABLE sample_loans; --", 3, saved.spec, saved.params, saved.scaling, saved.encodings
    )
    sql = odd.export_sql()
    assert sql.splitlines()[0].startswith("-- Model 'x DROP TABLE sample_loans; --' version 3")
    assert len(con.execute(f"{sql} LIMIT 5").fetchall()) == 5
    con.close()


def test_scorecard_csv_states_the_identity_and_adds_up(saved_db):
    con = store.connect(saved_db, read_only=True)
    saved = model.load_model(con, "sample scorecard", 2)
    con.close()
    text = model.scorecard_csv(saved).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("# Model 'sample scorecard' version 2, saved ")
    assert lines[1].startswith("# Scaling: 600 points")
    card = pd.read_csv(io.StringIO(text), comment="#")
    assert list(card.columns) == [core.column_label(c) for c in model.scorecard_frame(saved).columns]
    assert card.iloc[0, 0] == "Base points"
    assert card["Points (rounded)"].iloc[0] == saved.base_points


def test_scorecard_excel_is_a_formatted_sheet(saved_db):
    con = store.connect(saved_db, read_only=True)
    saved = model.load_model(con, "sample scorecard", 2)
    con.close()
    created, fingerprint = catalog_row(saved_db, "sample scorecard", 2)
    for lang, title, points_header in (("en", "Scorecard", "Points (rounded)"), ("zh", "评分卡", "分值（取整）")):
        book = openpyxl.load_workbook(io.BytesIO(model.scorecard_workbook(saved, lang)))
        sheet = book[title]
        block = {sheet.cell(r, 1).value: sheet.cell(r, 2) for r in range(1, 10)}
        assert block[core.t("nav.model", lang)].value == "sample scorecard"
        assert block[core.column_label("version", lang)].value == 2
        written = block[core.column_label("created_at", lang)].value
        assert abs((written - created).total_seconds()) < 0.01
        assert block[core.column_label("created_at", lang)].number_format == "yyyy-mm-dd hh:mm"
        assert block[core.column_label("fingerprint", lang)].value == fingerprint
        assert block[core.t("model.base_score", lang)].value == 600
        assert block[core.t("model.base_odds", lang)].value == 50
        assert block[core.t("model.pdo", lang)].value == 20
        auc = block[core.t("exports.auc.test", lang)]
        assert auc.value == pytest.approx(saved.metrics["test"]["auc"]) and auc.number_format == "0.0000"
        header_row = 11
        headers = [sheet.cell(header_row, c).value for c in range(1, 8)]
        assert headers == [core.column_label(c, lang) for c in model.scorecard_frame(saved).columns]
        assert points_header in headers
        assert sheet.freeze_panes == f"A{header_row + 1}"
        assert sheet.cell(header_row, 1).font.bold
        points_col = headers.index(points_header) + 1
        assert sheet.cell(header_row + 1, points_col).value == saved.base_points
        assert sheet.cell(header_row + 1, points_col).number_format == "#,##0"
        assert sheet.cell(header_row + 1, headers.index(core.column_label("points", lang)) + 1).number_format == (
            "#,##0.00"
        )
        assert sheet.column_dimensions["A"].width >= len("prior_overdue_count")
        assert 16 <= sheet.column_dimensions["B"].width < 40  # the date shows whole; the fingerprint runs on


def test_export_command_writes_each_format(saved_db, tmp_path, capsys):
    _, fingerprint = catalog_row(saved_db, "sample scorecard", 1)
    out = tmp_path / "model.json"
    status, stdout, err = run_cli(
        capsys,
        saved_db,
        "export",
        "--model",
        "sample scorecard",
        "--version",
        "1",
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert status == 0, err
    report = json.loads(stdout)
    assert (report["name"], report["version"], report["fingerprint"]) == ("sample scorecard", 1, fingerprint)
    assert json.loads(out.read_text())["version"] == 1
    status, stdout, err = run_cli(
        capsys,
        saved_db,
        "export",
        "--model",
        "sample scorecard",
        "--format",
        "sql",
        "--output",
        str(tmp_path / "m.sql"),
    )
    assert status == 0, err
    assert (tmp_path / "m.sql").read_text().startswith("-- Model 'sample scorecard' version 2, saved ")
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"card{suffix}"
        status, _, err = run_cli(
            capsys, saved_db, "export", "--model", "sample scorecard", "--format", "scorecard", "--output", str(path)
        )
        assert status == 0, err
    assert (tmp_path / "card.csv").read_text(encoding="utf-8-sig").startswith("# Model 'sample scorecard' version 2")
    assert openpyxl.load_workbook(tmp_path / "card.xlsx")["Scorecard"]["B2"].value == 2
    status, _, err = run_cli(
        capsys,
        saved_db,
        "export",
        "--model",
        "sample scorecard",
        "--format",
        "scorecard",
        "--lang",
        "zh",
        "--output",
        str(tmp_path / "card_zh.xlsx"),
    )
    assert status == 0 and "评分卡" in openpyxl.load_workbook(tmp_path / "card_zh.xlsx").sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "xml", "--output", "m.xml"],
            "error: unknown export format 'xml': use one of json, sql, scorecard",
        ),
        (["--format", "scorecard", "--output", "card.pdf"], "error: cannot write 'card.pdf': a scorecard goes to"),
        (["--format", "json", "--version", "9", "--output", "m.json"], "error: there is no saved model"),
        (["--format", "json", "--lang", "fr", "--output", "m.json"], "error: unknown language 'fr'"),
        (["--format", "json", "--output", "no/such/folder/m.json"], "error: cannot write 'no/such/folder/m.json'"),
    ],
)
def test_export_command_bad_input_is_one_error_line(saved_db, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    status, stdout, err = run_cli(capsys, saved_db, "export", "--model", "sample scorecard", *args)
    assert status == 1 and stdout == ""
    assert err.startswith(message) and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.json").exists()
