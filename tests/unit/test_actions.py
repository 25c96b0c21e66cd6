"""Each custom action, run with rasa_sdk's Tracker and CollectingDispatcher on a real SQLite store."""

import asyncio
import json
from datetime import timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.decision_point import ValidateScenarioForm
from actions.fallback import ActionMisunderstood
from actions.language import ActionSetLanguage
from actions.linking import ActionLinkAccount
from actions.progress import ActionShowProgress
from actions.rules import ActionExplainRule
from actions.scenario import ActionGiveHint, ActionResumeTraining, ActionStartTraining, ActionStopScenario
from actions.session import ActionSessionStart
from actions.welcome import ActionCompleteOnboarding, ActionWelcome, ValidateOnboardingForm
from tests.unit.test_progress_store import play
from trainer import coaching

pytestmark = pytest.mark.usefixtures("fresh_database")


def tracker(
    text="",
    intent="greet",
    entities=(),
    slots=None,
    sender="t1",
    message_id="m1",
    events=None,
    confidence=1.0,
    channel="rest",
):
    return Tracker(
        sender_id=sender,
        slots={
            "language": "en",
            "profile": "complete",
            "scenario_state": "idle",
            "unclear_count": 0.0,
            **(slots or {}),
        },
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": e, "value": v} for e, v in entities],
            "message_id": message_id,
        },
        events=events or [{"event": "user", "input_channel": channel, "parse_data": {"intent": {"name": intent}}}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return dispatcher.messages, events


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def playing_slots(scenario="checkpoint_motorbike", step="approach"):
    start = runtime.content().scenario(scenario).start
    attempt = runtime.progress().start_attempt(runtime.trainees().trainee_for("rest", "t1").id, scenario, start)
    return {
        "scenario_state": "playing",
        "scenario_id": scenario,
        "attempt_id": float(attempt.id),
        "step_id": step,
        "unclear_count": 0.0,
        "hint_used": False,
    }


def validate_answer(text, slots_, intent="nlu_fallback", entities=(), message_id="m1", confidence=0.9):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateScenarioForm().validate_answer(
            text, dispatcher, tracker(text, intent, entities, slots_, message_id=message_id, confidence=confidence), {}
        )
    )
    return result, dispatcher.messages


def test_welcome_a_new_trainee_offers_the_languages():
    messages, events = run(ActionWelcome(), tracker("hello"))
    assert [m["response"] for m in messages] == ["utter_greet", "utter_welcome_new"]
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        '/set_language{"language": "fr"}',
        '/set_language{"language": "en"}',
    ]
    assert events == [SlotSet("profile", "new")]


def test_welcome_a_new_trainee_whose_page_chose_the_language_asks_the_name_at_once():
    chosen = tracker("hello", slots={"language": "fr"})
    chosen.latest_message["metadata"] = {"language": "fr", "language_chosen": True}
    messages, events = run(ActionWelcome(), chosen)
    assert [m["response"] for m in messages] == ["utter_greet"]
    assert events == [SlotSet("profile", "new"), FollowupAction("onboarding_form")]

    guessed = tracker("hello", slots={"language": "fr"})  # the browser's guess: still asked
    guessed.latest_message["metadata"] = {"language": "fr", "language_chosen": False}
    messages, _ = run(ActionWelcome(), guessed)
    assert [m["response"] for m in messages] == ["utter_greet", "utter_welcome_new"]


def test_welcome_back_offers_to_continue_an_unfinished_scenario():
    trainee = runtime.trainees().trainee_for("rest", "t1")
    runtime.trainees().update_trainee(trainee.id, display_name="Awa")
    runtime.progress().start_attempt(trainee.id, "child_captured", "capture")
    messages, events = run(ActionWelcome(), tracker("bonjour", slots={"language": "fr"}))
    assert messages[0]["response"] == "utter_welcome_back" and messages[0]["name"] == "Awa"
    assert messages[1]["response"] == "utter_offer_resume"
    assert messages[1]["scenario"].startswith("Un garçon avec un fusil")


def test_onboarding_enrols_with_a_valid_code_and_rejects_a_bad_one():
    code = runtime.trainees().create_cohort("Sevare 1")
    form = ValidateOnboardingForm()
    dispatcher = CollectingDispatcher()
    assert asyncio.run(form.validate_enrolment_code("NOPE99", dispatcher, tracker("NOPE99"), {})) == {
        "enrolment_code": None
    }
    assert dispatcher.messages[-1]["response"] == "utter_bad_code"
    assert asyncio.run(form.validate_enrolment_code(code.lower(), dispatcher, tracker(code), {})) == {
        "enrolment_code": code
    }
    assert runtime.trainees().trainee_for("rest", "t1").cohort == "Sevare 1"
    assert form.validate_trainee_name("  Sgt   Traoré ", dispatcher, tracker(), {}) == {"trainee_name": "Sgt Traoré"}


