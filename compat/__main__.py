"""Run a Python module as a program with compat's fixes applied first.

python -m compat rasa run --credentials credentials.yml ...
python -m compat rasa_sdk --actions actions --port 5055
"""

import runpy
import sys
from typing import List

import compat
from trainer import settings


def api_credentials(arguments: List[str]) -> List[str]:
    """Rasa's options for the HTTP API's token and JWT secret, from the environment: added to
    the arguments in this process, they never show in the command line other users can list."""
    if "--enable-api" not in arguments:
        return []
    token, jwt_secret, jwt_method = settings.rasa_api_credentials()
    options = []
    if token:
        options += ["--auth-token", token]
    if jwt_secret:
        options += ["--jwt-secret", jwt_secret, "--jwt-method", jwt_method]
    return options


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m compat MODULE [ARGS...]  (for example: rasa run, rasa_sdk)")
    compat.apply()
    module = sys.argv[1]
    arguments = sys.argv[2:]
    if module == "rasa":
        from compat import action_response, event_types
        from rasa_plugins import action_trouble, admission, session_length

        action_response.apply()
        event_types.apply()
        action_trouble.install(settings.action_timeout_seconds())
        session_length.install(settings.session_max_events())
        admission.install(admission.Admission(admission.Limits.from_environ()))
        arguments += api_credentials(arguments)
    sys.argv = [module] + arguments
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
