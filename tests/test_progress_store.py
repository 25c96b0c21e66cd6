"""The progress store on SQLite and, when reachable, PostgreSQL."""
import threading
import time

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from tests.tcp_relay import TcpRelay
from trainer.content import load_content
from trainer.db import create_db_engine, migrate
from trainer.engine import best_option
from trainer.progress import NotCurrentStep, ProgressStore, StoreUnavailable, UnknownCode


@pytest.fixture
def store(database_url):
    store = ProgressStore(database_url)
    yield store
    store.engine.dispose()


def play(store, trainee_id, scenario, choose, channel="rest", prefix="m"):
    """Play a scenario to its ending, choosing with `choose(step)`; return the attempt."""
    attempt = store.start_attempt(trainee_id, scenario.id, scenario.start)
    node, turn = scenario.start, 0
    while node in scenario.steps:
        option = choose(scenario.steps[node])
        turn += 1
        recorded = store.record_answer(
            attempt.id, node, grade=option.grade, next_node=option.next,
            finishes=option.next in scenario.endings, option_id=option.id,
            channel=channel, message_id=f"{prefix}-{attempt.id}-{turn}",
        )  # fmt: skip
        assert not recorded.duplicate
        node = recorded.attempt.current_node
    return store.attempt(attempt.id)


def test_a_whole_scenario_is_stored_with_the_right_grades(store):
    scenario = load_content().scenario("checkpoint_motorbike")
    trainee = store.trainee_for("rest", "alice")
    finished = play(store, trainee.id, scenario, best_option)
    assert finished.status == "completed" and finished.current_node == "end_safe_passage"
    assert finished.score == 100.0
    answers = store.answers(finished.id)
    assert [(a["step"], a["option"], a["grade"]) for a in answers] == [
        ("approach", "escalate", 3), ("stops", "quick_respectful_check", 3),
    ]

    worst = play(store, trainee.id, scenario, lambda step: min(step.options, key=lambda o: o.grade), prefix="w")
    assert [a["grade"] for a in store.answers(worst.id)] == [0, 0]
    assert worst.score == 0.0 and worst.current_node == "end_harm_hidden"


def test_the_same_message_is_recorded_once(store):
    trainee = store.trainee_for("rest", "bob")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    first = store.record_answer(attempt.id, "anger", grade=3, next_node="elders", message_id="abc")
    again = store.record_answer(attempt.id, "anger", grade=3, next_node="elders", message_id="abc")
    assert not first.duplicate and again.duplicate and again.answer_id == first.answer_id
    assert again.attempt.current_node == "elders"
    assert len(store.answers(attempt.id)) == 1


def test_concurrent_duplicates_are_recorded_once(store):
    trainee = store.trainee_for("rest", "carol")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    results, errors = [], []

    def send():
        try:
            results.append(store.record_answer(attempt.id, "anger", grade=3, next_node="elders", message_id="same"))
        except NotCurrentStep as error:  # lost the race after the first one moved the attempt
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.answers(attempt.id)) == 1
    assert sum(not r.duplicate for r in results) == 1


def test_an_unclear_answer_is_kept_but_does_not_move_on(store):
    trainee = store.trainee_for("rest", "dan")
    attempt = store.start_attempt(trainee.id, "checkpoint_motorbike", "approach")
    recorded = store.record_answer(attempt.id, "approach", grade=None, next_node="approach", text="banana")
    assert recorded.attempt.current_node == "approach"
    with pytest.raises(NotCurrentStep):
        store.record_answer(attempt.id, "stops", grade=3, next_node="end_safe_passage")


def test_web_and_telegram_identities_merge_after_linking(store):
    web = store.trainee_for("socketio", "browser-session-1")
    store.update_trainee(web.id, display_name="Sgt Traoré", language="fr")
    web_attempt = store.start_attempt(web.id, "checkpoint_motorbike", "approach")
    telegram = store.trainee_for("telegram", "123456789")
    telegram_attempt = store.start_attempt(telegram.id, "child_captured", "capture")
    assert telegram.id != web.id

    code = store.create_link_code(web.id)
    merged = store.redeem_link_code("telegram", "123456789", code.lower())
    assert merged.id == web.id and merged.display_name == "Sgt Traoré"
    assert store.trainee_for("telegram", "123456789").id == web.id
    assert {a.id for a in store.attempts(web.id)} == {web_attempt.id, telegram_attempt.id}
    assert store.export_trainee(telegram.id) is None  # the separate record is gone
    with pytest.raises(UnknownCode):  # one use only
        store.redeem_link_code("whatsapp", "+22370000000", code)
    [(listed, channels)] = store.trainees()  # what `python -m trainer trainee list` prints
    assert listed == merged and sorted(channels) == [("socketio", "browser-session-1"), ("telegram", "123456789")]


def test_enrolment_code_joins_a_cohort(store):
    code = store.create_cohort("Koulikoro 2026-11")
    trainee = store.trainee_for("rest", "erin")
    assert store.enrol(trainee.id, f" {code.lower()} ") == "Koulikoro 2026-11"
    assert store.trainee_for("rest", "erin").cohort == "Koulikoro 2026-11"
    with pytest.raises(UnknownCode):
        store.enrol(trainee.id, "NOPE42")


