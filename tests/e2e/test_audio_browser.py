"""Voice notes in the trainee page (Chromium): a trainee turns audio on from the menu, and the
briefing and the decision point come with a player beside their text; the French note is made
by the web server, loads, lasts as long as speech should and plays; it is still there after a
reload."""

from harness.browser import SCREENSHOTS
from tests.e2e.test_web_browser import page, tap, type_answer, wait_for_text  # noqa: F401 (page: a fixture)

PLAYERS = ".voice-note audio"


def players(page):  # noqa: F811 (the fixture's name)
    return page.locator(PLAYERS)


def duration_of(page, index):  # noqa: F811 (the fixture's name)
    """Seconds the player at `index` reports once the browser has read the file."""
    player = players(page).nth(index)
    player.evaluate("audio => { audio.preload = 'auto'; audio.load(); }")
    page.wait_for_function(
        "([selector, i]) => { const a = document.querySelectorAll(selector)[i];"
        " return a && a.readyState >= 1 && isFinite(a.duration) && a.duration > 0; }",
        arg=[PLAYERS, index],
        timeout=60_000,
    )
    return player.evaluate("audio => audio.duration")


def test_audio_on_gives_a_player_beside_the_briefing_and_the_decision_point(page, web_url):  # noqa: F811 (fixture)
    page.goto(f"{web_url}/?lang=fr")
    wait_for_text(page, "votre nom ou votre indicatif")
    type_answer(page, "Sdt Audio")
    tap(page, "Pas de code")
    wait_for_text(page, "Que voulez-vous faire ?")
    tap(page, "🔊 Audio")
    wait_for_text(page, "Audio activé")
    type_answer(page, '/start_training{"scenario": "checkpoint_motorbike"}')
    wait_for_text(page, "ne ralentit pas à votre premier signe de la main")
    page.wait_for_function("s => document.querySelectorAll(s).length >= 2", arg=PLAYERS, timeout=60_000)
    sources = [players(page).nth(i).get_attribute("src") for i in range(2)]
    assert sources[0] == "/audio/fr/fr/checkpoint_motorbike/briefing.ogg"
    assert sources[1].startswith("/audio/fr/fr/checkpoint_motorbike/approach/")
    assert duration_of(page, 0) > 10  # the title and four paragraphs, spoken
    assert duration_of(page, 1) > 5  # the prompt and three options
    played = (
        players(page)
        .nth(1)
        .evaluate("audio => audio.play().then(() => new Promise(r => setTimeout(() => r(audio.currentTime), 1500)))")
    )
    assert played > 0.5, played
    page.screenshot(path=SCREENSHOTS / "12-voice-notes-390px.png")

    page.reload()  # the widget keeps the players with the conversation
    wait_for_text(page, "ne ralentit pas à votre premier signe de la main")
    page.wait_for_function("s => document.querySelectorAll(s).length >= 2", arg=PLAYERS, timeout=30_000)
