"""Trainer accounts: argon2 hashes, lock-out, server-side sessions (SQLite and PostgreSQL)."""

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from harness.processes import ROOT
from trainer.accounts import MAX_FAILED_LOGINS, AccountError, AccountStore, LockedOut
from trainer.db import Database
from trainer.models import TrainerAccount, TrainerSession, utcnow

PASSWORD = "a long enough secret"


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
    assert accounts.sign_in("alice", "wrong password") is None
    assert accounts.sign_in("nobody", PASSWORD) is None
    token, signed_in = accounts.sign_in("alice", PASSWORD)
    assert signed_in.trainer.is_admin and len(signed_in.csrf_token) >= 32
    assert accounts.session(token) == signed_in
    assert accounts.session("forged-token") is None and accounts.session(None) is None
    accounts.sign_out(token)
    assert accounts.session(token) is None


def test_an_expired_session_is_refused(accounts):
    accounts.create("alice", PASSWORD)
    token, _ = accounts.sign_in("alice", PASSWORD)
    with accounts.db.transaction() as session:
        session.execute(update(TrainerSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert accounts.session(token) is None


def test_repeated_failures_lock_the_account_even_for_the_right_password(accounts):
    accounts.create("alice", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        assert accounts.sign_in("alice", "guess") is None
    with pytest.raises(LockedOut) as locked:
        accounts.sign_in("alice", PASSWORD)
    assert 1 <= locked.value.minutes <= 15
    with accounts.db.transaction() as session:  # the lock-out ends
        session.execute(update(TrainerAccount).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert accounts.sign_in("alice", PASSWORD) is not None


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
        assert AccountStore(db).sign_in("amadou", PASSWORD) is not None
    finally:
        db.close()
