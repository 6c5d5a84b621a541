"""Real-browser tests of Expert vs model's review zones tab and matrix strategy in both languages, with screenshots
under ``test-output/screenshots`` (look at them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TIMEOUT_MS
from tests.test_browser import app_url, choose_language, shot, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "expert": "Expert vs model",
        "tab": "Review zones",
        "workload": "Officer workload",
        "review": "The expert inside the review zone",
        "minutes": "Minutes an officer spends per application",
        "saved": "Officer-days saved",
        "matrix": "Matrix strategy: model grade x officer grade",
        "column": "Officer grade column",
    },
    "zh": {
        "expert": "专家与模型对比",
        "tab": "复核区间",
        "workload": "信贷员工作量",
        "review": "复核区间内专家的决定",
        "minutes": "信贷员处理每笔申请的分钟数",
        "saved": "节省的信贷员工作日",
        "matrix": "矩阵策略：模型等级 × 信贷员评级",
        "column": "信贷员评级列",
    },
}


def tile(page, label: str) -> str:
    """The value of the metric tile labelled ``label``."""
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return metric.get_by_test_id("stMetricValue").inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_review_zones_tab_and_matrix_strategy(page, app_url, lang):  # noqa: F811
    words = WORDS[lang]
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=words["expert"]).click()
    wait_idle(page)
    page.get_by_role("tab", name=words["tab"]).click(timeout=TIMEOUT_MS * 2)
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text(words["workload"], timeout=TIMEOUT_MS)
    expect(main).to_contain_text(words["review"], timeout=TIMEOUT_MS)
    before = tile(page, words["saved"])
    minutes = page.get_by_label(words["minutes"])
    minutes.fill("30")
    minutes.press("Enter")
    wait_idle(page)
    page.wait_for_timeout(1000)
    after = tile(page, words["saved"])
    assert float(after.replace(",", "")) == pytest.approx(float(before.replace(",", "")) / 2, abs=0.01)
    page.set_viewport_size({"width": 1400, "height": 4200})  # Streamlit scrolls inside its page: a tall window
    page.get_by_role("tab", name=words["tab"]).scroll_into_view_if_needed()
    page.wait_for_timeout(2000)  # the charts draw
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"40_review_zones_{lang}")

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_text(words["matrix"], exact=True).first.click()
    wait_idle(page)
    expect(main).to_contain_text(words["column"], timeout=TIMEOUT_MS)
    page.get_by_test_id("stDataFrame").first.wait_for()
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(2000)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"41_matrix_strategy_{lang}")
