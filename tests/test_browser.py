"""Real-browser tests: Debian's Chromium driven by Playwright against `streamlit run app.py`.

They click through the main flows a user has, and save a screenshot of every page under
``test-output/screenshots`` (look at them).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PROJECT, TIMEOUT_MS

pytestmark = pytest.mark.browser

SHOTS = PROJECT / "test-output" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(db: Path, *options: str):
    """`streamlit run app.py` on ``db`` at a free port (server log in test-output/); yields the URL."""
    port = _free_port()
    log_path = PROJECT / "test-output" / f"server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        *options,
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT, env={**os.environ, "RISKLAB_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while not _healthy(url):
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("the app did not start: " + log_path.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def app_url(demo_db_template, tmp_path_factory):
    """The app served on a private copy of the demo database."""
    db = tmp_path_factory.mktemp("browser") / "risklab.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    with serve(db) as url:
        yield url


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current rerun."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)


def choose_language(page, url: str, lang: str) -> None:
    """Open the app and switch the sidebar to ``lang`` ("en" is the default)."""
    page.goto(url)
    wait_idle(page)
    if lang == "zh":
        page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        page.get_by_text("小微信贷风险实验室").first.wait_for()
        wait_idle(page)


def open_page(page, url: str, nav_label: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(nav_label, exact=True).click()
    wait_idle(page)


def test_home_shows_the_sample_portfolio(page, app_url):
    page.goto(app_url)
    page.get_by_text("Microcredit Risk Lab").first.wait_for()
    page.get_by_text("36,000 rows, default rate").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    page.get_by_test_id("stSidebar").get_by_text("Active table").wait_for()
    wait_idle(page)
    shot(page, "01_home")


def test_upload_preview_and_import_a_gbk_file(page, app_url, tmp_path):
    upload = tmp_path / "网点贷款.csv"
    upload.write_bytes(
        '贷款编号;贷款金额;违约;客户经理\nL1;"12,000";0;王芳\nL2;8000;1;李强\nL3;5000;0;王芳\n'.encode("gb18030")
    )
    page.goto(app_url)
    open_page(page, app_url, "Data")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    page.get_by_text("gb18030").first.wait_for()
    wait_idle(page)
    shot(page, "02_data_preview")
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported 3 rows into table 网点贷款.").wait_for()
    wait_idle(page)
    shot(page, "03_data_imported")
    # the new table is now the active one in the sidebar, and it is in the catalog
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Active table")).to_have_value("网点贷款")
    page.get_by_role("tab", name="Tables & quality").click()
    page.get_by_text("Data quality of 网点贷款").wait_for()
    shot(page, "04_data_quality")


def test_roles_default_definition_and_sql_tabs(page, app_url):
    page.goto(app_url)
    open_page(page, app_url, "Data")
    page.get_by_role("tab", name="Column roles").click()
    page.get_by_role("button", name="Save roles").wait_for()
    wait_idle(page)  # a user waits for the page before saving
    shot(page, "05_data_roles")
    page.get_by_role("button", name="Save roles").click()
    wait_idle(page)
    page.get_by_text("Roles and display names saved for sample_loans.").wait_for()
    page.get_by_role("tab", name="Default definition").click()
    page.get_by_role("button", name="Save default definition").wait_for()
    shot(page, "06_data_default")
    page.get_by_role("tab", name="SQL console").click()
    wait_idle(page)
    editor = page.get_by_test_id("stTextArea").locator("textarea")
    editor.fill("SELECT branch, count(*) AS loans FROM sample_loans GROUP BY branch ORDER BY branch")
    editor.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    wait_idle(page)
    page.get_by_text("rows in").first.wait_for()
    shot(page, "07_data_sql")
    editor.fill("DROP TABLE sample_loans")
    editor.press("Control+Enter")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("the console is read-only: only SELECT queries are allowed, not DROP").wait_for()


def test_language_switch_persists_across_pages(page, app_url):
    page.goto(app_url)
    page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
    page.get_by_text("小微信贷风险实验室").first.wait_for()
    shot(page, "08_home_zh")
    open_page(page, app_url, "数据")
    page.get_by_role("tab", name="导入").wait_for()
    shot(page, "09_data_zh")
    open_page(page, app_url, "首页")
    page.get_by_text("小微信贷风险实验室").first.wait_for()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_opens_in_both_languages(page, app_url, lang):
    """Open every page listed in the navigation, check it shows no error, and screenshot it."""
    page.goto(app_url)
    wait_idle(page)
    if lang == "zh":
        page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        page.get_by_text("小微信贷风险实验室").first.wait_for()
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    count = len(re.findall(r"st\.Page\(", (PROJECT / "app.py").read_text(encoding="utf-8")))
    assert count >= 7
    expect(links).to_have_count(count)  # the navigation may still be drawing (or redrawing) when the page is idle
    for number in range(count):
        links.nth(number).click()
        wait_idle(page)
        page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for()
        assert page.get_by_test_id("stException").count() == 0, f"page {number}: exception shown"
        shot(page, f"page_{lang}_{number:02d}")


def test_portfolio_kpis_on_the_performance_table(page, app_url):
    """The executive's flow: open Portfolio, switch to the monthly table, read the KPI tiles."""
    page.goto(app_url)
    wait_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Portfolio").click()
    wait_idle(page)
    page.get_by_role("button", name="Show sample_performance (monthly performance data)").click()
    wait_idle(page)
    metrics = page.get_by_test_id("stMetric")
    metrics.first.wait_for()
    expect(page.get_by_test_id("stMainBlockContainer")).to_contain_text("PAR30")
    assert metrics.count() >= 8
    shot(page, "10_portfolio_kpis")


