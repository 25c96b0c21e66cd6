"""Telegram, through Rasa's own connector with what a deployment needs on top:

- the Bot API's base URL is configurable (a self-hosted Bot API server, or a stand-in in tests);
- without a token the channel stays off: nothing reaches Telegram and the webhook says why;
- the webhook is registered once the server is up (not while Rasa builds its routes), and
  Telegram's secret-token header is checked on every update when a secret is configured;
- bot commands become intents (`/start` greets, `/start CODE` links another channel);
- a pressed button is acknowledged (answerCallbackQuery) so the phone stops its spinner;
- buttons are shown one per row: option labels are sentences;
- conversations are filed under "tg:<chat id>", an id no other channel can make (a REST client
  naming a Telegram chat id would otherwise write into that trainee's conversation);
- a voice note ({"audio": url}, trainer/audio.py) is made here and uploaded as a Telegram voice
  message, like the content's pictures: Telegram could not fetch it from the deployment.
"""

import asyncio
import hmac
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_plugins import split_message
from trainer import audio, settings
from trainer.content import Content
from trainer.content_loader import load_content
from trainer.identities import sender_id, verified_id

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE_CHARS = 4096  # Bot API limit for one message's text
# Bot commands a trainee can type or pick from Telegram's menu, and the intents they mean.
COMMANDS = {
    "start": "greet",
    "help": "help",
    "menu": "start_training",
    "progress": "my_progress",
    "stop": "stop_scenario",
    "continue": "resume_training",
    "hint": "hint",
}
COMMAND = re.compile(r"^/(\w+)(?:@\w+)?(?:\s+(.*))?$", re.S)


@lru_cache(maxsize=1)
def _content() -> Content:
    return load_content()


