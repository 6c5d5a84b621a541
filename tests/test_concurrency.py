"""Many users at once: 8 browser sessions on one app server import, query, define default, fit and save a model
at the same time; every result equals a single-user fit, and same-named saves become separate versions."""

from __future__ import annotations

import asyncio
import random
import re
import time

import pytest
from playwright.async_api import async_playwright, expect

from analytics.core import column_label, format_value, t
from tests.conftest import CHROMIUM, fit
from tests.test_browser import SHOTS, TIMEOUT_MS, serve

pytestmark = pytest.mark.browser
SESSIONS = 8
WAIT_MS = TIMEOUT_MS * 4  # eight sessions share two cores
SHARED_NAME = "shared model"  # every session saves its model under this one name


def branch_csv(number: int, rows: int = 400) -> str:
    """Session ``number``'s own loan file: a seeded outcome driven by the debt ratio (different per session)."""
    r = random.Random(number)
    lines = ["loan_id,amount,debt_ratio,default"]
    for i in range(rows):
        debt = round(r.uniform(0, 1), 3)
        lines.append(f"L{i},{(number + 1) * 100 + r.randrange(5000)},{debt},{int(r.random() < 0.1 + 0.5 * debt)}")
    return "\n".join(lines) + "\n"


async def _idle(page) -> None:
    """Wait, as a user does, until the page has finished its rerun (Streamlit's running indicator is gone)."""
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=WAIT_MS)


async def _session(browser, url: str, number: int, folder) -> dict:
    """One user (see ``_steps``); on a failure, a screenshot of where the session stood."""
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        return await _steps(page, url, number, folder)
    except Exception:
        await page.screenshot(path=str(SHOTS / f"concurrent_{number}_failed.png"))
        raise
    finally:
        await context.close()


async def _steps(page, url: str, number: int, folder) -> dict:
    """One user: own language, file, table, query, default definition and model; returns what it read."""
    start = time.perf_counter()
    lang = "zh" if number % 2 else "en"
    table = f"branch_{number}"
    upload = folder / f"{table}.csv"
    upload.write_text(branch_csv(number))
    await page.goto(url)
    await _idle(page)
    if lang == "zh":
        await page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        await _idle(page)
        await page.get_by_text("小微信贷风险实验室").first.wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    await nav.get_by_role("link", name=t("nav.data", lang), exact=True).click()
    await _idle(page)
    await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    await _idle(page)
    name_box = page.get_by_role("textbox", name=t("data.table_name", lang))
    await expect(name_box).to_have_value(table, timeout=WAIT_MS)
    await page.get_by_role("button", name=t("data.import", lang), exact=True).click()
    await _idle(page)
    await page.get_by_text(t("data.imported", lang, table=table, rows=400)).wait_for()
    await page.get_by_role("tab", name=t("data.tab_sql", lang)).click()
    await _idle(page)
    editor = page.get_by_test_id("stTextArea").locator("textarea")
    await editor.fill(f"SELECT sum(amount) AS total FROM {table}")
    await editor.press("Control+Enter")
    await _idle(page)
    await page.get_by_role("button", name=t("data.run", lang), exact=True).click()
    await _idle(page)
    await page.get_by_text(t("data.sql_rows", lang, rows=1, seconds=0)[:4]).filter(visible=True).first.wait_for()
    # the suggested default definition (default = 1) saved for the own table
    await page.get_by_role("tab", name=t("data.tab_default", lang)).click()
    await _idle(page)
    await page.get_by_role("button", name=t("data.save_default", lang)).click()
    await _idle(page)
    await page.get_by_text(t("data.default_saved", lang, table=table)).wait_for()
    # the Model page: pick two factors, fit, read the AUC tile, save under the shared name
    await nav.get_by_role("link", name=t("nav.model", lang), exact=True).click()
    await _idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    await main.get_by_role("heading", name=t("nav.model", lang)).wait_for()
    await main.get_by_text(column_label("factors", lang), exact=True).first.wait_for()
    picker = page.get_by_test_id("stMultiSelect").first
    chips = picker.get_by_test_id("stMultiSelectTagsContainer")
    for factor in ("debt_ratio", "amount"):
        await picker.click()
        await _idle(page)
        await page.keyboard.type(factor)
        await page.keyboard.press("Enter")
        await _idle(page)
        # as a user does: see the pick as a chip in the picker before typing the next one
        await expect(chips.get_by_text(factor, exact=True)).to_be_visible(timeout=WAIT_MS)
    await page.keyboard.press("Escape")
    await _idle(page)
    # both picks still there once the reruns have settled (a lost pick fails here, by name, not as a wrong AUC)
    for factor in ("debt_ratio", "amount"):
        await expect(chips.get_by_text(factor, exact=True)).to_be_visible(timeout=WAIT_MS)
    await page.get_by_role("button", name=t("model.fit", lang)).click()
    await _idle(page)
    auc_tile = page.get_by_test_id("stMetric").filter(has_text=t("model.metric.test.auc", lang)).first
    auc = await auc_tile.get_by_test_id("stMetricValue").inner_text(timeout=WAIT_MS)
    fitted_seconds = time.perf_counter() - start
    fit_line = await main.get_by_text("AIC").first.inner_text(timeout=WAIT_MS)
    terms = await page.get_by_test_id("stDataFrame").first.inner_text(timeout=WAIT_MS)
    await page.get_by_role("tab", name=t("model.tab.versions", lang)).click()
    await page.get_by_role("textbox", name=t("model.name", lang)).fill(SHARED_NAME)
    await page.get_by_role("textbox", name=t("model.name", lang)).press("Enter")
    await page.get_by_role("button", name=t("model.save", lang)).click()
    saved = page.get_by_test_id("stAlertContentSuccess").filter(has_text=SHARED_NAME)
    message = await saved.first.inner_text(timeout=WAIT_MS)
    # the session still sees its own choices: its language and its own table as the active one
    await expect(page.get_by_role("combobox", name=t("app.dataset", lang))).to_have_value(table, timeout=WAIT_MS)
    assert await page.get_by_test_id("stException").count() == 0
    await page.screenshot(path=str(SHOTS / f"concurrent_{number}.png"))
    version = int(re.findall(r"\d+", message.split(SHARED_NAME)[-1])[0])
    return {
        "table": table,
        "auc": auc,
        "fit_line": fit_line,
        "terms": terms,
        "version": version,
        "seconds": time.perf_counter() - start,
        "fitted_seconds": fitted_seconds,
    }


