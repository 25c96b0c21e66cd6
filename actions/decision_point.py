"""Every message at a decision point: trainer.turn says what it is; an answer is recorded in one
store call and its feedback given, a request answered, then the decision point is shown again."""

from dataclasses import replace
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.audio import ActionSetAudio
from actions.knowledge import after_scenario
from actions.language import ActionSetLanguage
from actions.progress import ActionShowProgress
from actions.review import reviews
from actions.rules import ActionExplainRule
from actions.scenario import ActionGiveHint, ActionStartTraining, decision_point, present_decision_point, scenario_over
from trainer import audio, coaching, settings, turn
from trainer.db import StoreUnavailable
from trainer.progress import AnswerRecord, AttemptInfo, NotCurrentStep
from trainer.spaced_review import MISSED_GRADE
from trainer.text import printable


class ValidateScenarioForm(FormValidationAction):
    """Every message at a decision point comes here: trainer.turn says what it is; an answer is
    recorded and its feedback given, a request answered, then the decision point the trainee is
    now at is shown. The form has no ask action (Rasa then asks nothing), so a decision turn is
    one call to the action server, not two."""

    def name(self) -> Text:
        return "validate_scenario_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        return ["answer"]  # the form's one slot, so Rasa need not send the domain (domain.yml)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        if tracker.get_slot("scenario_state") != "playing":
            return await self._start(dispatcher, tracker, domain)
        events = await super().run(dispatcher, tracker, domain)
        # Still at a decision point, with no question pending about the last message: show it.
        if tracker.get_slot("answer") is None and not tracker.get_slot("pending_answer"):
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
        point, attempt_id = decision_point(tracker), runtime.attempt_id(tracker)
        if value is None:  # the slot was cleared, nothing was answered
            return {"answer": None}
        if point is None or attempt_id is None:
            return scenario_over(dispatcher, tracker, "done")
        message, language = tracker.latest_message, runtime.language(tracker)
        intent = message.get("intent") or {}
        typed = str(value)
        said = turn.Said(
            # No control or direction characters in what trainers read; the length limit is on
            # what was sent (the admission gate's), not on what printing would leave of it.
            typed if len(typed) > settings.MAX_ANSWER_CHARS else printable(typed),
            intent.get("name"),
            intent.get("confidence") or 0.0,
            next(tracker.get_latest_entity_values("option_id"), None),
            turn.Pending.from_json(tracker.get_slot("pending_answer")),
        )
        read = turn.read(said, point, runtime.grader(), runtime.content(), language)
        pending = runtime.changed(tracker, {"pending_answer": read.pending.to_json() if read.pending else None})
        if read.kind is turn.Kind.REQUEST:
            return {**await answer_request(read.request, dispatcher, tracker), **pending}
        if read.kind is turn.Kind.ASK:  # the question stays on screen: the point is not shown again
            runtime.say(dispatcher, read.reply)
        elif read.kind is turn.Kind.TOO_LONG:
            dispatcher.utter_message(response="utter_too_long", limit=settings.MAX_ANSWER_CHARS)
        elif read.kind is turn.Kind.WRONG_NUMBER:
            dispatcher.utter_message(response="utter_pick_a_number", count=len(point.options))
        elif read.kind is turn.Kind.REPHRASE:
            pending["unclear_count"] = one_more_unclear(tracker)
        if read.record is None:
            return {"answer": None, **pending}
        return {**await self._store_and_reply(read, dispatcher, tracker, attempt_id, language), **pending}

    async def _store_and_reply(
        self, read: turn.Turn, dispatcher, tracker, attempt_id: int, language
    ) -> Dict[Text, Any]:
        record = replace(
            read.record,
            hint_used=bool(tracker.get_slot("hint_used")),
            response_ms=response_ms(tracker),
            channel=runtime.channel_of(tracker),
            message_id=tracker.latest_message.get("message_id"),
        )
        try:
            recorded = await runtime.in_thread(runtime.progress().record_answer, attempt_id, record)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return {"answer": None}
        except NotCurrentStep:  # answered already: from another device, or saved after a timeout
            return await self._answered_already(dispatcher, tracker, attempt_id, language)
        if read.kind is turn.Kind.UNCLEAR:
            return {"answer": None, "unclear_count": one_more_unclear(tracker)}
        if record.grade is not None and record.grade <= MISSED_GRADE:  # it comes back for review
            attempt = recorded.attempt
            try:
                await runtime.in_thread(reviews().add_missed, attempt.trainee_id, attempt.scenario_id, record.step_id)
            except StoreUnavailable:
                pass  # the answer is saved; only its review is lost
        play_feedback(dispatcher, tracker, record, language)
        runtime.say(dispatcher, read.reply)
        if not record.finishes:
            return {
                "answer": None,
                **runtime.changed(tracker, {"step_id": record.next_node, "hint_used": False, "unclear_count": 0.0}),
            }
        await debrief(dispatcher, recorded.attempt, language)
        try:  # the after-test now due, or the certificate now earned
            await after_scenario(dispatcher, await runtime.trainee(tracker), language)
        except StoreUnavailable:
            pass  # offered at the next scenario; the menu has the test
        return scenario_over(dispatcher, tracker, "done")

    async def _answered_already(self, dispatcher, tracker, attempt_id: int, language) -> Dict[Text, Any]:
        """This point's answer was stored without the trainee seeing its feedback (the action
        server saved it after Rasa's apology, or another device answered): say it, then go on
        where the attempt is."""
        point = decision_point(tracker)
        try:
            attempt = await runtime.in_thread(runtime.progress().attempt, attempt_id)
            answers = await runtime.in_thread(runtime.progress().answers, attempt_id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return {"answer": None}
        saved = [a for a in answers if point is not None and a["step"] == point.step.id and a["grade"] is not None]
        if saved:
            dispatcher.utter_message(response="utter_answer_saved_earlier")
            runtime.say(
                dispatcher, turn.saved_feedback(saved[-1], point, runtime.grader(), runtime.content(), language)
            )
        if attempt is None or attempt.status != "in_progress":
            if attempt is not None and attempt.status == "completed":
                await debrief(dispatcher, attempt, language)
            return scenario_over(dispatcher, tracker, "done")
        return {"answer": None, "step_id": attempt.current_node, "hint_used": False, "unclear_count": 0.0}


def play_feedback(dispatcher: CollectingDispatcher, tracker: Tracker, record: AnswerRecord, language: Text) -> None:
    """A tapped option's feedback, read out to a trainee who chose audio (a typed answer's
    feedback is made from what they typed: there is nothing recorded to play)."""
    voice = tracker.get_slot("audio_voice")
    if voice and record.text is None and record.option_id:
        note = audio.feedback(voice, language, tracker.get_slot("scenario_id"), record.step_id, record.option_id)
        runtime.play(dispatcher, note, language)


async def debrief(dispatcher: CollectingDispatcher, attempt: AttemptInfo, language: Text) -> None:
    content = runtime.content()
    try:
        answers = await runtime.in_thread(runtime.progress().answers, attempt.id)
        attempts = await runtime.in_thread(runtime.progress().attempts, attempt.trainee_id)
    except StoreUnavailable:
        answers, attempts = [], []
    scenario = content.scenario(attempt.scenario_id)
    order = [s for s in coaching.scenario_order(content, attempts) if s.id != scenario.id]
    reply = coaching.debrief(
        content, scenario, answers, attempt.score, attempt.current_node, language, order[0] if order else None
    )
    runtime.say(dispatcher, reply)


def one_more_unclear(tracker: Tracker) -> float:
    """The count of messages in a row at this point that gave nothing to grade, one more."""
    return float((tracker.get_slot("unclear_count") or 0) + 1)


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


async def answer_request(name: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """Answer a request made at a decision point; the form then shows the same point again."""
    if name == "stop_scenario":
        dispatcher.utter_message(response="utter_stopped")
        return scenario_over(dispatcher, tracker, "paused")
    result: Dict[Text, Any] = {"answer": None, "unclear_count": 0.0}
    if name == "help":
        dispatcher.utter_message(response="utter_help")
    if name == "repeat":  # the feedback before the point, which the form then shows again
        runtime.say_again(dispatcher, runtime.previous_turn(tracker)[:-1])
    action = {
        "hint": ActionGiveHint,
        "explain_rule": ActionExplainRule,
        "my_progress": ActionShowProgress,
        "set_language": ActionSetLanguage,
        "set_audio": ActionSetAudio,
    }.get(name)
    for event in await action().run(dispatcher, tracker, {}) if action else []:
        if event.get("event") == "slot":
            result[event["name"]] = event["value"]
    return result