def test_upload_over_the_size_limit_is_refused_by_the_server(browser, demo_db, tmp_path):
    """The server's own cap (server.maxUploadSize) refuses a too-large file before the importer sees it."""
    big = tmp_path / "too_big.csv"
    big.write_bytes(b"loan_id,amount\n" + b"L1,1000\n" * 200_000)  # 1.6 MB
    with serve(demo_db, "--server.maxUploadSize", "1") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(f"{url}/data")
        tab.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(big))
        tab.get_by_text("File must be 1.0MB or smaller").wait_for()
        assert tab.get_by_role("button", name="Import", exact=True).count() == 0
        shot(tab, "11_upload_too_big")
        context.close()


def test_bookmarked_page_urls_open_directly(browser, demo_db):
    """A bookmarked URL opens that page in the app's frame (sidebar, navigation), even as a new server's first
    request, and never shows 'Page not found'."""
    paths = re.findall(r'url_path="([^"]+)"', (PROJECT / "app.py").read_text(encoding="utf-8"))
    assert "risk_factors" in paths
    with serve(demo_db) as url:  # a fresh server: the deep link is its very first request
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        for path in ["risk_factors", *paths]:
            tab.goto(f"{url}/{path}")
            tab.get_by_test_id("stSidebar").get_by_text("Language").wait_for()
            wait_idle(tab)
            tab.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for()
            assert tab.get_by_text("Page not found").count() == 0, path
            expect(tab.get_by_test_id("stSidebarNav").get_by_role("link").first).to_contain_text("Home")
        context.close()


def test_fit_a_model_on_the_sample_portfolio(page, app_url):
    """The risk manager's flow: pick factors on the Model page, fit, read the coefficients and validation."""
    page.goto(f"{app_url}/model")
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    for factor in ("debt_ratio", "credit_rating", "prior_overdue_count"):
        picker.click()
        page.keyboard.type(factor)
        page.keyboard.press("Enter")
        wait_idle(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Fit the model").click()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text("AUC", timeout=TIMEOUT_MS * 2)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "12_model_fitted")


def test_expert_vs_model_cutoff_slider_updates_the_comparison(page, app_url):
    """The trainer's flow: the demo's sample scorecard against the officers; moving the cutoff changes the counts."""
    page.goto(f"{app_url}/expert_vs_model")
    wait_idle(page)
    caption = page.get_by_text("Cutoff PD").filter(visible=True).first
    caption.wait_for(timeout=TIMEOUT_MS * 2)
    shot(page, "13_expert_vs_model")
    before = page.get_by_test_id("stMainBlockContainer").inner_text()
    thumb = page.get_by_role("slider").first
    thumb.focus()
    for _ in range(40):
        thumb.press("ArrowRight")
    wait_idle(page)
    page.wait_for_timeout(1500)
    wait_idle(page)
    after = page.get_by_test_id("stMainBlockContainer").inner_text()
    assert after != before
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "14_expert_vs_model_cutoff_moved")


def test_what_if_page_scores_an_applicant(page, app_url):
    page.goto(f"{app_url}/what_if")
    wait_idle(page)
    expect(page.get_by_test_id("stMainBlockContainer")).to_contain_text("PD", timeout=TIMEOUT_MS * 2)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "15_what_if")
