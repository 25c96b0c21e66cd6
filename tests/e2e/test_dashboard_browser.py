"""The trainer dashboard in headless Chromium: a scripted trainee plays over REST, their trainer
signs in and finds them in every view, downloads the CSV; another trainer and anonymous
requests are refused; markup a trainee types shows as text and never runs. Screenshots at
390 px go to var/test-results/screenshots/."""

import csv
import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from harness.browser import SCREENSHOTS, chromium
from harness.processes import REST_HEADERS
from trainer.accounts import AccountStore
from trainer.content_loader import load_content
from trainer.identities import Trainees
from trainer.models import TrainerSession, utcnow
from trainer.reports import Reports

SCENARIO = load_content().scenario("checkpoint_motorbike")
TRAINEE = "Sgt Dashboard"
SCRIPTED_NAME = "<img src=x onerror=window.pwned=1>"
SCRIPTED_ANSWER = "<script>window.pwned=2</script><b onmouseover=window.pwned=3>{}</b>"


@pytest.fixture(scope="module")
def cohort(db, rasa_server_url):
    """Two trainers; the first owns a cohort in which a trainee played a scenario over REST."""
    accounts = AccountStore(db)
    owner = accounts.create("instructor_a", "password-of-a")
    accounts.create("instructor_b", "password-of-b")
    code = Trainees(db).create_cohort("Section Alpha", owner.id)

    say = join_cohort(rasa_server_url, "dashboard-trainee", TRAINEE, code)
    say(f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    node, answers = SCENARIO.start, 0
    while node in SCENARIO.steps:
        best = max(SCENARIO.steps[node].options, key=lambda option: option.grade)
        say(f'/choose_option{{"option_id": "{best.id}"}}')
        node, answers = best.next, answers + 1
    [alpha] = Reports(db, load_content()).cohorts(owner)
    return {
        "trainee_id": Trainees(db).trainee_for("rest", "dashboard-trainee").id,
        "cohort_id": alpha.id,
        "answers": answers,
        "owner_id": owner.id,
    }


def join_cohort(rasa_server_url, sender, name, code, cohort_name="Section Alpha"):
    """A trainee who chose English, gave `name` and joined with `code`; returns their `say`."""

    def say(text):
        reply = requests.post(
            f"{rasa_server_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=REST_HEADERS,
            timeout=60,
        )
        reply.raise_for_status()
        return " ".join(message.get("text") or "" for message in reply.json())

    say('/set_language{"language": "en"}')
    say(name)
    assert cohort_name in say(code)
    return say


def sign_in(page, web_url, username, password):
    page.goto(f"{web_url}/trainer/?lang=en")
    assert "/trainer/login" in page.url  # no session: the sign-in page
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web_url}/trainer/?lang=en")


def test_a_trainer_follows_a_trainee_from_overview_to_transcript_and_csv(web_url, cohort, tmp_path):
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True).new_page()
        sign_in(page, web_url, "instructor_a", "password-of-a")
        row = page.locator("tr", has_text=TRAINEE)
        assert "100%" in row.inner_text() and "passed" in row.inner_text()
        assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d\b", row.inner_text())  # "4 Dec 2026, 14:05"
        page.screenshot(path=SCREENSHOTS / "10-dashboard-overview-390px.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=SCREENSHOTS / "13-dashboard-overview-1280px.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})

        page.click("text=Competencies")
        matrix_row = page.locator("tr", has_text=TRAINEE).inner_text()
        assert "100%" in matrix_row and "Distinction" in page.inner_text("thead")
        page.screenshot(path=SCREENSHOTS / "11-dashboard-matrix-390px.png", full_page=True)

        page.click("text=Most missed")
        assert SCENARIO.title["en"] in page.inner_text("main")

        page.click("text=Overview")
        page.click(f"text={TRAINEE}")
        body = page.inner_text("main")
        first = max(SCENARIO.steps[SCENARIO.start].options, key=lambda option: option.grade)
        assert SCENARIO.steps[SCENARIO.start].prompt["en"] in body and first.label["en"] in body
        assert page.locator("svg.chart circle").count() == 1
        page.screenshot(path=SCREENSHOTS / "12-dashboard-transcript-390px.png", full_page=True)

        page.goto(f"{web_url}/trainer/?cohort={cohort['cohort_id']}&lang=en")  # this cohort's answers only
        with page.expect_download() as download:
            page.click("text=Answers (CSV)")
        saved = tmp_path / "answers.csv"
        download.value.save_as(saved)
        rows = list(csv.DictReader(saved.open(encoding="utf-8")))
        assert {(row["trainee_name"], row["scenario_id"], row["grade"]) for row in rows} == {
            (TRAINEE, SCENARIO.id, "3")
        }
        assert len(rows) == cohort["answers"]

        page.click("text=Sign out")
        page.goto(f"{web_url}/trainer/?lang=en")
        assert "/trainer/login" in page.url


