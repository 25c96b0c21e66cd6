"""What every action shares in one action-server process: the training content (read-only,
loaded once), the grader, and the progress database with its connection pool. Nothing here
belongs to a trainee; a trainee's state lives in their tracker's slots and in the database."""

import asyncio
import json
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from trainer import audio, settings
from trainer.coaching import Button, Message
from trainer.content import Content
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.grader import Grader, load_grader
from trainer.identities import TraineeInfo, Trainees
from trainer.progress import ProgressStore

T = TypeVar("T")


@lru_cache(maxsize=1)
def content() -> Content:
    return load_content()


@lru_cache(maxsize=1)
def grader() -> Grader:
    """Fitted on first use from content/graded_answers.jsonl, then read back from var/cache."""
    return load_grader(content())


@lru_cache(maxsize=1)
def database() -> Database:
    return Database()


def progress() -> ProgressStore:
    return ProgressStore(database())


def trainees() -> Trainees:
    return Trainees(database())


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call without holding up the action server's event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def channel_of(tracker: Tracker) -> Text:
    return tracker.get_latest_input_channel() or "unknown"


async def trainee(tracker: Tracker) -> TraineeInfo:
    return await in_thread(trainees().trainee_for, channel_of(tracker), tracker.sender_id)


def language(tracker: Tracker) -> Text:
    return tracker.get_slot("language") or settings.DEFAULT_LANGUAGE


def changed(tracker: Tracker, slots: Dict[Text, Any]) -> Dict[Text, Any]:
    """Only the slots whose value changes: every slot event is stored, then reloaded and sent
    to the action server on each later turn of the conversation."""
    return {name: value for name, value in slots.items() if tracker.get_slot(name) != value}


def attempt_id(tracker: Tracker) -> Optional[int]:
    value = tracker.get_slot("attempt_id")
    return int(value) if value is not None else None


def payload(intent: Text, entities: Optional[Dict[Text, Text]] = None) -> Text:
    """A button's payload: Rasa reads "/intent{json}" as that intent with those entities."""
    return f"/{intent}{json.dumps(dict(entities)) if entities else ''}"


def buttons(items: Sequence[Button]) -> List[Dict[Text, Text]]:
    return [{"title": button.title, "payload": payload(button.intent, dict(button.entities))} for button in items]


def show_picture(dispatcher: CollectingDispatcher, name: Optional[str]) -> None:
    """A drawing of content/pictures/, by its path on the web server: the trainee page shows it
    from there, the Telegram channel uploads the file, WhatsApp gets it from PUBLIC_URL."""
    if name:
        dispatcher.utter_message(image=f"/pictures/{name}")


def play(dispatcher: CollectingDispatcher, note: audio.Note, language: Text) -> None:
    """A voice note, by its URL on the web server, which makes it on first request: the widget
    plays it from there, the Telegram channel makes and uploads it, WhatsApp gets it from
    PUBLIC_URL. Sent before the text it reads, whose buttons stay the turn's last."""
    dispatcher.utter_message(json_message={"audio": note.url, "label": content().label("listen", language)})


def say(dispatcher: CollectingDispatcher, message: Message) -> None:
    dispatcher.utter_message(text=message.text, buttons=buttons(message.buttons))


def previous_turn(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The assistant's messages answering the trainee's message before this one, as Rasa keeps
    them: "repeat" shows them again after a reload or a dropped connection lost them."""
    users = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return []
    start, end = users[-2], users[-1]
    return [event for event in tracker.events[start:end] if event.get("event") == "bot" and event.get("text")]


def say_again(dispatcher: CollectingDispatcher, messages: Sequence[Dict[Text, Any]]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=(message.get("data") or {}).get("buttons") or [])
