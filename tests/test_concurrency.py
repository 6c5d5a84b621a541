"""Many users at once: 8 browser sessions on one app server import, query and read at the same time."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import async_playwright, expect

from analytics.i18n import t
from tests.test_browser import CHROMIUM, SHOTS, TIMEOUT_MS, serve

pytestmark = pytest.mark.browser
SESSIONS = 8
WAIT_MS = TIMEOUT_MS * 3  # eight sessions share two cores


async def _session(browser, url: str, number: int, folder) -> float:
    """One user: own language, own file, own table, own query; returns the seconds it took."""
    start = time.perf_counter()
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    chinese = number % 2 == 1
    lang = "zh" if chinese else "en"
    rows = 50 + number
    upload = folder / f"branch_{number}.csv"
    upload.write_text("loan_id,amount\n" + "".join(f"L{i},{(number + 1) * 100}\n" for i in range(rows)))
    await page.goto(url)
    if chinese:
        await page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        await page.get_by_text("小微信贷风险实验室").first.wait_for()
    await page.get_by_test_id("stSidebarNav").get_by_role("link").nth(1).click()
    await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    name_box = page.get_by_role("textbox", name=t("data.table_name", lang))
    await expect(name_box).to_have_value(f"branch_{number}", timeout=WAIT_MS)
    await page.get_by_role("button", name=t("data.import", lang), exact=True).click()
    await page.get_by_text(t("data.imported", lang, table=f"branch_{number}", rows=rows)).wait_for()
    await page.get_by_role("tab", name=t("data.tab_sql", lang)).click()
    editor = page.get_by_test_id("stTextArea").locator("textarea")
    await editor.fill(f"SELECT sum(amount) AS total FROM branch_{number}")
    await editor.press("Control+Enter")
    await page.get_by_role("button", name=t("data.run", lang), exact=True).click()
    await page.get_by_text(t("data.sql_rows", lang, rows=1, seconds=0)[:4]).filter(visible=True).first.wait_for()
    # the session still sees its own choices: its language and its own table as the active one
    active = page.get_by_role("combobox", name=t("app.dataset", lang))
    await expect(active).to_have_value(f"branch_{number}", timeout=WAIT_MS)
    await page.screenshot(path=str(SHOTS / f"concurrent_{number}.png"))
    await context.close()
    return time.perf_counter() - start


async def _run(url: str, folder) -> list[float]:
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
        seconds = asyncio.run(_run(url, tmp_path))
    assert len(seconds) == SESSIONS
    print(f"\n{SESSIONS} concurrent sessions: median {sorted(seconds)[SESSIONS // 2]:.1f} s, max {max(seconds):.1f} s")
    from analytics import store

    con = store.connect(demo_db)
    for number in range(SESSIONS):  # every import landed whole, with the right values, and nothing was mixed up
        total = con.execute(f"SELECT count(*), sum(amount) FROM branch_{number}").fetchall()[0]
        assert total == (50 + number, (50 + number) * (number + 1) * 100)
    con.close()
