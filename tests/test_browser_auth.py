"""Real browser, shared mode (issue 18): a fresh browser sees only the sign-in form; a trainee signs in and uses
the quiz but reaches no page that imports, saves or deletes; an admin sees the trainee's attempts in the audit
trail by person; five wrong passwords slow the next attempt; an idle session ends."""

from __future__ import annotations

import contextlib
import time

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from analytics import store
from tests.test_browser import serve, shot, wait_idle

PASSWORD = "correct horse"
ACCOUNTS = {"ada": "admin", "tina": "trainee"}


@pytest.fixture(scope="module")
def shared_db(model_db_template, tmp_path_factory):
    """The demo database with its saved model, an admin and a trainee, and the sample opened to trainees."""
    db = tmp_path_factory.mktemp("shared") / "risklab.duckdb"
    db.write_bytes(model_db_template.read_bytes())
    con = store.connect(db)
    for name, role in ACCOUNTS.items():
        store.add_user(con, name, role, PASSWORD)
    store.open_table(con, "sample_loans")
    con.close()
    return db


@pytest.fixture(scope="module")
def shared_url(shared_db):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RISKLAB_SHARED", "1")
        with serve(shared_db) as url:
            yield url


def fill_sign_in(page, name: str, password: str, lang: str = "en") -> None:
    words = {"en": ("Name", "Password", "Sign in"), "zh": ("用户名", "密码", "登录")}[lang]
    page.get_by_label(words[0], exact=True).fill(name)
    page.get_by_label(words[1], exact=True).fill(password)
    page.get_by_test_id("stForm").get_by_role("button", name=words[2]).click()


def close_page_not_found(page) -> None:
    """A bookmarked page nobody signed in to: Streamlit says "Page not found" over the sign-in form; close it."""
    try:
        page.get_by_role("dialog").get_by_text("Page not found").wait_for(timeout=10_000)
    except PlaywrightTimeoutError:
        return  # Streamlit did not say it this time
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")


