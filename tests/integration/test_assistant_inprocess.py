"""The trained assistant, loaded in-process with rasa.core.agent.Agent (custom actions on a real
action server and progress store), played by text like a trainee would."""

import uuid

import pytest

from trainer.db import Database
from trainer.identities import Trainees
from trainer.progress import ProgressStore


def texts(responses):
    return "\n".join(response.get("text") or "" for response in responses)


@pytest.fixture
def say(agent, run):
    sender = f"trainee-{uuid.uuid4()}"

    def say_(message):
        responses = run(agent.handle_text(message, sender_id=sender))
        say_.buttons = [button["payload"] for response in responses for button in response.get("buttons") or []]
        return texts(responses)

    say_.sender = sender
    return say_


@pytest.mark.parametrize(
    "message, expected",
    [
        ("hello", "Hello! I train you to protect civilians"),
        ("bonjour", "Bonjour ! Je vous entraîne à protéger les civils"),
        ("slt", "Bonjour ! Je vous entraîne à protéger les civils"),
        ("good morning", "Hello! I train you to protect civilians"),
    ],
)
def test_greets_in_the_language_of_the_greeting(say, message, expected):
    assert expected in say(message)


def test_help_follows_the_language_of_the_question(say):
    assert "bouton" in say("aide moi")
    assert "tap a button" in say("help me please")


def test_a_french_trainee_plays_a_scenario_with_every_interruption(say, session_database_url):
    assert "Choisissez votre langue" in say("bonjour")
    assert "nom ou votre indicatif" in say('/set_language{"language": "fr"}')
    assert "code d'inscription" in say("Sergent Kone")
    assert "Que voulez-vous faire" in say("pas de code")
    reply = say("je veux faire le scenario poste de controle")
    assert "Vers 22 h" in reply and "Que faites-vous ?" in reply  # briefing, then the first decision point
    assert "Indice :" in say("un indice")
    reply = say("c'est quoi la proportionnalite")
    assert "Règle 14 - Proportionnalité" in reply and "Que faites-vous ?" in reply  # back to the same point
    reply = say("je fais signe avec ma lampe, je crie stop et on reste a couvert")
    assert "3/3 Juste" in reply and "Règle 1" in reply and "Comment les traitez-vous ?" in reply
    reply = say("in english please")
    assert "continue in English" in reply and "How do you handle them?" in reply
    assert "paused and saved" in say("stop")
    reply = say("hello")
    assert "Welcome back, Sergent Kone!" in reply and "Continue where you left off?" in reply
    reply = say("continue")
    assert "How do you handle them?" in reply
    reply = say(
        "call the man forward, quick search and check papers, calm and polite, then let them go to the health centre"
    )
    assert "Debrief - Night checkpoint" in reply and "Score: 100%" in reply

    db = Database(session_database_url)
    store, people = ProgressStore(db), Trainees(db)
    trainee = people.trainee_for("unknown", say.sender)  # Agent.handle_text names no input channel
    attempt = store.attempts(trainee.id)[-1]
    answers = store.answers(attempt.id)
    assert attempt.status == "completed" and [a["grade"] for a in answers] == [3, 3]
    assert answers[0]["hint_used"] is True and answers[1]["hint_used"] is False
    assert answers[0]["text"].startswith("je fais signe")
    db.close()


def test_an_english_trainee_answers_unclearly_then_by_number_and_sees_progress(say):
    say("hi")
    say('/set_language{"language": "en"}')
    say("Cpl Diarra")
    say("no code")
    reply = say("start the detainee video scenario")
    assert "filming a bound detainee" in reply
    assert "Can you say it another way?" in say("banana")
    reply = say("qwerty")
    assert "Pick the answer closest to yours" in reply
    position = say.buttons.index('/choose_option{"option_id": "stop_delete_report"}') + 1  # options are shuffled
    reply = say(str(position))
    assert "3/3 Right" in reply and "Common article 3" in reply
    reply = say("put him in the shade, give him water and record his name and details")  # a clear 3: no "Did you mean"
    assert "Debrief - Filming a bound detainee" in reply
    assert "Filming a bound detainee: best 100%" in say("how am i doing")


