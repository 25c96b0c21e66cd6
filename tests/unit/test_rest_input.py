"""What the REST channel accepts (rasa_plugins/rest.py); on a running server: test_access.py."""

import json

import pytest

from rasa_plugins.rest import BadRequest, refusal, user_message


def test_the_channel_is_off_without_a_token_and_needs_it_as_a_bearer_token():
    assert refusal(None, "Bearer anything").status == 403
    assert refusal("s3cret", "").status == 401
    assert refusal("s3cret", "Bearer wrong").status == 401
    assert refusal("s3cret", "s3cret").status == 401
    assert refusal("s3cret", "Bearer s3cret") is None
    assert "REST_CHANNEL_TOKEN" in json.loads(refusal(None, "").body)["error"]


@pytest.mark.parametrize(
    "body, problem",
    [
        ([], "JSON object"),
        ("hello", "JSON object"),
        ({"message": "hi"}, "sender"),
        ({"sender": "", "message": "hi"}, "sender"),
        ({"sender": 42, "message": "hi"}, "sender"),
        ({"sender": "x" * 65, "message": "hi"}, "sender"),
        ({"sender": "a b", "message": "hi"}, "sender"),
        ({"sender": "t1", "message": 3}, "message must be a string"),
        ({"sender": "t1", "message": None}, "message must be a string"),
        ({"sender": "t1", "message": "hi", "metadata": "x"}, "metadata"),
        ({"sender": "t1", "message": "hi", "metadata": [1]}, "metadata"),
        ({"sender": "web:3f2a", "message": "hi"}, "belong to other channels"),
        ({"sender": "tg:5550001", "message": "2"}, "belong to other channels"),
        ({"sender": "wa:+33612345678", "message": "2"}, "belong to other channels"),
    ],
)
def test_a_malformed_body_is_refused_with_what_is_wrong(body, problem):
    with pytest.raises(BadRequest, match=problem):
        user_message(body)


def test_a_good_body_is_read():
    assert user_message({"sender": "whatsapp:+336", "message": " hi ", "metadata": {"language": "fr"}}) == {
        "sender": "whatsapp:+336",  # the old Twilio ids are no longer any channel's
        "text": "hi",
        "metadata": {"language": "fr"},
    }
