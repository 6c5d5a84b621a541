"""Accounts, sign-in and roles enforced in analytics itself (issue 18): whoever calls a saving function, the
acting person's role decides, a refusal changes nothing and is recorded in the audit with the person."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from analytics import core, datasets, factors, model, provisions, store
from analytics.core import RiskLabError
from tests.conftest import PROJECT, add_table, fit

TRAINEE = store.Person("tina", "trainee", "10.0.0.7", "password")
EXECUTIVE = store.Person("erin", "executive", "10.0.0.8", "password")
RISK_MANAGER = store.Person("rita", "risk_manager", "10.0.0.9", "password")
ADMIN = store.Person("ada", "admin", "10.0.0.1", "password")
FLAG = datasets.DefaultDefinition("flag", "default_flag", values=(1,))
CSV = b"loan_id,amount,default_flag\n1,100,0\n2,200,1\n3,300,0\n4,250,1\n"


def loans(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    debt = rng.uniform(0, 1, n)
    flag = (rng.uniform(0, 1, n) < 0.1 + 0.5 * debt).astype(int)
    return pd.DataFrame({"loan_id": range(n), "debt_ratio": debt, "default_flag": flag})


def audit_rows(con) -> list[tuple]:
    return con.execute("SELECT action, person, role, client, outcome FROM risklab_catalog.audit ORDER BY id").fetchall()


def test_accounts_keep_only_argon2_hashes_and_refuse_bad_input(con):
    store.add_user(con, "tina", "trainee", "correct horse")
    store.add_user(con, "erin@bank.cn", "executive", sso=True)
    stored = con.execute("SELECT password_hash FROM risklab_catalog.users WHERE name = 'tina'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    listed = store.list_users(con)
    assert listed["name"].tolist() == ["erin@bank.cn", "tina"]
    assert listed["sign_in"].tolist() == ["sso", "password"]
    assert "password_hash" not in listed.columns
    cases = [
        (lambda: store.add_user(con, "tina", "trainee", "another one"), "there is already an account named 'tina'"),
        (lambda: store.add_user(con, "bob", "trainee", "short"), "the password needs at least 8 characters"),
        (
            lambda: store.add_user(con, "bob", "boss", "long enough"),
            "'boss' is not a role: choose one of admin, risk_manager, executive, trainer, trainee",
        ),
        (lambda: store.add_user(con, "bob smith", "trainee", "long enough"), "'bob smith' is not an account name"),
        (lambda: store.disable_user(con, "nobody"), "there is no account named 'nobody'"),
        (lambda: store.set_password(con, "erin@bank.cn", "long enough"), "'erin@bank.cn' signs in through single"),
    ]
    for attempt, message in cases:
        with pytest.raises(RiskLabError) as exc:
            attempt()
        assert str(exc.value).startswith(message)
    assert len(store.list_users(con)) == 2


def test_sign_in_checks_the_password_and_records_who_tried(con):
    store.add_user(con, "tina", "trainee", "correct horse")
    throttle = store.Throttle()
    person = store.sign_in(con, "tina", "correct horse", "10.0.0.7", throttle)
    assert person == store.Person("tina", "trainee", "10.0.0.7", "password")
    for name, password in (("tina", "wrong horse"), ("nobody", "correct horse")):
        with pytest.raises(RiskLabError) as exc:
            store.sign_in(con, name, password, "10.0.0.7", throttle)
        assert str(exc.value) == "The name or the password is wrong, or the account is disabled."
    store.set_password(con, "tina", "battery staple")
    store.sign_in(con, "tina", "battery staple", "10.0.0.7", throttle)
    store.disable_user(con, "tina")
    with pytest.raises(RiskLabError, match="the password is wrong"):
        store.sign_in(con, "tina", "battery staple", "10.0.0.7", throttle)
    me = store.LOCAL.name
    assert audit_rows(con) == [
        ("add_user", me, "admin", None, "done"),
        ("sign_in", "tina", "trainee", "10.0.0.7", "done"),
        ("sign_in_failed", "tina", None, "10.0.0.7", "failed"),
        ("sign_in_failed", "nobody", None, "10.0.0.7", "failed"),
        ("change_password", me, "admin", None, "done"),
        ("sign_in", "tina", "trainee", "10.0.0.7", "done"),
        ("disable_user", me, "admin", None, "done"),
        ("sign_in_failed", "tina", None, "10.0.0.7", "failed"),
    ]
    reasons = con.execute(
        "SELECT detail->>'reason' FROM risklab_catalog.audit WHERE action = 'sign_in_failed' ORDER BY id"
    ).fetchall()
    assert reasons == [("password",), ("no_account",), ("disabled",)]


def test_the_one_audit_trail_filters_by_person_action_object_dates_and_result(con):
    with store.acting_as(ADMIN):
        store.audit(con, "save_model", "loans", name="scorecard A", version=1)
    with store.acting_as(RISK_MANAGER):
        store.audit(con, "save_binning", "loans", factor="income", name="income bins", version=1, method="optimal")
    with store.acting_as(TRAINEE), pytest.raises(store.Refused):
        store.permit(con, "delete_model", None, name="scorecard A")
    store.audit(con, "delete_model", None, name="scorecard A", version=None)  # the machine's user
    con.execute("UPDATE risklab_catalog.audit SET saved_at = TIMESTAMP '2026-03-01 10:00' WHERE action = 'save_model'")
    me = store.LOCAL.name
    trail = store.audit_trail(con)
    columns = ["recorded_at", "person", "role", "action", "object", "table", "result", "detail", "client"]
    assert list(trail.columns) == columns
    assert list(trail["person"]) == [me, "tina", "rita", "ada"]  # newest first
    assert list(trail["role"]) == ["administrator", "trainee", "risk manager", "administrator"]
    assert list(trail["action"]) == ["delete a model", "delete a model", "save a binning", "save a model"]
    assert list(trail["result"]) == ["done", "refused", "done", "done"]
    assert list(trail["object"]) == ["scorecard A", "scorecard A", "income bins", "scorecard A"]
    assert list(trail["client"]) == ["", "10.0.0.7", "10.0.0.9", "10.0.0.1"]
    assert trail["detail"].iloc[2] == "Factor=income, Version=1, method=optimal"  # fields without a label as kept

    assert list(store.audit_trail(con, person="tina")["result"]) == ["refused"]
    models = store.audit_trail(con, actions=["save_model", "delete_model"], object_name=" SCORECARD a ")
    assert list(models["person"]) == [me, "tina", "ada"]
    assert list(store.audit_trail(con, outcome="refused")["person"]) == ["tina"]
    assert list(store.audit_trail(con, outcome="done", person="tina")["person"]) == []
    march = store.audit_trail(con, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1))
    assert list(march["person"]) == ["ada"]
    assert store.audit_trail(con, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 31)).empty
    with pytest.raises(RiskLabError, match="is after the end date"):
        store.audit_trail(con, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1))
    with pytest.raises(RiskLabError, match="'maybe' is not a result of the audit"):
        store.audit_trail(con, outcome="maybe")

    chinese = store.audit_trail(con, lang="zh")
    assert list(chinese["action"]) == ["删除模型", "删除模型", "保存分箱", "保存模型"]
    assert list(chinese["role"]) == ["管理员", "学员", "风险经理", "管理员"]
    assert list(chinese["result"]) == ["完成", "已拒绝", "完成", "完成"]
    assert chinese["detail"].iloc[2].startswith("因子=income")
    written = store.audit_csv(chinese, "zh")
    assert written.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads the Chinese
    lines = written.decode("utf-8-sig").splitlines()
    assert lines[0] == "时间,人员,角色,操作,对象,数据表,结果,详情,客户端地址" and len(lines) == 5
    assert lines[2].split(",")[1:4] == ["tina", "学员", "删除模型"]


def test_five_wrong_passwords_slow_the_next_attempt(con):
    """Measured: the sixth attempt waits at least the throttle's delay after five failures, and takes more than
    twice as long as an unthrottled wrong attempt (no absolute speed of this machine is assumed)."""
    store.add_user(con, "tina", "trainee", "correct horse")
    throttle = store.Throttle(free=3, base=0.5)
    durations = []
    for _ in range(6):
        start = time.perf_counter()
        with pytest.raises(RiskLabError):
            store.sign_in(con, "tina", "wrong horse", "10.0.0.7", throttle)
        durations.append(time.perf_counter() - start)
    assert throttle.delay(5) == 2.0
    assert durations[5] >= 2.0 - 0.05  # the wait is a minimum, whatever this machine's speed
    assert durations[5] > 2 * sorted(durations[:3])[1]  # and twice an unthrottled attempt (Argon2 included)


def test_the_throttle_counts_per_account_and_per_client():
    now = [1000.0]
    slept: list[float] = []
    throttle = store.Throttle(free=3, base=1.0, longest=30.0, clock=lambda: now[0], sleep=slept.append)
    for _ in range(5):
        throttle.failed(["account:tina", "client:10.0.0.7"])
    assert throttle.wait(["account:tina", "client:10.0.0.99"]) == 4.0  # the account, from another client
    assert throttle.wait(["account:other", "client:10.0.0.7"]) == 4.0  # the client, trying another account
    assert throttle.wait(["account:other", "client:10.0.0.99"]) == 0.0
    now[0] += 3.0
    assert throttle.wait(["account:tina", "client:10.0.0.7"]) == 1.0  # counted from the last failure
    assert [throttle.delay(n) for n in (0, 2, 3, 4, 8, 20)] == [0.0, 0.0, 1.0, 2.0, 30.0, 30.0]
    now[0] += 901.0
    assert throttle.wait(["account:tina"]) == 0.0  # forgotten after a quiet quarter of an hour
    throttle.failed(["account:tina"])
    throttle.succeeded(["account:tina"])
    assert throttle.wait(["account:tina"]) == 0.0


def test_a_trainee_calling_analytics_directly_is_refused_and_nothing_changes(con):
    add_table(con, "loans", loans())
    store.open_table(con, "loans")  # the quiz table: a trainee reads it, but saves nothing
    fitted = fit(con, model.ModelSpec("loans", (model.FactorSpec("debt_ratio"),), outcome=FLAG))
    model.save_model(con, "scorecard", fitted)
    before = con.execute("SELECT count(*) FROM risklab_catalog.models").fetchone()
    with store.acting_as(TRAINEE):
        attempts = {
            "import_table": lambda: datasets.import_file(con, CSV, "new.csv", table="new_loans"),
            "replace_table": lambda: datasets.import_file(con, CSV, "loans.csv", table="loans", replace=True),
            "save_roles": lambda: datasets.save_roles(con, "loans", {"debt_ratio": "ignore"}),
            "save_model": lambda: model.save_model(con, "scorecard", fitted),
            "delete_model": lambda: model.delete_model(con, "scorecard"),
            "save_provision_settings": lambda: provisions.save_settings(con, provisions.Settings()),
        }
        for action, attempt in attempts.items():
            with pytest.raises(store.Refused) as exc:
                attempt()
            assert exc.value.message("en") == (
                f"Your role (trainee) may not {store.action_label(action)}. Nothing was changed; "
                "ask an administrator if you need it."
            )
        assert store.user_tables(con) == ["loans"]
    assert store.user_tables(con) == ["loans"]
    assert con.execute("SELECT count(*) FROM risklab_catalog.models").fetchone() == before
    assert datasets.saved_roles(con, "loans") == {}
    refused = con.execute(
        "SELECT action, table_name, person, role, client FROM risklab_catalog.audit WHERE outcome = 'refused' "
        "ORDER BY id"
    ).fetchall()
    assert refused == [
        ("import_table", "new_loans", "tina", "trainee", "10.0.0.7"),
        ("replace_table", "loans", "tina", "trainee", "10.0.0.7"),
        ("save_roles", "loans", "tina", "trainee", "10.0.0.7"),
        ("save_model", "loans", "tina", "trainee", "10.0.0.7"),
        ("delete_model", None, "tina", "trainee", "10.0.0.7"),
        ("save_provision_settings", None, "tina", "trainee", "10.0.0.7"),
    ]


def test_each_role_saves_what_it_may(con):
    add_table(con, "loans", loans())
    fitted = fit(con, model.ModelSpec("loans", (model.FactorSpec("debt_ratio"),), outcome=FLAG))
    spec = factors.BinSpec("debt_ratio", "numeric", "quantile", cuts=(0.5,))
    with store.acting_as(EXECUTIVE), pytest.raises(store.Refused, match="executive"):
        factors.save_binning(con, "loans", spec, "halves")
    with store.acting_as(RISK_MANAGER):
        assert factors.save_binning(con, "loans", spec, "halves") == 1
        assert model.save_model(con, "scorecard", fitted) == 1
        datasets.import_file(con, CSV, "more.csv", table="more_loans")
        with pytest.raises(store.Refused, match=r"risk manager\) may not delete a model"):
            model.delete_model(con, "scorecard")
        with pytest.raises(store.Refused, match="may not save the provision settings"):
            provisions.save_settings(con, provisions.Settings())
    with store.acting_as(ADMIN):
        model.delete_model(con, "scorecard")
        provisions.save_settings(con, provisions.Settings())
    assert model.list_models(con, "loans").empty
    done = con.execute(
        "SELECT action, person FROM risklab_catalog.audit WHERE outcome = 'done' AND person <> ? ORDER BY id",
        [store.LOCAL.name],
    ).fetchall()
    assert done == [
        ("save_binning", "rita"),
        ("save_model", "rita"),
        ("import_table", "rita"),
        ("delete_model", "ada"),
        ("save_provision_settings", "ada"),
    ]


def test_the_role_registry():
    may = {role.key: sorted(role.may) for role in store.ROLES}
    assert may == {
        "admin": ["data", "deletes", "factors", "models", "quiz", "rule_sets", "settings", "users"],
        "risk_manager": ["data", "factors", "models", "rule_sets"],
        "executive": [],
        "trainer": ["quiz", "rule_sets"],
        "trainee": [],
    }
    trainer = store.Person("tom", "trainer")
    assert store.allowed("save_rule_set", trainer) and store.allowed("open_quiz_table", trainer)
    assert not store.allowed("save_model", trainer) and not store.allowed("import_table", trainer)
    assert not store.allowed("delete_rule_set", store.Person("rita", "risk_manager"))  # any delete_*: deletes
    assert store.allowed("save_something_new", RISK_MANAGER) and not store.allowed("save_something_new", TRAINEE)
    assert store.allowed("sign_in", store.NOBODY) and not store.allowed("save_roles", store.NOBODY)
    assert store.acting() == store.LOCAL and store.LOCAL.role == "admin"  # single-user mode: the machine's user


def test_a_trainee_reads_only_the_tables_opened_to_trainees_and_no_console(con):
    add_table(con, "loans", loans(20))
    add_table(con, "secret", loans(20))
    with store.acting_as(TRAINEE):
        assert store.user_tables(con) == []
        with pytest.raises(RiskLabError) as exc:
            store.row_count(con, "loans")
        assert str(exc.value) == "Table 'loans' is not open to trainees: a trainer opens the tables for the quiz."
        with pytest.raises(store.Refused):
            store.open_table(con, "loans")
    with store.acting_as(store.Person("tom", "trainer")):
        store.open_table(con, "loans")
    with store.acting_as(TRAINEE):
        assert store.user_tables(con) == ["loans"]
        assert store.row_count(con, "loans") == 20
        with pytest.raises(RiskLabError, match="The SQL console reads every table"):
            store.run_query(con, "SELECT count(*) FROM loans")
    assert store.run_query(con, "SELECT count(*) AS n FROM secret").frame["n"].tolist() == [20]
    store.close_table(con, "loans")
    assert store.opened_tables(con) == []


def test_single_sign_on_users_get_the_role_of_their_account(con):
    store.add_user(con, "Erin@Bank.cn", "executive", sso=True)
    store.add_user(con, "gone@bank.cn", "trainer", sso=True)
    store.disable_user(con, "gone@bank.cn")
    assert store.sso_person(con, "erin@bank.cn", "10.0.0.8") == store.Person(
        "erin@bank.cn", "executive", "10.0.0.8", "sso"
    )
    for email in ("stranger@bank.cn", "gone@bank.cn", None):
        with pytest.raises(RiskLabError, match="has no account here"):
            store.sso_person(con, email, "10.0.0.8")
    assert store.sso_person(con, "stranger@bank.cn", None, default_role="trainee").role == "trainee"
    with pytest.raises(RiskLabError, match="not a role"):
        store.sso_person(con, "stranger@bank.cn", None, default_role="boss")
    failed = con.execute("SELECT person FROM risklab_catalog.audit WHERE action = 'sign_in_failed' ORDER BY id")
    assert [r[0] for r in failed.fetchall()] == ["stranger@bank.cn", "gone@bank.cn", None]


def test_the_refusal_reads_in_chinese():
    refused = store.Refused("import_table", "loans", TRAINEE)
    assert refused.message("zh") == "您的角色（学员）无权导入数据表。未做任何更改；如确有需要，请联系管理员。"
    assert store.Refused("save_roles", None, store.NOBODY).message("en") == "Sign in first: nothing was changed."


@pytest.mark.parametrize("lang", core.LANGUAGES)
def test_every_role_action_and_outcome_has_its_words(lang):
    keys = [f"access.role.{r.key}" for r in store.ROLES] + [f"access.action.{a}" for a in store.ACTIONS]
    keys += [f"access.outcome.{o}" for o in ("done", "refused", "failed")] + ["access.via.password", "access.via.sso"]
    assert [key for key in keys if core.t(key, lang) == key] == []


def run_cli(db, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )


def test_the_users_command(tmp_path):
    db = tmp_path / "shared.duckdb"
    added = run_cli(db, "add", "tina", "--role", "trainee", stdin="correct horse\n")
    assert added.returncode == 0, added.stderr
    assert [(u["name"], u["role"], u["disabled"]) for u in json.loads(added.stdout)] == [("tina", "trainee", False)]
    assert run_cli(db, "add", "erin@bank.cn", "--role", "executive", "--sso").returncode == 0
    assert run_cli(db, "passwd", "tina", stdin="battery staple\n").returncode == 0
    listed = json.loads(run_cli(db, "disable", "tina").stdout)
    assert [(u["name"], u["sign_in"], u["disabled"]) for u in listed] == [
        ("erin@bank.cn", "sso", False),
        ("tina", "password", True),
    ]
    short = run_cli(db, "add", "bob", "--role", "trainee", stdin="short\n")
    assert (short.returncode, short.stderr) == (1, "error: the password needs at least 8 characters\n")
    assert run_cli(db, "disable").stderr == "error: users disable needs a name\n"
    con = store.connect(db)
    try:
        hashed = con.execute("SELECT password_hash FROM risklab_catalog.users WHERE name = 'tina'").fetchone()[0]
        throttle = store.Throttle()
        with pytest.raises(RiskLabError):
            store.sign_in(con, "tina", "battery staple", None, throttle)  # disabled
        assert hashed.startswith("$argon2id$")
    finally:
        con.close()
