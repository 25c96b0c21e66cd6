"""Fixes applied to Rasa Open Source 3.6 before it serves.

Rasa 3.6 supports Python up to 3.10; this project runs it on 3.11 (see the README), which needs
the websocket fix. Every process that serves (the Rasa server, the action server) starts through
``python -m compat``, which calls :func:`apply` before the server is imported, so fixes live in
our code and site-packages stays untouched. The Rasa server also gets the action-response and
event-type fixes (costs the load benchmark found), and the project's guards in front of the dialogue
(rasa_plugins.admission, rasa_plugins.action_trouble, rasa_plugins.session_length); only there,
since importing Rasa's core loads TensorFlow.
"""

import os


def disable_telemetry() -> None:
    """No telemetry or error report may leave the deployment, whatever the user's config says."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def keep_log_level() -> None:
    """Loading the intent classifier imports skops, which lists scikit-learn's estimators and so
    imports numpy.distutils, whose first import sets the root logger to WARNING (through
    setuptools' distutils shim): every INFO line after the model loaded vanished, "Rasa server is
    up and running" among them. Imported here, before Rasa sets up its logging, it changes nothing."""
    import numpy.distutils.log  # noqa: F401


def apply() -> None:
    """Apply every fix; safe to call more than once."""
    from compat import sanic_websockets

    disable_telemetry()
    keep_log_level()
    sanic_websockets.apply()
