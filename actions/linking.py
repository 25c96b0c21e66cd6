"""One trainee on several apps: a code made on one app, sent from another, joins them."""

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer.db import StoreUnavailable
from trainer.identities import CODE_ALPHABET, UnknownCode

# A code is six characters of the store's alphabet; ordinary words of six letters also match,
# so every candidate is tried and the unknown ones are skipped.
_CANDIDATE = re.compile(rf"\b[{CODE_ALPHABET}]{{6}}\b", re.I)


class ActionLinkAccount(Action):
    """With a code: join this app to the trainee who made it. Without: make a code to send
    from the other app."""

    def name(self) -> Text:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        given = next(tracker.get_latest_entity_values("link_code"), None)
        text = tracker.latest_message.get("text") or ""
        candidates = [given] if given else [] if text.startswith("/") else _CANDIDATE.findall(text)
        store = runtime.trainees()
        try:
            for candidate in candidates:
                try:
                    trainee = await runtime.in_thread(
                        store.redeem_link_code, runtime.channel_of(tracker), tracker.sender_id, candidate
                    )
                except UnknownCode:
                    continue
                dispatcher.utter_message(response="utter_linked", name=trainee.display_name or "")
                dispatcher.utter_message(response="utter_menu")
                return [
                    SlotSet("language", trainee.language),
                    SlotSet("profile", "complete" if trainee.display_name else "new"),
                ]
            if candidates:
                dispatcher.utter_message(response="utter_bad_link_code")
                return []
            trainee = await runtime.trainee(tracker)
            code = await runtime.in_thread(store.create_link_code, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        dispatcher.utter_message(response="utter_link_code", code=code)
        return []