def test_complete_onboarding_saves_the_profile():
    messages, events = run(ActionCompleteOnboarding(), tracker(slots={"trainee_name": "Awa", "language": "fr"}))
    assert events == [SlotSet("profile", "complete")]
    trainee = runtime.trainees().trainee_for("rest", "t1")
    assert (trainee.display_name, trainee.language) == ("Awa", "fr")
    assert messages[0]["response"] == "utter_welcome_aboard"  # not "welcome back": they are new
    assert "non internationaux" in messages[1]["text"]  # which law binds in Mali, before any scenario
    assert messages[1]["buttons"][0]["payload"] == '/explain_rule{"rule_id": "niac-law"}'
    assert messages[-1]["response"] == "utter_menu"


def test_start_training_lists_scenarios_with_the_recommended_first():
    messages, events = run(ActionStartTraining(), tracker("i want to train", "start_training"))
    assert slots(events)["scenario_state"] == "idle"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    first = coaching.scenario_order(runtime.content(), [])[0]  # never played: the easiest first
    assert (
        payloads[0] == f'/start_training{{"scenario": "{first.id}"}}'
        and "(recommended)" in messages[0]["buttons"][0]["title"]
    )
    assert len(payloads) == coaching.SCENARIOS_SHOWN + 1 and payloads[-1] == '/start_training{"scenario": "more"}'
    messages, _ = run(ActionStartTraining(), tracker("/start_training", "start_training", [("scenario", "more")]))
    assert len(messages[0]["buttons"]) == len(runtime.content().scenarios)  # every scenario


def test_start_training_starts_the_named_scenario():
    messages, events = run(ActionStartTraining(), tracker("", "start_training", [("scenario", "drone_gathering")]))
    values = slots(events)
    assert values["scenario_state"] == "playing" and values["step_id"] == "strike_request"
    assert messages[0]["response"] == "utter_briefing" and messages[0]["title"] == "A strike request on a gathering"
    assert runtime.progress().attempt(int(values["attempt_id"])).scenario_id == "drone_gathering"


def test_the_form_opened_on_a_named_scenario_starts_it_in_one_call():
    named = tracker("/start_training", "start_training", [("scenario", "drone_gathering")])
    messages, events = run(ValidateScenarioForm(), named)
    values = slots(events)
    assert values["scenario_state"] == "playing" and values["step_id"] == "strike_request"
    assert messages[0]["response"] == "utter_briefing" and messages[1]["buttons"]  # then the first point
    assert runtime.progress().attempt(int(values["attempt_id"])).current_node == "strike_request"


def test_the_form_opened_on_an_unknown_scenario_lists_them_and_closes():
    messages, events = run(ValidateScenarioForm(), tracker("/start_training", "start_training", [("scenario", "nope")]))
    assert messages[0]["response"] == "utter_choose_scenario" and len(messages) == 1
    assert slots(events)["answer"] == "done" and slots(events)["scenario_state"] == "idle"


def run_form(slots_, answer=None, intent="nlu_fallback", message_id="f1", earlier=()):
    """ValidateScenarioForm.run as Rasa's form calls it: the message just typed is the `answer`
    slot set after the form's action; on activation nothing is set."""
    events = [
        *earlier,
        {"event": "user", "input_channel": "rest", "parse_data": {"intent": {"name": intent}}},
        {"event": "action", "name": "scenario_form"},
    ]
    if answer is not None:
        events.append({"event": "slot", "name": "answer", "value": answer})
    return run(
        ValidateScenarioForm(),
        tracker(answer or "", intent, slots={**slots_, "answer": answer}, events=events, message_id=message_id),
    )


def test_the_form_presents_the_decision_point_then_rephrase_then_the_options():
    base = playing_slots()
    messages, events = run_form(base)  # activation: nothing to validate
    assert "motorbike with two riders" in messages[0]["text"] and len(messages[0]["buttons"]) == 3
    assert len(messages) == 1 and events == []
    messages, events = run_form(base, "banana")
    assert [m.get("response") for m in messages] == ["utter_rephrase"] and slots(events)["unclear_count"] == 1.0
    messages, events = run_form({**base, "unclear_count": 1.0}, "banana again", message_id="f2")
    assert messages[0]["response"] == "utter_pick_an_option" and len(messages[0]["buttons"]) == 3 and len(messages) == 1
    assert slots(events) == {"answer": None, "unclear_count": 2.0}


def test_one_form_call_gives_the_feedback_then_the_next_decision_point():
    messages, events = run_form(playing_slots(), "torch and shout, we stay in cover, they may be civilians")
    assert messages[0]["text"].startswith("3/3 Right") and "Rule 1" in messages[0]["text"]
    next_prompt = runtime.content().scenario("checkpoint_motorbike").steps["stops"].prompt["en"]
    assert messages[1]["text"] == next_prompt and messages[1]["buttons"]
    assert slots(events) == {"answer": None, "step_id": "stops"}


