"""Keep the `language` slot in step with the trainee."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from trainer.language import SUPPORTED_LANGUAGES, detect_language


class ActionDetectLanguage(Action):
    """Set `language` from the client's metadata (the web widget sends the page language),
    else from the words of the message; leave it unchanged when neither says anything."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = _language_from_metadata(tracker) or detect_language(
            tracker.latest_message.get("text") or ""
        )
        if language is None or language == tracker.get_slot("language"):
            return []
        return [SlotSet("language", language)]


def _language_from_metadata(tracker: Tracker) -> Optional[str]:
    metadata = tracker.latest_message.get("metadata") or {}
    language = str(metadata.get("language") or "").lower()[:2]
    return language if language in SUPPORTED_LANGUAGES else None
