"""Real-browser tests of the reports: the HTML model and portfolio reports open with every request but the file
itself refused and show every chart; the Model page downloads a report; the Accounts and audit page shows the
audit trail. Screenshots under ``test-output/screenshots`` (look at them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics import reports, store
from analytics.sample import SAMPLE_MODEL
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, shot, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser

MIN_CHART_PX = 100  # a drawn chart is at least this wide and tall


@pytest.fixture(scope="module")
def report_files(demo_db_template, tmp_path_factory):
    """The model and portfolio reports in both languages, as HTML files."""
    folder = tmp_path_factory.mktemp("reports")
    db = folder / "risklab.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    con = store.connect(db)
    figures = reports.portfolio_figures(con, "sample_performance")
    files = {}
    for lang in ("en", "zh"):
        documents = {
            "model": reports.model_report(con, SAMPLE_MODEL, lang=lang),
            "portfolio": reports.portfolio_document(figures, lang),
        }
        for kind, document in documents.items():
            path = folder / f"{kind}_{lang}.html"
            path.write_text(reports.to_html(document), encoding="utf-8")
            files[(kind, lang)] = (path, len(document.charts()))
    con.close()
    return files


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["model", "portfolio"])
def test_the_html_report_opens_offline_with_every_chart(browser, report_files, kind, lang):
    path, charts = report_files[(kind, lang)]
    context = browser.new_context(viewport={"width": 1000, "height": 1200}, locale="en-US")
    page = context.new_page()
    refused = []

    def only_the_file(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert refused == []  # the report asked for nothing beyond itself
    figures = page.locator("figure.chart svg")
    assert figures.count() == charts > 0
    for index in range(charts):
        box = figures.nth(index).bounding_box()
        assert box["width"] >= MIN_CHART_PX and box["height"] >= MIN_CHART_PX
        assert figures.nth(index).locator("path, rect, line, symbol").count() > 5  # marks, not an empty frame
    shot(page, f"30_{kind}_report_{lang}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    printed = SHOTS / f"30_{kind}_report_{lang}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(printed), format="A4", print_background=True)
    assert printed.read_bytes().startswith(b"%PDF") and printed.stat().st_size > 50_000
    context.close()


WORDS = {
    "en": {
        "access": "Accounts and audit",
        "audit": "Audit trail",
        "model": "Model",
        "report": "Model development report",
    },
    "zh": {"access": "账户与审计", "audit": "审计记录", "model": "模型", "report": "模型开发报告"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_audit_trail_on_the_accounts_page(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=words["access"]).click()
    wait_idle(page)
    page.get_by_role("heading", name=words["audit"]).wait_for()
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(SAMPLE_MODEL, timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"31_audit_trail_{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_model_page_downloads_the_report(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=words["model"], exact=True).click()
    wait_idle(page)
    page.get_by_text(words["report"]).first.click()  # the expander
    wait_idle(page)
    shot(page, f"32_model_report_download_{lang}")
    button = page.get_by_test_id("stDownloadButton").locator("button").first
    with page.expect_download(timeout=TIMEOUT_MS * 6) as download:
        button.click()
    written = download.value.path().read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and words["report"] in written
    assert "http://" not in written and "https://" not in written
