"""Trainer accounts of the dashboard: passwords (argon2), lock-out after repeated failures, and
server-side sessions, so that every web replica sees the same sign-ins."""

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

ROLES = ("trainer", "admin")
MAX_FAILED_LOGINS = 5
LOCK_OUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A clear reason an account could not be created."""


class LockedOut(Exception):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


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

    def create(self, username: str, password: str, role: str = "trainer") -> Trainer:
        username = username.strip()
        if not username or len(username) > 80 or any(c.isspace() for c in username):
            raise AccountError("the username must be 1 to 80 characters without spaces")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
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

    def sign_in(self, username: str, password: str) -> Optional[Tuple[str, SignedIn]]:
        """(cookie token, session) for the right password; None for a wrong name or password.
        Raises LockedOut after MAX_FAILED_LOGINS failures in a row, for LOCK_OUT."""
        with self.db.transaction() as session:
            account = session.execute(
                select(TrainerAccount).where(TrainerAccount.username == username.strip()).with_for_update()
            ).scalar_one_or_none()
            if account is None:
                _verify(_DUMMY_HASH, password)
                return None
            now = utcnow()
            if account.locked_until is not None and as_utc(account.locked_until) > now:
                raise LockedOut(max(1, int((as_utc(account.locked_until) - now).total_seconds() // 60) + 1))
            if not _verify(account.password_hash, password):
                account.failed_logins = (account.failed_logins or 0) + 1
                if account.failed_logins >= MAX_FAILED_LOGINS:
                    account.failed_logins, account.locked_until = 0, now + LOCK_OUT
                return None
            account.failed_logins, account.locked_until = 0, None
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
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
            return SignedIn(_trainer(session.get(TrainerAccount, row.account_id)), row.csrf_token)

    def sign_out(self, token: Optional[str]) -> None:
        if token:
            with self.db.transaction() as session:
                session.execute(delete(TrainerSession).where(TrainerSession.token_hash == _token_hash(token)))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
