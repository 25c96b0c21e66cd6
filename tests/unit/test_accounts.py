"""Trainer accounts: argon2 hashes, sign-in attempts limited per address and username, accounts
turned off and reset, server-side sessions (SQLite and PostgreSQL)."""

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

import trainer.accounts
from harness.processes import ROOT
from trainer.accounts import SIGN_INS_PER_ADDRESS, SIGN_INS_PER_USERNAME, AccountError, AccountStore
from trainer.db import Database
from trainer.models import AttemptCounter, TrainerAccount, TrainerSession, utcnow
from trainer.throttle import TooManyAttempts

PASSWORD = "a long enough secret"
HERE = "198.51.100.7"


@pytest.fixture
def accounts(database_url):
    db = Database(database_url)
    yield AccountStore(db)
    db.close()


def test_passwords_are_stored_as_argon2_hashes(accounts):
    trainer = accounts.create("alice", PASSWORD)
    with accounts.db.transaction() as session:
        stored = session.get(TrainerAccount, trainer.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    "username, password, role, reason",
    [
        ("", PASSWORD, "trainer", "username"),
        ("two words", PASSWORD, "trainer", "username"),
        ("bob", "short", "trainer", "at least 10"),
        ("bob", "motdepasse123", "trainer", "first ones guessed"),
        ("bob", "aaaaaaaaaaaa", "trainer", "first ones guessed"),
        ("bob", "my secret is bob", "trainer", "username"),
        ("bob", PASSWORD, "emperor", "role"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(accounts, username, password, role, reason):
    with pytest.raises(AccountError, match=reason):
        accounts.create(username, password, role)


def test_a_username_is_taken_once(accounts):
    accounts.create("alice", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create("alice", PASSWORD)


def test_sign_in_opens_a_session_that_sign_out_closes(accounts):
    accounts.create("alice", PASSWORD, "admin")
    assert accounts.sign_in("alice", "wrong password", HERE) is None
    assert accounts.sign_in("nobody", PASSWORD, HERE) is None
    token, signed_in = accounts.sign_in("alice", PASSWORD, HERE)
    assert signed_in.trainer.is_admin and len(signed_in.csrf_token) >= 32
    assert accounts.session(token) == signed_in
    assert accounts.session("forged-token") is None and accounts.session(None) is None
    accounts.sign_out(token)
    assert accounts.session(token) is None


def test_an_expired_session_is_refused(accounts):
    accounts.create("alice", PASSWORD)
    token, _ = accounts.sign_in("alice", PASSWORD, HERE)
    with accounts.db.transaction() as session:
        session.execute(update(TrainerSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert accounts.session(token) is None


def expire_attempt_windows(accounts):
    with accounts.db.transaction() as session:
        session.execute(update(AttemptCounter).values(window_start=utcnow() - timedelta(hours=1)))


def test_an_address_gets_five_attempts_then_waits_and_a_right_password_is_not_counted(accounts):
    accounts.create("alice", PASSWORD)
    assert accounts.sign_in("alice", PASSWORD, HERE) is not None  # given back
    for _ in range(SIGN_INS_PER_ADDRESS):
        assert accounts.sign_in("alice", "guess", HERE) is None
    with pytest.raises(TooManyAttempts) as refused:
        accounts.sign_in("alice", PASSWORD, HERE)
    assert 1 <= refused.value.minutes <= 15
    # The stranger's address is held off; the trainer, elsewhere, is not locked out.
    assert accounts.sign_in("alice", PASSWORD, "203.0.113.20") is not None
    expire_attempt_windows(accounts)
    assert accounts.sign_in("alice", PASSWORD, HERE) is not None


def test_guesses_spread_over_addresses_are_limited_per_username_known_or_not(accounts):
    accounts.create("alice", PASSWORD)
    for username in ("alice", "nobody"):
        for n in range(SIGN_INS_PER_USERNAME):
            assert accounts.sign_in(username, "guess", f"203.0.113.{n}") is None
        with pytest.raises(TooManyAttempts):
            accounts.sign_in(username, "guess", "203.0.113.250")


def test_thirty_parallel_wrong_passwords_get_at_most_five_checks(accounts, monkeypatch):
    accounts.create("alice", PASSWORD)
    checks = []
    verify = trainer.accounts._verify
    monkeypatch.setattr(trainer.accounts, "_verify", lambda *args: checks.append(1) or verify(*args))

    def guess(n):
        try:
            return accounts.sign_in("alice", f"guess {n}", HERE)
        except TooManyAttempts:
            return "too many"

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(guess, range(30)))
    assert len(checks) <= SIGN_INS_PER_ADDRESS
    assert outcomes.count(None) == len(checks) and outcomes.count("too many") == 30 - len(checks)


def test_unknown_and_known_usernames_get_the_same_answer_in_the_same_time(accounts):
    accounts.create("alice", PASSWORD)

    def timed(username, address):
        started = time.perf_counter()
        result = accounts.sign_in(username, "wrong password", address)
        return result, time.perf_counter() - started

    known = [timed("alice", f"203.0.113.{n}") for n in range(4)]
    unknown = [timed("nobody", f"203.0.114.{n}") for n in range(4)]
    assert {result for result, _ in known + unknown} == {None}
    # Both pay one argon2 check: the medians differ by far less than a check takes (~50 ms).
    median = lambda runs: sorted(seconds for _, seconds in runs)[2]  # noqa: E731
    assert abs(median(known) - median(unknown)) < 0.5 * min(median(known), median(unknown))


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(accounts):
    accounts.create("alice", PASSWORD)
    token, _ = accounts.sign_in("alice", PASSWORD, HERE)
    assert accounts.set_disabled("alice", True) == 1
    assert accounts.session(token) is None
    assert accounts.sign_in("alice", PASSWORD, HERE) is None  # answered like a wrong password
    accounts.set_disabled("alice", False)
    assert accounts.sign_in("alice", PASSWORD, HERE) is not None


def test_a_new_password_ends_every_session(accounts):
    accounts.create("alice", PASSWORD)
    tokens = [accounts.sign_in("alice", PASSWORD, HERE)[0] for _ in range(2)]
    with pytest.raises(AccountError, match="at least 10"):
        accounts.set_password("alice", "short")
    assert accounts.set_password("alice", "another long secret") == 2
    assert all(accounts.session(token) is None for token in tokens)
    assert accounts.sign_in("alice", PASSWORD, HERE) is None
    assert accounts.sign_in("alice", "another long secret", HERE) is not None
    assert accounts.revoke_sessions("alice") == 1
    with pytest.raises(AccountError, match="no trainer account"):
        accounts.revoke_sessions("nobody")


def test_trainer_create_command_reads_the_password_from_stdin(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "trainer", "trainer", "create"]
    made = subprocess.run(
        command + ["amadou", "--admin"], input=PASSWORD + "\n", cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0 and "admin 'amadou' created" in made.stdout, made.stderr
    short = subprocess.run(command + ["awa"], input="short\n", cwd=ROOT, env=env, capture_output=True, text=True)
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    db = Database(env["DATABASE_URL"])
    try:
        assert AccountStore(db).sign_in("amadou", PASSWORD, HERE) is not None
    finally:
        db.close()


def test_trainer_commands_disable_reset_and_sign_out(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}

    def trainer_command(*arguments, password=""):
        return subprocess.run(
            [sys.executable, "-m", "trainer", "trainer", *arguments],
            input=password + "\n",
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )

    assert trainer_command("create", "awa", password=PASSWORD).returncode == 0
    db = Database(env["DATABASE_URL"])
    accounts = AccountStore(db)
    try:
        token, _ = accounts.sign_in("awa", PASSWORD, HERE)
        disabled = trainer_command("disable", "awa")
        assert disabled.returncode == 0 and "1 session(s) ended" in disabled.stdout
        assert accounts.session(token) is None and accounts.sign_in("awa", PASSWORD, HERE) is None
        assert trainer_command("enable", "awa").returncode == 0
        weak = trainer_command("reset-password", "awa", password="azertyuiop")
        assert weak.returncode == 1 and "first ones guessed" in weak.stderr
        assert trainer_command("reset-password", "awa", password="a new long secret").returncode == 0
        token, _ = accounts.sign_in("awa", "a new long secret", HERE)
        assert trainer_command("revoke-sessions", "awa").returncode == 0 and accounts.session(token) is None
        missing = trainer_command("disable", "nobody")
        assert missing.returncode == 1 and "no trainer account named 'nobody'" in missing.stderr
    finally:
        db.close()


def test_cohort_commands_make_codes_that_expire_and_replace_them(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}

    def cohort_command(*arguments):
        return subprocess.run(
            [sys.executable, "-m", "trainer", "cohort", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
        )

    made = cohort_command("create", "Mopti 2026-12", "--expires-days", "14")
    assert made.returncode == 0 and "(valid 14 days)" in made.stdout, made.stderr
    old_code = made.stdout.split("enrolment code: ")[1].split()[0]
    replaced = cohort_command("new-code", "Mopti 2026-12")
    assert replaced.returncode == 0 and "the old one no longer works" in replaced.stdout
    assert old_code not in replaced.stdout
    missing = cohort_command("new-code", "Nowhere")
    assert missing.returncode == 1 and "no cohort named 'Nowhere'" in missing.stderr
