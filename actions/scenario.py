"""Playing a scenario: start or resume it, present each decision point, grade and record the
answer, give feedback, and move along the branch the answer chose."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import coaching
from trainer.content import Scenario, Step, localized
from trainer.engine import option_for_grade
from trainer.progress import AttemptInfo, NotCurrentStep, StoreUnavailable
from trainer.scoring import MAX_ANSWER_CHARS
from trainer.text import words

# At a decision point, a short message confidently classified as one of these intents is a
# request, answered before the decision point is shown again; anything else is an answer and is
# graded (a trainee who writes "I shout stop and light my torch" is answering, not stopping).
PRESENT_AGAIN = ("repeat", "greet", "resume_training", "start_training")
CONTROLS = PRESENT_AGAIN + ("hint", "explain_rule", "set_language", "help", "my_progress", "stop_scenario")
CONTROL_CONFIDENCE = 0.8
CONTROL_MAX_WORDS = 5


def playing(attempt: AttemptInfo) -> List[Dict[Text, Any]]:
    """Slots that put the conversation at the attempt's current step."""
    return [
        SlotSet("scenario_state", "playing"), SlotSet("scenario_id", attempt.scenario_id),
        SlotSet("attempt_id", float(attempt.id)), SlotSet("step_id", attempt.current_node),
        SlotSet("hint_used", False), SlotSet("unclear_count", 0.0), SlotSet("answer", None),
    ]  # fmt: skip


# The slots of a conversation outside any scenario.
OUTSIDE_SCENARIO = {"scenario_state": "idle", "scenario_id": None, "attempt_id": None, "step_id": None}


def idle() -> List[Dict[Text, Any]]:
    return [SlotSet(name, value) for name, value in {**OUTSIDE_SCENARIO, "answer": None}.items()]


def current(tracker: Tracker) -> Optional[tuple]:
    """(scenario, step) the trainee is at, or None outside a scenario."""
    scenario_id, step_id = tracker.get_slot("scenario_id"), tracker.get_slot("step_id")
    scenario = runtime.content().scenarios.get(scenario_id or "")
    if scenario is None or step_id not in scenario.steps:
        return None
    return scenario, scenario.steps[step_id]


def _briefing(dispatcher: CollectingDispatcher, scenario: Scenario, language: Text) -> None:
    briefing = {key: localized(text, language) for key, text in scenario.briefing.items()}
    dispatcher.utter_message(response="utter_briefing", title=localized(scenario.title, language), **briefing)