def test_a_trainee_back_after_the_session_expired_answers_the_same_decision_point(say, agent, run):
    from rasa.shared.core.events import SessionStarted, UserUttered

    say('/set_language{"language": "en"}')
    say("Pte Traore")
    say("no code")
    assert "filming a bound detainee" in say("start the detainee video scenario")
    position = say.buttons.index('/choose_option{"option_id": "stop_delete_report"}') + 1  # options are shuffled

    tracker = run(agent.tracker_store.retrieve(say.sender))
    [*_, last_message] = [event for event in tracker.events if isinstance(event, UserUttered)]
    last_message.timestamp -= 2 * 3600  # two hours ago: past the domain's session_expiration_time
    run(agent.tracker_store.save(tracker))

    reply = say(str(position))  # answered in a new session, to the decision point still on the trainee's screen
    assert "3/3 Right" in reply and "Common article 3" in reply
    whole = run(agent.tracker_store.retrieve_full_tracker(say.sender))
    assert sum(isinstance(event, SessionStarted) for event in whole.events) == 2
    current_session = run(agent.tracker_store.retrieve(say.sender))  # what Rasa loads per turn
    assert [event.text for event in current_session.events if isinstance(event, UserUttered)] == [str(position)]


def test_a_long_session_starts_anew_between_scenarios_keeping_every_answer(
    test_model, action_server_url, run, monkeypatch, tmp_path, session_database_url
):
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted, UserUttered
    from rasa.utils.endpoints import EndpointConfig

    from rasa_plugins import session_length
    from trainer.content_loader import load_content

    monkeypatch.setattr(
        MessageProcessor, "_has_session_expired", MessageProcessor._has_session_expired
    )  # restored after
    session_length.install(max_events=30)  # less than a scenario: a new session at each scenario start
    # The SQL tracker store, as served: Rasa's in-memory store keeps only the latest session.
    agent = Agent.load(
        str(test_model),
        action_endpoint=EndpointConfig(action_server_url),
        tracker_store=SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db")),
    )
    sender = f"trainee-{uuid.uuid4()}"

    def say(message):
        return texts(run(agent.handle_text(message, sender_id=sender)))

    scenario = load_content().scenario("checkpoint_motorbike")
    say('/set_language{"language": "en"}')
    say("Cpl Sangare")
    say("no code")
    answered = 0
    for _ in range(3):  # three times through, best answer at each decision point
        shown, node = say(f'/start_training{{"scenario": "{scenario.id}"}}'), scenario.start
        while node in scenario.steps:
            step = scenario.steps[node]
            assert step.prompt["en"] in shown
            option = max(step.options, key=lambda o: o.grade)
            shown = say(f'/choose_option{{"option_id": "{option.id}"}}')
            assert option.feedback["en"] in shown
            answered, node = answered + 1, option.next
        assert "Debrief" in shown

    whole = run(agent.tracker_store.retrieve_full_tracker(sender))
    assert sum(isinstance(event, SessionStarted) for event in whole.events) == 4  # the first, then one per scenario
    current_session = run(agent.tracker_store.retrieve(sender))  # what Rasa loads per turn
    [first_message, *_] = [event for event in current_session.events if isinstance(event, UserUttered)]
    assert first_message.text.startswith("/start_training")  # sessions change between scenarios
    db = Database(session_database_url)
    store, people = ProgressStore(db), Trainees(db)
    attempts = store.attempts(people.trainee_for("unknown", sender).id)
    assert [a.status for a in attempts] == ["completed"] * 3
    answers = [answer for attempt in attempts for answer in store.answers(attempt.id)]
    assert len(answers) == answered and all(answer["response_ms"] is not None for answer in answers)
    db.close()


def test_a_trainee_who_reads_little_turns_audio_on_and_off_in_words(agent, run):
    sender = f"trainee-{uuid.uuid4()}"

    def say(message):
        return run(agent.handle_text(message, sender_id=sender))

    say("bonjour")
    say('/set_language{"language": "fr"}')
    say("Soldat Diarra")
    assert "Que voulez-vous faire" in texts(say("pas de code"))
    assert "Audio activé" in texts(say("je ne sais pas lire"))
    replies = say("je veux faire le scenario poste de controle")
    notes = [r["custom"]["audio"] for r in replies if r.get("custom")]
    assert notes[0] == "/audio/fr/fr/checkpoint_motorbike/briefing.ogg"
    assert notes[1].startswith("/audio/fr/fr/checkpoint_motorbike/approach/") and "Que faites-vous ?" in texts(replies)
    replies = say("pas d'audio")  # at the decision point: a request, then the point again, silent
    assert "Audio désactivé" in texts(replies) and "Que faites-vous ?" in texts(replies)
    assert not any(r.get("custom") for r in replies)
