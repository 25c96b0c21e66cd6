"""One trainee on several apps: a code made on one app, sent from another, then sent again on
the first to confirm, joins them (trainer/identities.py says why it takes both)."""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer.db import StoreUnavailable
from trainer.identities import CODE_ALPHABET, LINKED, UnknownCode
from trainer.throttle import TooManyAttempts

_CANDIDATE = re.compile(rf"\b[{CODE_ALPHABET}]{{6}}\b", re.I)


def code_in(text: Text) -> Optional[Text]:
    """The one code a message may try. Ordinary six-letter words match the pattern too, so a
    word written as codes are (capitals, a digit) is preferred, else the last candidate."""
    candidates = _CANDIDATE.findall(text)
    codelike = [c for c in candidates if c.isupper() or any(ch.isdigit() for ch in c)]
    return (codelike or candidates or [None])[-1]


class ActionLinkAccount(Action):
    """With a code: claim it from this app, or confirm it on the app that made it. Without: make
    a code to send from the other app."""

    def name(self) -> Text:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        given = next(tracker.get_latest_entity_values("link_code"), None)
        code = given or (None if text.startswith("/") else code_in(text))
        store = runtime.trainees()
        try:
            if code is None:
                trainee = await runtime.trainee(tracker)
                made = await runtime.in_thread(store.create_link_code, trainee.id)
                dispatcher.utter_message(response="utter_link_code", code=made)
                return []
            outcome, trainee = await runtime.in_thread(
                store.use_link_code, runtime.channel_of(tracker), tracker.sender_id, code
            )
        except UnknownCode:
            dispatcher.utter_message(response="utter_bad_link_code")
            return []
        except TooManyAttempts as refused:
            dispatcher.utter_message(response="utter_too_many_codes", minutes=refused.minutes)
            return []
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        if outcome != LINKED:
            dispatcher.utter_message(response="utter_link_claimed", code=code.upper())
            return []
        dispatcher.utter_message(response="utter_linked", name=trainee.display_name or "")
        dispatcher.utter_message(response="utter_menu")
        return [
            SlotSet("language", trainee.language),
            SlotSet("profile", "complete" if trainee.display_name else "new"),
        ]
