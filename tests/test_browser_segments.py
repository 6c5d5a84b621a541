"""Real-browser check of segment scorecards in both languages, with screenshots under ``test-output/screenshots``
(look at them): pooled against per-segment models on the Model page, saving them, and the saved set scoring the
applications on the Expert vs model and What-if pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics import store
from analytics.core import t
from tests.conftest import TIMEOUT_MS
from tests.test_browser import SHOTS, app_url, choose_language, open_page, wait_idle  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)
    wait_idle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def first_loan(demo_db_template, segment: str) -> str:
    con = store.connect(demo_db_template, read_only=True)
    (loan,) = con.execute(
        "SELECT loan_id FROM sample_loans WHERE segment = ? ORDER BY rowid LIMIT 1", [segment]
    ).fetchone()
    con.close()
    return loan


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_segment_scorecards_from_the_model_page_to_expert_vs_model_and_what_if(
    page,
    app_url,  # noqa: F811
    demo_db_template,
    lang,
):
    choose_language(page, app_url, lang)
    open_page(page, app_url, t("nav.model", lang))
    picker = page.get_by_test_id("stMultiSelect").first
    for factor in ("debt_ratio", "credit_rating", "annual_income"):
        picker.click()
        page.keyboard.type(factor)
        page.keyboard.press("Enter")
        wait_idle(page)
    page.keyboard.press("Escape")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_text(t("segments.expander", lang)).click()
    main.get_by_role("button", name=t("segments.fit", lang)).click()
    wait_idle(page)
    compared_on = t("segments.sample", lang, sample=t("split.test", lang))
    expect(main).to_contain_text(compared_on, timeout=TIMEOUT_MS * 3)
    assert page.get_by_test_id("stException").count() == 0
    main.get_by_text(compared_on).scroll_into_view_if_needed()
    shot(page, f"segments_model_compared_{lang}")
    name = main.get_by_role("textbox", name=t("segments.save_name", lang))
    name.wait_for(timeout=TIMEOUT_MS * 2)  # a busy machine: the comparison's tables draw before the save box
    name.fill(f"Segments {lang}")
    name.press("Enter")
    wait_idle(page)
    main.get_by_role("button", name=t("segments.save", lang)).click()
    wait_idle(page)
    expect(main).to_contain_text(f"Segments {lang} (segment = farm) v1", timeout=TIMEOUT_MS)

    open_page(page, app_url, t("decisions.title", lang))
    main.get_by_text(t("segments.use_set", lang)).click()
    wait_idle(page)
    expect(main).to_contain_text(f"Segments {lang} (segment = enterprise)", timeout=TIMEOUT_MS * 2)
    page.wait_for_timeout(1500)  # the charts draw last
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"segments_expert_vs_model_set_{lang}")

    open_page(page, app_url, t("whatif.title", lang))
    loan = page.get_by_role("textbox", name=t("whatif.loan_id", lang))
    loan.fill(first_loan(demo_db_template, "farm"))
    loan.press("Enter")
    wait_idle(page)
    main.get_by_text(t("segments.use_set", lang)).click()
    wait_idle(page)
    expect(main).to_contain_text(f"Segments {lang} (segment = farm) v1", timeout=TIMEOUT_MS * 2)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, f"segments_what_if_{lang}")
