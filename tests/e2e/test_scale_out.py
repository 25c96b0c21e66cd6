"""Several replicas, as deployed at scale: two Rasa servers and two action servers sharing a
PostgreSQL tracker store and progress database and a Redis lock store. Twenty trainees send
consecutive messages to alternating replicas. Runs when PostgreSQL and Redis are reachable
(TEST_DATABASE_URL, TEST_REDIS_URL: always under scripts/with_services.sh, as in .ci/run)."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from harness.processes import REST_HEADERS, start_action_server, start_rasa_server
from tests.conftest import fresh_postgres_database
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees
from trainer.progress import ProgressStore

CONTENT = load_content()
TRAINEES = 20


@pytest.fixture(scope="module")
def replicas(test_model, server_logs):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url or not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL and Redis: run scripts/with_services.sh make test")
    with fresh_postgres_database() as progress_url, fresh_postgres_database() as tracker_url:
        servers = []
        try:
            with ThreadPoolExecutor(4) as pool:
                actions = list(pool.map(lambda _: start_action_server(server_logs, progress_url), range(2)))
                servers += [server for server, _ in actions]
                rasas = list(
                    pool.map(
                        lambda action_url: start_rasa_server(
                            test_model, action_url, server_logs, tracker_url, env={"LOCK_STORE_URL": redis_url}
                        ),
                        [url for _, url in actions],
                    )
                )
                servers += [server for server, _ in rasas]
            yield {"urls": [url for _, url in rasas], "progress": progress_url, "tracker": tracker_url}
        finally:
            for server in servers:
                server.stop()


def send(url, sender, message):
    reply = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, headers=REST_HEADERS, timeout=120
    )
    reply.raise_for_status()
    return "\n".join(part.get("text") or "" for part in reply.json())


def play(urls, number):
    """One trainee: profile, then a whole scenario by buttons, each message to the other replica.
    Returns (sender, scenario, the options chosen)."""
    sender = f"replica-trainee-{number}"
    scenario = list(CONTENT.scenarios.values())[number % len(CONTENT.scenarios)]
    replica = iter(urls[turn % 2] for turn in range(100))
    send(next(replica), sender, '/set_language{"language": "en"}')
    assert "enrolment code" in send(next(replica), sender, f"Trainee {number}")
    send(next(replica), sender, "/deny")
    shown = send(next(replica), sender, f'/start_training{{"scenario": "{scenario.id}"}}')
    node, chosen = scenario.start, []
    while node in scenario.steps:
        step = scenario.steps[node]
        assert step.prompt["en"] in shown, (sender, node, shown)
        option = step.options[(number + len(chosen)) % len(step.options)]
        shown = send(next(replica), sender, f'/choose_option{{"option_id": "{option.id}"}}')
        assert option.feedback["en"] in shown, (sender, node, shown)
        chosen.append((node, option.id))
        node = option.next
    return sender, scenario, chosen


def test_twenty_trainees_on_alternating_replicas(replicas):
    urls = replicas["urls"]
    with ThreadPoolExecutor(TRAINEES) as pool:
        played = list(pool.map(lambda n: play(urls, n), range(TRAINEES)))

    db = Database(replicas["progress"])
    store, people = ProgressStore(db), Trainees(db)
    try:
        for sender, scenario, chosen in played:
            trainee = people.trainee_for("rest", sender)
            [attempt] = store.attempts(trainee.id)
            assert attempt.status == "completed" and attempt.scenario_id == scenario.id
            recorded = [(answer["step"], answer["option"]) for answer in store.answers(attempt.id)]
            assert recorded == chosen  # every answer exactly once, in order
    finally:
        db.close()


def test_one_trainees_simultaneous_messages_are_processed_one_at_a_time(replicas):
    """Both replicas get a message from the same trainee at once; the Redis lock makes one wait,
    so in the shared tracker each message is handled to the end before the next begins."""
    urls, sender = replicas["urls"], "replica-burst"
    send(urls[0], sender, "hello")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: send(urls[i % 2], sender, ["what can you do", "my progress"][i % 2]), range(8)))

    engine = create_engine(replicas["tracker"], future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).all()
    finally:
        engine.dispose()
    users = [row for row in rows if row.type_name == "user"]
    texts = [json.loads(row.data).get("text") for row in users]
    assert len(users) == 9, texts
    listening = True  # after each user message, its actions run until action_listen
    for row in rows:
        if row.type_name == "user":
            assert listening, "a message was processed while another was still being handled"
            listening = False
        elif row.type_name == "action" and row.action_name == "action_listen":
            listening = True
