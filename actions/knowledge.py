"""The knowledge check in the conversation: the before-test at enrolment, the after-test once
the scenarios are played (or the trainer opens it), a question at a time, each answer told
right or wrong with its rule (trainer/knowledge.py keeps the record)."""

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import coaching, knowledge, settings
from trainer.certificates import Certificates, earned
from trainer.content import AFTER_FORM, CheckItem, Content
from trainer.db import StoreUnavailable
from trainer.identities import TraineeInfo
from trainer.knowledge import CheckInfo, Checks


def checks() -> Checks:
    return Checks(runtime.database())


async def scenarios_left(trainee: TraineeInfo) -> int:
    attempts = await runtime.in_thread(runtime.progress().attempts, trainee.id)
    done = {attempt.scenario_id for attempt in attempts if attempt.status == "completed"}
    return len(set(runtime.content().scenarios) - done)


async def after_scenario(dispatcher: CollectingDispatcher, trainee: TraineeInfo, language: Text) -> None:
    """After a debrief: the last scenario played opens the after-test (offered here), or, the
    after-test passed already, brings the certificate."""
    taken = await runtime.in_thread(checks().checks, trainee.id)
    after = taken.get("after")
    if after is None or not after.finished:
        opened = await runtime.in_thread(checks().after_test_open, trainee.id)
        if knowledge.due(taken, await scenarios_left(trainee) == 0, opened) == "after":
            runtime.say(dispatcher, coaching.check_offer(runtime.content(), language, after=True))
        return
    await certificate_if_earned(dispatcher, trainee, after, language)


async def certificate_if_earned(
    dispatcher: CollectingDispatcher, trainee: TraineeInfo, after: Optional[CheckInfo], language: Text
) -> None:
    """Give the certificate once the trainee has played every scenario and passed the
    after-test (`after`, as the caller just read or recorded it), whichever came last; say
    where to get it and check it."""
    score = knowledge.percent(list(after.answered.values())) if after and after.finished else None
    if not earned(score, await scenarios_left(trainee)):
        return
    store, content = Certificates(runtime.database()), runtime.content()
    if await runtime.in_thread(store.for_trainee, trainee.id) is not None:
        return  # given already
    principles = sorted({p for scenario in content.scenarios.values() for p in scenario.principles})
    certificate = await runtime.in_thread(store.issue, trainee.id, score or 0.0, principles)
    dispatcher.utter_message(
        text=coaching.certificate_message(content, certificate.code, settings.public_url(), language)
    )


def ask(dispatcher: CollectingDispatcher, content: Content, check: CheckInfo, language: Text) -> None:
    item = knowledge.next_item(content, check)
    if item is not None:
        items = content.check_forms[check.form]
        runtime.say(dispatcher, coaching.check_question(content, item, len(check.answered) + 1, len(items), language))


class ActionKnowledgeCheck(Action):
    """Start or resume the test that is due, or say why none is."""

    def name(self) -> Text:
        return "action_knowledge_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language, store = runtime.content(), runtime.language(tracker), checks()
        try:
            trainee = await runtime.trainee(tracker)
            taken = await runtime.in_thread(store.checks, trainee.id)
            left = await scenarios_left(trainee)
            opened = await runtime.in_thread(store.after_test_open, trainee.id)
            kind = knowledge.due(taken, left == 0, opened)
            check = await runtime.in_thread(store.start, trainee.id, kind) if kind else None
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        if check is None:
            finished_after = "after" in taken and taken["after"].finished
            text = content.label("check_taken" if finished_after else "check_not_yet", language, left=left)
            dispatcher.utter_message(text=text)
            dispatcher.utter_message(response="utter_menu")
            return []
        if not check.answered:
            intro = "check_before" if check.kind == "before" else "check_after"
            dispatcher.utter_message(text=content.label(intro, language, count=len(content.check_forms[check.form])))
        ask(dispatcher, content, check, language)
        return []


def item_with_option(
    content: Content, taken: Dict[str, CheckInfo], option_id: Text
) -> Optional[Tuple[CheckInfo, CheckItem]]:
    """The unfinished check and its item that `option_id` answers; None for an old button."""
    for check in taken.values():
        if check.finished:
            continue
        for item in content.check_forms[check.form]:
            if item.option(option_id) is not None:
                return check, item
    return None


class ActionCheckAnswer(Action):
    """An option of the test pressed: record it, say right or wrong and why, ask the next."""

    def name(self) -> Text:
        return "action_check_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language, store = runtime.content(), runtime.language(tracker), checks()
        option_id = next(tracker.get_latest_entity_values("check_option"), None) or ""
        try:
            trainee = await runtime.trainee(tracker)
            taken = await runtime.in_thread(store.checks, trainee.id)
            found = item_with_option(content, taken, option_id)
            if found is None:  # a button of a test already finished: show where things are
                return await ActionKnowledgeCheck().run(dispatcher, tracker, domain)
            check, item = found
            if item.id in check.answered:  # pressed twice: the first answer stands
                ask(dispatcher, content, check, language)
                return []
            count = len(content.check_forms[check.form])
            check = await runtime.in_thread(store.answer, check.id, item, option_id, count)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        dispatcher.utter_message(text=coaching.check_feedback(content, item, option_id, language))
        if not check.finished:
            ask(dispatcher, content, check, language)
            return []
        before = taken.get("before")
        before_percent = knowledge.percent(list(before.answered.values())) if check.kind == "after" and before else None
        after_percent = knowledge.percent(list(check.answered.values())) or 0.0
        right = sum(check.answered.values())
        summary = coaching.check_summary(content, right, count, before_percent, after_percent, language)
        dispatcher.utter_message(text=summary)
        if check.form == AFTER_FORM:
            try:
                await certificate_if_earned(dispatcher, trainee, check, language)
            except StoreUnavailable:
                dispatcher.utter_message(response="utter_not_saved")
        dispatcher.utter_message(response="utter_menu")
        return []
