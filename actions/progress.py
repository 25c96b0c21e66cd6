"""The trainee's own progress."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import coaching
from trainer.db import StoreUnavailable


class ActionShowProgress(Action):
    def name(self) -> Text:
        return "action_show_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
            attempts = await runtime.in_thread(runtime.progress().attempts, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        dispatcher.utter_message(text=coaching.progress(runtime.content(), attempts, runtime.language(tracker)).text)
        if tracker.get_slot("scenario_state") != "playing":  # in a scenario the decision point follows
            dispatcher.utter_message(response="utter_menu")
        return []
