"""Trainer accounts of the dashboard: passwords (argon2), sign-in attempts limited per client
address and per username, and server-side sessions, so that every web replica sees the same
sign-ins.

An attempt is counted before the password is checked (trainer/throttle.py), so parallel guesses
get no more checks than the limit. The address limit comes first and is the tighter one: a
stranger guessing from one address is stopped before a trainer's username is locked; the
username limit stops guesses spread over many addresses. A username that does not exist is
counted, checked and answered exactly like one that does."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from trainer.db import Database
from trainer.models import TrainerAccount, TrainerSession, as_utc, utcnow
from trainer.throttle import Throttle

ROLES = ("trainer", "admin")
SIGN_INS_PER_ADDRESS = 5  # attempts per ATTEMPT_WINDOW, right or wrong (a right one is given back)
SIGN_INS_PER_USERNAME = 20
ATTEMPT_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
# Passwords that pass the length rule and are still among the first tried.
COMMON_PASSWORDS = {
    "1234567890",
    "0123456789",
    "1234567891",
    "qwertyuiop",
    "azertyuiop",
    "password123",
    "password12",
    "motdepasse",
    "motdepasse1",
    "motdepasse123",
    "iloveyou123",
    "administrator",
    "administrateur",
    "trainer1234",
    "formateur1",
}
_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A clear reason an account could not be created."""


def weak_password(username: str, password: str) -> str:
    """Why a password is too easy to guess, or "" when it is not."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "the password is among the first ones guessed; choose another"
    if username and username.lower() in lowered:
        return "the password must not contain the username"
    return ""


@dataclass(frozen=True)
class Trainer:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class SignedIn:
    trainer: Trainer
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _trainer(account: TrainerAccount) -> Trainer:
    return Trainer(account.id, account.username, account.role)


class AccountStore:
    def __init__(self, db: Database):
        self.db = db
        self.throttle = Throttle(db)

    def create(self, username: str, password: str, role: str = "trainer") -> Trainer:
        username = username.strip()
        if not username or len(username) > 80 or any(c.isspace() for c in username):
            raise AccountError("the username must be 1 to 80 characters without spaces")
        if weak_password(username, password):
            raise AccountError(weak_password(username, password))
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        with self.db.transaction() as session:
            if session.execute(select(TrainerAccount.id).where(TrainerAccount.username == username)).first():
                raise AccountError(f"a trainer named {username!r} already exists")
            account = TrainerAccount(username=username, password_hash=_hasher.hash(password), role=role)
            session.add(account)
            session.flush()
            return _trainer(account)

    def find(self, username: str) -> Optional[Trainer]:
        with self.db.transaction() as session:
            account = session.execute(
                select(TrainerAccount).where(TrainerAccount.username == username.strip())
            ).scalar_one_or_none()
            return account and _trainer(account)

    def sign_in(self, username: str, password: str, address: str) -> Optional[Tuple[str, SignedIn]]:
        """(cookie token, session) for the right password; None for a wrong name or password, a
        disabled account or an unknown name alike. Raises TooManyAttempts when the client's
        address or the username has used its attempts (module doc)."""
        username = username.strip()
        limits = [
            (f"sign-in address {address}", SIGN_INS_PER_ADDRESS),
            (f"sign-in username {username.casefold()}", SIGN_INS_PER_USERNAME),
        ]
        return self.throttle.guarded(
            limits, ATTEMPT_WINDOW, lambda: self._check(username, password), succeeded=lambda result: result is not None
        )

    def _check(self, username: str, password: str) -> Optional[Tuple[str, SignedIn]]:
        with self.db.transaction() as session:
            account = session.execute(
                select(TrainerAccount).where(TrainerAccount.username == username)
            ).scalar_one_or_none()
            # Verified whatever the account, so that every refusal takes as long.
            right = _verify(account.password_hash if account else _DUMMY_HASH, password)
            if account is None or account.disabled or not right:
                return None
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
            now = utcnow()
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session.add(
                TrainerSession(
                    token_hash=_token_hash(token),
                    account_id=account.id,
                    csrf_token=csrf,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            session.execute(delete(TrainerSession).where(TrainerSession.expires_at < now))
            return token, SignedIn(_trainer(account), csrf)

    def session(self, token: Optional[str]) -> Optional[SignedIn]:
        """The live session a cookie's token opens, if any."""
        if not token:
            return None
        with self.db.transaction() as session:
            row = session.get(TrainerSession, _token_hash(token))
            if row is None or as_utc(row.expires_at) <= utcnow():
                return None
            account = session.get(TrainerAccount, row.account_id)
            return None if account.disabled else SignedIn(_trainer(account), row.csrf_token)

    def set_disabled(self, username: str, disabled: bool) -> int:
        """Turn an account off (its sessions end) or back on; returns the sessions ended."""
        with self.db.transaction() as session:
            account = self._account(session, username)
            account.disabled = disabled
            return self._end_sessions(session, account.id) if disabled else 0

    def set_password(self, username: str, password: str) -> int:
        """A new password (as strong as `create` asks); every open session ends. Returns how many."""
        problem = weak_password(username, password)
        if problem:
            raise AccountError(problem)
        with self.db.transaction() as session:
            account = self._account(session, username)
            account.password_hash = _hasher.hash(password)
            return self._end_sessions(session, account.id)

    def revoke_sessions(self, username: str) -> int:
        """Sign the trainer out everywhere; returns the sessions ended."""
        with self.db.transaction() as session:
            return self._end_sessions(session, self._account(session, username).id)

    @staticmethod
    def _account(session, username: str) -> TrainerAccount:
        account = session.execute(
            select(TrainerAccount).where(TrainerAccount.username == username.strip())
        ).scalar_one_or_none()
        if account is None:
            raise AccountError(f"no trainer account named {username!r}")
        return account

    @staticmethod
    def _end_sessions(session, account_id: int) -> int:
        return session.execute(delete(TrainerSession).where(TrainerSession.account_id == account_id)).rowcount

    def sign_out(self, token: Optional[str]) -> None:
        if token:
            with self.db.transaction() as session:
                session.execute(delete(TrainerSession).where(TrainerSession.token_hash == _token_hash(token)))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
