"""Spaced review in the conversation: a missed decision point comes back (trainer/spaced_review.py)
when the trainee next writes, before the menu, or when they ask for it or tap a reminder; and on
Telegram, the question whether to be reminded there."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import coaching
from trainer.db import StoreUnavailable
from trainer.identities import TraineeInfo
from trainer.models import utcnow
from trainer.spaced_review import INTERVALS, SpacedReview, review_options, right


def reviews() -> SpacedReview:
    return SpacedReview(runtime.database())


async def present_due_review(dispatcher: CollectingDispatcher, trainee: TraineeInfo, language: Text) -> bool:
    """Show the review due first, if any; True when one was shown (the caller then holds back
    the menu: on WhatsApp only the last list of buttons can be answered by number)."""
    content = runtime.content()
    due = await runtime.in_thread(reviews().due, trainee.id, content)
    if due is None:
        return False
    step = content.scenario(due.scenario_id).steps[due.step_id]
    runtime.say(dispatcher, coaching.review_question(content, step, review_options(step, due.id), due.id, language))
    return True


class ActionReview(Action):
    """ "review", or the button of a reminder: the due review, else say there is none."""

    def name(self) -> Text:
        return "action_review"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        language = runtime.language(tracker)
        try:
            shown = await present_due_review(dispatcher, await runtime.trainee(tracker), language)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        if not shown:
            dispatcher.utter_message(text=runtime.content().label("review_none", language))
            dispatcher.utter_message(response="utter_menu")
        return []


class ActionReviewAnswer(Action):
    """An option of a review pressed: right or wrong, the option's feedback, when it comes back;
    then the next due review, or the menu (on Telegram, first the question about reminders)."""

    def name(self) -> Text:
        return "action_review_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language, store = runtime.content(), runtime.language(tracker), reviews()
        item_id, _, option_id = (next(tracker.get_latest_entity_values("review_option"), None) or "").partition(":")
        try:
            trainee = await runtime.trainee(tracker)
            item = await runtime.in_thread(store.item, int(item_id)) if item_id.isdigit() else None
            scenario = content.scenarios.get(item.scenario_id) if item else None
            step = scenario.steps.get(item.step_id) if scenario and item else None
            option = step.option(option_id) if step else None
            if (
                item is None
                or item.trainee_id != trainee.id
                or step is None
                or option is None
                or item.due_at > utcnow()
            ):
                return await ActionReview().run(dispatcher, tracker, domain)  # not theirs, gone, or answered
            correct = right(step, option)
            after = await runtime.in_thread(store.answer, item.id, option.id, correct)
            days = None if after.stage >= len(INTERVALS) else INTERVALS[after.stage].days
            runtime.say(dispatcher, coaching.review_feedback(content, option, days, language))
            if await present_due_review(dispatcher, trainee, language):
                return []
            if (
                runtime.channel_of(tracker) == "telegram"
                and await runtime.in_thread(store.reminders_wanted, trainee.id) is None
            ):
                runtime.say(dispatcher, coaching.reminders_offer(content, language))
                return []
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        dispatcher.utter_message(response="utter_menu")
        return []


class ActionSetReminders(Action):
    """Yes or no to review reminders (sent on Telegram by the reminders process)."""

    def name(self) -> Text:
        return "action_set_reminders"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language = runtime.content(), runtime.language(tracker)
        wanted = next(tracker.get_latest_entity_values("reminders"), None) != "off"
        try:
            trainee = await runtime.trainee(tracker)
            await runtime.in_thread(reviews().set_reminders, trainee.id, wanted)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return []
        dispatcher.utter_message(text=content.label("reminders_on" if wanted else "reminders_off", language))
        dispatcher.utter_message(response="utter_menu")
        return []
