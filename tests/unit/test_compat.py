"""compat's fix of Rasa's custom-action response check: same verdicts and error text as Rasa's
own jsonschema.validate, with the schema checked against the meta-schema once per process; and
the log level surviving the intent classifier's loading."""

import subprocess
import sys

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from compat import action_response

VALID = [
    {"events": [{"event": "slot", "name": "step", "value": "s1"}], "responses": [{"text": "hi"}]},
    {"events": [], "responses": []},
    {},
]
INVALID = [
    {"events": "slot"},
    {"events": [{"event": 3}]},
    {"responses": ["text"]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture()
def patched(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_response.apply()
    return RemoteAction("action_test", None)


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass(patched, response):
    assert patched._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_fail_with_rasas_message(patched, response):
    with pytest.raises(ValidationError) as rasa_error:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        patched._validate_action_result(response)
    assert ours.value.message.startswith(rasa_error.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_schema_is_checked_once(patched, monkeypatch):
    action_response.response_validator.cache_clear()
    validator_class = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    original = validator_class.check_schema.__func__
    monkeypatch.setattr(
        validator_class, "check_schema", classmethod(lambda cls, s: checks.append(s) or original(cls, s))
    )
    for _ in range(5):
        patched._validate_action_result(VALID[0])
    assert len(checks) == 1


@pytest.mark.parametrize("with_compat, level", [(True, "INFO"), (False, "WARNING")])
def test_loading_the_intent_classifier_keeps_the_log_level_only_with_compat(with_compat, level):
    script = (
        "import logging\n"
        + ("import compat; compat.apply()\n" if with_compat else "")
        + "logging.basicConfig(level=logging.INFO)\nimport skops.io\n"
        + "print(logging.getLevelName(logging.getLogger().level))"
    )
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == level  # without the fix Rasa's "up and running" line is lost


def test_event_types_resolve_as_rasa_resolves_them(monkeypatch):
    from rasa.shared.core.events import Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    from compat import event_types

    rasa_resolve = Event.resolve_by_type
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])  # restored after
    event_types.apply()
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_resolve(cls.type_name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def test_a_patch_says_so_when_the_installed_release_is_not_the_one_it_was_written_for(caplog):
    from compat.versions import RASA, written_for

    assert written_for(RASA, "a patch")  # the locked rasa 3.6
    with caplog.at_level("WARNING"):
        assert not written_for(("rasa", "9.9."), "a patch of rasa 9.9")
    assert "a patch of rasa 9.9 was written for rasa 9.9.x" in caplog.text and "3.6." in caplog.text
