"""Who may reach what, on real servers started as deployed: Rasa's HTTP API only with its token,
the action server only from the Rasa server, a trainee only their own record; the token and the
secret never on a command line or in a log. (A trainer of another cohort, no session, a forged
one and an expired one: tests/test_dashboard_browser.py.)"""

import secrets
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from harness.processes import start_action_server, start_rasa_server
from rasa_plugins.admission import TOO_LONG
from tests.integration.test_rest_channel import joined, send
from trainer.content_loader import load_content

SCENARIO = load_content().scenario("village_reprisal")


@pytest.fixture(scope="module")
def guarded(test_model, server_logs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("guarded")
    secret, token = secrets.token_hex(16), secrets.token_hex(16)
    actions, action_url = start_action_server(
        server_logs, f"sqlite:///{folder / 'progress.db'}", env={"ACTION_SERVER_SECRET": secret}
    )
    try:
        rasa, url = start_rasa_server(
            test_model,
            action_url,
            server_logs,
            folder / "tracker.db",
            env={"ACTION_SERVER_SECRET": secret, "RASA_ENABLE_API": "true", "RASA_API_TOKEN": token},
        )
    except Exception:
        actions.stop()
        raise
    yield SimpleNamespace(url=url, action_url=action_url, secret=secret, token=token, servers=(actions, rasa))
    rasa.stop()
    actions.stop()


def say(url, sender, message):
    return joined(send(url, sender, message))


def action_call(sender="intruder"):
    tracker = {
        "sender_id": sender,
        "slots": {},
        "latest_message": {},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    }
    return {"next_action": "action_show_progress", "sender_id": sender, "tracker": tracker, "domain": {}}


def test_the_rasa_server_reaches_the_action_server_with_the_secret(guarded):
    shown = say(guarded.url, "guarded-player", f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    assert SCENARIO.steps[SCENARIO.start].prompt["en"] in shown


def test_the_action_server_refuses_calls_without_the_secret(guarded):
    webhook = guarded.action_url
    assert requests.post(webhook, json=action_call(), timeout=30).status_code == 403
    wrong = requests.post(webhook, json=action_call(), headers={"X-Action-Secret": "guess"}, timeout=30)
    assert wrong.status_code == 403 and "only the Rasa server" in wrong.text
    assert requests.get(webhook.replace("/webhook", "/actions"), timeout=30).status_code == 403
    assert requests.get(webhook.replace("/webhook", "/health"), timeout=30).status_code == 200
    # The same call with the secret is served: the secret, not the call, was refused.
    right = requests.post(webhook, json=action_call(), headers={"X-Action-Secret": guarded.secret}, timeout=30)
    assert right.status_code == 200 and right.json()["responses"]


@pytest.mark.parametrize(
    "path", ["/conversations/guarded-player/tracker", "/conversations/guarded-player/story", "/status"]
)
def test_the_http_api_needs_the_token(guarded, path):
    assert requests.get(f"{guarded.url}{path}", timeout=30).status_code == 401
    assert requests.get(f"{guarded.url}{path}", params={"token": "guess"}, timeout=30).status_code == 401
    assert requests.get(f"{guarded.url}{path}", params={"token": guarded.token}, timeout=30).status_code == 200


def test_parsing_and_message_injection_through_the_api_need_the_token(guarded):
    assert requests.post(f"{guarded.url}/model/parse", json={"text": "hi"}, timeout=30).status_code == 401
    injected = requests.post(
        f"{guarded.url}/conversations/guarded-player/messages", json={"text": "hi", "sender": "user"}, timeout=30
    )
    assert injected.status_code == 401


def test_a_trainee_sees_only_their_own_record(guarded):
    say(guarded.url, "guarded-a", f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    say(guarded.url, "guarded-a", f'/choose_option{{"option_id": "{SCENARIO.steps[SCENARIO.start].options[0].id}"}}')
    assert SCENARIO.title["en"] in say(guarded.url, "guarded-a", "/my_progress")

    other = say(guarded.url, "guarded-b", "/my_progress")
    assert SCENARIO.title["en"] not in other
    # Joining another trainee's record takes the code they were given; a guess is refused.
    assert "unknown or has expired" in say(guarded.url, "guarded-b", '/link_account{"link_code": "ABCD2345"}')
    assert SCENARIO.title["en"] not in say(guarded.url, "guarded-b", "/my_progress")


def test_secrets_stay_off_command_lines_and_out_of_logs(guarded):
    for server in guarded.servers:
        for pid in server.pids():
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            assert guarded.token not in command_line and guarded.secret not in command_line
        log = server.output()
        assert guarded.token not in log and guarded.secret not in log


def test_oversized_messages_are_refused_politely(guarded):
    huge = requests.post(
        f"{guarded.url}/webhooks/rest/webhook", json={"sender": "guarded-big", "message": "A" * 300_000}, timeout=60
    )
    assert huge.status_code == 413  # refused before parsing, not a server error
    say(guarded.url, "guarded-big", f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    reply = say(guarded.url, "guarded-big", "I would warn them first. " * 100)
    assert reply == TOO_LONG  # not graded, not recorded
    started = time.monotonic()  # under the body limit: refused before NLU, whose cost would explode
    assert say(guarded.url, "guarded-big", "we check the papers " * 10_000) == TOO_LONG
    assert time.monotonic() - started < 10
    assert SCENARIO.steps[SCENARIO.start].prompt["en"] in say(guarded.url, "guarded-big", "/repeat")
