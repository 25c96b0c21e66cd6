"""Explain a rule or a topic of IHL, in or out of a scenario."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import coaching


class ActionExplainRule(Action):
    def name(self) -> Text:
        return "action_explain_rule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language = runtime.content(), runtime.language(tracker)
        explanation = coaching.explain(
            content,
            language,
            rule_id=next(tracker.get_latest_entity_values("rule_id"), None),
            topic=next(tracker.get_latest_entity_values("ihl_topic"), None),
            text=tracker.latest_message.get("text") or "",
        )
        if explanation is None:
            buttons = runtime.buttons(coaching.topic_buttons(content, language))
            dispatcher.utter_message(response="utter_which_rule", buttons=buttons)
        else:
            dispatcher.utter_message(text=explanation.text)
        return []
