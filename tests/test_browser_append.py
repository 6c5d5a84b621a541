"""Real-browser check of issue 19 in both languages, with screenshots under ``test-output/screenshots`` (look at
them): a month of performance data uploaded and added to an existing table, whose Portfolio page then opens from
the summary the import kept up to date."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics.core import t
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser

HEADER = "loan_id,snapshot_date,balance,days_past_due,branch\n"
MONTHS = {
    "2024-01": "A1,2024-01-31,1000,0,North\nA2,2024-01-31,2000,35,South\n",
    "2024-02": "A1,2024-02-29,900,0,North\nA2,2024-02-29,2000,65,South\nA3,2024-02-29,500,0,North\n",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_add_a_month_to_a_performance_table(page, app_url, tmp_path, lang):  # noqa: F811
    table = f"book_{lang}"
    main = page.get_by_test_id("stMainBlockContainer")
    for month, rows in MONTHS.items():
        upload = tmp_path / month / f"{table}.csv"
        upload.parent.mkdir()
        upload.write_text(HEADER + rows)
        choose_language(page, app_url, lang)  # a new session: an empty uploader
        page.get_by_test_id("stSidebarNav").get_by_text(t("nav.data", lang), exact=True).click()
        wait_idle(page)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
        expect(main.get_by_text(t("append.choice", lang))).to_be_visible(timeout=TIMEOUT_MS)
        wait_idle(page)
        if month == "2024-02":
            main.get_by_text(t("append.choice", lang)).click()
            wait_idle(page)
            page.screenshot(path=str(SHOTS / f"append_choice_{lang}.png"), full_page=True)
        main.get_by_role("button", name=t("data.import", lang), exact=True).click()
        wait_idle(page)
        done = t("data.imported", lang, table=table, rows=2) if month == "2024-01" else ""
        expect(main).to_contain_text(done or t("append.added", lang, table=table, rows=3), timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stException").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"append_added_{lang}.png"), full_page=True)
    page.get_by_test_id("stSidebarNav").get_by_text(t("nav.portfolio", lang), exact=True).click()
    wait_idle(page)
    expect(main.get_by_test_id("stMetric").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stException").count() == 0
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / f"append_portfolio_{lang}.png"), full_page=True)
