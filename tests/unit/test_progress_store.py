"""The progress store on SQLite and, when reachable, PostgreSQL."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, text, update
from sqlalchemy.engine import make_url

from harness.tcp_relay import TcpRelay
from trainer.content_loader import load_content
from trainer.db import Database, StoreUnavailable, create_db_engine, migrate
from trainer.engine import best_option
from trainer.identities import (
    CODE_TRIES_OVERALL,
    CODE_TRIES_PER_SENDER,
    LINK_CLAIMED,
    LINKED,
    Trainees,
    UnknownCode,
)
from trainer.models import Cohort, utcnow
from trainer.privacy import erase_trainee, export_trainee
from trainer.progress import AnswerRecord, NotCurrentStep, ProgressStore
from trainer.throttle import TooManyAttempts


@pytest.fixture
def db(database_url):
    db = Database(database_url)
    yield db
    db.close()


@pytest.fixture
def store(db):
    return ProgressStore(db)


@pytest.fixture
def people(db):
    return Trainees(db)


def answer(step_id, grade, next_node, **values):
    return AnswerRecord(step_id=step_id, grade=grade, next_node=next_node, **values)


def play(store, trainee_id, scenario, choose, channel="rest", prefix="m"):
    """Play a scenario to its ending, choosing with `choose(step)`; return the attempt."""
    attempt = store.start_attempt(trainee_id, scenario.id, scenario.start)
    node, turn, answer_ids = scenario.start, 0, set()
    while node in scenario.steps:
        option = choose(scenario.steps[node])
        turn += 1
        recorded = store.record_answer(
            attempt.id,
            answer(
                node,
                option.grade,
                option.next,
                finishes=option.next in scenario.endings,
                option_id=option.id,
                channel=channel,
                message_id=f"{prefix}-{attempt.id}-{turn}",
            ),
        )
        assert recorded.answer_id not in answer_ids
        answer_ids.add(recorded.answer_id)
        node = recorded.attempt.current_node
    return store.attempt(attempt.id)


def test_a_whole_scenario_is_stored_with_the_right_grades(store, people):
    scenario = load_content().scenario("checkpoint_motorbike")
    trainee = people.trainee_for("rest", "alice")
    finished = play(store, trainee.id, scenario, best_option)
    assert finished.status == "completed" and finished.current_node == "end_safe_passage"
    assert finished.score == 100.0
    answers = store.answers(finished.id)
    assert [(a["step"], a["option"], a["grade"]) for a in answers] == [
        ("approach", "escalate", 3),
        ("stops", "quick_respectful_check", 3),
    ]

    def worst_option(step):
        return min(step.options, key=lambda o: o.grade)

    worst = play(store, trainee.id, scenario, worst_option, prefix="w")
    path, node = [], scenario.start
    while node in scenario.steps:
        path.append(worst_option(scenario.steps[node]))
        node = path[-1].next
    assert [(a["option"], a["grade"]) for a in store.answers(worst.id)] == [(o.id, o.grade) for o in path]
    assert worst.score == 0.0 and worst.current_node == node


def test_the_same_message_is_recorded_once(store, people):
    trainee = people.trainee_for("rest", "bob")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    first = store.record_answer(attempt.id, answer("anger", 3, "elders", message_id="abc"))
    again = store.record_answer(attempt.id, answer("anger", 3, "elders", message_id="abc"))
    assert again.answer_id == first.answer_id
    assert again.attempt.current_node == "elders"
    assert len(store.answers(attempt.id)) == 1


def test_concurrent_duplicates_are_recorded_once(store, people):
    trainee = people.trainee_for("rest", "carol")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    results, errors = [], []

    def send():
        try:
            results.append(store.record_answer(attempt.id, answer("anger", 3, "elders", message_id="same")))
        except NotCurrentStep as error:  # lost the race after the first one moved the attempt
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.answers(attempt.id)) == 1
    assert len({r.answer_id for r in results}) == 1 and len(results) + len(errors) == 6


def test_an_unclear_answer_is_kept_but_does_not_move_on(store, people):
    trainee = people.trainee_for("rest", "dan")
    attempt = store.start_attempt(trainee.id, "checkpoint_motorbike", "approach")
    recorded = store.record_answer(attempt.id, answer("approach", None, "approach", text="banana"))
    assert recorded.attempt.current_node == "approach"
    with pytest.raises(NotCurrentStep):
        store.record_answer(attempt.id, answer("stops", 3, "end_safe_passage"))


def test_an_answer_keeps_what_the_grader_found_cautions_included(store, people):
    trainee = people.trainee_for("rest", "dina")
    attempt = store.start_attempt(trainee.id, "checkpoint_motorbike", "approach")
    store.record_answer(
        attempt.id,
        answer(
            "approach",
            1,
            "casualties",
            text="warning shot",
            concepts=("x",),
            missed=("y",),
            cautions=("warning_shot_first",),
        ),
    )
    [stored] = store.answers(attempt.id)
    assert (stored["concepts_found"], stored["concepts_missed"], stored["cautions"]) == (
        ["x"],
        ["y"],
        ["warning_shot_first"],
    )


def test_web_and_telegram_identities_merge_after_linking(db, store, people):
    web = people.trainee_for("socketio", "browser-session-1")
    people.update_trainee(web.id, display_name="Sgt Traoré", language="fr")
    web_attempt = store.start_attempt(web.id, "checkpoint_motorbike", "approach")
    telegram = people.trainee_for("telegram", "123456789")
    telegram_attempt = store.start_attempt(telegram.id, "child_captured", "capture")
    assert telegram.id != web.id

    code = people.create_link_code(web.id)
    with pytest.raises(UnknownCode):  # sent back on the web before any other app has sent it
        people.use_link_code("socketio", "browser-session-1", code)
    claimed, claimer = people.use_link_code("telegram", "123456789", code.lower())
    assert (claimed, claimer.id) == (LINK_CLAIMED, telegram.id)  # nothing joined yet
    assert people.trainee_for("telegram", "123456789").id == telegram.id
    linked, merged = people.use_link_code("socketio", "browser-session-1", code)  # confirmed where it was made
    assert linked == LINKED and merged.id == web.id and merged.display_name == "Sgt Traoré"
    assert people.trainee_for("telegram", "123456789").id == web.id
    assert {a.id for a in store.attempts(web.id)} == {web_attempt.id, telegram_attempt.id}
    assert export_trainee(db, telegram.id) is None  # the separate record is gone
    with pytest.raises(UnknownCode):  # one use only
        people.use_link_code("whatsapp", "+22370000000", code)
    [(listed, channels)] = people.trainees()  # what `python -m trainer trainee list` prints
    assert listed == merged and sorted(channels) == [("socketio", "browser-session-1"), ("telegram", "123456789")]


def test_a_code_claimed_from_two_apps_links_neither(people):
    victim = people.trainee_for("socketio", "victim-session")
    code = people.create_link_code(victim.id)
    people.use_link_code("telegram", "tg-guesser", code)
    with pytest.raises(UnknownCode):
        people.use_link_code("twilio", "wa-victim-phone", code)
    with pytest.raises(UnknownCode):  # burnt: the victim's confirmation links nobody
        people.use_link_code("socketio", "victim-session", code)
    assert people.trainee_for("telegram", "tg-guesser").id != victim.id


def test_a_thousand_guesses_from_twenty_senders_are_cut_off_and_link_nothing(people):
    victim = people.trainee_for("socketio", "guessed-victim")
    code = people.create_link_code(victim.id)
    outcomes = Counter()
    for n in range(1000):
        guess = code if n == 900 else f"{n:06d}"  # the right code, late among the guesses
        try:
            outcomes[people.use_link_code("telegram", f"guesser-{n % 20}", guess)[0]] += 1
        except UnknownCode:
            outcomes["unknown"] += 1
        except TooManyAttempts:
            outcomes["refused"] += 1
    assert outcomes["unknown"] == min(20 * CODE_TRIES_PER_SENDER, CODE_TRIES_OVERALL)
    assert outcomes["refused"] == 1000 - outcomes["unknown"] and LINK_CLAIMED not in outcomes
    assert all(people.trainee_for("telegram", f"guesser-{n}").id != victim.id for n in range(20))
    with pytest.raises(TooManyAttempts):  # the limit holds for enrolment codes too
        people.enrol(victim.id, "ABC234", guesser="telegram guesser-3")


def test_an_enrolment_code_expires_and_can_be_replaced(db, people):
    code = people.create_cohort("Gao 2026-12", expires=timedelta(days=7))
    trainee = people.trainee_for("rest", "gao-1")
    assert people.enrol(trainee.id, code, guesser="rest gao-1") == "Gao 2026-12"
    with db.transaction() as session:
        session.execute(update(Cohort).values(enrolment_expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(UnknownCode):
        people.enrol(trainee.id, code)
    new_code = people.new_enrolment_code("Gao 2026-12")
    assert new_code != code and people.enrol(trainee.id, new_code) == "Gao 2026-12"
    with pytest.raises(UnknownCode):
        people.enrol(trainee.id, code)


def test_enrolment_code_joins_a_cohort(people):
    code = people.create_cohort("Koulikoro 2026-11")
    trainee = people.trainee_for("rest", "erin")
    assert people.enrol(trainee.id, f" {code.lower()} ") == "Koulikoro 2026-11"
    assert people.trainee_for("rest", "erin").cohort == "Koulikoro 2026-11"
    with pytest.raises(UnknownCode):
        people.enrol(trainee.id, "NOPE42")


def test_export_and_erase_everything_about_a_trainee(db, store, people, tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_plugins.conversations import erase_conversations

    trainee = people.trainee_for("rest", "frank")
    other = people.trainee_for("rest", "grace")
    play(store, trainee.id, load_content().scenario("detainee_video"), best_option)
    exported = export_trainee(db, trainee.id)
    assert exported["channels"] == [
        {"channel": "rest", "sender_id": "frank", "since": exported["channels"][0]["since"]}
    ]
    assert len(exported["attempts"][0]["answers"]) == 2

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = SQLTrackerStore(Domain.empty(), host=tracker_url)
    for sender in ("frank", "grace", "web:frank"):  # "web:frank": a web trainee, whose id only the web makes
        tracker = DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered("hello"))
        import asyncio

        asyncio.run(tracker_store.save(tracker))

    removed, identities = erase_trainee(db, trainee.id)
    assert removed == {"attempts": 1, "answers": 2, "channels": 1} and identities == [("rest", "frank")]
    assert erase_conversations(tracker_url, ["frank"]) == 1
    assert export_trainee(db, trainee.id) is None
    assert export_trainee(db, other.id) is not None
    assert asyncio.run(tracker_store.retrieve("frank")) is None
    assert asyncio.run(tracker_store.retrieve("grace")) is not None
    assert asyncio.run(tracker_store.retrieve("web:frank")) is not None


def test_migrations_upgrade_the_first_schema_without_losing_rows(database_url):
    engine = create_db_engine(database_url)
    migrate(engine, "0001")
    assert not inspect(engine).has_table("trainer_accounts")
    created = "2026-01-01 00:00:00"
    with engine.begin() as connection:

        def insert(sql, **values):
            connection.execute(text(sql), dict(values, created=created))

        def one(sql, **values):
            return connection.execute(text(sql), values).scalar_one()

        insert("INSERT INTO cohorts (name, enrolment_code, created_at) VALUES ('C1', 'ABC123', :created)")
        cohort = one("SELECT id FROM cohorts WHERE name = 'C1'")
        insert(
            "INSERT INTO trainees (display_name, language, cohort_id, created_at) VALUES ('Awa', 'fr', :c, :created)",
            c=cohort,
        )
        trainee_id = one("SELECT id FROM trainees WHERE display_name = 'Awa'")
        for channel, sender in (("rest", "awa"), ("telegram", "5550001"), ("twilio", "whatsapp:+22370000001")):
            insert(
                "INSERT INTO channel_identities (trainee_id, channel, sender_id, created_at) "
                "VALUES (:t, :channel, :sender, :created)",
                t=trainee_id,
                channel=channel,
                sender=sender,
            )
        insert(
            "INSERT INTO attempts (trainee_id, scenario_id, status, current_node, started_at) "
            "VALUES (:t, 'checkpoint_motorbike', 'in_progress', 'stops', :created)",
            t=trainee_id,
        )
        attempt_id = one("SELECT id FROM attempts WHERE trainee_id = :t", t=trainee_id)
        insert(
            "INSERT INTO answers (attempt_id, step_id, option_id, grade, concepts_found, concepts_missed, "
            "red_flags, hint_used, message_id, created_at) VALUES (:a, 'approach', 'escalate', 3, '[]', "
            "'[]', '[]', false, 'm-1', :created)",
            a=attempt_id,
        )
    engine.dispose()

    db = Database(database_url)  # migrates to the newest schema on start-up
    store = ProgressStore(db)
    assert inspect(db.engine).has_table("trainer_accounts")
    assert "owner_id" in {c["name"] for c in inspect(db.engine).get_columns("cohorts")}
    trainee = Trainees(db).trainee_for("rest", "awa")
    assert (trainee.id, trainee.display_name, trainee.cohort) == (trainee_id, "Awa", "C1")
    # Telegram and WhatsApp trainees keep their record under their channel's new sender ids.
    assert Trainees(db).trainee_for("telegram", "tg:5550001").id == trainee_id
    assert Trainees(db).trainee_for("twilio", "wa:+22370000001").id == trainee_id
    attempt = store.active_attempt(trainee.id)
    assert attempt.current_node == "stops"
    assert store.answers(attempt.id)[0]["option"] == "escalate"
    # And the store carries on from there.
    store.record_answer(attempt.id, answer("stops", 3, "end_safe_passage", finishes=True))
    assert store.attempt(attempt.id).score == 100.0
    assert store.answers(attempt.id)[0]["cautions"] == []
    db.close()


def test_unreachable_sqlite_database_is_reported_not_crashed(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    db = Database(f"sqlite:///{locked / 'progress.db'}")
    store = ProgressStore(db)
    trainee = Trainees(db).trainee_for("rest", "henri")
    db.close()
    (locked / "progress.db").unlink()
    for leftover in locked.glob("progress.db-*"):
        leftover.unlink()
    locked.chmod(0o500)  # the database file is gone and cannot be created again
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.start_attempt(trainee.id, "checkpoint_motorbike", "approach")
        assert time.monotonic() - started >= 3  # it retried before giving up
    finally:
        locked.chmod(0o700)


@pytest.fixture
def relayed_postgres(postgres_url):
    """The test's PostgreSQL database reached through a relay the test can cut."""
    url = make_url(postgres_url)
    relay = TcpRelay((url.host, url.port or 5432))
    yield str(url.set(host="127.0.0.1", port=relay.port)), relay
    relay.close()


