"""WhatsApp (and SMS) through Twilio, on Rasa's Twilio connector.

What differs from Rasa's own connector, and why:
- Replies go back in the webhook's answer as TwiML, so the server needs no outgoing call to
  Twilio's API (and no account credentials) to talk to a trainee.
- Every request must carry Twilio's signature (X-Twilio-Signature, made with the account's
  auth token): sender ids are phone numbers, and an unsigned post could speak for anyone.
  Without an auth token the channel stays off.
- WhatsApp here has no buttons: the buttons of the last message of a turn become a numbered
  list, and a reply of "1", "2"... is read as a press of that button. The buttons are found in
  the trainee's tracker, so no state is kept in this process.
- A turn's messages are joined and cut to fit WhatsApp's 1600 characters per message.
- Conversations are filed under "wa:<phone number>", an id no other channel can make.
- Pictures and voice notes go as media, URLs under PUBLIC_URL that Twilio fetches.
"""

import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from rasa_plugins import split_message
from trainer import settings
from trainer.identities import sender_id

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1600  # Twilio's limit for one WhatsApp or SMS body
SIGNATURE_HEADER = "X-Twilio-Signature"
NUMBER_REPLY = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def replies(messages: List[Dict[Text, Any]]) -> List[Text]:
    """The texts to send for one turn: every message's text, the buttons of the last message
    that has any as a numbered list (earlier buttons of the turn are dropped: only the last
    list can be answered by number), cut to WhatsApp's limit."""
    last_with_buttons = max((i for i, m in enumerate(messages) if m.get("buttons")), default=None)
    paragraphs = []
    for index, message in enumerate(messages):
        text = (message.get("text") or "").strip()
        if index == last_with_buttons:
            numbered = "\n".join(f"{n}. {b['title']}" for n, b in enumerate(message["buttons"], 1))
            text = f"{text}\n{numbered}".strip() if text != "…" else numbered
        if text:
            paragraphs.append(text)
    return split_message("\n\n".join(paragraphs), MAX_MESSAGE_CHARS)


def media_urls(messages: List[Dict[Text, Any]], public_url: Text) -> List[Text]:
    """The turn's pictures and voice notes as URLs Twilio can fetch: the web server serves
    them under PUBLIC_URL (a voice note is made on Twilio's first request)."""
    found = [message.get("image") or (message.get("custom") or {}).get("audio") for message in messages]
    return [url if url.startswith("http") else public_url.rstrip("/") + url for url in found if url]


def last_buttons(events: List[Any]) -> List[Dict[Text, Any]]:
    """The buttons of the last message with buttons the bot sent since the trainee last wrote."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered) and (event.data or {}).get("buttons"):
            return event.data["buttons"]
    return []


class WhatsAppChannel(TwilioInput):
    """The Twilio input channel (webhook at /webhooks/twilio/webhook), replying with TwiML."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(auth_token=credentials.get("auth_token") or None, webhook_url=credentials.get("webhook_url") or None)

    def __init__(self, auth_token: Optional[Text], webhook_url: Optional[Text] = None) -> None:
        super().__init__(account_sid=None, auth_token=auth_token, twilio_number=None, debug_mode=False)
        self.webhook_url = webhook_url

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.auth_token else "off"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.auth_token:
                return response.json({"error": "Twilio is not configured on this server (TWILIO_AUTH_TOKEN)"}, 503)
            form = {key: values[0] for key, values in (request.form or {}).items()}
            # Behind a proxy Twilio signs the public URL, not the one this server sees.
            url = self.webhook_url or request.url
            if not RequestValidator(self.auth_token).validate(url, form, request.headers.get(SIGNATURE_HEADER, "")):
                return response.json({"error": "missing or wrong Twilio signature"}, 403)
            number, text = form.get("From"), (form.get("Body") or "").strip()
            if not number or not text:
                return _twiml([])  # media or location only: nothing to grade
            sender = sender_id("twilio", number.removeprefix("whatsapp:"))
            text = await self._pressed_button(request, sender, text)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=self.name(),
                    message_id=form.get("MessageSid"),
                    metadata=self.get_metadata(request),
                )
            )
            return _twiml(replies(collector.messages), media_urls(collector.messages, settings.public_url()))

        return twilio_webhook

    @staticmethod
    async def _pressed_button(request: Request, sender: Text, text: Text) -> Text:
        """ "2" after a numbered list means the second button: send its payload instead."""
        number = NUMBER_REPLY.match(text)
        if not number:
            return text
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
        buttons = last_buttons(list(tracker.events)) if tracker else []
        if 1 <= int(number.group(1)) <= len(buttons):
            return buttons[int(number.group(1)) - 1]["payload"]
        return text  # out of the list: the assistant answers it (see trainer/turn.py)


def _twiml(texts: List[Text], media: List[Text] = ()) -> HTTPResponse:
    reply = MessagingResponse()
    for url in media:  # the drawing and the voice note first, then the words they go with
        reply.message().media(url)
    for text in texts:
        reply.message(text)
    return response.text(str(reply), content_type="application/xml")
