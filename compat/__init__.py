"""Fixes that let Rasa Open Source 3.6 serve on Python 3.11.

Rasa 3.6 supports Python up to 3.10; this project runs it on 3.11 (see the README). Every
process that serves (the Rasa server, the action server) starts through ``python -m compat``,
which calls :func:`apply` before the server is imported, so fixes live in our code and
site-packages stays untouched.
"""
import os


def disable_telemetry() -> None:
    """No telemetry or error report may leave the deployment, whatever the user's config says."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def apply() -> None:
    """Apply every fix; safe to call more than once."""
    from compat import sanic_websockets

    disable_telemetry()
    sanic_websockets.apply()