def test_another_trainer_cannot_see_that_cohort(web_url, cohort):
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in(page, web_url, "instructor_b", "password-of-b")
        assert TRAINEE not in page.inner_text("main")
        page.goto(f"{web_url}/trainer/trainees/{cohort['trainee_id']}?lang=en")
        assert "belongs to a cohort you do not train" in page.inner_text("main")
        page.goto(f"{web_url}/trainer/matrix?cohort={cohort['cohort_id']}&lang=en")
        assert TRAINEE not in page.inner_text("main")
        status = page.evaluate(
            "url => fetch(url).then(r => r.status)",
            f"{web_url}/trainer/export/answers.csv?cohort={cohort['cohort_id']}",
        )
        assert status == 404


def test_requests_without_a_valid_session_are_refused(web_url, cohort):
    page = requests.get(f"{web_url}/trainer/matrix", allow_redirects=False, timeout=30)
    assert page.status_code == 302 and page.headers["Location"].startswith("/trainer/login")
    for export in ("answers.csv", "attempts.csv", "xapi.json"):
        assert requests.get(f"{web_url}/trainer/export/{export}", timeout=30).status_code == 401
    forged = requests.get(
        f"{web_url}/trainer/", cookies={"trainer_session": "forged"}, allow_redirects=False, timeout=30
    )
    assert forged.status_code == 302
    no_csrf = requests.post(
        f"{web_url}/trainer/login",
        data={"username": "instructor_a", "password": "password-of-a"},
        allow_redirects=False,
        timeout=30,
    )
    assert no_csrf.status_code == 400 and "trainer_session" not in no_csrf.cookies


def test_an_expired_session_is_refused_over_http(web_url, cohort, db):
    client = requests.Session()
    form = client.get(f"{web_url}/trainer/login", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed_in = client.post(
        f"{web_url}/trainer/login",
        allow_redirects=False,
        timeout=30,
        data={"username": "instructor_a", "password": "password-of-a", "csrf": csrf},
    )
    assert signed_in.status_code == 303 and "trainer_session" in client.cookies
    assert client.get(f"{web_url}/trainer/", allow_redirects=False, timeout=30).status_code == 200

    with db.engine.begin() as connection:
        connection.execute(update(TrainerSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get(f"{web_url}/trainer/", allow_redirects=False, timeout=30)
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/trainer/login")
    assert client.get(f"{web_url}/trainer/export/answers.csv", timeout=30).status_code == 401


def test_markup_a_trainee_typed_is_shown_as_text_and_never_runs(web_url, cohort, db, rasa_server_url):
    code = Trainees(db).create_cohort("Section Bravo", cohort["owner_id"])  # the other tests' cohort stays as it was
    say = join_cohort(rasa_server_url, "dashboard-scripted", SCRIPTED_NAME, code, "Section Bravo")
    say(f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    step = SCENARIO.steps[SCENARIO.start]
    typed = SCRIPTED_ANSWER.format(step.rubric.model_answer["en"])
    assert "3/3" in say(typed)  # graded and recorded, markup and all
    trainee_id = Trainees(db).trainee_for("rest", "dashboard-scripted").id

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(page, web_url, "instructor_a", "password-of-a")
        for path in ("/trainer/?lang=en", "/trainer/matrix?lang=en", f"/trainer/trainees/{trainee_id}?lang=en"):
            page.goto(web_url + path)
            assert SCRIPTED_NAME in page.inner_text("main"), path  # the name as the trainee wrote it
            assert page.locator("main img, main script, main b[onmouseover]").count() == 0, path
            assert page.evaluate("typeof window.pwned") == "undefined", path
        assert typed in page.inner_text("main")  # the transcript shows the typed answer literally
        assert dialogs == []
