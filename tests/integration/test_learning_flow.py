"""Did they learn, end to end: a cohort enrols over REST, takes the before-test, plays, takes the
after-test once its trainer opens it; the dashboard, the CSV export and the xAPI statements show
the gains computed here by hand."""

import csv
import io
import os
import re
import subprocess
import sys

import requests

from harness.processes import ROOT
from tests.integration.test_rest_channel import joined, send
from trainer.accounts import AccountStore
from trainer.certificates import Certificates
from trainer.content import AFTER_FORM, BEFORE_FORM
from trainer.content_loader import load_content
from trainer.engine import best_option
from trainer.identities import Trainees
from trainer.reports import Reports

CONTENT = load_content()
SCENARIO = CONTENT.scenario("checkpoint_motorbike")
COHORT = "Ségou 2026-12"


def take_test(url, sender, form, right_count):
    """Answer the test: the first `right_count` items right, the others wrong."""
    assert "short test" in joined(send(url, sender, "/knowledge_check")) or form == AFTER_FORM
    for index, item in enumerate(CONTENT.check_forms[form]):
        option = item.right if index < right_count else next(o for o in item.options if not o.correct)
        reply = joined(send(url, sender, f'/check_answer{{"check_option": "{option.id}"}}'))
        assert reply.startswith("Right." if index < right_count else "Not quite."), reply
    return reply


def play_best(url, sender):
    send(url, sender, f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    node = SCENARIO.start
    while node in SCENARIO.steps:
        option = best_option(SCENARIO.steps[node])
        send(url, sender, f'/choose_option{{"option_id": "{option.id}"}}')
        node = option.next


def test_a_cohort_takes_form_a_plays_takes_form_b_and_the_reports_show_the_gains(
    rasa_server_url, web_url, db, session_database_url
):
    code = Trainees(db).create_cohort(COHORT, owner_id=AccountStore(db).create("instructor_l", "kora and ngoni 7").id)
    items = len(CONTENT.check_forms[BEFORE_FORM])
    trainees = {"learner-1": ("Moussa", 3, 9), "learner-2": ("Fatoumata", 6, 12)}  # right before, right after
    for sender, (name, before, _) in trainees.items():
        send(rasa_server_url, sender, '/set_language{"language": "en"}')
        send(rasa_server_url, sender, name)
        assert COHORT in joined(send(rasa_server_url, sender, code))
        take_test(rasa_server_url, sender, BEFORE_FORM, before)
        play_best(rasa_server_url, sender)
        assert "final test opens once" in joined(send(rasa_server_url, sender, "/knowledge_check"))

    env = dict(os.environ, DATABASE_URL=session_database_url)
    opened = subprocess.run(
        [sys.executable, "-m", "trainer", "cohort", "open-after-test", COHORT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert opened.returncode == 0, opened.stderr
    for sender, (_, before, after) in trainees.items():
        assert "Final test" in joined(send(rasa_server_url, sender, "/knowledge_check"))
        done = take_test(rasa_server_url, sender, AFTER_FORM, after)
        assert f"Before training: {round(100 * before / items)}%. Now: {round(100 * after / items)}%." in done

    # By hand: each trainee's gain, and the cohort's from its mean scores.
    percent = {s: (100 * b / items, 100 * a / items) for s, (_, b, a) in trainees.items()}
    gains = {s: (a - b) / (100 - b) for s, (b, a) in percent.items()}
    mean_before = sum(b for b, _ in percent.values()) / 2
    mean_after = sum(a for _, a in percent.values()) / 2
    cohort_gain = (mean_after - mean_before) / (100 - mean_before)

    browser = requests.Session()
    form = browser.get(f"{web_url}/trainer/login?lang=en", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed = browser.post(
        f"{web_url}/trainer/login",
        data={"csrf": csrf, "username": "instructor_l", "password": "kora and ngoni 7"},
        timeout=30,
    )
    assert signed.status_code == 200
    cohort_id = Reports(db, CONTENT).cohort_named(AccountStore(db).find("instructor_l"), COHORT).id
    page = browser.get(f"{web_url}/trainer/learning?cohort={cohort_id}&lang=en", timeout=30).text
    summary = re.search(
        r"(\d+) trainees took both tests: (\d+)% before, (\d+)% after \(normalised gain \+?(-?\d+)%\)", page
    )
    assert summary, page
    assert summary.groups() == ("2", str(round(mean_before)), str(round(mean_after)), str(round(100 * cohort_gain)))
    assert page.count("<circle") >= 2  # the plot: before and after dots

    exported = browser.get(f"{web_url}/trainer/export/learning.csv?cohort={cohort_id}", timeout=30)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    for sender, (name, _, _) in trainees.items():
        [row] = [r for r in rows if r["trainee_name"] == name and r["principle"] == "all"]
        assert abs(float(row["normalised_gain"]) - gains[sender]) < 0.002
    [group] = [r for r in rows if r["level"] == "group" and r["principle"] == "all"]
    assert abs(float(group["normalised_gain"]) - cohort_gain) < 0.005

    statements = browser.get(f"{web_url}/trainer/export/xapi.json?cohort={cohort_id}", timeout=30).json()
    checks = [s for s in statements if "/knowledge-check/" in s["object"]["id"]]
    scores = {(s["actor"]["name"], s["object"]["id"][-1]): s["result"]["score"]["raw"] for s in checks}
    for sender, (name, _, _) in trainees.items():
        before, after = percent[sender]
        assert scores[(name, BEFORE_FORM)] == round(before, 1) and scores[(name, AFTER_FORM)] == round(after, 1)

    command = subprocess.run(
        [sys.executable, "-m", "trainer", "report", "--cohort", COHORT, "--rows", "learning"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert command.returncode == 0 and command.stdout == exported.text.replace("\r\n", "\n")  # the same rows

    # The trainer revokes a certificate from the trainee's page; /verify then says so.
    moussa = Trainees(db).trainee_for("rest", "learner-1")
    code = Certificates(db).issue(moussa.id, 75.0, ["distinction"]).code
    page = browser.get(f"{web_url}/trainer/trainees/{moussa.id}?lang=en", timeout=30).text
    assert code in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    revoked = browser.post(
        f"{web_url}/trainer/trainees/{moussa.id}/certificate/revoke", data={"csrf": csrf}, timeout=30
    )
    assert revoked.status_code == 200
    page = browser.get(f"{web_url}/trainer/trainees/{moussa.id}?lang=en", timeout=30).text
    assert "<strong>revoked</strong>" in page and "certificate/revoke" not in page
    assert "REVOKED" in requests.get(f"{web_url}/verify/{code}?lang=en", timeout=30).text
    stranger = requests.post(
        f"{web_url}/trainer/trainees/{moussa.id}/certificate/revoke", data={"csrf": csrf}, timeout=30
    )
    assert "/trainer/login" in stranger.url  # no session: the sign-in page, nothing revoked by it