def test_a_brief_outage_is_retried_and_nothing_is_lost(relayed_postgres):
    url, relay = relayed_postgres
    db = Database(url)
    store = ProgressStore(db)
    trainee = Trainees(db).trainee_for("rest", "ines")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    relay.cut()
    threading.Timer(0.6, relay.restore).start()
    recorded = store.record_answer(attempt.id, answer("anger", 3, "elders", message_id="during-outage"))
    assert recorded.attempt.current_node == "elders"
    assert store.answers(attempt.id)[0]["grade"] == 3
    db.close()


def test_a_long_outage_raises_store_unavailable_and_writes_nothing(relayed_postgres, postgres_url):
    url, relay = relayed_postgres
    db = Database(url)
    store = ProgressStore(db)
    trainee = Trainees(db).trainee_for("rest", "jean")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    relay.cut()
    with pytest.raises(StoreUnavailable):
        store.record_answer(attempt.id, answer("anger", 3, "elders", message_id="lost"))
    relay.restore()
    direct_db = Database(postgres_url)
    direct = ProgressStore(direct_db)
    assert direct.answers(attempt.id) == []
    assert direct.attempt(attempt.id).current_node == "anger"
    for each in (db, direct_db):
        each.close()


def test_export_and_erase_from_the_command_line(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from harness.processes import ROOT

    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", TRACKER_STORE_URL=f"sqlite:///{tmp_path / 't.db'}"
    )
    db = Database(env["DATABASE_URL"])
    trainee = Trainees(db).trainee_for("telegram", "4242")
    db.close()

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "trainer", "trainee", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    exported = cli("export", str(trainee.id))
    assert exported.returncode == 0 and json.loads(exported.stdout)["channels"][0]["sender_id"] == "4242"
    refused = cli("erase", str(trainee.id))
    assert refused.returncode == 1 and "--yes" in refused.stderr
    erased = cli("erase", str(trainee.id), "--yes")
    assert erased.returncode == 0 and json.loads(erased.stdout)["erased_trainee"] == trainee.id
    missing = cli("export", str(trainee.id))
    assert missing.returncode == 1 and f"no trainee with id {trainee.id}" in missing.stderr


def test_a_sqlite_file_database_reuses_its_connections_across_transactions_and_threads(tmp_path):
    """One connection per transaction cost the action server more CPU than its queries."""
    db = Database(f"sqlite:///{tmp_path / 'progress.db'}")
    opened = []
    event.listen(db.engine, "connect", lambda *_: opened.append(1))
    try:

        def add_cohort(name):
            with db.transaction() as session:
                session.add(Cohort(name=name, enrolment_code=name.upper()))

        for index in range(5):
            add_cohort(f"main{index}")
            worker = threading.Thread(target=add_cohort, args=(f"worker{index}",))
            worker.start()
            worker.join()
        with db.transaction() as session:
            assert session.query(Cohort).count() == 10
        assert len(opened) <= 1
    finally:
        db.close()