def sign_in(page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(url)
    wait_idle(page)
    if url.rstrip("/") != url.split("/", 3)[0] + "//" + url.split("/")[2]:  # a page's own address
        close_page_not_found(page)
    fill_sign_in(page, name, password)
    wait_idle(page)


def only_the_sign_in_form(page, title: str) -> None:
    page.get_by_text(title).wait_for()
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_test_id("stDataFrame").count() == 0
    assert page.get_by_test_id("stMetric").count() == 0
    assert page.get_by_test_id("stSelectbox").count() == 0  # not even the tables picker
    assert "risklab.duckdb" not in page.get_by_test_id("stSidebar").inner_text()


def test_a_fresh_browser_sees_only_the_sign_in_form(page, shared_url):
    for path in ("data", "portfolio", ""):  # a bookmarked page too
        page.goto(f"{shared_url}/{path}")
        wait_idle(page)
        only_the_sign_in_form(page, "Sign in to Microcredit Risk Lab")
        shot(page, f"auth_01_sign_in_en_{path or 'home'}")


def test_the_sign_in_form_in_chinese(page, shared_url):
    page.goto(shared_url)
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
    wait_idle(page)
    only_the_sign_in_form(page, "登录小微信贷风险实验室")
    page.get_by_label("用户名", exact=True).wait_for()
    shot(page, "auth_01_sign_in_zh")


def test_a_trainee_uses_the_quiz_and_reaches_no_page_that_saves(page, shared_url):
    sign_in(page, shared_url, "tina", "wrong horse")
    page.get_by_text("The name or the password is wrong, or the account is disabled.").wait_for()
    fill_sign_in(page, "tina", PASSWORD)
    wait_idle(page)
    page.get_by_role("heading", name="What-if and training").wait_for()
    page.get_by_text("Signed in as tina (trainee)").wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.count() == 0 or nav.inner_text().strip() == "What-if and training"
    page.get_by_role("tab", name="Quiz").click()
    wait_idle(page)
    page.get_by_role("button", name="Approve").click()
    wait_idle(page)
    page.get_by_role("button", name="Next applicant").wait_for()
    shot(page, "auth_02_trainee_quiz")
    for path in ("data", "model"):  # the pages that import, save and delete are not there for a trainee
        sign_in(page, f"{shared_url}/{path}", "tina")  # a new page load is a new session: sign in again
        page.get_by_role("heading", name="What-if and training").wait_for()
        assert page.get_by_test_id("stFileUploader").count() == 0
        assert page.get_by_role("button", name="Delete").count() == 0
    shot(page, "auth_03_trainee_no_data_page")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_admin_sees_the_trainees_attempts(page, shared_url, lang):
    sign_in(page, shared_url, "tina", "not her password")  # an attempt to find in the audit
    page.get_by_text("The name or the password is wrong, or the account is disabled.").wait_for()
    sign_in(page, shared_url, "tina")  # and a sign-in
    page.get_by_text("Signed in as tina (trainee)").wait_for()
    sign_in(page, shared_url, "ada")
    page.get_by_text("Signed in as ada (administrator)").wait_for()
    if lang == "zh":
        page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
        wait_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text({"en": "Accounts and audit", "zh": "账户与审计"}[lang]).click()
    wait_idle(page)
    person = page.get_by_test_id("stSelectbox").filter(has_text={"en": "Person", "zh": "人员"}[lang])
    person.click()
    page.get_by_role("option", name="tina", exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stDataFrame").nth(1).wait_for()
    shot(page, f"auth_04_admin_audit_{lang}")
    with page.expect_download() as download:  # the rows shown, as the admin downloads them
        page.get_by_test_id("stDownloadButton").last.click()
    rows = pd.read_csv(download.value.path(), encoding="utf-8-sig")  # headers in the user's words
    headers = {"en": ("Person", "Action", "Result", "Client address"), "zh": ("人员", "操作", "结果", "客户端地址")}
    person, action, result, client = headers[lang]
    assert set(rows[person]) == {"tina"}
    words = {"en": ("sign in (failed)", "sign in", "failed"), "zh": ("登录（失败）", "登录", "失败")}[lang]
    assert words[0] in set(rows[action]) and words[1] in set(rows[action])
    assert words[2] in set(rows[result])
    assert rows[client].isna().all()  # Streamlit gives no address for a browser on the server's own machine


@pytest.fixture(scope="module")
def strict_url(shared_db, tmp_path_factory):
    """The same accounts on a server whose sessions end after 6 idle seconds."""
    db = tmp_path_factory.mktemp("strict") / "risklab.duckdb"
    db.write_bytes(shared_db.read_bytes())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RISKLAB_SHARED", "1")
        patch.setenv("RISKLAB_IDLE_MINUTES", "0.1")
        with serve(db) as url:
            yield url


def timed_attempt(page, password: str) -> tuple[float, float]:
    """When Sign in was pressed and when the run that answers it ended (``time.perf_counter`` seconds)."""
    page.get_by_label("Name", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill(password)
    status = page.get_by_test_id("stStatusWidget")  # Streamlit's "Running..." while the server answers
    start = time.perf_counter()
    page.get_by_test_id("stForm").get_by_role("button", name="Sign in").click()
    with contextlib.suppress(PlaywrightTimeoutError):  # answered before the indicator showed
        status.wait_for(state="attached", timeout=1_000)
    status.wait_for(state="detached", timeout=60_000)
    return start, time.perf_counter()


def test_five_wrong_passwords_slow_the_next_attempt(page, strict_url):
    """After 3 free failures an attempt waits 1, 2, 4, 8 ... s counted from the last failure. Measured: the sixth
    attempt lasts at least 4 s less the time the user took to type it, and more than twice an unthrottled one."""
    page.goto(strict_url)
    wait_idle(page)
    attempts = [timed_attempt(page, f"wrong {n}") for n in range(6)]
    page.get_by_text("The name or the password is wrong").wait_for()
    shot(page, "auth_05_slowed")
    durations = [end - start for start, end in attempts]
    typing = attempts[5][0] - attempts[4][1]  # from the fifth failure to pressing Sign in again
    assert durations[5] >= 4.0 - typing - 0.2, (durations, typing)  # a minimum, whatever this machine's speed
    assert durations[5] > 2 * durations[0], durations  # and a ratio
    start, end = timed_attempt(page, PASSWORD)  # the right password still gets in, after its wait (8 s)
    page.get_by_text("Signed in as ada (administrator)").wait_for()
    assert end - start >= 8.0 - (start - attempts[5][1]) - 0.2


def test_an_idle_session_ends(page, strict_url):
    sign_in(page, strict_url, "tina")
    page.get_by_text("Signed in as tina (trainee)").wait_for()
    page.wait_for_timeout(7_000)
    page.get_by_test_id("stSidebar").get_by_text("简体中文").click()  # the next request, after 7 idle seconds
    wait_idle(page)
    page.get_by_text("分钟无操作，已自动退出登录。").wait_for()
    page.get_by_text("登录小微信贷风险实验室").wait_for()
    assert page.get_by_test_id("stSidebarNav").count() == 0
    shot(page, "auth_06_idle_signed_out_zh")
