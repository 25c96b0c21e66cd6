"""The web widget's channel: Rasa's socket.io channel, sending each message whole, and keeping
what a page being reloaded would miss.

- Rasa's socket.io output cuts a message at every blank line and sends the parts one by one, so
  one feedback became three or four bubbles and a debrief ten. The widget renders a message's
  paragraphs (Markdown) in one bubble, so here a message goes as it was written, buttons on it.
- A reply sent while no page is connected to the conversation (a reload, a phone dropping the
  tab) went nowhere. It is kept, a few minutes at most, and sent when the page asks for the
  conversation again.
- Rasa's channel let any client join any conversation by naming its session id. Here a socket
  must connect with the token the web page signed (trainer/web_sessions.py), and its messages
  and replies belong to the session that token names, under the sender id "web:<session>";
  the session id a client sends is ignored.
"""

import json
import logging
import time
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Text, Tuple
from urllib.parse import parse_qs

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from rasa_plugins.admission import from_address
from trainer import settings, web_sessions
from trainer.identities import sender_id

logger = logging.getLogger(__name__)

KEPT_MESSAGES = 30  # per conversation: a turn is a few messages, a debrief and its menu included
KEPT_SECONDS = 600  # a page back after longer starts from what it has stored


class Outbox:
    """Replies for conversations no page is connected to, until one reconnects."""

    def __init__(self) -> None:
        self._waiting: Dict[Text, Deque[Tuple[float, Any]]] = defaultdict(lambda: deque(maxlen=KEPT_MESSAGES))

    def keep(self, conversation: Text, message: Any) -> None:
        self._waiting[conversation].append((time.monotonic(), message))

    def take(self, conversation: Text) -> List[Any]:
        kept = self._waiting.pop(conversation, ())
        fresh_since = time.monotonic() - KEPT_SECONDS
        for stale in [c for c, messages in self._waiting.items() if messages[-1][0] < fresh_since]:
            del self._waiting[stale]
        return [message for at, message in kept if at >= fresh_since]


class WholeMessageOutput(SocketIOOutput):
    def __init__(self, sio: AsyncServer, bot_message_evt: Text, namespace: Optional[Text], outbox: Outbox) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace or "/"
        self.outbox = outbox

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if not self._someone_listens(socket_id):
            self.outbox.keep(socket_id, response)
            return
        await super()._send_message(socket_id, response)

    def _someone_listens(self, room: Text) -> bool:
        try:
            return any(True for _ in self.sio.manager.get_participants(self.namespace, room))
        except KeyError:  # nobody has ever connected to this namespace
            return False

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": replies})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """A voice note ({"audio": url}) goes to the widget as one message, kept like the others
        while no page listens (Rasa's would pass its keys to emit as arguments)."""
        await self._send_message(recipient_id, dict(json_message))


class WebChatInput(SocketIOInput):
    """Configured in credentials.yml like Rasa's `socketio` channel, under its module path; the
    conversations keep the channel name "socketio"."""

    outbox: Optional[Outbox] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        outbox = self.outbox = Outbox()

        webhook = super().blueprint(on_new_message)
        sio = self.sio
        secret = settings.web_session_secret()

        # Rasa's handlers are replaced: a socket proves its session once, at connection.
        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            token = (auth or {}).get("token") if isinstance(auth, dict) else None
            token = token or parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]
            session = web_sessions.session_of(secret, token)
            if session is None:
                logger.info("socket.io: connection without a valid session token refused")
                return False
            request = environ.get("sanic.request")
            address = (request.remote_addr or request.ip) if request is not None else None
            await sio.save_session(sid, {"sender": sender_id("socketio", session), "address": address})
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            sender = (await sio.get_session(sid))["sender"]
            sio.enter_room(sid, sender)
            await sio.emit("session_confirm", sender, room=sid)
            for message in outbox.take(sender):
                await sio.emit(self.bot_message_evt, message, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def user_uttered(sid: Text, data: Any) -> None:
            proven = await sio.get_session(sid)
            data = data if isinstance(data, dict) else {}
            text, metadata = data.get("message"), data.get(self.metadata_key)
            if not isinstance(text, str) or not text.strip():
                return  # the widget never sends these; nothing to answer
            if isinstance(metadata, str):  # some widgets send it as JSON text
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            message = UserMessage(
                text.strip(),
                self.get_output_channel(),
                proven["sender"],
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else None,
            )
            with from_address(proven["address"]):
                await on_new_message(message)

        return webhook

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None or self.outbox is None:
            return super().get_output_channel()
        return WholeMessageOutput(self.sio, self.bot_message_evt, self.namespace, self.outbox)
