"""Out of scope, abuse and gibberish: a short redirect; twice in a row, the menu."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

MISUNDERSTOOD = ("nlu_fallback", "out_of_scope")


def misunderstandings_in_a_row(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if (event.get("parse_data", {}).get("intent") or {}).get("name") not in MISUNDERSTOOD:
                break
            count += 1
    return count


class ActionMisunderstood(Action):
    def name(self) -> Text:
        return "action_misunderstood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response="utter_out_of_scope" if intent == "out_of_scope" else "utter_default")
        if misunderstandings_in_a_row(tracker) >= 2:
            dispatcher.utter_message(response="utter_menu")
        return []
