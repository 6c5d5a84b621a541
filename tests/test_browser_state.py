"""Real-browser tests of widgets that must come back after a page switch.

A browser forgets the widgets of a page it leaves, and only a browser goes through app.py's navigation (AppTest
runs each page it switches to alone), so here the sidebar's links are clicked: What-if's factor sliders and the
Model page's "save as" box must hold their values when the user comes back. Same server and browser set-up as
``test_browser.py``; screenshots in ``test-output/screenshots``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import PROJECT

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
SHOTS = PROJECT / "test-output" / "screenshots"
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serve(db: Path):
    """`streamlit run app.py` on ``db`` at a free port (server log in test-output/); yields the URL."""
    port = _free_port()
    log_path = PROJECT / "test-output" / f"server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT, env={**os.environ, "RISKLAB_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while not _healthy(url):
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("the app did not start: " + log_path.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def app_url(demo_db_template, tmp_path_factory):
    """The app served on a private copy of the demo database (its one saved model: "sample scorecard")."""
    db = tmp_path_factory.mktemp("browser_state") / "risklab.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    with serve(db) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian chromium is required (the README's test command installs it)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current rerun."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS * 2)
    page.wait_for_timeout(300)


def open_page(page, label: str) -> None:
    """Open a page the way a user does: its link in the sidebar navigation."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first.wait_for()


def slider(page, label: str):
    """The thumb of the slider labelled ``label``."""
    return page.get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")


def pd_tile(page) -> str:
    """The value of the What-if page's PD tile (its first metric)."""
    return page.get_by_test_id("stMetricValue").first.inner_text()


def test_what_if_sliders_keep_their_values_after_another_page(page, app_url):
    url, _ = app_url
    page.goto(f"{url}/what_if")
    wait_idle(page)
    debt = slider(page, "debt_ratio")
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
    income = slider(page, "annual_income").input_value()
    shot(page, "state_01_what_if_moved")

    open_page(page, "Home")
    open_page(page, "What-if and training")
    debt = slider(page, "debt_ratio")
    debt.wait_for(timeout=TIMEOUT_MS * 2)
    expect(debt).to_have_value(moved)
    expect(slider(page, "annual_income")).to_have_value(income)  # not its minimum
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
