"""Real-browser tests of widgets that must come back after a page switch.

A browser forgets the widgets of a page it leaves, and only a browser goes through app.py's navigation (AppTest
runs each page it switches to alone), so here the sidebar's links are clicked: What-if's factor sliders and the
Model page's "save as" box must hold their values when the user comes back. Same server and browser set-up as
``test_browser.py``; screenshots in ``test-output/screenshots``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TIMEOUT_MS
from tests.test_browser import serve, shot, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(demo_db_template, tmp_path_factory):
    """The app served on a private copy of the demo database (its one saved model: "sample scorecard")."""
    db = tmp_path_factory.mktemp("browser_state") / "risklab.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    with serve(db) as url:
        yield url, db


def open_page(page, label: str) -> None:
    """Open a page the way a user does: its link in the sidebar navigation."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for()


def slider(page, label: str):
    """The thumb of the slider labelled ``label``."""
    return page.get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")


def pd_tile(page) -> str:
    """The value of the What-if page's PD tile (its first metric), once it has settled: the slider's last
    reruns may still be on their way on a busy machine, so it is read until two reads a second apart agree."""
    tile = page.get_by_test_id("stMetricValue").first
    last = None
    for _ in range(30):
        wait_idle(page)
        value = tile.inner_text()
        if value == last:
            return value
        last = value
        page.wait_for_timeout(1000)
    return last


def test_what_if_sliders_keep_their_values_after_another_page(page, app_url):
    url, _ = app_url
    page.goto(f"{url}/what_if")
    wait_idle(page)
    debt = slider(page, "Debt ratio")
    debt.wait_for(timeout=TIMEOUT_MS * 2)
    typical = debt.input_value()
    typical_pd = pd_tile(page)
    assert typical_pd.endswith("%") and float(typical_pd[:-1]) > 0
    debt.focus()
    for _ in range(60):
        debt.press("ArrowRight")
    wait_idle(page)
    page.wait_for_timeout(1000)
    wait_idle(page)
    moved = debt.input_value()
    moved_pd = pd_tile(page)
    assert float(moved) > float(typical) and moved_pd != typical_pd
    income = slider(page, "Annual income").input_value()
    every_slider = [thumb.input_value() for thumb in page.get_by_role("slider").all()]
    shot(page, "state_01_what_if_moved")

    open_page(page, "Home")
    open_page(page, "What-if and training")
    debt = slider(page, "Debt ratio")
    debt.wait_for(timeout=TIMEOUT_MS * 2)
    expect(debt).to_have_value(moved)
    expect(slider(page, "Annual income")).to_have_value(income)  # not its minimum
    assert [thumb.input_value() for thumb in page.get_by_role("slider").all()] == every_slider
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(moved_pd)
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "state_02_what_if_back")


def test_model_save_as_box_keeps_its_name_after_expert_vs_model(page, app_url):
    url, _ = app_url
    page.goto(f"{url}/model")
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    for factor in ("debt_ratio", "credit_rating"):
        picker.click()
        page.keyboard.type(factor)
        page.keyboard.press("Enter")
        wait_idle(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Fit the model").click()
    wait_idle(page)
    page.get_by_role("tab", name="Save and compare").click()
    name_box = page.get_by_role("textbox", name="Model name")
    name_box.fill("rating model")
    name_box.press("Enter")
    wait_idle(page)
    shot(page, "state_03_model_named")

    open_page(page, "Expert vs model")
    page.get_by_text("Cohen's kappa").wait_for(timeout=TIMEOUT_MS * 2)
    expect(page.get_by_role("combobox", name="Model")).to_have_value("sample scorecard")  # the picker's model
    wait_idle(page)
    open_page(page, "Model")
    page.get_by_role("tab", name="Save and compare").click()
    expect(page.get_by_role("textbox", name="Model name")).to_have_value("rating model")
    shot(page, "state_04_model_back")
    page.get_by_role("button", name="Save a version").click()
    # a version of the model named in the box, not version 2 of the demo's "sample scorecard"
    page.get_by_text("Model 'rating model' saved as version 1.").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "state_05_model_saved")
