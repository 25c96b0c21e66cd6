"""Keep the `language` slot in step with the trainee."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from trainer.db import StoreUnavailable
from trainer.language import SUPPORTED_LANGUAGES, detect_language


class ActionDetectLanguage(Action):
    """Until the trainee has chosen a language (profile still "new"), guess it from the client's
    metadata (the web widget sends the page language), else from the words of the message;
    leave it unchanged when neither says anything. A chosen language is never overridden."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_slot("profile") == "complete":
            return []
        language = _language_from_metadata(tracker) or detect_language(tracker.latest_message.get("text") or "")
        if language is None or language == tracker.get_slot("language"):
            return []
        return [SlotSet("language", language)]


def _language_from_metadata(tracker: Tracker) -> Optional[str]:
    metadata = tracker.latest_message.get("metadata") or {}
    language = str(metadata.get("language") or "").lower()[:2]
    return language if language in SUPPORTED_LANGUAGES else None


class ActionSetLanguage(Action):
    """Switch to the language asked for (or the other one), remember it for the trainee, and
    confirm in the new language; the current prompt is then repeated by the form."""

    def name(self) -> Text:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        wanted = str(next(tracker.get_latest_entity_values("language"), "") or "").lower()[:2]
        if wanted not in SUPPORTED_LANGUAGES:
            wanted = "fr" if tracker.get_slot("language") == "en" else "en"
        try:
            trainee = await runtime.trainee(tracker)
            await runtime.in_thread(runtime.trainees().update_trainee, trainee.id, language=wanted)
        except StoreUnavailable:
            pass  # the slot still carries the choice for this conversation
        dispatcher.utter_message(text=runtime.content().label("language_set", wanted))
        return [SlotSet("language", wanted)]
