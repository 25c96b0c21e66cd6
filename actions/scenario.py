"""Playing a scenario: start or resume it, present its decision points, give a hint, pause.
What happens to a message at a decision point is in actions/decision_point.py."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import audio, coaching, turn
from trainer.content import localized
from trainer.db import StoreUnavailable
from trainer.engine import shown_options
from trainer.progress import AttemptInfo

# The slots of a conversation outside any scenario.
OUTSIDE_SCENARIO = {
    "scenario_state": "idle",
    "scenario_id": None,
    "attempt_id": None,
    "step_id": None,
    "pending_answer": None,
}


def playing(attempt: AttemptInfo) -> List[Dict[Text, Any]]:
    """Slots that put the conversation at the attempt's current step."""
    values = {
        "scenario_state": "playing",
        "scenario_id": attempt.scenario_id,
        "attempt_id": float(attempt.id),
        "step_id": attempt.current_node,
        "hint_used": False,
        "unclear_count": 0.0,
        "pending_answer": None,
        "answer": None,
    }
    return [SlotSet(name, value) for name, value in values.items()]


def idle() -> List[Dict[Text, Any]]:
    return [SlotSet(name, value) for name, value in {**OUTSIDE_SCENARIO, "answer": None}.items()]


def decision_point(tracker: Tracker) -> Optional[turn.DecisionPoint]:
    """The decision point the trainee is at, its options in their attempt's order; None outside one."""
    scenario = runtime.content().scenarios.get(tracker.get_slot("scenario_id") or "")
    step = scenario.steps.get(tracker.get_slot("step_id") or "") if scenario else None
    attempt_id = runtime.attempt_id(tracker)
    if step is None or attempt_id is None:
        return None
    return turn.DecisionPoint(scenario, step, shown_options(step, attempt_id))


class ActionStartTraining(Action):
    """Start the scenario the trainee named, or list the scenarios, the recommended one first."""

    def name(self) -> Text:
        return "action_start_training"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language, text = runtime.content(), runtime.language(tracker), tracker.latest_message.get("text") or ""
        wanted = next(tracker.get_latest_entity_values("scenario"), None)
        if wanted not in content.scenarios and not text.startswith("/"):
            named = coaching.scenario_named(content, text)
            wanted = named.id if named else None
        try:
            trainee = await runtime.trainee(tracker)
            if wanted in content.scenarios:
                scenario = content.scenario(wanted)
                attempt = await runtime.in_thread(
                    runtime.progress().start_attempt, trainee.id, scenario.id, scenario.start
                )
                briefing = {key: localized(text, language) for key, text in scenario.briefing.items()}
                runtime.show_picture(dispatcher, scenario.picture)
                voice = tracker.get_slot("audio_voice")
                if voice:
                    runtime.play(dispatcher, audio.briefing(voice, language, scenario), language)
                dispatcher.utter_message(
                    response="utter_briefing", title=localized(scenario.title, language), **briefing
                )
                return playing(attempt)
            attempts = await runtime.in_thread(runtime.progress().attempts, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return idle()
        listed = coaching.scenario_list(content, attempts, language, everything=wanted == coaching.MORE_SCENARIOS)
        dispatcher.utter_message(response="utter_choose_scenario", buttons=runtime.buttons(listed))
        return idle()


class ActionResumeTraining(Action):
    """Continue exactly where the trainee stopped. When nothing is unfinished, "repeat" says the
    last turn again (the debrief, say) and anything else shows the menu."""

    def name(self) -> Text:
        return "action_resume_training"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
            attempt = await runtime.in_thread(runtime.progress().active_attempt, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return idle()
        if attempt is None:
            asked = (tracker.latest_message.get("intent") or {}).get("name")
            said = runtime.previous_turn(tracker) if asked == "repeat" else []
            if said:  # e.g. the debrief and its buttons, lost to a reload
                runtime.say_again(dispatcher, said)
            else:
                dispatcher.utter_message(response="utter_menu")
            return idle()
        language = runtime.language(tracker)
        title = localized(runtime.content().scenario(attempt.scenario_id).title, language)
        dispatcher.utter_message(text=runtime.content().label("resuming", language, title=title))
        return playing(attempt)


def present_decision_point(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Show the decision point the trainee is at; after an unclear answer, ask to rephrase once,
    then offer the options. The "Explain" button of the feedback just given is offered again
    beside the options: widgets show only the last message's buttons."""
    point = decision_point(tracker)
    if point is None:
        return
    language, unclear = runtime.language(tracker), int(tracker.get_slot("unclear_count") or 0)
    if unclear == 1:
        dispatcher.utter_message(response="utter_rephrase")
        return
    explain = [
        b for m in dispatcher.messages[-1:] for b in m.get("buttons") or [] if b["payload"].startswith("/explain_rule")
    ]
    buttons = runtime.buttons(coaching.option_buttons(point.options, language)) + explain
    if unclear >= 2:  # one bubble: "pick the answer closest to yours" and the options
        dispatcher.utter_message(response="utter_pick_an_option", buttons=buttons)
    else:
        runtime.show_picture(dispatcher, point.step.picture)
        voice = tracker.get_slot("audio_voice")
        if voice:
            note = audio.decision_point(voice, language, point.scenario, point.step.id, point.options)
            runtime.play(dispatcher, note, language)
        dispatcher.utter_message(text=localized(point.step.prompt, language), buttons=buttons)


def scenario_over(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Text) -> Dict[Text, Any]:
    """The form ends with this answer ("done" or "paused") and the conversation leaves the
    scenario; the trainee is offered what next, unless they paused (already confirmed). Said
    here rather than by an action after the form: one action-server call less per ending."""
    if answer != "paused":
        dispatcher.utter_message(response="utter_scenario_finished")
    return {"answer": answer, **runtime.changed(tracker, OUTSIDE_SCENARIO)}


class ActionGiveHint(Action):
    def name(self) -> Text:
        return "action_give_hint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        point = decision_point(tracker)
        if point is None:
            dispatcher.utter_message(response="utter_no_scenario")
            return []
        language, voice = runtime.language(tracker), tracker.get_slot("audio_voice")
        if voice:
            runtime.play(dispatcher, audio.hint(voice, language, point.scenario.id, point.step.id), language)
        dispatcher.utter_message(response="utter_hint", hint=localized(point.step.hint, language))
        return [SlotSet("hint_used", True)]


class ActionStopScenario(Action):
    """Pause: the attempt stays in the record at its current step, ready to resume."""

    def name(self) -> Text:
        return "action_stop_scenario"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_no_scenario" if decision_point(tracker) is None else "utter_stopped")
        return idle() + [SlotSet("requested_slot", None)]
