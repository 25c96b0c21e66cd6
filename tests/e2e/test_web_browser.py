"""The trainee page in headless Chromium (Debian's), played like a trainee on a phone.
Screenshots go to var/test-results/screenshots/."""

import time
from urllib.parse import urlparse

import pytest

from harness.browser import SCREENSHOTS, chromium
from tests.integration.test_rest_channel import CONTENT, unsure_answer


@pytest.fixture
def page(web_url):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.replies = []  # when each of Rasa's replies reached the page (time.monotonic())
        page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: on_frame(page, frame)))
        yield page


def on_frame(page, frame):
    if "bot_uttered" in str(frame):
        page.replies.append(time.monotonic())


def wait_for_text(page, text, timeout=60_000):
    try:
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=timeout)
    except Exception:
        page.screenshot(path=SCREENSHOTS / "failure.png", full_page=True)
        raise AssertionError(f"{text!r} never appeared; the page shows:\n{page.inner_text('body')[-1500:]}") from None


def tap(page, title):
    page.locator(".rw-reply", has_text=title).last.click()


def type_answer(page, text):
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def test_a_trainee_plays_in_the_browser_and_continues_after_a_reload(page, web_url):
    page.goto(f"{web_url}/?lang=en")  # a link that names the language: it is not asked again
    wait_for_text(page, "What is your name or call sign?")
    assert "Choose your language" not in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "01-welcome-390px.png")
    type_answer(page, "Pte Keita")
    wait_for_text(page, "enrolment code")
    tap(page, "No code")
    wait_for_text(page, "What would you like to do?")
    tap(page, "Train")
    wait_for_text(page, "Choose a scenario")
    tap(page, "Night checkpoint - a motorbike that will not slow down")
    wait_for_text(page, "does not slow at your first hand signal. What do you do?")
    page.screenshot(path=SCREENSHOTS / "02-decision-point.png")

    tap(page, "Fire a warning shot at once")
    wait_for_text(page, "The passenger, a young woman, was hit")  # the next decision point...
    page.locator(".rw-reply", has_text="Explain").last.wait_for()  # ...with the Explain button
    shown_after = time.monotonic() - page.replies[-1]
    assert shown_after < 2.0, f"the turn took {shown_after:.1f} s to appear after Rasa's last reply"
    assert "1/3 Risky" in page.inner_text("body")
    assert "Rule 15 (Constant care to spare civilians)" in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "03-feedback-with-rule.png")

    type_answer(page, "first aid, stop the bleeding with a tourniquet, call medevac and report to my commander")
    wait_for_text(page, "3/3 Right")
    page.reload()  # mid-turn: the page is reloaded as soon as the feedback shows
    try:  # what Rasa sent while the page was away arrives when it is back (rasa_plugins/webchat.py)
        # Predicates are functions: a string expression would need 'unsafe-eval', which the page's CSP refuses.
        page.wait_for_function("() => document.body.innerText.includes('What do you advise?')", timeout=10_000)
    except Exception:  # a reply sent in the instant the old connection was closing: "repeat" says it again
        type_answer(page, "repeat")
        wait_for_text(page, "What do you advise?")
    page.locator(".rw-reply", has_text="Explain").last.wait_for()
    assert "3/3 Right" in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "04-typed-answer-graded.png")

    page.context.set_offline(True)  # the connection drops...
    page.wait_for_timeout(3000)
    page.context.set_offline(False)  # ...and comes back: the widget reconnects to the same session
    type_answer(page, "repeat")
    page.wait_for_function("() => document.body.innerText.split('What do you advise?').length > 2", timeout=60_000)

    page.reload()
    wait_for_text(page, "What do you advise?")  # the conversation is still there
    type_answer(page, "acknowledge and apologise to the family, investigate, pay compensation and change the procedure")
    wait_for_text(page, "Debrief - Night checkpoint - a motorbike that will not slow down")
    page.screenshot(path=SCREENSHOTS / "05-after-reload-debrief.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / "05-debrief-1280px.png")

    outside = [url for url in page.requests if urlparse(url).hostname not in ("127.0.0.1", "localhost")]
    assert outside == [], f"the page fetched from outside the deployment: {outside}"


def test_the_page_is_french_for_a_french_browser_and_keyboard_usable(page, web_url):
    page.context.set_extra_http_headers({"Accept-Language": "fr-FR,fr;q=0.9"})
    page.goto(web_url)
    assert page.locator("h1").inner_text() == "Protéger les civils"
    wait_for_text(page, "Bonjour ! Je vous entraîne")  # the widget passed the page language to Rasa
    reached = []
    for _ in range(12):  # the language links, then the chat: all reachable with Tab alone
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.className || document.activeElement.textContent"))
        if "rw-new-message" in reached[-1]:
            break
    assert "Français" in reached and "rw-new-message" in reached[-1], reached
    page.keyboard.type("aide")
    page.keyboard.press("Enter")
    wait_for_text(page, "touchez un bouton ou répondez avec vos mots")
    page.screenshot(path=SCREENSHOTS / "06-french-page-390px.png")
    page.set_viewport_size({"width": 1280, "height": 800})  # a training-centre PC
    chat = page.locator(".rw-conversation-container").bounding_box()
    assert chat["width"] <= 48 * 16 + 1 and chat["x"] > 200 and chat["height"] > 600, chat  # centred, tall
    page.screenshot(path=SCREENSHOTS / "07-french-page-desktop.png")


def test_did_you_mean_in_the_browser(page, web_url):
    scenario = CONTENT.scenario("checkpoint_motorbike")
    step = scenario.steps[scenario.start]
    text = unsure_answer(scenario, step)
    page.goto(f"{web_url}/?lang=en")
    wait_for_text(page, "What is your name or call sign?")
    type_answer(page, "Cpl Diarra")
    wait_for_text(page, "enrolment code")
    tap(page, "No code")
    wait_for_text(page, "What would you like to do?")
    tap(page, "Train")
    wait_for_text(page, "Choose a scenario")
    tap(page, scenario.title["en"])
    wait_for_text(page, step.prompt["en"])
    type_answer(page, text)
    wait_for_text(page, CONTENT.label("did_you_mean", "en"))
    page.screenshot(path=SCREENSHOTS / "08-did-you-mean-390px.png")
    closest = [o for o in step.options if page.locator(".rw-reply", has_text=o.label["en"]).count()]
    tap(page, closest[0].label["en"])
    wait_for_text(page, closest[0].feedback["en"][:60])
