"""Real-browser test of the group lending tab (Risk factors) in both languages, with screenshots under
``test-output/screenshots`` (look at them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TIMEOUT_MS
from tests.test_browser import app_url, choose_language, open_page, shot, wait_idle  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "nav": "Risk factors",
        "tab": "Group lending",
        "correlation": "Within-group default correlation",
        "gain": "What group factors add",
        "result": "likelihood-ratio test",
    },
    "zh": {
        "nav": "风险因子",
        "tab": "联保小组贷款",
        "correlation": "组内违约相关系数",
        "gain": "小组因子的增益",
        "result": "似然比检验",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_group_lending_tab_in_both_languages(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    open_page(page, app_url, words["nav"])
    page.get_by_role("tab", name=words["tab"]).click(timeout=TIMEOUT_MS * 4)  # after the ranking
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(words["correlation"], timeout=TIMEOUT_MS)
    expect(main).to_contain_text("0.0986", timeout=TIMEOUT_MS)
    expect(main).to_contain_text(words["result"], timeout=TIMEOUT_MS * 2)
    page.set_viewport_size({"width": 1400, "height": 2600})  # Streamlit scrolls inside its page: a tall window
    page.get_by_role("tab", name=words["tab"]).scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"30_group_lending_{lang}")
