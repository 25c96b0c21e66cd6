"""Classroom mode in Chromium: the trainer's projector page and three trainee phones (the
trainee page's widget) joining by code; votes counted on the screen, the group's branch
followed to an ending, the after-action review, and the session among the trainer's sessions."""

import re

from harness.browser import SCREENSHOTS, chromium
from tests.e2e.test_dashboard_browser import sign_in
from tests.e2e.test_web_browser import tap, type_answer, wait_for_text
from trainer.accounts import AccountStore
from trainer.content_loader import load_content
from trainer.engine import best_option
from trainer.identities import Trainees

CONTENT = load_content()
SCENARIO = CONTENT.scenario("checkpoint_motorbike")


def phone(browser, web_url, name):
    """A trainee's phone on the trainee page, onboarded in English with a name."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{web_url}/?lang=en")
    wait_for_text(page, "name or call sign")
    type_answer(page, name)
    tap(page, "No code")
    wait_for_text(page, "What would you like to do?")
    return page


def voice_note_plays_without_a_reload(screen):
    """The decision point read out in English: the file loads and lasts as speech should, and the
    screen, which refreshes every 5 s for the votes, waits while it plays."""
    player = screen.locator(".voice-note audio").first
    assert player.get_attribute("src").startswith(f"/audio/en/en/{SCENARIO.id}/{SCENARIO.start}/")
    screen.evaluate("() => { window.notReloaded = true; }")
    screen.click("h1")  # a tap on the screen: the browser then lets the page play sound
    seconds = player.evaluate(
        "a => a.play().then(() => new Promise(r => setTimeout(() => r([a.duration, a.currentTime]), 1000)))"
    )
    assert seconds[0] > 5 and seconds[1] > 0.3, seconds
    screen.wait_for_timeout(6000)
    assert screen.evaluate("() => window.notReloaded === true")  # still the same page, still playing
    player.evaluate("a => a.pause()")


def test_a_class_votes_from_three_phones_and_follows_the_groups_choice(web_url, db):
    AccountStore(db).create("instructor_room", "baobab shade 19", "admin")  # sees trainees of no cohort
    start = SCENARIO.steps[SCENARIO.start]
    best = best_option(start)
    other = next(o for o in start.options if o.id != best.id)
    with chromium() as browser:
        screen = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        sign_in(screen, web_url, "instructor_room", "baobab shade 19")
        screen.goto(f"{web_url}/trainer/classroom?lang=en")
        screen.select_option("select[name=scenario]", SCENARIO.id)
        screen.select_option("select[name=language]", "en")
        screen.click("text=Open a session")
        screen.wait_for_url(re.compile(r".*/trainer/classroom/\d+$"))
        code = re.search(r"join ([A-Z2-9]{6})", screen.inner_text("header")).group(1)
        assert start.prompt["en"] in screen.inner_text("main")
        voice_note_plays_without_a_reload(screen)

        phones = [phone(browser, web_url, f"Soldier {n}") for n in range(3)]
        for page, choice in zip(phones, (best, best, other)):
            type_answer(page, f"join {code}")
            wait_for_text(page, start.prompt["en"])
            tap(page, choice.label["en"])
            wait_for_text(page, "Vote counted")

        screen.reload()  # the page also refreshes itself every few seconds
        votes = [int(v) for v in screen.locator(".votes").all_inner_texts()]
        labels = [b.split(" ", 1)[1] for b in screen.locator("button.choice").all_inner_texts()]
        assert dict(zip(labels, votes)) == {
            o.label["en"]: {best.id: 2, other.id: 1}.get(o.id, 0) for o in start.options
        }
        screen.screenshot(path=SCREENSHOTS / "20-classroom-votes.png")
        screen.click("text=Follow the phones' majority (3 votes)")
        assert "The group chose:" in screen.inner_text("main") and best.label["en"] in screen.inner_text("main")
        feedback_note = screen.locator(".voice-note audio").first.get_attribute("src")
        assert feedback_note == f"/audio/en/en/{SCENARIO.id}/{start.id}/feedback/{best.id}.ogg"
        screen.click("text=Next decision")

        node = best.next  # the branch the group chose
        while node in SCENARIO.steps:
            step = SCENARIO.steps[node]
            assert step.prompt["en"] in screen.inner_text("main")
            tap(phones[0], "Next decision")  # a phone follows the screen
            wait_for_text(phones[0], step.prompt["en"])
            chosen = min(step.options, key=lambda o: o.grade)  # by show of hands: the trainer taps it
            screen.locator("button.choice", has_text=chosen.label["en"]).click()
            node = chosen.next
            if node in SCENARIO.steps:
                screen.click("text=Next decision")
        assert SCENARIO.endings[node].title["en"] in screen.inner_text("main")
        screen.click("text=After-action review")
        review = screen.inner_text("main")
        assert "Soldier 0, Soldier 1" in review and "phones' majority" in review and "show of hands" in review
        assert "Rules to revisit" in review
        screen.screenshot(path=SCREENSHOTS / "21-classroom-review.png", full_page=True)
        screen.goto(f"{web_url}/trainer/classroom?lang=en")
        assert code in screen.inner_text("main") and "finished" in screen.inner_text("main")
        # Each phone's vote is in that trainee's record, beside the group's choice.
        soldier = next(t for t, _ in Trainees(db).trainees() if t.display_name == "Soldier 2")
        screen.goto(f"{web_url}/trainer/trainees/{soldier.id}?lang=en")
        votes = screen.inner_text("main")
        assert "Votes in classroom sessions" in votes and other.label["en"] in votes and best.label["en"] in votes
