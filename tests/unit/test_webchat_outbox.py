"""The web channel keeps the replies no page is connected to receive (a reload mid-turn) and
sends each message whole; on a real socket.io server object, with no client connected."""

import asyncio

from socketio import AsyncServer

from rasa_plugins import webchat
from rasa_plugins.webchat import Outbox, WholeMessageOutput


def test_a_reply_to_a_conversation_no_page_is_connected_to_is_kept_whole_until_it_is_back(monkeypatch):
    outbox = Outbox()
    output = WholeMessageOutput(AsyncServer(async_mode="asgi"), "bot_uttered", None, outbox)
    buttons = [{"title": "Explain Rule 15", "payload": "/explain_rule"}]
    asyncio.run(output.send_text_message("session-1", "1/3 Risky: ...\n\nRules: Rule 15"))
    asyncio.run(output.send_text_with_buttons("session-1", "What do you do now?", buttons))
    assert outbox.take("session-2") == []
    kept = outbox.take("session-1")
    assert kept[0] == {"text": "1/3 Risky: ...\n\nRules: Rule 15"}  # one bubble, not one per paragraph
    assert kept[1]["quick_replies"][0]["payload"] == "/explain_rule"
    assert outbox.take("session-1") == []  # sent once

    asyncio.run(output.send_text_message("session-3", "Debrief"))
    later = webchat.time.monotonic() + webchat.KEPT_SECONDS + 1
    monkeypatch.setattr(webchat.time, "monotonic", lambda: later)  # a page back too late
    assert outbox.take("session-3") == []
