"""What every action shares in one action-server process: the training content (read-only,
loaded once) and the connection pool of the progress store. Nothing here belongs to a trainee;
a trainee's state lives in their tracker's slots and in the database."""
import asyncio
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Text, TypeVar

from rasa_sdk import Tracker

from trainer.content import Content, load_content
from trainer.progress import ProgressStore, TraineeInfo
from trainer.scoring import Scorer

T = TypeVar("T")


@lru_cache(maxsize=1)
def content() -> Content:
    return load_content()


@lru_cache(maxsize=1)
def scorer() -> Scorer:
    return Scorer(content())


@lru_cache(maxsize=1)
def store() -> ProgressStore:
    return ProgressStore()


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call without holding up the action server's event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def channel_of(tracker: Tracker) -> Text:
    return tracker.get_latest_input_channel() or "unknown"


async def trainee(tracker: Tracker) -> TraineeInfo:
    return await in_thread(store().trainee_for, channel_of(tracker), tracker.sender_id)


def language(tracker: Tracker) -> Text:
    return tracker.get_slot("language") or "en"


def changed(tracker: Tracker, slots: Dict[Text, Any]) -> Dict[Text, Any]:
    """Only the slots whose value changes: every slot event is stored, then reloaded and sent
    to the action server on each later turn of the conversation."""
    return {name: value for name, value in slots.items() if tracker.get_slot(name) != value}


def attempt_id(tracker: Tracker) -> Optional[int]:
    value = tracker.get_slot("attempt_id")
    return int(value) if value is not None else None