async def _run(url: str, folder) -> list[dict]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            return await asyncio.gather(*(_session(browser, url, n, folder) for n in range(SESSIONS)))
        finally:
            await browser.close()


def test_eight_sessions_at_once(demo_db, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(demo_db) as url:
        results = asyncio.run(_run(url, tmp_path))
    assert len(results) == SESSIONS
    seconds = sorted(r["seconds"] for r in results)
    print(
        f"\n{SESSIONS} concurrent sessions (import, SQL, default definition, fit, save): median "
        f"{seconds[SESSIONS // 2]:.1f} s, max {seconds[-1]:.1f} s; fitted after median "
        f"{sorted(r['fitted_seconds'] for r in results)[SESSIONS // 2]:.1f} s"
    )
    from analytics import model, store
    from analytics.model import FactorSpec, ModelSpec

    con = store.connect(demo_db)
    # eight saves under one name: eight versions, none overwritten, each the model of the session that saved it
    assert sorted(r["version"] for r in results) == list(range(1, SESSIONS + 1))
    saved_versions = model.list_models(con)
    assert sorted(saved_versions.loc[saved_versions["name"] == SHARED_NAME, "version"]) == list(range(1, 9))
    for result in results:
        table = result["table"]
        number = int(table.split("_")[1])
        assert con.execute(f"SELECT count(*), sum(amount) FROM {table}").fetchall()[0][0] == 400
        # the single-user run: the same specification fitted alone, in this process
        spec = ModelSpec(
            table, (FactorSpec("debt_ratio", "numeric"), FactorSpec("amount", "numeric")), True, "random", 0.3, 1
        )
        alone = fit(con, spec)
        assert result["auc"] == format_value(alone.validation()["test"].auc, "statistic"), (number, result)
        saved = model.load_model(con, SHARED_NAME, result["version"])
        assert saved.spec.table == table
        assert saved.params == pytest.approx(alone.as_saved().params, rel=1e-9, abs=1e-12)
    con.close()
