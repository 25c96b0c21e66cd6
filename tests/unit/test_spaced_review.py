"""Spaced review on a real store (SQLite and PostgreSQL), with a clock the test moves: a missed
decision point comes back on the right day, after a restart too; reminders reach a loopback
Telegram stand-in for trainees who agreed, never for one who declined, and never twice."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from harness.processes import ROOT
from harness.telegram_standin import TelegramStandIn
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees
from trainer.models import ReviewItem
from trainer.reminders import send_due
from trainer.spaced_review import INTERVALS, SpacedReview, review_options, right

CONTENT = load_content()
SCENARIO = CONTENT.scenario("checkpoint_motorbike")
STEP = SCENARIO.steps["approach"]
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)  # before the real clock: see the last test
TOKEN = "123456:reminders-test"


def best(step):
    return next(o for o in step.options if right(step, o))


def wrong(step):
    return next(o for o in step.options if not right(step, o))


def test_a_missed_point_comes_back_after_one_three_and_seven_days_and_a_miss_starts_over(database_url):
    db = Database(database_url)
    trainee = Trainees(db).trainee_for("rest", "review-1")
    SpacedReview(db).add_missed(trainee.id, SCENARIO.id, STEP.id, now=MONDAY)
    db.close()

    db = Database(database_url)  # a restart: a new process opens the database
    reviews = SpacedReview(db)
    assert reviews.due(trainee.id, CONTENT, now=MONDAY + timedelta(hours=23)) is None
    due = reviews.due(trainee.id, CONTENT, now=MONDAY + timedelta(days=1))
    assert (due.scenario_id, due.step_id, due.stage) == (SCENARIO.id, STEP.id, 0)

    day = MONDAY + timedelta(days=1)
    after = reviews.answer(due.id, best(STEP).id, True, now=day)
    assert after.due_at == day + timedelta(days=3)
    assert reviews.due(trainee.id, CONTENT, now=day + timedelta(days=2, hours=23)) is None
    day += timedelta(days=3)
    after = reviews.answer(due.id, wrong(STEP).id, False, now=day)  # forgotten: back to a day
    assert (after.stage, after.due_at) == (0, day + timedelta(days=1))
    for interval in INTERVALS:  # then right three times, at 1, 3 and 7 days
        day = reviews.due(trainee.id, CONTENT, now=day + interval).due_at
        reviews.answer(due.id, best(STEP).id, True, now=day)
    assert reviews.due(trainee.id, CONTENT, now=day + timedelta(days=60)) is None  # done with it
    # Right / answered at 1, 3 and 7 days: right, wrong at 3 days, then right at 1, 3 and 7.
    assert reviews.retention() == [(2, 2), (1, 2), (1, 1)]
    db.close()


def test_review_options_come_in_an_order_of_their_own():
    orders = {tuple(o.id for o in review_options(STEP, item_id)) for item_id in range(1, 30)}
    assert len(orders) > 1 and all(sorted(order) == sorted(o.id for o in STEP.options) for order in orders)


@pytest.fixture
def telegram():
    standin = TelegramStandIn(TOKEN).start()
    yield standin
    standin.stop()


def test_reminders_go_to_those_who_agreed_once_per_due_review(database_url, telegram):
    db = Database(database_url)
    people, reviews = Trainees(db), SpacedReview(db)
    agreed = people.trainee_for("telegram", "tg:5550101")
    declined = people.trainee_for("telegram", "tg:5550102")
    never_asked = people.trainee_for("telegram", "tg:5550103")
    web_only = people.trainee_for("socketio", "web:abc")
    reviews.set_reminders(agreed.id, True)
    reviews.set_reminders(declined.id, False)
    reviews.set_reminders(web_only.id, True)
    for trainee in (agreed, declined, never_asked, web_only):
        reviews.add_missed(trainee.id, SCENARIO.id, STEP.id, now=MONDAY)

    assert send_due(db, CONTENT, TOKEN, telegram.url, now=MONDAY + timedelta(hours=12)) == 0  # not due yet
    assert send_due(db, CONTENT, TOKEN, telegram.url, now=MONDAY + timedelta(days=1)) == 1
    [sent] = telegram.methods("sendMessage")
    # In the trainee's language (French until they choose), to the chat, not to the "tg:" id.
    assert int(sent["params"]["chat_id"]) == 5550101 and "Une révision vous attend" in sent["params"]["text"]
    assert sent["params"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/review"
    assert send_due(db, CONTENT, TOKEN, telegram.url, now=MONDAY + timedelta(days=2)) == 0  # announced already

    # The same review missed again: due again a day later, and announced again, by the process
    # `make run` starts (a new process: nothing is remembered but the database).
    item = reviews.due(agreed.id, CONTENT, now=MONDAY + timedelta(days=2))
    reviews.answer(item.id, wrong(STEP).id, False, now=datetime.now(timezone.utc) - timedelta(days=2))
    with db.transaction() as session:  # its new due time has passed on the real clock
        session.execute(update(ReviewItem).where(ReviewItem.id == item.id).values(due_at=datetime.now(timezone.utc)))
    db.close()
    env = dict(os.environ, DATABASE_URL=database_url, TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)
    for _ in range(2):  # twice: the second round finds it announced
        ran = subprocess.run(
            [sys.executable, "-m", "trainer", "reminders", "--once"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran.stderr
    assert [int(m["params"]["chat_id"]) for m in telegram.methods("sendMessage")] == [5550101, 5550101]
