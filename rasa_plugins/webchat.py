"""The web widget's channel: Rasa's socket.io channel, sending each message whole.

Rasa's socket.io output cuts a message at every blank line and sends the parts one by one, so
one feedback became three or four bubbles and a debrief ten, and a reload could fall between
the parts. The widget renders a message's paragraphs (Markdown) in one bubble, so here a
message goes as it was written, its buttons on it.
"""

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint


class WholeMessageOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": replies})


class WebChatInput(SocketIOInput):
    """Configured in credentials.yml like Rasa's `socketio` channel, under its module path; the
    conversations keep the channel name "socketio"."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_whole(message: UserMessage) -> Any:
            message.output_channel = WholeMessageOutput(self.sio, self.bot_message_evt)
            return await on_new_message(message)

        return super().blueprint(answer_whole)

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return WholeMessageOutput(self.sio, self.bot_message_evt)