def test_a_request_at_a_decision_point_is_answered_then_the_point_shown_again():
    messages, events = run_form(playing_slots(), "hint", intent="hint")
    assert messages[0]["response"] == "utter_hint" and "motorbike with two riders" in messages[1]["text"]
    assert slots(events)["hint_used"] is True and slots(events)["answer"] is None


def lost_turn(*messages):
    """A turn Rasa sent that never reached the screen: the trainee's message, then the replies."""
    said = [{"event": "bot", "text": text, "data": {"buttons": buttons}} for text, buttons in messages]
    return [{"event": "user", "text": "before"}, *said]


def test_repeat_at_a_decision_point_says_the_feedback_again_before_the_point():
    explain = [{"title": "Explain Rule 15", "payload": "/explain_rule"}]
    earlier = lost_turn(("Risky: a key precaution is missing", explain), ("What do you do now?", []))
    messages, events = run_form(playing_slots(), "repeat", intent="repeat", earlier=earlier)
    assert messages[0] == {**messages[0], "text": "Risky: a key precaution is missing", "buttons": explain}
    assert "What do you do now?" not in str(messages)  # the form shows the point itself
    assert slots(events)["answer"] is None


def test_repeat_after_a_scenario_says_the_debrief_again_with_its_buttons():
    menu = [{"title": "Train", "payload": "/start_training"}]
    earlier = lost_turn(("Debrief - Night checkpoint", []), ("What next?", menu))
    events = [*earlier, {"event": "user", "text": "repeat", "parse_data": {"intent": {"name": "repeat"}}}]
    messages, result = run(ActionResumeTraining(), tracker("repeat", "repeat", events=events))
    assert [m["text"] for m in messages] == ["Debrief - Night checkpoint", "What next?"]
    assert messages[1]["buttons"] == menu and slots(result)["scenario_state"] == "idle"


def test_the_last_answer_ends_the_form_with_the_debrief_and_what_next():
    base = playing_slots()
    validate_answer("/choose_option", base, "choose_option", [("option_id", "escalate")], message_id="e1")
    model_answer = runtime.content().scenario("checkpoint_motorbike").steps["stops"].rubric.model_answer["en"]
    messages, events = run_form({**base, "step_id": "stops"}, model_answer)
    assert messages[-2]["text"].startswith("Debrief") and messages[-1]["response"] == "utter_scenario_finished"
    assert {k: v for k, v in slots(events).items() if k != "requested_slot"} == {
        "answer": "done",
        "scenario_state": "idle",
        "scenario_id": None,
        "attempt_id": None,
        "step_id": None,
    }


def test_a_number_outside_the_options_asks_for_one_in_range_and_records_nothing():
    base = playing_slots()
    result, messages = validate_answer("7", base, intent="choose_option")
    assert result == {"answer": None}
    assert messages[0]["response"] == "utter_pick_a_number" and messages[0]["count"] == 3
    assert runtime.progress().answers(int(base["attempt_id"])) == []


def test_a_number_in_range_chooses_that_option():
    base = playing_slots()
    result, _ = validate_answer("2", base, intent="choose_option")
    [answer] = runtime.progress().answers(int(base["attempt_id"]))
    assert answer["option"] == "warning_shot_now" and result["step_id"] != "approach"


def test_link_without_a_code_makes_one_the_other_app_claims_it_and_this_one_confirms():
    messages, _ = run(ActionLinkAccount(), tracker("link my phone", intent="link_account"))
    code = messages[0]["code"]
    assert messages[0]["response"] == "utter_link_code" and len(code) == 6
    runtime.trainees().update_trainee(
        runtime.trainees().trainee_for("rest", "t1").id, display_name="Awa", language="fr"
    )

    phone = tracker(f"please lier {code.lower()} svp", intent="link_account", sender="wa:+2237", channel="twilio")
    messages, _ = run(ActionLinkAccount(), phone)
    assert [m["response"] for m in messages] == ["utter_link_claimed"] and messages[0]["code"] == code
    assert runtime.trainees().trainee_for("twilio", "wa:+2237").id != runtime.trainees().trainee_for("rest", "t1").id

    messages, events = run(ActionLinkAccount(), tracker(f"link {code}", intent="link_account"))  # back on t1's app
    assert [m["response"] for m in messages] == ["utter_linked", "utter_menu"] and messages[0]["name"] == "Awa"
    assert slots(events) == {"language": "fr", "profile": "complete"}
    assert runtime.trainees().trainee_for("twilio", "wa:+2237").id == runtime.trainees().trainee_for("rest", "t1").id

    messages, _ = run(
        ActionLinkAccount(), tracker(f"link {code}", intent="link_account", sender="tg:42", channel="telegram")
    )
    assert messages[0]["response"] == "utter_bad_link_code"  # a code works once


def test_one_code_is_tried_per_message_and_a_sender_gets_five_tries():
    for n in range(5):
        guesses = tracker(f"link ABCD{n + 2}2 ABCD{n + 2}3", intent="link_account", sender="tg:7", channel="telegram")
        assert run(ActionLinkAccount(), guesses)[0][0]["response"] == "utter_bad_link_code"
    refused, _ = run(
        ActionLinkAccount(), tracker("link WXYZ22", intent="link_account", sender="tg:7", channel="telegram")
    )
    assert refused[0]["response"] == "utter_too_many_codes" and 1 <= refused[0]["minutes"] <= 60


