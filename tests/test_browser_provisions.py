"""Real-browser tests of the provisions tab (Portfolio) and the pricing tab (Expert vs model) in both languages,
with screenshots under ``test-output/screenshots`` (look at them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TIMEOUT_MS
from tests.test_browser import app_url, choose_language, shot, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "nav": "Portfolio",
        "tab": "Provisions and ECL",
        "coverage": "Coverage ratio",
        "ecl": "Expected credit loss (IFRS 9 / CAS 22)",
        "expert": "Expert vs model",
        "pricing": "Risk-based pricing",
        "break_even": "Break-even rate",
    },
    "zh": {
        "nav": "资产质量",
        "tab": "拨备与预期信用损失",
        "coverage": "拨备覆盖率",
        "ecl": "预期信用损失（IFRS 9 / CAS 22）",
        "expert": "专家与模型对比",
        "pricing": "风险定价",
        "break_even": "保本利率",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_provisions_tab_in_both_languages(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=words["nav"]).click()
    wait_idle(page)
    page.get_by_role("button", name="sample_performance").click()  # the demo starts on the loan-level table
    wait_idle(page)
    page.get_by_role("tab", name=words["tab"]).click()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(words["coverage"], timeout=TIMEOUT_MS)
    page.get_by_text(words["ecl"]).first.wait_for()
    page.set_viewport_size({"width": 1400, "height": 4400})  # Streamlit scrolls inside its page: a tall window
    page.get_by_role("tab", name=words["tab"]).scroll_into_view_if_needed()
    page.wait_for_timeout(2000)  # the charts draw
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"20_provisions_{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pricing_tab_in_both_languages(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=words["expert"]).click()
    wait_idle(page)
    page.get_by_role("tab", name=words["pricing"]).click(timeout=TIMEOUT_MS * 2)
    wait_idle(page)
    expect(page.get_by_test_id("stMainBlockContainer")).to_contain_text(words["break_even"], timeout=TIMEOUT_MS)
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.get_by_role("tab", name=words["pricing"]).scroll_into_view_if_needed()
    page.wait_for_timeout(2000)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"21_pricing_{lang}")