class ActionStartTraining(Action):
    """Start the scenario the trainee named, or list the scenarios, the recommended one first."""

    def name(self) -> Text:
        return "action_start_training"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        content, language = runtime.content(), runtime.language(tracker)
        wanted = next(tracker.get_latest_entity_values("scenario"), None)
        if wanted not in content.scenarios and not (tracker.latest_message.get("text") or "").startswith("/"):
            named = coaching.scenario_named(content, tracker.latest_message.get("text") or "")
            wanted = named.id if named else None
        try:
            trainee = await runtime.trainee(tracker)
            if wanted in content.scenarios:
                scenario = content.scenario(wanted)
                attempt = await runtime.in_thread(runtime.store().start_attempt, trainee.id, scenario.id, scenario.start)
                _briefing(dispatcher, scenario, language)
                return playing(attempt)
            attempts = await runtime.in_thread(runtime.store().attempts, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return idle()
        buttons = [
            {"title": localized(s.title, language), "payload": f'/start_training{{"scenario": "{s.id}"}}'}
            for s in coaching.scenario_order(content, attempts)
        ]
        dispatcher.utter_message(response="utter_choose_scenario", buttons=buttons)
        return idle()


class ActionResumeTraining(Action):
    """Continue exactly where the trainee stopped, or show the menu when nothing is unfinished."""

    def name(self) -> Text:
        return "action_resume_training"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
            attempt = await runtime.in_thread(runtime.store().active_attempt, trainee.id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return idle()
        if attempt is None:
            dispatcher.utter_message(response="utter_menu")
            return idle()
        title = localized(runtime.content().scenario(attempt.scenario_id).title, runtime.language(tracker))
        dispatcher.utter_message(text=runtime.content().label("resuming", runtime.language(tracker), title=title))
        return playing(attempt)


def present_decision_point(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Show the decision point the trainee is at; after an unclear answer, ask to rephrase once,
    then offer the options."""
    where = current(tracker)
    if where is None:
        return
    _, step = where
    language = runtime.language(tracker)
    unclear = int(tracker.get_slot("unclear_count") or 0)
    if unclear == 1:
        dispatcher.utter_message(response="utter_rephrase")
    elif unclear >= 2:
        dispatcher.utter_message(response="utter_pick_an_option")
        _present_options(dispatcher, step, language, with_prompt=False)
    else:
        _present_options(dispatcher, step, language, with_prompt=True)


def _present_options(dispatcher, step: Step, language: Text, with_prompt: bool) -> None:
    """The options as buttons; channels without buttons show them as a numbered list."""
    prompt = localized(step.prompt, language) if with_prompt else ""
    dispatcher.utter_message(text=prompt or "…", buttons=coaching.option_buttons(step, language))


class ValidateScenarioForm(FormValidationAction):
    """Every message at a decision point comes here: it is graded and recorded (or answered, if
    it is a request such as a hint), then the decision point the trainee is now at is shown. The
    form has no ask action (Rasa then asks nothing), so a decision turn is one call to the
    action server, not two."""

    def name(self) -> Text:
        return "validate_scenario_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        return ["answer"]  # the form's one slot, so Rasa need not send the domain (domain.yml)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("scenario_state") != "playing":
            return await self._start(dispatcher, tracker, domain)
        events = await super().run(dispatcher, tracker, domain)
        if tracker.get_slot("answer") is None:  # still at a decision point (rasa_sdk applied the events)
            present_decision_point(dispatcher, tracker)
        return events

    @staticmethod
    async def _start(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        """The form opened on a message naming a scenario (a button of the list, data/rules):
        the briefing and the first decision point in this one call. A scenario that cannot
        start is told as action_start_training tells it, and the form closes at once."""
        events = await ActionStartTraining().run(dispatcher, tracker, domain)
        tracker.add_slots(events)
        if tracker.get_slot("scenario_state") != "playing":
            return events + [SlotSet("answer", "done")]
        present_decision_point(dispatcher, tracker)
        return events

    async def validate_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # the slot was cleared, nothing was answered
            return {"answer": None}
        where, attempt_id = current(tracker), runtime.attempt_id(tracker)
        if where is None or attempt_id is None:
            return scenario_over(dispatcher, tracker, "done")
        scenario, step = where
        language, message = runtime.language(tracker), tracker.latest_message
        intent = message.get("intent") or {}
        text = str(value)
        if len(text) > MAX_ANSWER_CHARS:  # not graded nor kept: asked again, shorter
            dispatcher.utter_message(response="utter_too_long", limit=MAX_ANSWER_CHARS)
            return {"answer": None}
        graded = None
        if _is_control(intent, text):
            # "Arrête-les" at a reprisal is an answer, though it reads like "stop": a short request
            # that the rubric grades is taken as an answer unless it names the exercise itself.
            if not text.startswith("/") and not _names_the_exercise(text):
                graded = runtime.scorer().grade(scenario.id, step.id, text)
            if graded is None or graded.grade is None:
                return await _control(intent["name"], dispatcher, tracker)
        if text.startswith("/") and intent.get("name") != "choose_option":
            return {"answer": None}  # a button from elsewhere (menu, scenario list): not an answer
        option = None if graded else coaching.option_by_reply(step, text)
        if option is None and graded is None and coaching.reply_number(text) is not None:  # "7" with 3 options
            dispatcher.utter_message(response="utter_pick_a_number", count=len(step.options))
            return {"answer": None}
        if intent.get("name") == "choose_option" and option is None and graded is None:
            option = step.option(next(tracker.get_latest_entity_values("option_id"), "") or "")
            if option is None and text.startswith("/"):  # a button of an earlier step: show the current one
                return {"answer": None}
        if option is None:
            graded = graded or runtime.scorer().grade(scenario.id, step.id, text)
            if graded.grade is None:
                try:  # kept for the transcript; it does not move the attempt
                    await self._record(tracker, attempt_id, step.id, None, step.id, False, None, text, graded)
                except StoreUnavailable:
                    dispatcher.utter_message(response="utter_not_saved")
                    return {"answer": None}
                return {"answer": None, "unclear_count": float((tracker.get_slot("unclear_count") or 0) + 1)}
            option = option_for_grade(step, graded.grade)
        grade = graded.grade if graded else option.grade
        finishes = option.next in scenario.endings
        try:
            recorded = await self._record(
                tracker, attempt_id, step.id, grade, option.next, finishes, option.id,
                text if graded else None, graded,
            )  # fmt: skip
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return {"answer": None}
        except NotCurrentStep:
            attempt = await runtime.in_thread(runtime.store().attempt, attempt_id)
            if attempt is None or attempt.status != "in_progress":
                return scenario_over(dispatcher, tracker, "done")
            return {"answer": None, "step_id": attempt.current_node}

        reply = coaching.feedback(runtime.content(), step, option, language, graded)
        dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons))
        if not finishes:
            return {"answer": None, **runtime.changed(tracker, {"step_id": option.next, "hint_used": False, "unclear_count": 0.0})}
        await self._debrief(dispatcher, tracker, scenario, recorded.attempt, language)
        return scenario_over(dispatcher, tracker, "done")

    @staticmethod
    async def _record(tracker, attempt_id, step_id, grade, next_node, finishes, option_id, text, graded):
        return await runtime.in_thread(
            runtime.store().record_answer, attempt_id, step_id,
            grade=grade, next_node=next_node, finishes=finishes, option_id=option_id, text=text,
            concepts=graded.concepts if graded else (), missed=graded.missed if graded else (),
            red_flags=graded.red_flags if graded else (),
            hint_used=bool(tracker.get_slot("hint_used")),
            response_ms=response_ms(tracker),
            channel=runtime.channel_of(tracker),
            message_id=tracker.latest_message.get("message_id"),
        )  # fmt: skip

    @staticmethod
    async def _debrief(dispatcher, tracker, scenario, attempt, language) -> None:
        try:
            answers = await runtime.in_thread(runtime.store().answers, attempt.id)
            attempts = await runtime.in_thread(runtime.store().attempts, attempt.trainee_id)
        except StoreUnavailable:
            answers, attempts = [], []
        order = [s for s in coaching.scenario_order(runtime.content(), attempts) if s.id != scenario.id]
        reply = coaching.debrief(
            runtime.content(), scenario, answers, attempt.score, attempt.current_node, language,
            order[0] if order else None,
        )  # fmt: skip
        dispatcher.utter_message(text=reply.text)


def scenario_over(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Text) -> Dict[Text, Any]:
    """The form ends with this answer ("done" or "paused") and the conversation leaves the
    scenario; the trainee is offered what next, unless they paused (already confirmed). Said
    here rather than by an action after the form: one action-server call less per ending."""
    if answer != "paused":
        dispatcher.utter_message(response="utter_scenario_finished")
    return {"answer": answer, **runtime.changed(tracker, OUTSIDE_SCENARIO)}


def response_ms(tracker: Tracker) -> Optional[int]:
    """How long the trainee took to answer: from the assistant's last message before the answer
    (the decision point, shown again after any interruption) to the answer, by Rasa's clock."""
    answered_at = None
    for event in reversed(tracker.events):
        if event.get("event") == "user" and answered_at is None:
            answered_at = event.get("timestamp")
            if answered_at is None:
                return None
        elif event.get("event") == "bot" and answered_at is not None:
            shown_at = event.get("timestamp")
            return int((answered_at - shown_at) * 1000) if shown_at is not None else None
    return None


_EXERCISE_WORDS = frozenset("scenario scenarios exercise exercice training entrainement pause quit quitter".split())


def _names_the_exercise(text: Text) -> bool:
    return any(word in _EXERCISE_WORDS for word in words(text))


def _is_control(intent: Dict[Text, Any], text: Text) -> bool:
    if intent.get("name") not in CONTROLS:
        return False
    if text.startswith("/"):  # a button (menu, "explain this rule"...): always a request
        return True
    return (intent.get("confidence") or 0) >= CONTROL_CONFIDENCE and len(text.split()) <= CONTROL_MAX_WORDS


async def _control(name: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """Answer a request made at a decision point; the form then shows the same point again."""
    from actions.language import ActionSetLanguage
    from actions.progress import ActionShowProgress
    from actions.rules import ActionExplainRule

    if name == "stop_scenario":
        dispatcher.utter_message(response="utter_stopped")
        return scenario_over(dispatcher, tracker, "paused")
    result: Dict[Text, Any] = {"answer": None, "unclear_count": 0.0}
    if name == "help":
        dispatcher.utter_message(response="utter_help")
    elif name in ("hint", "explain_rule", "my_progress", "set_language"):
        action = {"hint": ActionGiveHint, "explain_rule": ActionExplainRule,
                  "my_progress": ActionShowProgress, "set_language": ActionSetLanguage}[name]()
        for event in await action.run(dispatcher, tracker, {}):
            if event.get("event") == "slot":
                result[event["name"]] = event["value"]
    return result


class ActionGiveHint(Action):
    def name(self) -> Text:
        return "action_give_hint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        where = current(tracker)
        if where is None:
            dispatcher.utter_message(response="utter_no_scenario")
            return []
        dispatcher.utter_message(response="utter_hint", hint=localized(where[1].hint, runtime.language(tracker)))
        return [SlotSet("hint_used", True)]


class ActionStopScenario(Action):
    """Pause: the attempt stays in the record at its current step, ready to resume."""

    def name(self) -> Text:
        return "action_stop_scenario"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if current(tracker) is None:
            dispatcher.utter_message(response="utter_no_scenario")
        else:
            dispatcher.utter_message(response="utter_stopped")
        return idle() + [SlotSet("requested_slot", None)]