def test_link_code_from_a_telegram_deep_link_entity():
    code = runtime.trainees().create_link_code(runtime.trainees().trainee_for("rest", "t1").id)
    deep_link = tracker(
        f'/link_account{{"link_code": "{code}"}}',
        intent="link_account",
        entities=[("link_code", code)],
        sender="tg:42",
        channel="telegram",
    )
    messages, _ = run(ActionLinkAccount(), deep_link)
    assert messages[0]["response"] == "utter_link_claimed"


def test_a_typed_answer_is_graded_recorded_then_explained():
    base = playing_slots()
    result, messages = validate_answer("torch and shout, we stay in cover, they may be civilians", base)
    assert result == {"answer": None, "step_id": "stops"}  # hint_used and unclear_count unchanged: not set again
    assert messages[0]["text"].startswith("3/3 Right") and "Rule 1" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == '/explain_rule{"rule_id": "cihl-1"}'
    answers = runtime.progress().answers(int(base["attempt_id"]))
    assert (
        answers[0]["grade"] == 3
        and answers[0]["text"].startswith("torch")
        and "take_cover" in answers[0]["concepts_found"]
    )


def test_the_response_time_runs_from_the_last_message_shown_to_the_answer():
    base = playing_slots()
    text = "torch and shout, we stay in cover, they may be civilians"
    events = [
        {"event": "bot", "text": "briefing", "timestamp": 100.0},
        {"event": "bot", "text": "the decision point", "timestamp": 100.5},
        {
            "event": "user",
            "input_channel": "rest",
            "timestamp": 112.75,
            "parse_data": {"intent": {"name": "nlu_fallback"}},
        },
        {"event": "slot", "name": "answer", "value": text, "timestamp": 112.76},
    ]
    asyncio.run(
        ValidateScenarioForm().validate_answer(
            text, CollectingDispatcher(), tracker(text, "nlu_fallback", slots=base, events=events), {}
        )
    )
    assert runtime.progress().answers(int(base["attempt_id"]))[0]["response_ms"] == 12250


def test_after_a_hint_and_an_unclear_answer_the_next_step_starts_afresh():
    base = {**playing_slots(), "hint_used": True, "unclear_count": 1.0}
    result, _ = validate_answer("torch and shout, we stay in cover, they may be civilians", base)
    assert result == {"answer": None, "step_id": "stops", "hint_used": False, "unclear_count": 0.0}


def test_a_button_answer_takes_its_branch_and_the_same_message_is_recorded_once():
    base = playing_slots()
    entities = [("option_id", "warning_shot_now")]
    result, messages = validate_answer(
        '/choose_option{"option_id": "warning_shot_now"}', base, "choose_option", entities
    )
    assert result["step_id"] == "casualties" and messages[0]["text"].startswith("1/3 Risky")
    again, _ = validate_answer('/choose_option{"option_id": "warning_shot_now"}', base, "choose_option", entities)
    assert again["step_id"] == "casualties"
    assert len(runtime.progress().answers(int(base["attempt_id"]))) == 1


@pytest.mark.parametrize("text", ["3", "option 3", "je prends la 3", "the third one", "la troisième svp", "#3"])
def test_a_numbered_reply_selects_that_option(text):
    base = playing_slots()
    result, _ = validate_answer(text, base, "choose_option")
    assert result["step_id"] == "casualties"  # option 3 is "Shoot at the riders"
    assert runtime.progress().answers(int(base["attempt_id"]))[0]["option"] == "shoot_riders"


@pytest.mark.parametrize("text", ["2 warning shots then we search", "i take the first one who gets off"])
def test_an_answer_that_only_contains_a_number_is_graded_not_taken_as_a_pick(text):
    base = playing_slots()
    result, _ = validate_answer(text, base, "choose_option")
    answers = runtime.progress().answers(int(base["attempt_id"]))
    if answers:  # graded at once, and kept as typed, where a pick keeps no text
        assert [answer["text"] for answer in answers] == [text]
    else:  # the grader was unsure: "Did you mean...?" holds the typed text until the trainee picks
        assert text in str(result["pending_answer"])


def test_an_unclear_answer_is_kept_but_not_graded():
    base = playing_slots()
    result, messages = validate_answer("banana", base)
    assert result == {"answer": None, "unclear_count": 1.0} and messages == []
    assert runtime.progress().answers(int(base["attempt_id"]))[0]["grade"] is None


def test_the_last_answer_gives_the_debrief_and_ends_the_form():
    base = playing_slots(step="approach")
    validate_answer("/choose_option", base, "choose_option", [("option_id", "escalate")], message_id="a1")
    result, messages = validate_answer(
        "/choose_option",
        {**base, "step_id": "stops"},
        "choose_option",
        [("option_id", "quick_respectful_check")],
        message_id="a2",
    )
    assert result["answer"] == "done" and result["scenario_state"] == "idle"
    assert messages[1]["text"].startswith("Debrief - Night checkpoint") and "Score: 100%" in messages[1]["text"]


