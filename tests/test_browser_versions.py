"""Real-browser checks of issue 14 in both languages, with screenshots under ``test-output/screenshots`` (look at
them): a saved version opened on the Model page without a fit, and the What-if page's reason codes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics.core import t
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_open_the_sample_scorecard_without_a_fit(page, app_url, lang):  # noqa: F811
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_text(t("nav.model", lang), exact=True).click()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(t("model.open.expander", lang), timeout=TIMEOUT_MS)
    opener = main.get_by_test_id("stButton").filter(has_text=t("model.open.button", lang))
    opener.click()
    wait_idle(page)
    showing = t("model.open.showing", lang, identity="").split("。")[0].split(".")[0]
    expect(main).to_contain_text(showing, timeout=TIMEOUT_MS * 2)
    expect(main).to_contain_text("sample scorecard")
    page.wait_for_timeout(1500)  # the validation charts draw last
    wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stDataFrame").count() >= 2  # coefficients and the validation summary
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"versions_model_opened_{lang}.png"), full_page=True)
    page.get_by_role("tab", name=t("model.tab.scorecard", lang)).click()
    wait_idle(page)
    expect(main).to_contain_text(t("model.download_excel", lang))
    page.screenshot(path=str(SHOTS / f"versions_model_scorecard_{lang}.png"), full_page=True)
    page.get_by_role("tab", name=t("tab.export", lang)).click()
    wait_idle(page)
    expect(main.get_by_test_id("stCode")).to_contain_text("sample scorecard")
    page.screenshot(path=str(SHOTS / f"versions_model_export_{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_if_names_the_reasons(page, app_url, lang):  # noqa: F811
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_text(t("whatif.title", lang), exact=True).click()
    wait_idle(page)
    loan = page.get_by_role("textbox", name=t("whatif.loan_id", lang))
    loan.fill("L0008556")
    loan.press("Enter")
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    start = t("reasons.sentence", lang, reasons="").split("：")[0].split(":")[0]
    reasons = main.get_by_text(start).first  # a rerun may still show the stale copy next to the new one
    expect(reasons).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stException").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)
    reasons.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"versions_what_if_reasons_{lang}.png"), full_page=True)
