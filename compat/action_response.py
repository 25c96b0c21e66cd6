"""Check Rasa's custom-action response schema once, not on every custom action call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which first
checks the schema itself against the JSON Schema meta-schema, every time. On jsonschema 4 that
check costs more than the rest of a turn: the load benchmark's profile of the Rasa server showed
40% of its CPU there. Responses are still validated as ``jsonschema.validate`` does it, with
Rasa's error text, by a validator whose schema was checked once per process.
"""

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import validators
from jsonschema.exceptions import best_match


@lru_cache(maxsize=1)
def response_validator():
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result``, minus the per-call schema check."""
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        f"the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    from compat.versions import RASA, written_for

    written_for(RASA, __name__)
    RemoteAction._validate_action_result = validate_action_result
