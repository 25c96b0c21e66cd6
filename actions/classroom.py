"""Classroom mode on a trainee's phone: join the session shown on the screen with its code, vote
on the decision point on screen (trainer/classroom.py keeps the votes)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.linking import code_in
from trainer import coaching
from trainer.classroom import ClassInfo, Classroom, shown_options
from trainer.db import StoreUnavailable
from trainer.identities import UnknownCode
from trainer.throttle import TooManyAttempts


def classroom() -> Classroom:
    return Classroom(runtime.database())


def show_current(dispatcher: CollectingDispatcher, room: ClassInfo, language: Text) -> None:
    content = runtime.content()
    scenario = content.scenario(room.scenario_id)
    step = scenario.steps.get(room.current_node)
    if room.finished or step is None:
        dispatcher.utter_message(text=content.label("class_over", language))
        dispatcher.utter_message(response="utter_menu")
        return
    options = shown_options(step, room.id)
    runtime.say(dispatcher, coaching.class_decision(content, scenario, step, options, room.id, language))


class ActionJoinClass(Action):
    """ "join CODE": the decision point on the classroom screen, with vote buttons."""

    def name(self) -> Text:
        return "action_join_class"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        language = runtime.language(tracker)
        text = tracker.latest_message.get("text") or ""
        code = next(tracker.get_latest_entity_values("class_code"), None) or (
            None if text.startswith("/") else code_in(text)
        )
        try:
            trainee = await runtime.trainee(tracker)
            guesser = f"{runtime.channel_of(tracker)} {tracker.sender_id}"
            room = await runtime.in_thread(classroom().join, code or "", trainee.id, guesser)
        except (UnknownCode, TooManyAttempts):
            dispatcher.utter_message(response="utter_bad_class_code")
            return []
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        show_current(dispatcher, room, language)
        return []


class ActionClassVote(Action):
    """A vote button: counted for the decision point on screen; a stale one shows the current."""

    def name(self) -> Text:
        return "action_class_vote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language = runtime.content(), runtime.language(tracker)
        session_id, _, option_id = (next(tracker.get_latest_entity_values("class_option"), None) or "").partition(":")
        try:
            trainee = await runtime.trainee(tracker)
            room = (
                await runtime.in_thread(classroom().member_session, int(session_id), trainee.id)
                if session_id.isdigit()
                else None
            )
            if room is None:
                dispatcher.utter_message(response="utter_bad_class_code")
                return []
            step = content.scenario(room.scenario_id).steps.get(room.current_node)
            option = step.option(option_id) if step and not room.finished else None
            if option is None:  # the trainer has moved on: vote on what is on screen now
                show_current(dispatcher, room, language)
                return []
            await runtime.in_thread(classroom().vote, room.id, trainee.id, step.id, option.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        runtime.say(dispatcher, coaching.class_vote_counted(content, option, room.code, language))
        return []
