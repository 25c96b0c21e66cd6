"""Who may reach what, on real servers started as deployed: Rasa's HTTP API only with its token,
the REST channel only with its own, the action server only from the Rasa server, a trainee only
their own record, strangers never the whole server; the token and the secret never on a command
line or in a log; malformed requests a clear 400, never a traceback. (A trainer of another cohort, no session, a forged
one and an expired one: tests/test_dashboard_browser.py.)"""

import asyncio
import http.client
import json
import secrets
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests

from harness.processes import REST_HEADERS, start_action_server, start_rasa_server
from rasa_plugins.admission import ADDRESS_FULL, TOO_LONG
from rasa_plugins.rest import EMPTY_MESSAGE
from tests.integration.test_rest_channel import joined, send
from tests.integration.test_websocket_channel import Page, wait_for
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
            env={
                "ACTION_SERVER_SECRET": secret,
                "RASA_ENABLE_API": "true",
                "RASA_API_TOKEN": token,
                # Room for this module's few trainees, and a share per client address below it.
                "MAX_OPEN_SESSIONS": "40",
                "MAX_SESSIONS_PER_ADDRESS": "20",
                "RASA_CORS": "",  # the default: the page of `make run`
                "WEB_PORT": "8080",
            },
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
        f"{guarded.url}/webhooks/rest/webhook",
        json={"sender": "guarded-big", "message": "A" * 300_000},
        headers=REST_HEADERS,
        timeout=60,
    )
    assert huge.status_code == 413  # refused before parsing, not a server error
    say(guarded.url, "guarded-big", f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    reply = say(guarded.url, "guarded-big", "I would warn them first. " * 100)
    assert reply == TOO_LONG  # not graded, not recorded
    started = time.monotonic()  # under the body limit: refused before NLU, whose cost would explode
    assert say(guarded.url, "guarded-big", "we check the papers " * 10_000) == TOO_LONG
    assert time.monotonic() - started < 10
    assert SCENARIO.steps[SCENARIO.start].prompt["en"] in say(guarded.url, "guarded-big", "/repeat")


def post_rest(url, body, headers=REST_HEADERS, source="127.0.0.1"):
    """POST to the REST channel from a given loopback address; (status, parsed JSON body)."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60, source_address=(source, 0))
    try:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        connection.request("POST", "/webhooks/rest/webhook", data, {"Content-Type": "application/json", **headers})
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        connection.close()


def test_the_rest_channel_needs_its_token(guarded):
    for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": REST_HEADERS["Authorization"][7:]}):
        status, body = post_rest(guarded.url, {"sender": "guarded-a", "message": "/my_progress"}, headers)
        assert status == 401 and "Bearer" in body["error"]


@pytest.mark.parametrize("sender", ["tg:5550001", "wa:+22370000001", "web:3f2a9c"])
def test_rest_cannot_write_into_another_channels_conversation(guarded, sender):
    status, body = post_rest(guarded.url, {"sender": sender, "message": "2"})
    assert status == 400 and "belong to other channels" in body["error"]


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        b"not json",
        b"\xff\xfe",
        {"sender": "guarded-x", "message": 7},
        {"sender": "guarded-x", "message": "hi", "metadata": "fr"},
        {"message": "hi"},
        {"sender": "x" * 10_000, "message": "hi"},
    ],
)
def test_a_malformed_rest_body_gets_400_and_no_traceback(guarded, body):
    status, reply = post_rest(guarded.url, body)
    assert status == 400 and reply["error"]
    log = guarded.servers[1].output()
    assert "Traceback" not in log and "guarded-x" not in log


def test_an_empty_message_gets_a_short_answer(guarded):
    for message in ("", "   "):
        status, reply = post_rest(guarded.url, {"sender": "guarded-empty", "message": message})
        assert status == 200 and reply == [{"recipient_id": "guarded-empty", "text": EMPTY_MESSAGE}]


def test_junk_senders_from_one_address_do_not_keep_a_new_web_trainee_out(guarded):
    junk = [post_rest(guarded.url, {"sender": f"junk-{n}", "message": "hi"}, source="127.0.0.2") for n in range(50)]
    refused = [reply for status, reply in junk if status == 200 and reply[0]["text"] == ADDRESS_FULL]
    assert len(refused) == 30  # the address's share is 20; the server's cap is 40

    async def new_web_trainee():
        page = Page(uuid.uuid4().hex)
        await page.open(guarded.url)
        try:
            await page.say("hello")
            assert await wait_for(lambda: page.replies)
            return page.replies[0]["text"]
        finally:
            await page.client.disconnect()

    assert asyncio.run(new_web_trainee()).startswith("Hello!")


def test_browsers_may_call_rasa_only_from_the_trainee_page(guarded):
    def allowed(origin):
        reply = requests.get(
            f"{guarded.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}, timeout=30
        )
        return reply.headers.get("Access-Control-Allow-Origin")

    assert allowed("http://localhost:8080") == "http://localhost:8080"
    assert allowed("https://elsewhere.example") is None


def test_logs_never_hold_what_trainees_write(guarded):
    say(guarded.url, "guarded-a", f'/start_training{{"scenario": "{SCENARIO.id}"}}')
    say(guarded.url, "guarded-a", "I would shout zebra-4471 and then fire at them all")
    say(guarded.url, "guarded-a", "zebra-4471 " * 300)  # too long: refused, and not logged either
    for server in guarded.servers:
        assert "zebra-4471" not in server.output()
