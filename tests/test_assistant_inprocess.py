"""The trained assistant, loaded in-process with rasa.core.agent.Agent, answers in both languages."""
import uuid

import pytest


def reply_texts(responses):
    return [response.get("text", "") for response in responses]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("hello", "Hello! I train you to protect civilians"),
        ("bonjour", "Bonjour ! Je vous entraîne à protéger les civils"),
        ("slt", "Bonjour ! Je vous entraîne à protéger les civils"),
        ("good morning", "Hello! I train you to protect civilians"),
    ],
)
def test_greets_in_the_language_of_the_greeting(agent, run, message, expected):
    responses = run(agent.handle_text(message, sender_id=f"greet-{uuid.uuid4()}"))
    assert any(text.startswith(expected) for text in reply_texts(responses)), responses


def test_help_follows_the_language_already_chosen(agent, run):
    sender = f"help-{uuid.uuid4()}"
    run(agent.handle_text("bonjour", sender_id=sender))
    responses = run(agent.handle_text("aide", sender_id=sender))
    assert any("bouton" in text for text in reply_texts(responses)), responses
    responses = run(agent.handle_text("help me please", sender_id=sender))
    assert any("tap a button" in text for text in reply_texts(responses)), responses
