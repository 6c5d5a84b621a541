"""Real browser: the Monitoring page on the demo database in English and Chinese, screenshotted per tab."""

from __future__ import annotations

import pytest

from tests.test_browser import app_url, open_page, shot, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser

NAMES = {
    "en": ("Monitoring", ("Score stability", "Factor shifts", "Back-testing"), "Score PSI by period"),
    "zh": ("模型监控", ("评分稳定性", "因子偏移", "回溯检验"), "各期间评分 PSI"),
}
CHALLENGER = {
    "en": ("Champion and challenger", "Make the challenger"),
    "zh": ("冠军与挑战者", "生成挑战者"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_monitoring_page_in_both_languages(page, app_url, lang):  # noqa: F811
    nav, tabs, chart_title = NAMES[lang]
    page.set_viewport_size({"width": 1400, "height": 3400})  # the whole tab in one screenshot
    page.goto(app_url)
    wait_idle(page)
    if lang == "zh":
        page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        page.get_by_text("小微信贷风险实验室").first.wait_for()
    open_page(page, app_url, nav)
    page.get_by_test_id("stMainBlockContainer").get_by_role("heading", name=nav).wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text(chart_title).count() or page.locator("svg").count()
    shot(page, f"monitoring_{lang}_1_stability")
    for number, name in enumerate(tabs[1:], start=2):
        page.get_by_role("tab", name=name).click()
        wait_idle(page)
        page.locator('[data-testid="stVegaLiteChart"]:visible').first.wait_for()
        shot(page, f"monitoring_{lang}_{number}_{'factors' if number == 2 else 'backtest'}")
    tab, button = CHALLENGER[lang]
    page.get_by_role("tab", name=tab).click()
    wait_idle(page)
    page.get_by_role("button", name=button).click()
    wait_idle(page)
    page.locator('[data-testid="stDataFrame"]:visible').first.wait_for()
    page.locator('[data-testid="stTextInput"]:visible').first.wait_for()
    shot(page, f"monitoring_{lang}_4_challenger")
    assert page.get_by_test_id("stException").count() == 0
