"""Real-browser check of reject inference on the Model page in both languages, with screenshots under
``test-output/screenshots`` (look at them): fit on the sample portfolio, open the view, compare the methods."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics.core import t
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, wait_idle  # noqa: F401 (app_url is a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_the_reject_inference_methods(page, app_url, lang):  # noqa: F811
    choose_language(page, app_url, lang)
    page.get_by_test_id("stSidebarNav").get_by_text(t("nav.model", lang), exact=True).click()
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    for factor in ("debt_ratio", "credit_rating", "prior_overdue_count"):
        picker.click()
        page.keyboard.type(factor)
        page.keyboard.press("Enter")
        wait_idle(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name=t("model.fit", lang)).click()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main).to_contain_text("AUC", timeout=TIMEOUT_MS * 2)
    view = main.get_by_test_id("stExpander").filter(has_text=t("reject.title", lang))
    view.get_by_text(t("reject.title", lang)).click()
    wait_idle(page)
    view.get_by_role("button", name=t("reject.run", lang)).click()
    wait_idle(page)
    expect(view).to_contain_text(t("reject.model.truth", lang), timeout=TIMEOUT_MS * 2)
    expect(view).to_contain_text(t("reject.fuzzy_same", lang, gap="").split("(")[0].split("（")[0])
    assert view.get_by_test_id("stDataFrame").count() == 3  # metrics, coefficients, parceling's bands
    assert page.get_by_test_id("stException").count() == 0
    page.set_viewport_size({"width": 1400, "height": 1600})  # the main block scrolls: shoot it in two parts
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.get_by_text(t("reject.title", lang)).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / f"reject_inference_{lang}.png"))
    view.get_by_test_id("stDataFrame").nth(2).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / f"reject_inference_tables_{lang}.png"))
