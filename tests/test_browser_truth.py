"""Real-browser checks of issue 13 ("every screen tells the truth"), in both languages, with screenshots under
``test-output/screenshots`` (look at them): the What-if waterfall and the Home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics.core import t
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_if_waterfall_labels_every_bar(page, app_url, lang):  # noqa: F811
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_text(t("whatif.title", lang), exact=True).click()
    wait_idle(page)
    loan = page.get_by_role("textbox", name=t("whatif.loan_id", lang))
    loan.fill("L0008556")
    loan.press("Enter")
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(t("whatif.applicant", lang), timeout=TIMEOUT_MS)
    sentence = t("whatif.combination", lang, max=3, changes="", decision="", pd="", distance="").split(":")[0]
    expect(main).to_contain_text(sentence.split("：")[0])
    wait_idle(page)
    page.wait_for_timeout(1500)  # the fragment below the sliders draws its charts last
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)
    chart.screenshot(path=str(SHOTS / f"truth_what_if_waterfall_{lang}.png"))
    page.screenshot(path=str(SHOTS / f"truth_what_if_{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_home_is_the_front_door_without_a_deploy_button(page, app_url, lang):  # noqa: F811
    choose_language(page, app_url, lang)
    main = page.get_by_test_id("stMainBlockContainer")
    for persona in ("portfolio", "model", "train"):
        expect(main).to_contain_text(t(f"home.persona.{persona}.title", lang), timeout=TIMEOUT_MS)
    expect(main.get_by_test_id("stPageLink")).to_have_count(8)
    expect(page.get_by_test_id("stMetric")).to_have_count(4)
    expect(page.get_by_test_id("stToolbar")).to_be_attached()
    assert page.get_by_test_id("stAppDeployButton").count() == 0  # client.toolbarMode = "viewer"
    assert page.get_by_text("Deploy", exact=True).count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"truth_home_{lang}.png"), full_page=True)
    main.get_by_test_id("stPageLink").filter(has_text=t("nav.model", lang)).first.click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=t("nav.model", lang)).first).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_home_links_the_provisions_tab_and_monitoring(page, app_url, lang):  # noqa: F811
    """The managers' card opens the Portfolio page on its Provisions tab; the analysts' card the Monitoring page."""
    choose_language(page, app_url, lang)
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_test_id("stPageLink").filter(has_text=t("home.link.provisions", lang)).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=t("nav.portfolio", lang)).first).to_be_visible()
    assert "tab=provisions" in page.url
    # the sample's active table is loan-level: the link opens the monthly book on its own, no extra click
    dataset = page.get_by_role("combobox", name=t("app.dataset", lang))
    expect(dataset).to_have_value("sample_performance", timeout=TIMEOUT_MS)
    tab = page.get_by_role("tab", name=t("portfolio.tab_provisions", lang))
    expect(tab).to_have_attribute("aria-selected", "true", timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stException").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"truth_home_to_provisions_{lang}.png"))
    choose_language(page, app_url, lang)
    monitoring = page.get_by_text(t("nav.monitoring", lang), exact=True)  # not the icon named "monitoring"
    main.get_by_test_id("stPageLink").filter(has=monitoring).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=t("nav.monitoring", lang)).first).to_be_visible()
