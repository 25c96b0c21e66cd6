"""Reports and exports on a real store: what each trainer may see, the figures, CSV and xAPI,
and `python -m trainer report` sending statements to a Learning Record Store stand-in."""

import base64
import csv
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.processes import ROOT
from trainer import exports
from trainer.accounts import AccountStore
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees
from trainer.progress import AnswerRecord, ProgressStore
from trainer.reports import MIN_ANSWERS_TO_JUDGE, Filters, NotVisible, Reports

CONTENT = load_content()
SCENARIO = CONTENT.scenario("checkpoint_motorbike")


def play(store, trainee_id, choice, typed=None):
    """Play the scenario to its end, always taking option `choice` (or the last one)."""
    attempt = store.start_attempt(trainee_id, SCENARIO.id, SCENARIO.start)
    node, turn = SCENARIO.start, 0
    while node in SCENARIO.steps:
        option = SCENARIO.steps[node].options[min(choice, len(SCENARIO.steps[node].options) - 1)]
        store.record_answer(
            attempt.id,
            AnswerRecord(
                node,
                grade=option.grade,
                next_node=option.next,
                finishes=option.next in SCENARIO.endings,
                option_id=option.id,
                text=typed if turn == 0 else None,
                hint_used=turn == 1,
                response_ms=8000,
                channel="rest",
                message_id=f"{trainee_id}-{attempt.id}-{turn}",
            ),
        )
        node, turn = option.next, turn + 1
    return attempt


@pytest.fixture
def world(database_url):
    """Two trainers with a cohort each; a good and a poor trainee in A's cohort, one in B's."""
    db = Database(database_url)
    store, people = ProgressStore(db), Trainees(db)
    accounts = AccountStore(db)
    alice, bob = accounts.create("alice", "sable et vent 1"), accounts.create("bob", "pluie du nord 2")
    admin = accounts.create("root", "harmattan sec 3", "admin")
    code_a, code_b = people.create_cohort("Alpha", alice.id), people.create_cohort("Bravo", bob.id)
    trainees = {}
    for sender, name, code, choice, typed in [
        ("a1", "Awa", code_a, 0, None),
        ("a2", "Issa", code_a, 2, '=HYPERLINK("x")'),
        ("b1", "Bintou", code_b, 0, None),
    ]:
        trainee = people.trainee_for("rest", sender)
        people.update_trainee(trainee.id, display_name=name)
        people.enrol(trainee.id, code)
        play(store, trainee.id, choice, typed)
        trainees[name] = trainee.id
    yield {
        "reports": Reports(db, CONTENT),
        "alice": alice,
        "bob": bob,
        "admin": admin,
        "trainees": trainees,
        "store": store,
    }
    db.close()


def test_a_trainer_sees_only_their_cohorts_and_an_admin_sees_all(world):
    reports, alice, bob, admin = world["reports"], world["alice"], world["bob"], world["admin"]
    assert [c.name for c in reports.cohorts(alice)] == ["Alpha"]
    assert {r["name"] for r in reports.overview(alice)["trainees"]} == {"Awa", "Issa"}
    assert {r["name"] for r in reports.overview(admin)["trainees"]} == {"Awa", "Issa", "Bintou"}
    bravo = reports.cohort_named(bob, "Bravo")
    with pytest.raises(NotVisible):
        reports.overview(alice, Filters(cohort_id=bravo.id))
    with pytest.raises(NotVisible):
        reports.trainee(alice, world["trainees"]["Bintou"])
    with pytest.raises(NotVisible):
        reports.cohort_named(alice, "Bravo")


def test_overview_matrix_and_most_missed_figures(world):
    reports, alice = world["reports"], world["alice"]
    rows = {r["name"]: r for r in reports.overview(alice)["trainees"]}
    awa = rows["Awa"]["cells"][SCENARIO.id]
    assert awa == {"best": 100.0, "attempts": 1, "completed": True, "passed": True}
    assert rows["Issa"]["cells"][SCENARIO.id]["best"] < 40 and not rows["Issa"]["cells"][SCENARIO.id]["passed"]

    matrix = reports.matrix(alice)
    by_name = {row["name"]: row["mastery"] for row in matrix["trainees"]}
    assert set(by_name["Awa"].values()) == {100.0} and "distinction" in by_name["Awa"]
    assert all(value < 50 for value in by_name["Issa"].values())
    assert min(matrix["average"].values()) < 50 and not matrix["weakest"]  # too few answers to call any weak
    for _ in range(3):  # the poor trainee plays again: now enough answers behind the figures
        play(world["store"], world["trainees"]["Issa"], 2)
    matrix = reports.matrix(alice)
    assert matrix["weakest"] and all(matrix["counts"][p] >= MIN_ANSWERS_TO_JUDGE for p in matrix["weakest"])

    missed = reports.most_missed(alice)
    assert missed[0]["score"] <= missed[-1]["score"] and missed[0]["wrong"] >= 1
    first = next(p for p in missed if p["step_id"] == SCENARIO.start)
    assert first["typed"] == ['=HYPERLINK("x")']


