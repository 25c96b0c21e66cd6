"""The socket.io channel works over a real websocket on Python 3.11 (see compat/), and only for
sockets with a session token the web page signed (rasa_plugins/webchat.py)."""

import asyncio
import uuid

import pytest
import socketio

from harness.processes import web_session_token


async def converse_over_websocket(url: str, message: str) -> dict:
    client = socketio.AsyncClient(reconnection=False)
    reply: asyncio.Future = asyncio.get_running_loop().create_future()
    session_id = str(uuid.uuid4())

    @client.on("bot_uttered")
    async def on_bot_uttered(data):
        if not reply.done():
            reply.set_result(data)

    await client.connect(url, transports=["websocket"], socketio_path="/socket.io", auth={"token": web_session_token()})
    try:
        assert client.transport() == "websocket"
        await client.emit("session_request", {"session_id": session_id})
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        return await asyncio.wait_for(reply, timeout=60)
    finally:
        await client.disconnect()


def test_socketio_client_on_websocket_transport_gets_the_reply(rasa_server_url):
    answer = asyncio.run(converse_over_websocket(rasa_server_url, "hello"))
    assert answer["text"].startswith("Hello! I train you to protect civilians")


def test_socketio_reply_in_french(rasa_server_url):
    answer = asyncio.run(converse_over_websocket(rasa_server_url, "bonjour"))
    assert answer["text"].startswith("Bonjour !")


async def all_replies_over_websocket(url: str, message: str, quiet_seconds: float = 3.0) -> list:
    client = socketio.AsyncClient(reconnection=False)
    replies: list = []
    session_id = str(uuid.uuid4())
    client.on("bot_uttered", lambda data: replies.append(data))
    await client.connect(url, transports=["websocket"], socketio_path="/socket.io", auth={"token": web_session_token()})
    try:
        await client.emit("session_request", {"session_id": session_id})
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        for _ in range(120):  # until the replies stop coming
            count = len(replies)
            await asyncio.sleep(quiet_seconds)
            if replies and len(replies) == count:
                return replies
        return replies
    finally:
        await client.disconnect()


def test_a_message_of_several_paragraphs_arrives_whole_in_one_bubble(rasa_server_url):
    replies = asyncio.run(all_replies_over_websocket(rasa_server_url, "what is distinction"))
    whole = [reply["text"] for reply in replies if "\n\n" in reply.get("text", "")]
    assert whole and "Rule 1" in whole[0], replies  # Rasa's own socket.io output cut it at each blank line


def test_a_socket_without_a_valid_session_token_is_refused(rasa_server_url):
    async def connect(**options):
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(rasa_server_url, transports=["websocket"], socketio_path="/socket.io", **options)
        finally:
            await client.disconnect()

    for options in ({}, {"auth": {"token": "forged"}}, {"auth": {"token": web_session_token()[:-4] + "AAAA"}}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            asyncio.run(connect(**options))


class Page:
    """A trainee page's socket: connected with its own signed session."""

    def __init__(self, session):
        self.session = session
        self.client = socketio.AsyncClient(reconnection=False)
        self.replies: list = []
        self.confirmed: list = []
        self.client.on("bot_uttered", lambda data: self.replies.append(data))
        self.client.on("session_confirm", lambda data: self.confirmed.append(data))

    async def open(self, url, asked_session=None):
        token = web_session_token(self.session)
        # The widget passes the token in the socket's address; the query string is read too.
        await self.client.connect(f"{url}/?token={token}", transports=["websocket"], socketio_path="/socket.io")
        await self.client.emit("session_request", {"session_id": asked_session or self.session})

    async def say(self, text, claimed_session=None):
        await self.client.emit("user_uttered", {"message": text, "session_id": claimed_session or self.session})


async def wait_for(condition, seconds=60.0):
    for _ in range(int(seconds * 10)):
        if condition():
            return True
        await asyncio.sleep(0.1)
    return False


def test_a_socket_naming_another_session_joins_only_its_own(rasa_server_url):
    async def play():
        victim, intruder = Page(uuid.uuid4().hex), Page(uuid.uuid4().hex)
        await victim.open(rasa_server_url)
        await intruder.open(rasa_server_url, asked_session=victim.session)  # asks for the victim's room
        try:
            assert await wait_for(lambda: victim.confirmed and intruder.confirmed)
            assert intruder.confirmed == [f"web:{intruder.session}"]
            await victim.say("hello")
            assert await wait_for(lambda: victim.replies)
            await intruder.say("hello", claimed_session=victim.session)  # answers "as" the victim
            assert await wait_for(lambda: intruder.replies)
            await asyncio.sleep(2)
            # Each got the greeting of its own conversation, once: nothing crossed over.
            assert len([r for r in victim.replies if r["text"].startswith("Hello!")]) == 1
            assert len([r for r in intruder.replies if r["text"].startswith("Hello!")]) == 1
        finally:
            await victim.client.disconnect()
            await intruder.client.disconnect()

    asyncio.run(play())
