"""The REST channel (POST /webhooks/rest/webhook), for trusted integrators only.

Rasa's own REST channel takes any sender id from anyone: whoever knows a trainee's id reads
their progress and answers for them. Here the channel is off unless REST_CHANNEL_TOKEN is set,
and each request must carry it as a bearer token. Its senders cannot take the prefixes of the
other channels' conversations (trainer.identities.CHANNEL_PREFIXES). A malformed body gets 400
and a message saying what is wrong, never a traceback; an empty message gets a short answer.
"""

import hmac
import json
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_plugins.admission import from_address
from trainer.identities import CHANNEL_PREFIXES, reserved

SENDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+:-]{0,63}$")
EMPTY_MESSAGE = "Send a message. / Envoyez un message."


class BadRequest(ValueError):
    """What is wrong with a request's body, said to the client."""


def user_message(body: Any) -> Dict[Text, Any]:
    """The sender, text and metadata of a REST request's JSON body, or BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"sender": "...", "message": "..."}')
    sender, text, metadata = body.get("sender"), body.get("message", ""), body.get("metadata")
    if not isinstance(sender, str) or not SENDER.match(sender):
        raise BadRequest("sender must be 1 to 64 letters, digits or ._@+:- (starting with a letter or digit)")
    if reserved(sender):
        raise BadRequest(f"sender ids starting with {', '.join(CHANNEL_PREFIXES.values())} belong to other channels")
    if not isinstance(text, str):
        raise BadRequest("message must be a string")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("metadata must be a JSON object")
    return {"sender": sender, "text": text.strip(), "metadata": metadata}


def refusal(token: Optional[Text], authorization: Text) -> Optional[HTTPResponse]:
    """Why a request may not use the channel (its 4xx answer), or None."""
    if not token:
        return response.json({"error": "the REST channel is off on this server (REST_CHANNEL_TOKEN)"}, 403)
    if not hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return response.json({"error": "send the REST channel token: Authorization: Bearer <token>"}, 401)
    return None


class TokenRestInput(RestInput):
    """Configured in credentials.yml under its module path, with `token: ${REST_CHANNEL_TOKEN}`;
    conversations keep the channel name "rest"."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("token") or None)

    def __init__(self, token: Optional[Text] = None) -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_TokenRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.token else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = refusal(self.token, request.headers.get("authorization", ""))
            if refused is not None:
                return refused
            try:
                message = user_message(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError) as problem:  # BadRequest, or not JSON at all
                reason = str(problem) if isinstance(problem, BadRequest) else "the body is not JSON"
                return response.json({"error": reason}, 400)
            if not message["text"]:
                return response.json([{"recipient_id": message["sender"], "text": EMPTY_MESSAGE}])
            collector = CollectingOutputChannel()
            with from_address(request.remote_addr or request.ip):
                await on_new_message(
                    UserMessage(
                        message["text"],
                        collector,
                        message["sender"],
                        input_channel=self.name(),
                        metadata=message["metadata"],
                    )
                )
            return response.json(collector.messages)

        return webhook
