"""The socket.io channel works over a real websocket on Python 3.11 (see compat/)."""

import asyncio
import uuid

import socketio


async def converse_over_websocket(url: str, message: str) -> dict:
    client = socketio.AsyncClient(reconnection=False)
    reply: asyncio.Future = asyncio.get_running_loop().create_future()
    session_id = str(uuid.uuid4())

    @client.on("bot_uttered")
    async def on_bot_uttered(data):
        if not reply.done():
            reply.set_result(data)

    await client.connect(url, transports=["websocket"], socketio_path="/socket.io")
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
    await client.connect(url, transports=["websocket"], socketio_path="/socket.io")
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
