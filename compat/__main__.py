"""Run a Python module as a program with compat's fixes applied first.

    python -m compat rasa run --credentials credentials.yml ...
    python -m compat rasa_sdk --actions actions --port 5055
"""
import os
import runpy
import sys
from typing import List, Mapping

import compat


def api_credentials(arguments: List[str], environ: Mapping[str, str]) -> List[str]:
    """Rasa's options for the HTTP API's token and JWT secret, from the environment: added to
    the arguments in this process, they never show in the command line other users can list."""
    if "--enable-api" not in arguments:
        return []
    options = []
    if environ.get("RASA_API_TOKEN"):
        options += ["--auth-token", environ["RASA_API_TOKEN"]]
    if environ.get("RASA_JWT_SECRET"):
        options += ["--jwt-secret", environ["RASA_JWT_SECRET"], "--jwt-method", environ.get("RASA_JWT_METHOD", "HS256")]
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
        action_trouble.install(action_trouble.timeout_from(os.environ))
        session_length.install(session_length.max_events_from(os.environ))
        admission.install(admission.Admission(admission.Limits.from_environ(os.environ)))
        arguments += api_credentials(arguments, os.environ)
    sys.argv = [module] + arguments
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