@pytest.mark.parametrize(
    "text, intent, entities",
    [
        ("/choose_option", "choose_option", [("option_id", "escalate")]),
        ("banana", "nlu_fallback", []),  # an unclear answer is recorded too
    ],
)
def test_a_store_outage_is_told_and_the_step_does_not_move(tmp_path, text, intent, entities):
    base = playing_slots()
    runtime.database().close()
    (tmp_path / "progress.db").unlink()
    tmp_path.chmod(0o500)
    try:
        result, messages = validate_answer(text, base, intent, entities)
    finally:
        tmp_path.chmod(0o700)
    assert result == {"answer": None}
    assert [m["response"] for m in messages] == ["utter_not_saved"]


def test_hint_is_given_and_marked():
    messages, events = run(ActionGiveHint(), tracker("hint", "hint", slots=playing_slots()))
    assert messages[0]["response"] == "utter_hint" and "before any shot" in messages[0]["hint"]
    assert events == [SlotSet("hint_used", True)]
    messages, events = run(ActionGiveHint(), tracker("hint", "hint"))
    assert messages[0]["response"] == "utter_no_scenario" and events == []


def test_stop_keeps_the_attempt_and_resume_returns_to_the_same_step():
    base = playing_slots(step="approach")
    validate_answer("/choose_option", base, "choose_option", [("option_id", "escalate")])
    messages, events = run(ActionStopScenario(), tracker("stop", "stop_scenario", slots={**base, "step_id": "stops"}))
    assert messages[0]["response"] == "utter_stopped" and slots(events)["scenario_state"] == "idle"
    messages, events = run(ActionResumeTraining(), tracker("continue", "resume_training"))
    assert slots(events)["step_id"] == "stops" and slots(events)["scenario_state"] == "playing"


def test_resume_with_nothing_unfinished_shows_the_menu():
    messages, events = run(ActionResumeTraining(), tracker("continue", "resume_training"))
    assert messages[0]["response"] == "utter_menu" and slots(events)["scenario_state"] == "idle"


def test_set_language_switches_and_confirms_in_the_new_language():
    messages, events = run(ActionSetLanguage(), tracker("in french please", "set_language", [("language", "fr")]))
    assert events == [SlotSet("language", "fr")] and messages[0]["text"].startswith("D'accord")
    assert runtime.trainees().trainee_for("rest", "t1").language == "fr"


@pytest.mark.parametrize(
    "entities, text, expected",
    [
        ([("rule_id", "cihl-14")], "", "Rule 14 - Proportionality"),
        ([("ihl_topic", "human_shields")], "what about human shields", "Rule 97 - No human shields"),
        ([], "what does rule 20 say", "Rule 20 - Give effective advance warning"),
    ],
)
def test_explain_rule(entities, text, expected):
    messages, _ = run(ActionExplainRule(), tracker(text, "explain_rule", entities))
    assert messages[0]["text"].startswith(expected)


def test_explain_rule_without_a_subject_offers_topics():
    messages, _ = run(ActionExplainRule(), tracker("explain the rule", "explain_rule"))
    assert messages[0]["response"] == "utter_which_rule" and len(messages[0]["buttons"]) == sum(
        p.menu for p in runtime.content().principles.values()
    )


def finish_checkpoint(base, last_option):
    """Answer the checkpoint's two decision points by button: "escalate", then `last_option`."""
    for step, option in (("approach", "escalate"), ("stops", last_option)):
        button = [("option_id", option)]
        validate_answer("/choose_option", {**base, "step_id": step}, "choose_option", button, message_id=option)


def test_progress_lists_finished_scenarios():
    base = playing_slots()
    finish_checkpoint(base, "hold_until_morning")
    messages, _ = run(ActionShowProgress(), tracker("my score", "my_progress"))
    steps = runtime.content().scenario("checkpoint_motorbike").steps
    grades = steps["approach"].option("escalate").grade + steps["stops"].option("hold_until_morning").grade
    best = f"best {100 * grades / 6:.0f}%"
    assert f"Night checkpoint - a motorbike that will not slow down: {best}" in messages[0]["text"]
    assert f"Scenarios finished: 1 of {len(runtime.content().scenarios)}." in messages[0]["text"]
    assert messages[1]["response"] == "utter_menu"  # outside a scenario the progress ends with what next
    messages, _ = run(ActionShowProgress(), tracker("my score", "my_progress", slots=base))
    assert len(messages) == 1  # in a scenario the decision point follows instead


def test_progress_does_not_show_an_abandoned_attempt_as_in_progress():
    trainee = runtime.trainees().trainee_for("rest", "t1")
    runtime.progress().start_attempt(trainee.id, "child_captured", "capture")  # then left for another
    base = playing_slots()
    finish_checkpoint(base, "quick_respectful_check")
    messages, _ = run(ActionShowProgress(), tracker("my score", "my_progress"))
    assert "In progress" not in messages[0]["text"], messages[0]["text"]


