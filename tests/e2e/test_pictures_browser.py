"""A centre's drawings in the trainee page (Chromium), on servers reading a content folder with
pictures (CONTENT_DIR): the briefing's and the decision point's drawings appear, loaded."""

import pytest

from harness.browser import chromium
from harness.processes import start_action_server, start_rasa_server, start_web_server
from tests.e2e.test_web_browser import tap, type_answer, wait_for_text
from tests.unit.test_pictures import copy_with_pictures


@pytest.fixture(scope="module")
def pictured(test_model, server_logs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictured")
    content = copy_with_pictures(folder / "content")
    database = f"sqlite:///{folder / 'progress.db'}"
    env = {"CONTENT_DIR": str(content)}
    actions, action_url = start_action_server(server_logs, database, env=env)
    servers = [actions]
    try:
        rasa, rasa_url = start_rasa_server(test_model, action_url, server_logs, folder / "tracker.db")
        servers.append(rasa)
        web, web_url = start_web_server(rasa_url, server_logs, database, env=env)
        servers.append(web)
        yield web_url
    finally:
        for server in reversed(servers):
            server.stop()


def loaded(page, source):
    image = page.locator(f'img[src="{source}"]').last
    image.wait_for(timeout=60_000)
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_briefing_and_the_decision_point_show_their_drawings(pictured):
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(f"{pictured}/?lang=en")
        wait_for_text(page, "name or call sign")
        type_answer(page, "Cpl Picture")
        tap(page, "No code")
        wait_for_text(page, "What would you like to do?")
        type_answer(page, '/start_training{"scenario": "checkpoint_motorbike"}')
        assert loaded(page, "/pictures/checkpoint-night.png")
        assert loaded(page, "/pictures/motorbike.png")
        wait_for_text(page, "motorbike with two riders")
