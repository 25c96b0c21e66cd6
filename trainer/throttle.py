"""Attempt counters shared by every process through the database: sign-ins per client address
and per username, code guesses per sender and overall. Taking an attempt is one conditional
UPDATE, so parallel requests cannot all slip under a limit (30 wrong passwords sent at once get
as many checks as the limit allows, not 30)."""

import math
import random
from datetime import datetime, timedelta
from typing import Callable, Optional, Sequence, Tuple, TypeVar

from sqlalchemy import case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from trainer.db import Database, retrying
from trainer.models import AttemptCounter, utcnow

T = TypeVar("T")


class TooManyAttempts(Exception):
    """A limit is used up (too many sign-ins, code tries...); try again in `minutes`."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class Throttle:
    def __init__(self, db: Database):
        self.db = db

    @retrying
    def take(self, key: str, limit: int, window: timedelta, now: Optional[datetime] = None) -> Optional[int]:
        """Count one attempt under `key`. None when it is within `limit` per `window`; else the
        minutes until the window ends (the attempt is then not counted)."""
        now = now or utcnow()
        key = key[:200]
        with self.db.transaction() as session:
            insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
            session.execute(
                insert(AttemptCounter).values(key=key, attempts=0, window_start=now).on_conflict_do_nothing()
            )
            expired = AttemptCounter.window_start <= now - window
            taken = session.execute(
                update(AttemptCounter)
                .where(AttemptCounter.key == key, or_(expired, AttemptCounter.attempts < limit))
                .values(
                    attempts=case((expired, 1), else_=AttemptCounter.attempts + 1),
                    window_start=case((expired, now), else_=AttemptCounter.window_start),
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                # Counters of past windows (every window here is at most an hour) are dead rows:
                # one attempt in a hundred clears them, so the table stays small for free.
                if random.random() < 0.01:
                    session.execute(delete(AttemptCounter).where(AttemptCounter.window_start < now - timedelta(days=1)))
                return None
            counter = session.get(AttemptCounter, key)
            started = (
                counter.window_start if counter.window_start.tzinfo else counter.window_start.replace(tzinfo=now.tzinfo)
            )
            return max(1, math.ceil((started + window - now).total_seconds() / 60))

    def guarded(
        self,
        limits: Sequence[Tuple[str, int]],
        window: timedelta,
        attempt: Callable[[], T],
        succeeded: Callable[[T], bool] = lambda _: True,
    ) -> T:
        """Run `attempt` counted under each (key, attempts per window) of `limits`, in order;
        TooManyAttempts when one is used up. An attempt that succeeded is given back, so only
        failures (a wrong password, a wrong code: raised or refused) count."""
        for key, limit in limits:
            wait = self.take(key, limit, window)
            if wait is not None:
                raise TooManyAttempts(wait)
        result = attempt()
        if succeeded(result):
            for key, _ in limits:
                self.give_back(key)
        return result

    @retrying
    def give_back(self, key: str) -> None:
        """An attempt that succeeded does not count against the limit."""
        with self.db.transaction() as session:
            session.execute(
                update(AttemptCounter)
                .where(AttemptCounter.key == key[:200], AttemptCounter.attempts > 0)
                .values(attempts=AttemptCounter.attempts - 1)
                .execution_options(synchronize_session=False)
            )
