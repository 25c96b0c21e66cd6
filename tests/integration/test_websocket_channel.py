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
