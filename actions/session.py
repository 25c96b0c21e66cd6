"""A new session that carries on where the last one stopped."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionSessionStart(Action):
    """Rasa starts a new session after `session_expiration_time` without a message, so the
    conversation it loads, replays and sends to the action server on every turn stays short.
    Rasa's own session start carries the slots over but closes any form; this one keeps an open
    form too, so a trainee who comes back answers the same decision point (or goes on with the
    profile) as if no time had passed."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        carried = [SlotSet(name, value) for name, value in tracker.slots.items() if value is not None]
        form = (tracker.active_loop or {}).get("name")
        return [SessionStarted(), *carried, *([ActiveLoop(form)] if form else []), ActionExecuted("action_listen")]
