"""First contact, the profile form, returning trainees and the menu."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.review import present_due_review
from trainer import coaching
from trainer.content import localized
from trainer.db import StoreUnavailable
from trainer.identities import UnknownCode
from trainer.text import printable
from trainer.throttle import TooManyAttempts

# Payloads with entities are built here: inside domain responses their braces would be read
# as template placeholders.
LANGUAGE_BUTTONS = [
    {"title": "Français", "payload": runtime.payload("set_language", {"language": "fr"})},
    {"title": "English", "payload": runtime.payload("set_language", {"language": "en"})},
]


class ActionWelcome(Action):
    """Greets: a new trainee chooses a language, unless the page already chose it (`?lang=`);
    a returning one may continue where they stopped."""

    def name(self) -> Text:
        return "action_welcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
            attempt = (
                await runtime.in_thread(runtime.progress().active_attempt, trainee.id) if trainee.display_name else None
            )
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_greet")
            return []
        if not trainee.display_name:
            dispatcher.utter_message(response="utter_greet")
            if _language_chosen_on_the_page(tracker):  # asking again would be a wasted turn
                return [SlotSet("profile", "new"), FollowupAction("onboarding_form")]
            dispatcher.utter_message(response="utter_welcome_new", buttons=LANGUAGE_BUTTONS)
            return [SlotSet("profile", "new")]
        dispatcher.utter_message(response="utter_welcome_back", name=trainee.display_name)
        if attempt is not None:
            title = localized(runtime.content().scenario(attempt.scenario_id).title, runtime.language(tracker))
            dispatcher.utter_message(response="utter_offer_resume", scenario=title)
        elif not await review_or_nothing(dispatcher, trainee, runtime.language(tracker)):
            dispatcher.utter_message(response="utter_menu")
        return [SlotSet("profile", "complete")]


def _language_chosen_on_the_page(tracker: Tracker) -> bool:
    """The web page says so when its language came from the trainee (a `?lang=` link or the
    language links), not from the browser's guess."""
    metadata = tracker.latest_message.get("metadata") or {}
    return bool(metadata.get("language_chosen")) and tracker.get_slot("language") == metadata.get("language")


class ValidateOnboardingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_onboarding_form"

    def validate_trainee_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = printable(str(value or ""))[:40].rstrip()
        if not name or name.startswith("/"):
            return {"trainee_name": None}
        return {"trainee_name": name}

    async def validate_enrolment_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = str(value or "").strip()
        if code in ("", "none") or code.startswith("/"):
            return {"enrolment_code": "none"}
        guesser = f"{runtime.channel_of(tracker)} {tracker.sender_id}"
        try:
            trainee = await runtime.trainee(tracker)
            cohort = await runtime.in_thread(runtime.trainees().enrol, trainee.id, code, guesser)
        except UnknownCode:
            dispatcher.utter_message(response="utter_bad_code")
            return {"enrolment_code": None}
        except TooManyAttempts as refused:
            dispatcher.utter_message(response="utter_too_many_codes", minutes=refused.minutes)
            return {"enrolment_code": "none"}  # onboarding goes on; the trainer can enrol them
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
            return {"enrolment_code": None}
        dispatcher.utter_message(response="utter_enrolled", cohort=cohort)
        return {"enrolment_code": code.upper()}


class ActionCompleteOnboarding(Action):
    def name(self) -> Text:
        return "action_complete_onboarding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
            await runtime.in_thread(
                runtime.trainees().update_trainee,
                trainee.id,
                display_name=tracker.get_slot("trainee_name"),
                language=runtime.language(tracker),
            )
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_not_saved")
        language = runtime.language(tracker)
        dispatcher.utter_message(response="utter_welcome_aboard", name=tracker.get_slot("trainee_name") or "")
        law = coaching.first_contact(runtime.content(), language)
        if law is not None:  # which law binds in Mali, before any scenario
            runtime.say(dispatcher, law)
        runtime.say(dispatcher, coaching.check_offer(runtime.content(), language))  # the before-test
        dispatcher.utter_message(response="utter_menu")
        return [SlotSet("profile", "complete")]


class ActionShowMenu(Action):
    """The menu, after a review that is due (the review's answer then shows the menu)."""

    def name(self) -> Text:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            trainee = await runtime.trainee(tracker)
        except StoreUnavailable:
            trainee = None
        if trainee is None or not await review_or_nothing(dispatcher, trainee, runtime.language(tracker)):
            dispatcher.utter_message(response="utter_menu")
        return []


async def review_or_nothing(dispatcher: CollectingDispatcher, trainee, language: Text) -> bool:
    """A due review shown before the menu; False when none is due or the store is down."""
    if not trainee.display_name:
        return False
    try:
        return await present_due_review(dispatcher, trainee, language)
    except StoreUnavailable:
        return False