class TelegramBot(TelegramOutput):
    """Sends to one bot's chats through the configured Bot API server."""

    def __init__(self, access_token: Text, api_url: Text = DEFAULT_API_URL) -> None:
        # TelegramOutput's __init__ would point the bot at api.telegram.org.
        super(TelegramOutput, self).__init__(access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_message(self, chat_id: Any, *args: Any, **kwargs: Any) -> Any:
        """Every message leaves through here: the conversation's "tg:" id back to the chat id."""
        return await super().send_message(verified_id("telegram", str(chat_id)), *args, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """A content picture (/pictures/NAME) is uploaded from the content folder: Telegram could
        not fetch it from a deployment it cannot reach."""
        chat = verified_id("telegram", recipient_id)
        if image.startswith("/pictures/"):
            picture = settings.content_dir() / "pictures" / Path(image).name
            await self.send_photo(chat, InputFile(str(picture)))
        else:
            await self.send_photo(chat, image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if "audio" not in json_message:
            return await super().send_custom_json(recipient_id, json_message, **kwargs)
        note = audio.note_from_url(str(json_message["audio"]), _content())
        if note is None:
            logger.warning("Telegram: no voice note at %s", json_message["audio"])
            return
        try:
            file = await asyncio.to_thread(audio.note_file, note, _content())
        except audio.AudioUnavailable as error:  # the text it reads follows anyway
            logger.warning("Telegram: voice note %s not sent: %s", note.url, error)
            return
        await self.send_voice(verified_id("telegram", recipient_id), InputFile(str(file)))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, MAX_MESSAGE_CHARS):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        keyboard = InlineKeyboardMarkup(row_width=1)
        for button in buttons:
            keyboard.row(InlineKeyboardButton(button["title"], callback_data=button["payload"]))
        *before, last = split_message(text, MAX_MESSAGE_CHARS) or ["…"]
        for part in before:
            await self.send_message(recipient_id, part)
        await self.send_message(recipient_id, last, reply_markup=keyboard)


def command_as_intent(text: Text) -> Text:
    """`/start` -> `/greet`; `/start CODE` (a deep link from another channel) -> link that code;
    an unknown command is passed on as words for the NLU."""
    match = COMMAND.match(text.strip())
    if not match:
        return text
    command, argument = match.group(1).lower(), (match.group(2) or "").strip()
    if command == "start" and argument:
        return f'/link_account{{"link_code": "{re.sub(r"[^A-Za-z0-9]", "", argument)[:12]}"}}'
    if command in COMMANDS:
        return f"/{COMMANDS[command]}"
    return f"{command} {argument}".strip()


class TelegramChannel(TelegramInput):
    """The Telegram input channel (webhook at /webhooks/telegram/webhook)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            access_token=credentials.get("access_token") or None,
            verify=credentials.get("verify") or None,
            webhook_url=credentials.get("webhook_url") or None,
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
            secret_token=credentials.get("secret_token") or None,
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        api_url: Text = DEFAULT_API_URL,
        secret_token: Optional[Text] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.api_url = api_url
        self.secret_token = secret_token

    def get_output_channel(self) -> TelegramBot:
        return TelegramBot(self.access_token, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        if not self.access_token:
            logger.info("Telegram: no access token configured; the channel is off.")

            @telegram_webhook.route("/webhook", methods=["GET", "POST"])
            async def not_configured(_: Request) -> HTTPResponse:
                return response.json({"error": "Telegram is not configured on this server (TELEGRAM_TOKEN)"}, 503)

            return telegram_webhook

        bot = self.get_output_channel()

        @telegram_webhook.listener("after_server_start")
        async def register_webhook(app: Any, loop: Any) -> None:
            await self._register_webhook(bot)

        @telegram_webhook.listener("before_server_stop")
        async def close_session(app: Any, loop: Any) -> None:
            await bot.session.close()  # bot.close() does this, with a deprecation warning

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if self.secret_token and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret_token):
                return response.json({"error": "wrong or missing secret token"}, 403)
            try:
                update = Update(**(request.json or {}))
            except (TypeError, ValueError):
                return response.json({"error": "not a Telegram update"}, 400)
            if update.callback_query is not None:
                query = update.callback_query
                sender, text = query.from_user, query.data or ""
                chat_id = query.message.chat.id if query.message else sender.id
                try:
                    await bot.answer_callback_query(query.id)
                except TelegramAPIError as error:  # only the spinner is at stake
                    logger.warning("Telegram: answerCallbackQuery failed: %s", error)
            else:
                message = update.message or update.edited_message
                if message is None or not message.text:
                    return response.text("success")  # stickers, photos, joins: nothing to answer
                chat_id, sender, text = message.chat.id, message.from_user, command_as_intent(message.text)
            # The language of the trainee's Telegram app, to greet a new trainee in it.
            metadata = {"language": sender.language_code} if sender and sender.language_code else None
            # Telegram posts an update again until it gets a 200; the update id as message id
            # lets the progress store record a retried answer once.
            await on_new_message(
                UserMessage(
                    text,
                    bot,
                    sender_id("telegram", str(chat_id)),
                    input_channel=self.name(),
                    message_id=f"telegram-{update.update_id}",
                    metadata=metadata,
                )
            )
            return response.text("success")

        return telegram_webhook

    async def _register_webhook(self, bot: TelegramBot) -> None:
        """Tell Telegram where to post updates. A failure is logged, not fatal: the webhook
        registered by an earlier start stays in force."""
        try:
            me = await bot.get_me()
            if self.verify and me.username != self.verify:
                logger.error(
                    "Telegram: the token belongs to @%s, not @%s (TELEGRAM_BOT_NAME)", me.username, self.verify
                )
            if self.webhook_url:
                payload = {"url": self.webhook_url, "allowed_updates": '["message","edited_message","callback_query"]'}
                if self.secret_token:
                    payload["secret_token"] = self.secret_token
                await bot.request("setWebhook", payload)
                logger.info("Telegram: webhook set to %s", self.webhook_url)
        except (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Telegram: could not reach the Bot API at %s: %s", self.api_url, error)
