"""The database's attempt counters (trainer/throttle.py): a window, and dead rows cleared."""

from datetime import timedelta

from sqlalchemy import func, select

import trainer.throttle
from trainer.db import Database
from trainer.models import AttemptCounter, utcnow
from trainer.throttle import Throttle


def test_attempts_are_limited_per_window_and_old_counters_are_cleared(database_url, monkeypatch):
    db = Database(database_url)
    throttle, now = Throttle(db), utcnow()
    window = timedelta(minutes=15)
    assert [throttle.take("k", 2, window, now) for _ in range(3)][:2] == [None, None]
    assert throttle.take("k", 2, window, now) == 15  # minutes to wait
    throttle.give_back("k")
    assert throttle.take("k", 2, window, now) is None  # a right attempt does not count
    assert throttle.take("k", 2, window, now + window) is None  # a new window
    throttle.take("old", 2, window, now - timedelta(days=2))

    monkeypatch.setattr(trainer.throttle.random, "random", lambda: 0.0)  # this attempt clears
    throttle.take("new", 2, window, now)
    with db.transaction() as session:
        keys = set(session.execute(select(AttemptCounter.key)).scalars())
        assert keys == {"k", "new"} and session.execute(select(func.count()).select_from(AttemptCounter)).scalar() == 2
    db.close()
