"""A stand-in for the Telegram Bot API on loopback: it records every call and answers the few
methods the connector uses the way Telegram does, limits included."""

import asyncio
import json
import threading
from typing import Any, Dict, List

from aiohttp import web

BOT = {"id": 7000001, "is_bot": True, "first_name": "IHL trainer", "username": "ihl_test_bot"}
MAX_CALLBACK_DATA_BYTES = 64
MAX_TEXT_CHARS = 4096


class TelegramStandIn:
    def __init__(self, token: str):
        self.token = token
        self.calls: List[Dict[str, Any]] = []
        self._message_id = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> "TelegramStandIn":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def methods(self, name: str) -> List[Dict[str, Any]]:
        return [call for call in self.calls if call["method"] == name]

    def clear(self) -> None:
        self.calls.clear()

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        method = request.match_info["method"]
        if isinstance(params.get("reply_markup"), str):
            params["reply_markup"] = json.loads(params["reply_markup"])
        self.calls.append({"method": method, "params": params})
        if method == "getMe":
            return _ok(BOT)
        if method == "sendMessage":
            if not params.get("text") or len(params["text"]) > MAX_TEXT_CHARS:
                return _error(400, "Bad Request: message text is empty or too long")
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > MAX_CALLBACK_DATA_BYTES:
                        return _error(400, "Bad Request: BUTTON_DATA_INVALID")
            self._message_id += 1
            chat = {"id": int(params["chat_id"]), "type": "private"}
            return _ok({"message_id": self._message_id, "date": 0, "chat": chat, "text": params["text"]})
        if method == "sendVoice":  # an uploaded OGG Opus file; its bytes are kept for the tests
            voice = params.get("voice")
            if not isinstance(voice, web.FileField):
                return _error(400, "Bad Request: there is no voice in the request")
            params["voice_bytes"] = voice.file.read()
            self._message_id += 1
            chat = {"id": int(params["chat_id"]), "type": "private"}
            note = {"file_id": f"voice-{self._message_id}", "file_unique_id": "v", "duration": 1}
            return _ok({"message_id": self._message_id, "date": 0, "chat": chat, "voice": note})
        if method == "sendPhoto":  # an uploaded file or a URL, as Telegram takes either
            if not params.get("photo"):
                return _error(400, "Bad Request: there is no photo in the request")
            self._message_id += 1
            chat = {"id": int(params["chat_id"]), "type": "private"}
            size = {"file_id": f"photo-{self._message_id}", "file_unique_id": "p", "width": 320, "height": 200}
            return _ok({"message_id": self._message_id, "date": 0, "chat": chat, "photo": [size]})
        return _ok(True)  # setWebhook, answerCallbackQuery, deleteWebhook...


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)
