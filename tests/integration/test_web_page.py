"""The web server as a stranger meets it: the trainee page's signed session, its headers and its
limits; the sign-in form's limits. On its own web server and database, so that the attempts
made here do not throttle the other tests' trainers."""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness.processes import ROOT, WEB_SESSION_SECRET, start_web_server
from trainer.accounts import SIGN_INS_PER_ADDRESS, AccountStore
from trainer.certificates import Certificates
from trainer.db import Database
from trainer.identities import Trainees
from trainer.web_sessions import session_of

PASSWORD = "mango trees at dusk"


@pytest.fixture(scope="module")
def web_db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('web-page') / 'progress.db'}"


@pytest.fixture(scope="module")
def web(rasa_server_url, server_logs, web_db):
    db = Database(web_db)
    AccountStore(db).create("instructor_c", PASSWORD)
    db.close()
    server, url = start_web_server(rasa_server_url, server_logs, web_db, env={"NEW_WEB_SESSIONS_PER_ADDRESS": "4"})
    yield url
    server.stop()


def page_config(reply):
    return json.loads(
        re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', reply.text).group(1)
    )


def test_the_trainee_page_signs_one_session_per_browser_and_is_locked_down(web):
    browser = requests.Session()
    first = browser.get(f"{web}/?lang=en", timeout=30)
    session = session_of(WEB_SESSION_SECRET, page_config(first)["sessionToken"])
    assert session and "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    again = browser.get(f"{web}/", timeout=30)  # a reload: the same conversation, a fresh token
    assert session_of(WEB_SESSION_SECRET, page_config(again)["sessionToken"]) == session
    other = requests.get(f"{web}/", timeout=30)  # another browser: its own
    assert session_of(WEB_SESSION_SECRET, page_config(other)["sessionToken"]) not in (None, session)

    policy = first.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert page_config(first)["socketUrl"] in policy  # the page may talk to Rasa's socket, and only there
    assert first.headers["X-Frame-Options"] == "SAMEORIGIN" and first.headers["Cache-Control"] == "no-store"


def test_one_address_cannot_mint_sessions_by_the_hundred(web):
    statuses = [requests.get(f"{web}/", timeout=30).status_code for _ in range(8)]
    assert statuses.count(429) >= 4  # four new sessions per address (two made above)
    refused = requests.get(f"{web}/", timeout=30)
    assert refused.status_code == 429 and "Trop de nouvelles sessions" in refused.text


def test_a_one_megabyte_form_is_refused_before_it_is_read(web):
    reply = requests.post(f"{web}/trainer/login", data={"username": "x", "password": "p" * 1_000_000}, timeout=30)
    assert reply.status_code == 413


def login_form(web):
    browser = requests.Session()
    form = browser.get(f"{web}/trainer/login?lang=en", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return browser, csrf


def sign_in(web, username, password):
    browser, csrf = login_form(web)
    reply = browser.post(
        f"{web}/trainer/login?lang=en",
        data={"csrf": csrf, "username": username, "password": password},
        allow_redirects=False,
        timeout=60,
    )
    return reply.status_code, re.sub(r'name="csrf" value="[^"]+"', "", reply.text)


def test_unknown_and_known_usernames_get_the_same_answer_then_thirty_guesses_get_five_checks(web):
    known, unknown = sign_in(web, "instructor_c", "not the password"), sign_in(web, "nobody_here", "not the password")
    assert known == unknown and known[0] == 401
    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(lambda n: sign_in(web, "instructor_c", f"guess {n}")[0], range(30)))
    checked = statuses.count(401)
    assert checked <= SIGN_INS_PER_ADDRESS - 2 and statuses.count(429) == 30 - checked
    status, page = sign_in(web, "instructor_c", PASSWORD)  # this address waits, even with the password
    assert status == 429 and "Too many sign-in attempts" in page


def test_anyone_can_check_a_certificate_and_a_revoked_one_says_so(web, web_db):
    db = Database(web_db)
    people = Trainees(db)
    trainee = people.trainee_for("rest", "certified")
    people.update_trainee(trainee.id, display_name="Adj Seydou Keita", language="fr")
    code = Certificates(db).issue(trainee.id, 83.3, ["distinction", "children"]).code
    db.close()

    checked = requests.get(f"{web}/verify/{code}?lang=en", timeout=30)
    assert checked.status_code == 200 and f"Certificate {code}: VALID." in checked.text
    assert "Adj Seydou Keita" in checked.text and "Distinction, Children" in checked.text
    pdf = requests.get(f"{web}/certificates/{code}.pdf", timeout=30)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    revoked = subprocess.run(
        [sys.executable, "-m", "trainer", "certificate", "revoke", code],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=web_db),
        capture_output=True,
        text=True,
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "REVOKED" in requests.get(f"{web}/verify/{code}?lang=en", timeout=30).text
    assert requests.get(f"{web}/certificates/{code}.pdf", timeout=30).status_code == 404
    unknown = requests.get(f"{web}/verify/ZZZZZZZZZZ?lang=fr", timeout=30)
    assert unknown.status_code == 404 and "Aucune attestation" in unknown.text


def test_a_voice_note_is_made_on_request_served_in_ranges_and_only_for_the_content(web):
    from trainer import audio
    from trainer.content_loader import load_content

    content = load_content()
    scenario = content.scenario("checkpoint_motorbike")
    step = scenario.steps[scenario.start]
    note = audio.decision_point("fr", "fr", scenario, step.id, list(reversed(step.options)))
    whole = requests.get(f"{web}{note.url}", timeout=60)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "audio/ogg"
    assert audio.opus_duration(whole.content) > 5
    tail = requests.get(f"{web}{note.url}", headers={"Range": "bytes=100-"}, timeout=10)
    assert tail.status_code == 206 and tail.content == whole.content[100:]
    assert tail.headers["Content-Range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
    wrong_order = note.url.replace(note.order[0], note.order[1], 1)
    for url in (wrong_order, "/audio/fr/fr/checkpoint_motorbike/nowhere/a-b.ogg", "/audio/x"):
        assert requests.get(f"{web}{url}", timeout=10).status_code == 404, url
