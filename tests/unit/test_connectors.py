"""The messaging connectors' own logic, without a server: commands, numbered lists, splitting."""

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from rasa_plugins import split_message
from rasa_plugins.telegram import command_as_intent
from rasa_plugins.whatsapp import MAX_MESSAGE_CHARS, last_buttons, replies

OPTIONS = [
    {"title": "Warn", "payload": '/choose_option{"option_id": "warn"}'},
    {"title": "Shoot", "payload": '/choose_option{"option_id": "shoot"}'},
]


def test_telegram_commands_become_intents():
    assert command_as_intent("/start") == "/greet"
    assert command_as_intent("/start@ihl_bot") == "/greet"
    assert command_as_intent("/start K7PQ2M") == '/link_account{"link_code": "K7PQ2M"}'
    assert command_as_intent('/start x"}{evil') == '/link_account{"link_code": "xevil"}'  # no JSON injection
    assert command_as_intent("/progress") == "/my_progress"
    assert command_as_intent("/weather today") == "weather today"  # unknown: words for the NLU
    assert command_as_intent("I shout stop") == "I shout stop"


def test_a_turn_becomes_one_text_with_only_the_last_buttons_numbered():
    turn = [
        {"text": "Right. Rule 1.", "buttons": [{"title": "Rule 1", "payload": "/explain_rule"}]},
        {"text": "What now?", "buttons": OPTIONS},
    ]
    assert replies(turn) == ["Right. Rule 1.\n\nWhat now?\n1. Warn\n2. Shoot"]
    assert replies([{"text": "…", "buttons": OPTIONS}]) == ["1. Warn\n2. Shoot"]
    assert replies([]) == []


def test_long_turns_are_cut_within_whatsapps_limit_at_paragraphs():
    paragraphs = [f"Paragraph {n}. " + "word " * 60 for n in range(20)]
    parts = replies([{"text": "\n\n".join(paragraphs)}])
    assert len(parts) > 1 and all(len(part) <= MAX_MESSAGE_CHARS for part in parts)
    assert all(part.startswith("Paragraph") for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(" ".join(paragraphs).split())  # nothing lost


def test_split_message_cuts_a_text_without_spaces_at_the_limit():
    assert split_message("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_message("  ", 10) == []


def test_numbers_refer_to_the_buttons_of_the_last_turn_only():
    events = [UserUttered("hi"), BotUttered("Pick", {"buttons": OPTIONS}), ActionExecuted("action_listen")]
    assert last_buttons(events) == OPTIONS
    assert last_buttons(events + [UserUttered("2"), BotUttered("Your name?")]) == []
