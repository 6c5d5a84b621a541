"""Reports that leave the app: the model development report of a saved version (HTML, Excel, Word, English and
Chinese), the portfolio report (HTML, Excel); every figure read back and checked."""

from __future__ import annotations

import html
import io
import json
import re
import shutil

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analytics import core, model, reports, store
from analytics.cli import main
from analytics.sample import SAMPLE_MODEL

ADDRESS = re.compile(r"https?://", re.IGNORECASE)
# Names of methods and statistics that Chinese credit-risk documents write in Latin letters.
TERMS = {"AIC", "AUC", "BIC", "Brier", "CSI", "Cohen", "H-L", "Hosmer-Lemeshow", "IV", "KS", "McFadden", "PDO"}
TERMS |= {"PSI", "ROC", "VIF", "WOE", "kappa", "g-"}


@pytest.fixture(scope="module")
def report_db(demo_db_template, tmp_path_factory):
    """A copy of the demo database (the sample portfolio and its saved "sample scorecard")."""
    path = tmp_path_factory.mktemp("reports") / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture(scope="module")
def report_con(report_db):
    con = store.connect(report_db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def english(report_con):
    return reports.model_report(report_con, SAMPLE_MODEL, lang="en")


@pytest.fixture(scope="module")
def chinese(report_con):
    return reports.model_report(report_con, SAMPLE_MODEL, lang="zh")


def _visible_text(page: str) -> str:
    """What a reader sees: the text of the page and of its SVG charts, without styles and tags."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _table(document: reports.Document, sheet: str) -> pd.DataFrame:
    return next(table.frame for table in document.tables() if table.sheet == sheet)


def _fact(document: reports.Document, label: str) -> str:
    rows = [row for s in document.sections for b in s.blocks if isinstance(b, reports.Facts) for row in b.rows]
    return dict(rows)[label]


# --- the model development report ----------------------------------------------------------------------------------


def test_the_report_names_the_saved_version(report_con, english):
    saved = model.load_model(report_con, SAMPLE_MODEL)
    page = reports.to_html(english)
    assert _fact(english, "Saved name") == SAMPLE_MODEL and _fact(english, "Version") == "1"
    assert _fact(english, "Created at") == core.format_value(saved.created_at, "datetime", "en")
    assert _fact(english, "Data fingerprint") == saved.fingerprint and len(saved.fingerprint) == 64
    assert saved.fingerprint in page and f"Model {SAMPLE_MODEL}, version 1" in page
    headings = [s.heading for s in english.sections]
    assert headings == [
        "The model",
        "Purpose and data",
        "Candidate factors",
        "Binning of the model factors",
        "Coefficients and fit",
        "Validation on the training and test samples",
        "Stability",
        "Scorecard and scaling",
        "Cutoff and strategy",
        "Version history",
        "Sign-off",
    ]


def test_the_html_report_is_self_contained(english):
    page = reports.to_html(english)
    assert not ADDRESS.search(page)  # no script, style sheet, image or namespace address of any kind
    assert "<script" not in page and "<link" not in page and " src=" not in page and "@import" not in page
    assert page.count('<figure class="chart"><svg') == len(english.charts()) == 13  # 8 binnings, IV, 4 more
    assert "@page { size: A4" in page


def test_validation_figures_match_scikit_learn_on_the_saved_models_scores(report_con, english):
    """The test AUC in the report against roc_auc_score on every test loan scored with the saved model's SQL,
    and the score PSI against a hand computation over the same 50 equal-width log-odds bins. The sample
    scorecard is out of time: loans applied for from the sample's documented change on are its test sample."""
    saved = model.load_model(report_con, SAMPLE_MODEL)
    assert (saved.spec.holdout, saved.spec.split_date) == ("time", "2022-07-01")
    log_odds, params = saved.log_odds_sql()
    rows = report_con.execute(
        f"SELECT CASE WHEN application_date >= DATE '2022-07-01' THEN 1 ELSE 0 END AS part, default_flag AS bad, "
        f"{log_odds} AS lo FROM sample_loans WHERE booked AND default_flag IS NOT NULL",
        params,
    ).df()
    test = rows[rows["part"] == 1]
    validation = _table(english, "Validation").set_index("sample")
    assert validation.loc["test", "auc"] == pytest.approx(roc_auc_score(test["bad"], test["lo"]), abs=1e-12)
    assert validation.loc["test", "n"] == len(test) == 15_953  # booked from 2022-07-01 (11,151 before: 27,104 booked)
    train = rows[rows["part"] == 0]
    assert validation.loc["train", "auc"] == pytest.approx(roc_auc_score(train["bad"], train["lo"]), abs=1e-12)

    low, high = rows["lo"].min(), rows["lo"].max()
    bins = np.minimum(np.floor((rows["lo"] - low) / ((high - low) / 50)).astype(int), 49)
    counts = pd.crosstab(bins, rows["part"]).reindex(range(50), fill_value=0)
    expected = np.maximum(counts[0] / counts[0].sum(), 1e-4)
    actual = np.maximum(counts[1] / counts[1].sum(), 1e-4)
    by_hand = float(((actual - expected) * np.log(actual / expected)).sum())
    band = "stable" if by_hand < 0.10 else "minor shift" if by_hand <= 0.25 else "major shift"
    assert band == "minor shift"  # the test sample is after the sample's documented change
    assert _fact(english, "Population stability index of the score, test against training") == (
        f"{by_hand:.4f} ({band})"
    )


def test_the_candidate_factors_say_why_each_was_kept_or_dropped(report_con, english):
    factors = _table(english, "Candidate factors").set_index("factor")
    in_model = factors.loc[factors["decision"] == "In the model"].index
    assert set(in_model) == {f.column for f in model.load_model(report_con, SAMPLE_MODEL).spec.factors}
    assert factors.loc["total_assets", "decision"].startswith("dropped: correlation")
    # by hand: IV of the booked loans over its optimal groups {6, 7, 9}, {5, 8}, {4}, {3}, {2}
    assert factors.loc["household_size", "decision"] == "dropped: IV 0.0067 (below 0.02)"
    assert list(factors["iv"]) == sorted(factors["iv"], reverse=True)


def test_the_excel_report_carries_number_formats(english):
    book = openpyxl.load_workbook(io.BytesIO(reports.to_excel(english)))
    assert book.sheetnames[0] == "Summary" and {"Validation", "Gains", "Coefficients", "Scorecard"} <= set(
        book.sheetnames
    )
    summary = [row[0] for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[0] == "Model development report" and "The table is on the sheet Gains." in summary

    def column(sheet: str, header: str) -> list:
        cells = list(book[sheet].iter_rows())
        index = [c.value for c in cells[0]].index(header)
        return [row[index] for row in cells[1:]]

    auc = column("Validation", "AUC")
    assert {c.number_format for c in auc} == {"0.0000"} and isinstance(auc[0].value, float)
    capture = column("Gains", "Capture")
    assert {c.number_format for c in capture} == {"0.00%"} and capture[-1].value == pytest.approx(1.0)
    loans = column("Gains", "Loans")
    assert {c.number_format for c in loans} == {"#,##0"} and sum(c.value for c in loans) == 15_953
    shares = column("annual_income", "Share")
    assert {c.number_format for c in shares} == {"0.00%"}
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames[1:])
    assert book["Gains"].column_dimensions["A"].width >= len("Decile")


def test_the_word_report_has_every_section_and_chart(english):
    document = docx.Document(io.BytesIO(reports.to_docx(english)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in english.sections]
    assert len(document.inline_shapes) == len(english.charts())
    assert len(document.tables) == len(english.tables()) + sum(
        1 for s in english.sections for b in s.blocks if isinstance(b, reports.Facts)
    )
    gains = next(t for t in document.tables if t.rows[0].cells[0].text == "Decile")
    assert gains.rows[1].cells[0].text == "1" and gains.rows[-1].cells[5].text == "100.00%"  # capture


def test_the_chinese_report_has_no_english_label(report_con, chinese):
    """Every Latin word of the Chinese report is the user's (a column name, a level of a factor, the model's or
    table's name), a hexadecimal fingerprint, or a method's name written in Latin letters in Chinese too."""
    page = reports.to_html(chinese)
    assert not ADDRESS.search(page)
    users = set()
    for (column,) in report_con.execute("SELECT column_name FROM (DESCRIBE sample_loans)").fetchall():
        users.add(column)
    saved = model.load_model(report_con, SAMPLE_MODEL)
    for encoding in saved.encodings:
        users |= set(encoding.levels)
    users |= {SAMPLE_MODEL, "sample_loans", *store.audit_trail(report_con)["person"]}  # who saved it: a name
    allowed = {word for value in users for word in re.findall(r"[A-Za-z][A-Za-z_\-]+", str(value))}
    words = set(re.findall(r"[A-Za-z][A-Za-z_\-]+", _visible_text(page)))
    fingerprint = {w for w in words if re.fullmatch(r"[a-f]+", w) and w in saved.fingerprint}
    assert sorted(words - allowed - TERMS - fingerprint) == []
    assert "模型开发报告" in page and "签字确认" in page and "训练样本与测试样本上的验证" in page


def test_a_recalibrated_version_shows_its_saved_coefficients(demo_db):
    import dataclasses

    con = store.connect(demo_db)
    saved = model.load_model(con, SAMPLE_MODEL)
    shifted = {**saved.params, model.CONST: saved.params[model.CONST] + 0.5}
    version = model.save_version(con, dataclasses.replace(saved, params=shifted), "recalibrated")
    document = reports.model_report(con, SAMPLE_MODEL, version, "en")
    con.close()
    page = reports.to_html(document)
    assert "does not give the saved coefficients" in page
    coefs = _table(document, "Coefficients").set_index("term")["coef"]
    assert coefs["Intercept"] == pytest.approx(saved.params[model.CONST] + 0.5)
    assert coefs["debt_ratio"] == saved.params["debt_ratio"]
    history = _table(document, "Versions")
    assert list(history["version"]) == [2, 1]
    audit = _table(document, "Audit")  # the version history reads the one audit trail, with who and their role
    assert list(audit.columns) == ["recorded_at", "person", "role", "action", "result", "detail"]
    assert list(audit["action"]) == ["save a model", "save a model"] and set(audit["result"]) == {"done"}
    assert set(audit["person"]) == {store.LOCAL.name} and set(audit["role"]) == {"administrator"}
    assert audit["detail"].iloc[0] == "Version=2, Reason=recalibrated"


def test_bad_report_requests_say_so(report_con):
    with pytest.raises(core.RiskLabError, match="no saved model 'nope'"):
        reports.model_report(report_con, "nope")
    with pytest.raises(core.RiskLabError) as caught:
        reports.model_report(report_con, SAMPLE_MODEL, cutoff=1.5)
    assert caught.value.message("zh") == "报告的违约概率阈值必须在 0 和 1 之间（不含端点），而不是 1.5"
    with pytest.raises(core.RiskLabError, match="not 'pdf'"):
        reports.render(reports.Document("t", "s", ()), "pdf")


# --- the portfolio report ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portfolio_figures(report_con):
    return reports.portfolio_figures(report_con, "sample_performance")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_portfolio_report_is_offline_and_written_in_the_language(portfolio_figures, lang):
    page = reports.to_html(reports.portfolio_document(portfolio_figures, lang))
    assert not ADDRESS.search(page) and "<script" not in page
    assert page.count('<figure class="chart"><svg') == 6
    trend = re.search(r'<figure class="chart">(.*?)</figure>', page, flags=re.S).group(1)
    assert trend.count("role-legend-title") == 1  # PAR30, PAR90, NPL: one legend of coloured dashed lines, not two
    kpis = portfolio_figures.kpis.set_index("kpi")["value"]
    par30 = core.format_value(kpis["par30"], "share", lang)
    outstanding = core.format_value(kpis["outstanding"], "amount", lang)
    assert re.fullmatch(r"\d\.\d\d%", par30) and re.fullmatch(r"\d{1,3}(,\d{3})+", outstanding)
    assert f"<td>{par30}</td>" in page and f"<td>{outstanding}</td>" in page
    assert not re.search(r"\d\.\d+e[+-]\d\d", _visible_text(page))  # no scientific notation anywhere
    heading = "Provisions and ECL" if lang == "en" else "拨备与预期信用损失"
    assert f"<h2>{heading}</h2>" in page


def test_the_portfolio_workbook_has_formats_and_provisions(portfolio_figures):
    book = openpyxl.load_workbook(io.BytesIO(reports.portfolio_workbook(portfolio_figures, "zh")))
    assert {"kpis", "monthly", "classification_mix", "provisions", "provisions_by_category"} <= set(book.sheetnames)
    monthly = book["monthly"]
    headers = [cell.value for cell in monthly[1]]
    assert headers[0] == "月份" and monthly.freeze_panes == "A2"
    assert monthly.cell(row=2, column=headers.index("PAR30") + 1).number_format == "0.00%"
    assert monthly.cell(row=2, column=headers.index("余额") + 1).number_format == "#,##0"
    provisions = book["provisions"]
    headers = [cell.value for cell in provisions[1]]
    assert provisions.cell(row=2, column=headers.index("拨备覆盖率") + 1).number_format == "0.00%"
    assert provisions.cell(row=2, column=headers.index("应计提拨备") + 1).number_format == "#,##0"
    reserve = provisions.cell(row=2, column=headers.index("应计提拨备") + 1).value
    assert reserve == pytest.approx(portfolio_figures.provisions.get("required_reserve"))


def test_the_page_report_escapes_its_text():
    import altair as alt

    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x", y="y")
    page = reports.page_report("<b>Board</b>", "as of 2024", {"Figures": pd.DataFrame({"A": ["1.5%"]})}, [("T", chart)])
    assert "<h1>&lt;b&gt;Board&lt;/b&gt;</h1>" in page and "<td>1.5%</td>" in page
    assert page.count("<svg") == 1 and not ADDRESS.search(page)


# --- the command line ----------------------------------------------------------------------------------------------


def test_report_and_portfolio_commands(demo_db, tmp_path, capsys):
    output = tmp_path / "report.xlsx"
    assert main(["--db", str(demo_db), "report", "--model", SAMPLE_MODEL, "--output", str(output)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["model"] == SAMPLE_MODEL and printed["version"] == 1 and printed["format"] == "xlsx"
    assert openpyxl.load_workbook(output).sheetnames[0] == "Summary"

    page = tmp_path / "board.html"
    assert main(["--db", str(demo_db), "portfolio", "--table", "sample_performance", "--report", str(page)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["report"]["format"] == "html" and printed["par30"] > 0
    assert not ADDRESS.search(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--model", SAMPLE_MODEL, "--output", "x.pdf"], "must end in .html, .xlsx, .docx: x.pdf"),
        (["report", "--model", "nope", "--output", "x.html"], "there is no saved model 'nope'"),
        (["report", "--model", SAMPLE_MODEL, "--version", "two", "--output", "x.html"], "version"),
        (["report", "--model", SAMPLE_MODEL, "--lang", "fr", "--output", "x.html"], "one of en, zh, not 'fr'"),
        (["portfolio", "--table", "sample_performance", "--report", "x.docx"], "must end in .html, .xlsx: x.docx"),
    ],
)
def test_bad_report_commands_print_one_error_line(demo_db, capsys, argv, message):
    assert main(["--db", str(demo_db), *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
