import pytest

from trainer.language import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello", "en"),
        ("hi im back", "en"),
        ("what can you do", "en"),
        ("bonjour", "fr"),
        ("bjr", "fr"),
        ("Salut, ça va ?", "fr"),
        ("aidez moi svp", "fr"),
        ("Je ne sais pas quoi faire", "fr"),
        ("I would not shoot", "en"),
    ],
)
def test_detects_language_of_short_messages(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "ok", "42", "👍", "   "])
def test_gives_no_answer_when_the_message_has_no_sign(text):
    assert detect_language(text) is None