def test_a_transcript_shows_the_path_beside_the_recommended_one(world):
    detail = world["reports"].trainee(world["alice"], world["trainees"]["Issa"])
    [attempt] = detail["attempts"]
    assert attempt["status"] == "completed" and attempt["hints_used"] == 1
    first = attempt["turns"][0]
    step = SCENARIO.steps[SCENARIO.start]
    assert first["choice"] == step.options[2].label["en"] and first["recommended"] == step.options[0].label["en"]
    assert not first["on_path"] and len(detail["chart"]) == 1


def test_csv_exports_one_row_per_answer_and_per_attempt_with_formulas_defused(world):
    reports, alice = world["reports"], world["alice"]
    answers = list(csv.DictReader(io.StringIO(exports.answers_csv(reports.answers(alice)))))
    assert len(answers) == sum(len(a.answers) for a in reports.attempts(alice))
    assert {row["trainee_name"] for row in answers} == {"Awa", "Issa"}
    assert '\'=HYPERLINK("x")' in {row["typed_answer"] for row in answers}
    attempts = list(csv.DictReader(io.StringIO(exports.attempts_csv(reports.attempts(alice)))))
    assert len(attempts) == 2 and {row["status"] for row in attempts} == {"completed"}
    assert set(exports.ATTEMPT_COLUMNS) == set(attempts[0])


def test_xapi_statements(world):
    statements = exports.xapi_statements(world["reports"].attempts(world["alice"]), CONTENT, "https://t.example")
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs.count("completed") == 2 and verbs.count("passed") == 1 and verbs.count("failed") == 1
    answered = next(s for s in statements if s["verb"]["display"]["en-US"] == "answered")
    assert answered["actor"]["account"]["homePage"] == "https://t.example"
    assert answered["object"]["id"].startswith(f"https://t.example/xapi/scenarios/{SCENARIO.id}/steps/")
    assert 0 <= answered["result"]["score"]["scaled"] <= 1 and answered["result"]["score"]["max"] == 3
    assert len({s["id"] for s in statements}) == len(statements)


class RecordingLrs(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RecordingLrs.received.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        pass


def test_report_command_prints_csv_and_sends_xapi_to_an_lrs(world, database_url):
    RecordingLrs.received.clear()  # one list for every run of this test (SQLite, PostgreSQL)
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingLrs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        "DATABASE_URL": database_url,
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "LRS_URL": f"http://127.0.0.1:{server.server_port}/xapi/",
        "LRS_USERNAME": "key",
        "LRS_PASSWORD": "secret",
    }
    command = [sys.executable, "-m", "trainer", "report", "--cohort"]
    try:
        printed = subprocess.run(
            command + ["Alpha", "--format", "csv"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout.startswith("answer_id,") and "Bintou" not in printed.stdout and "Awa" in printed.stdout

        sent = subprocess.run(
            command + ["Alpha", "--format", "json", "--send"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert sent.returncode == 0, sent.stderr
        [post] = RecordingLrs.received
        assert post["path"] == "/xapi/statements" and post["headers"]["X-Experience-API-Version"] == "1.0.3"
        assert post["headers"]["Authorization"] == "Basic " + base64.b64encode(b"key:secret").decode()
        assert {s["actor"]["name"] for s in post["body"]} == {"Awa", "Issa"}

        unknown = subprocess.run(command + ["Zulu"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert unknown.returncode == 1 and "no cohort named 'Zulu'" in unknown.stderr and "Alpha" in unknown.stderr
    finally:
        server.shutdown()


def test_a_hint_counts_once_and_chatter_is_not_counted_as_an_answer(world):
    store, reports = world["store"], world["reports"]
    awa = world["trainees"]["Awa"]
    attempt = store.start_attempt(awa, SCENARIO.id, SCENARIO.start)
    option = SCENARIO.steps[SCENARIO.start].options[0]
    for message_id, grade, text in [("c1", None, "who won the match last night"), ("c2", option.grade, None)]:
        record = AnswerRecord(
            SCENARIO.start,
            grade,
            option.next,
            option_id=option.id if grade is not None else None,
            text=text,
            hint_used=True,
            message_id=message_id,
            channel="rest",
        )
        store.record_answer(attempt.id, record)
    [row] = [a for a in reports.attempts(world["alice"], trainee_id=awa) if a.id == attempt.id]
    assert row.hints_used == 1 and row.graded_answers == 1 and row.ungraded_messages == 1
    exported = list(csv.DictReader(io.StringIO(exports.attempts_csv([row]))))[0]
    assert exported["graded_answers"] == "1" and exported["ungraded_messages"] == "1"
