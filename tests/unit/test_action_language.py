import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionDetectLanguage


def tracker_with(text, language="en", metadata=None):
    return Tracker(
        sender_id="trainee-1",
        slots={"language": language},
        latest_message={"text": text, "intent": {"name": "greet"}, "metadata": metadata or {}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    "tracker, expected_events",
    [
        (tracker_with("bonjour"), [SlotSet("language", "fr")]),
        (tracker_with("hello", language="fr"), [SlotSet("language", "en")]),
        (tracker_with("hello"), []),  # already English: nothing to change
        (tracker_with("ok", language="fr"), []),  # no sign in the text: stay in French
        (tracker_with("hello", metadata={"language": "fr-FR"}), [SlotSet("language", "fr")]),
        (tracker_with("bonjour", metadata={"language": "de"}), [SlotSet("language", "fr")]),
    ],
    ids=["french-text", "english-text", "unchanged", "no-sign", "metadata-wins", "bad-metadata"],
)
def test_detect_language_sets_the_slot(tracker, expected_events):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionDetectLanguage().run(dispatcher, tracker, {}))
    assert events == expected_events
    assert dispatcher.messages == []