def test_export_and_erase_everything_about_a_trainee(store, tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    trainee = store.trainee_for("rest", "frank")
    other = store.trainee_for("rest", "grace")
    play(store, trainee.id, load_content().scenario("detainee_video"), best_option)
    exported = store.export_trainee(trainee.id)
    assert exported["channels"] == [
        {"channel": "rest", "sender_id": "frank", "since": exported["channels"][0]["since"]}
    ]
    assert len(exported["attempts"][0]["answers"]) == 2

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = SQLTrackerStore(Domain.empty(), host=tracker_url)
    for sender in ("frank", "grace"):
        tracker = DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered("hello"))
        import asyncio

        asyncio.run(tracker_store.save(tracker))

    removed = store.erase_trainee(trainee.id, tracker_url)
    assert removed == {"attempts": 1, "answers": 2, "channels": 1, "tracker_events": 1}
    assert store.export_trainee(trainee.id) is None
    assert store.export_trainee(other.id) is not None
    assert asyncio.run(tracker_store.retrieve("frank")) is None
    assert asyncio.run(tracker_store.retrieve("grace")) is not None


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
        insert("INSERT INTO trainees (display_name, language, cohort_id, created_at) VALUES ('Awa', 'fr', :c, :created)", c=cohort)
        trainee_id = one("SELECT id FROM trainees WHERE display_name = 'Awa'")
        insert("INSERT INTO channel_identities (trainee_id, channel, sender_id, created_at) "
               "VALUES (:t, 'rest', 'awa', :created)", t=trainee_id)
        insert("INSERT INTO attempts (trainee_id, scenario_id, status, current_node, started_at) "
               "VALUES (:t, 'checkpoint_motorbike', 'in_progress', 'stops', :created)", t=trainee_id)
        attempt_id = one("SELECT id FROM attempts WHERE trainee_id = :t", t=trainee_id)
        insert("INSERT INTO answers (attempt_id, step_id, option_id, grade, concepts_found, concepts_missed, "
               "red_flags, hint_used, message_id, created_at) VALUES (:a, 'approach', 'escalate', 3, '[]', "
               "'[]', '[]', false, 'm-1', :created)", a=attempt_id)
    engine.dispose()

    store = ProgressStore(database_url)  # migrates to the newest schema on start-up
    assert inspect(store.engine).has_table("trainer_accounts")
    assert "owner_id" in {c["name"] for c in inspect(store.engine).get_columns("cohorts")}
    trainee = store.trainee_for("rest", "awa")
    assert (trainee.id, trainee.display_name, trainee.cohort) == (trainee_id, "Awa", "C1")
    attempt = store.active_attempt(trainee.id)
    assert attempt.current_node == "stops"
    assert store.answers(attempt.id)[0]["option"] == "escalate"
    # And the store carries on from there.
    store.record_answer(attempt.id, "stops", grade=3, next_node="end_safe_passage", finishes=True)
    assert store.attempt(attempt.id).score == 100.0
    store.engine.dispose()


def test_unreachable_sqlite_database_is_reported_not_crashed(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    store = ProgressStore(f"sqlite:///{locked / 'progress.db'}")
    trainee = store.trainee_for("rest", "henri")
    store.engine.dispose()
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
    store = ProgressStore(url)
    trainee = store.trainee_for("rest", "ines")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    relay.cut()
    threading.Timer(0.6, relay.restore).start()
    recorded = store.record_answer(attempt.id, "anger", grade=3, next_node="elders", message_id="during-outage")
    assert not recorded.duplicate and recorded.attempt.current_node == "elders"
    assert store.answers(attempt.id)[0]["grade"] == 3
    store.engine.dispose()


def test_a_long_outage_raises_store_unavailable_and_writes_nothing(relayed_postgres, postgres_url):
    url, relay = relayed_postgres
    store = ProgressStore(url)
    trainee = store.trainee_for("rest", "jean")
    attempt = store.start_attempt(trainee.id, "village_reprisal", "anger")
    relay.cut()
    with pytest.raises(StoreUnavailable):
        store.record_answer(attempt.id, "anger", grade=3, next_node="elders", message_id="lost")
    relay.restore()
    direct = ProgressStore(postgres_url)
    assert direct.answers(attempt.id) == []
    assert direct.attempt(attempt.id).current_node == "anger"
    for s in (store, direct):
        s.engine.dispose()


def test_export_and_erase_from_the_command_line(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.processes import ROOT

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
               TRACKER_STORE_URL=f"sqlite:///{tmp_path / 't.db'}")
    store = ProgressStore(env["DATABASE_URL"])
    trainee = store.trainee_for("telegram", "4242")
    store.engine.dispose()

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "trainer", "trainee", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)

    exported = cli("export", str(trainee.id))
    assert exported.returncode == 0 and json.loads(exported.stdout)["channels"][0]["sender_id"] == "4242"
    refused = cli("erase", str(trainee.id))
    assert refused.returncode == 1 and "--yes" in refused.stderr
    erased = cli("erase", str(trainee.id), "--yes")
    assert erased.returncode == 0 and json.loads(erased.stdout)["erased_trainee"] == trainee.id
    missing = cli("export", str(trainee.id))
    assert missing.returncode == 1 and f"no trainee with id {trainee.id}" in missing.stderr