def test_a_pause_at_a_decision_point_is_confirmed_once_and_leaves_the_scenario():
    messages, events = run_form(playing_slots(), "/stop_scenario", intent="stop_scenario")
    assert [m["response"] for m in messages] == ["utter_stopped"]
    assert slots(events)["answer"] == "paused" and slots(events)["scenario_state"] == "idle"
    assert slots(events)["step_id"] is None and slots(events)["attempt_id"] is None


def test_two_misunderstandings_in_a_row_offer_the_menu():
    once = [
        {"event": "user", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "user", "parse_data": {"intent": {"name": "out_of_scope"}}},
    ]
    messages, _ = run(ActionMisunderstood(), tracker("joke", "out_of_scope", events=once))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    twice = once + [{"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    messages, _ = run(ActionMisunderstood(), tracker("xqz", "nlu_fallback", events=twice))
    assert [m["response"] for m in messages] == ["utter_default", "utter_menu"]


def test_a_new_session_carries_the_slots_and_the_open_form_over():
    playing = {**playing_slots(), "requested_slot": "answer", "trainee_name": None}
    mid_scenario = tracker("", slots=playing)
    mid_scenario.active_loop = {"name": "scenario_form"}
    _, events = run(ActionSessionStart(), mid_scenario)
    assert events[0] == SessionStarted() and events[-2:] == [
        ActiveLoop("scenario_form"),
        ActionExecuted("action_listen"),
    ]
    assert slots(events) == {name: value for name, value in mid_scenario.slots.items() if value is not None}
    assert slots(events)["step_id"] == "approach" and slots(events)["requested_slot"] == "answer"

    _, events = run(ActionSessionStart(), tracker(""))  # no form open: none opened
    assert events[0] == SessionStarted() and events[-1] == ActionExecuted("action_listen")
    assert not any(event["event"] == "active_loop" for event in events)


def test_a_short_answer_that_reads_like_a_request_is_asked_about_then_graded_as_an_answer():
    base = playing_slots("village_reprisal", "anger")
    result, messages = validate_answer("arrête-les", base, "stop_scenario", confidence=0.95)
    assert result.get("answer") is None and "scenario_state" not in result  # not paused
    assert "pause the exercise" in messages[0]["text"] and runtime.progress().answers(int(base["attempt_id"])) == []
    my_answer, pause = (button["payload"] for button in messages[0]["buttons"])
    assert pause == "/stop_scenario" and my_answer == '/choose_option{"option_id": "my_answer"}'
    asked = {**base, "pending_answer": result["pending_answer"]}
    result, messages = validate_answer(my_answer, asked, "choose_option", [("option_id", "my_answer")], message_id="m2")
    [answer] = runtime.progress().answers(int(base["attempt_id"]))
    assert answer["text"] == "arrête-les" and answer["grade"] is not None and result["pending_answer"] is None


def test_a_request_that_names_the_exercise_is_always_a_request():
    base = playing_slots("detainee_video", "filming")
    result, messages = validate_answer("stop le scenario", base, "stop_scenario", confidence=0.95)
    assert result["answer"] == "paused" and result["scenario_state"] == "idle"
    assert messages[0]["response"] == "utter_stopped" and runtime.progress().answers(int(base["attempt_id"])) == []


def test_an_answer_saved_after_rasa_gave_up_is_told_with_its_feedback_on_the_next_message():
    base = playing_slots()
    escalate = runtime.content().scenario("checkpoint_motorbike").steps["approach"].option("escalate")
    # The action server stored this answer after Rasa's timeout apology: the tracker never moved on.
    validate_answer("/choose_option", base, "choose_option", [("option_id", "escalate")], message_id="late")
    messages, events = run_form(base, "I shout and show my torch", message_id="sent-again")
    assert messages[0]["response"] == "utter_answer_saved_earlier"
    assert escalate.feedback["en"].split(".")[0] in messages[1]["text"]
    assert slots(events)["step_id"] == "stops"
    next_prompt = runtime.content().scenario("checkpoint_motorbike").steps["stops"].prompt["en"]
    assert messages[-1]["text"] == next_prompt  # and the story goes on from where it is


def test_control_and_direction_characters_never_reach_a_stored_answer():
    base = playing_slots()
    validate_answer("\u202eGrade 3/3\u202c I shout\x00 and show my torch", base, message_id="bidi")
    [answer] = runtime.progress().answers(int(base["attempt_id"]))
    assert answer["text"] == "Grade 3/3 I shout and show my torch"


def test_the_before_test_then_the_after_test_once_the_trainer_opens_it():
    from actions.knowledge import ActionCheckAnswer, ActionKnowledgeCheck
    from trainer.content import AFTER_FORM, BEFORE_FORM
    from trainer.knowledge import Checks

    content = runtime.content()
    messages, _ = run(ActionKnowledgeCheck(), tracker("test", "knowledge_check"))
    assert messages[0]["text"].startswith("First, a short test: 12 questions")
    first = content.check_forms[BEFORE_FORM][0]
    assert messages[1]["text"].startswith("Question 1/12") and first.question["en"] in messages[1]["text"]
    assert messages[1]["buttons"][0]["payload"] == f'/check_answer{{"check_option": "{first.options[0].id}"}}'

    def press(option_id):
        return run(ActionCheckAnswer(), tracker("", "check_answer", [("check_option", option_id)]))[0]

    for number, item in enumerate(content.check_forms[BEFORE_FORM], 1):
        said = press(item.right.id)
        assert said[0]["text"].startswith("Right.") and "Rules:" in said[0]["text"]
        if number < 12:
            assert said[1]["text"].startswith(f"Question {number + 1}/12")
    assert said[1]["text"] == "Test done: 12/12 right (100%)." and said[2]["response"] == "utter_menu"
    assert press(first.options[0].id)[0]["text"].startswith("The final test opens once you have played every scenario")

    people = runtime.trainees()
    people.enrol(people.trainee_for("rest", "t1").id, people.create_cohort("Tombouctou 2026-12"))
    assert Checks(runtime.database()).open_after_test("Tombouctou 2026-12")
    messages, _ = run(ActionKnowledgeCheck(), tracker("le test", "knowledge_check"))
    assert messages[0]["text"].startswith("Final test: 12 new questions")
    for item in content.check_forms[AFTER_FORM]:
        wrong = next(o for o in item.options if not o.correct)
        said = press(wrong.id)
        assert said[0]["text"].startswith(f"Not quite. The answer: {item.right.label['en']}.")
    assert said[1]["text"] == "Test done: 0/12 right (0%).\n\nBefore training: 100%. Now: 0%."
    messages, _ = run(ActionKnowledgeCheck(), tracker("test", "knowledge_check"))
    assert messages[0]["text"] == "You have taken both tests. Well done." and messages[1]["response"] == "utter_menu"


def test_enrolment_offers_the_before_test_before_the_menu():
    messages, _ = run(ActionCompleteOnboarding(), tracker("no", "deny", slots={"trainee_name": "Awa"}))
    offer = next(m for m in messages if "short test" in (m.get("text") or ""))
    assert offer["buttons"] == [{"title": "Take the test", "payload": "/knowledge_check"}]
    assert messages[-1]["response"] == "utter_menu"


def test_a_certificate_comes_with_the_after_test_passed_once_every_scenario_is_played():
    from actions.knowledge import ActionCheckAnswer, ActionKnowledgeCheck
    from trainer.certificates import Certificates
    from trainer.content import AFTER_FORM, BEFORE_FORM
    from trainer.engine import best_option

    content, store = runtime.content(), runtime.progress()
    trainee = runtime.trainees().trainee_for("rest", "t1")
    runtime.trainees().update_trainee(trainee.id, display_name="Awa")

    def press(option_id):
        return run(ActionCheckAnswer(), tracker("", "check_answer", [("check_option", option_id)]))[0]

    run(ActionKnowledgeCheck(), tracker("test", "knowledge_check"))
    for item in content.check_forms[BEFORE_FORM]:
        press(item.options[0].id)
    for scenario in content.scenarios.values():  # every scenario played, by its best options
        play(store, trainee.id, scenario, best_option)
    run(ActionKnowledgeCheck(), tracker("test", "knowledge_check"))
    items = content.check_forms[AFTER_FORM]
    for index, item in enumerate(items):  # 9 of 12 right: 75%, above the pass mark
        said = press(item.right.id if index >= 3 else next(o for o in item.options if not o.correct).id)
    certificate = Certificates(runtime.database()).for_trainee(trainee.id)
    assert certificate is not None and certificate.score == 75.0 and certificate.name == "Awa"
    message = next(m["text"] for m in said if "certificate" in (m.get("text") or ""))
    assert f"/certificates/{certificate.code}.pdf" in message and f"/verify/{certificate.code}" in message


def test_a_missed_point_comes_back_before_the_menu_and_telegram_trainees_are_asked_about_reminders():
    from sqlalchemy import update

    from actions.review import ActionReviewAnswer, ActionSetReminders
    from actions.welcome import ActionShowMenu
    from trainer.models import ReviewItem, utcnow
    from trainer.spaced_review import SpacedReview

    steps = runtime.content().scenario("checkpoint_motorbike").steps
    base = playing_slots()
    missed = next(o for o in steps["approach"].options if o.grade <= 1)
    validate_answer("/choose_option", base, "choose_option", [("option_id", missed.id)], message_id="missed")
    trainee = runtime.trainees().trainee_for("rest", "t1")
    runtime.trainees().update_trainee(trainee.id, display_name="Awa")  # onboarded: reviews are for them
    assert SpacedReview(runtime.database()).due(trainee.id, runtime.content()) is None  # tomorrow, not now
    messages, _ = run(ActionShowMenu(), tracker("menu", "start_training"))
    assert messages == [{**messages[0], "response": "utter_menu"}]

    with runtime.database().transaction() as session:  # a day later
        session.execute(update(ReviewItem).values(due_at=utcnow() - timedelta(minutes=1)))
    messages, _ = run(ActionShowMenu(), tracker("menu", "start_training"))
    [review] = messages  # the review instead of the menu: its buttons are the ones to answer
    assert review["text"].startswith("Review - a decision you got wrong before.")
    assert steps["approach"].prompt["en"] in review["text"]
    best = next(o for o in steps["approach"].options if o.grade == 3)
    [pressed] = [b["payload"] for b in review["buttons"] if f':{best.id}"' in b["payload"]]
    option = json.loads(pressed.split("review_answer", 1)[1])["review_option"]

    people = runtime.trainees()  # the trainee has linked Telegram, and answers there
    code = people.create_link_code(trainee.id)
    people.use_link_code("telegram", "t1", code)
    people.use_link_code("rest", "t1", code)
    said, _ = run(ActionReviewAnswer(), tracker("", "review_answer", [("review_option", option)], channel="telegram"))
    assert "Right again. Next review of it in 3 days." in said[0]["text"]
    assert said[1]["text"].startswith("Shall I send you a message here when a review is due?")
    assert [b["payload"] for b in said[1]["buttons"]] == [
        '/set_reminders{"reminders": "on"}',
        '/set_reminders{"reminders": "off"}',
    ]
    said, _ = run(ActionSetReminders(), tracker("no reminders", "set_reminders", [("reminders", "off")]))
    assert said[0]["text"] == "OK: no reminders."
    assert SpacedReview(runtime.database()).reminders_wanted(trainee.id) is False
    again, _ = run(ActionReviewAnswer(), tracker("", "review_answer", [("review_option", option)]))
    assert again[0]["text"] == "Nothing to review right now."  # an old button: nothing is due


def test_the_last_scenario_played_offers_the_after_test():
    from trainer.content import BEFORE_FORM
    from trainer.engine import best_option
    from trainer.knowledge import Checks

    content, store = runtime.content(), runtime.progress()
    trainee = runtime.trainees().trainee_for("rest", "t1")
    checks = Checks(runtime.database())
    before = checks.start(trainee.id, "before")
    for item in content.check_forms[BEFORE_FORM]:
        checks.answer(before.id, item, item.right.id, len(content.check_forms[BEFORE_FORM]))
    for scenario in content.scenarios.values():
        if scenario.id != "checkpoint_motorbike":  # played last, below
            play(store, trainee.id, scenario, best_option)
    base = playing_slots()
    validate_answer(
        "/choose_option", {**base, "step_id": "approach"}, "choose_option", [("option_id", "escalate")], message_id="a1"
    )
    _, said = validate_answer(
        "/choose_option",
        {**base, "step_id": "stops"},
        "choose_option",
        [("option_id", "hold_until_morning")],
        message_id="a2",
    )
    offer = next(m for m in said if "final test" in (m.get("text") or ""))
    assert offer["text"].startswith("You have played every scenario.")
    assert offer["buttons"] == [{"title": "Take the test", "payload": "/knowledge_check"}]


def test_a_phone_joins_the_classroom_session_and_votes_on_the_decision_on_screen():
    from actions.classroom import ActionClassVote, ActionJoinClass
    from trainer.accounts import Trainer
    from trainer.classroom import HANDS, Classroom

    content = runtime.content()
    scenario = content.scenario("checkpoint_motorbike")
    classroom = Classroom(runtime.database())
    room = classroom.open(Trainer(0, "cli", "admin"), content, scenario.id, "en", None)
    said, _ = run(ActionJoinClass(), tracker(f"join {room.code}", "join_class"))
    step = scenario.steps[scenario.start]
    assert (
        said[0]["text"].startswith(f"Class session: {scenario.title['en']}.") and step.prompt["en"] in said[0]["text"]
    )
    vote = said[0]["buttons"][1]["payload"]
    option = json.loads(vote.split("class_vote", 1)[1])["class_option"]
    counted, _ = run(ActionClassVote(), tracker("", "class_vote", [("class_option", option)]))
    assert counted[0]["text"].startswith("Vote counted:")
    assert counted[0]["buttons"] == [
        {"title": "Next decision", "payload": f'/join_class{{"class_code": "{room.code}"}}'}
    ]
    assert sum(classroom.tally(room.id, step.id).values()) == 1

    classroom.decide(room.id, content, option.split(":")[1], HANDS)  # the trainer moves on
    stale, _ = run(ActionClassVote(), tracker("", "class_vote", [("class_option", option)]))
    assert "Vote counted" not in stale[0]["text"]  # an old button: the decision now on screen instead
    wrong, _ = run(ActionJoinClass(), tracker("join ZZZZ22", "join_class"))
    assert wrong[0]["response"] == "utter_bad_class_code"
