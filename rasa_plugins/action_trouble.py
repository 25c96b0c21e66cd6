"""When a custom action fails (action server down, erroring or too slow), the trainee hears why.

Rasa 3.6 logs the failure, drops the action's events and sends the trainee nothing, so the
conversation stays where it was but looks dead. Here every call to the action server is bounded
by ACTION_TIMEOUT_SECONDS (Rasa's own limit is five minutes) and a failure sends the trainee
`utter_action_trouble` once per message before Rasa handles it as before. Dropping the events
keeps the state consistent: the trainee resends the answer, and the action server records an
answer it already took only once.
"""

import asyncio
import logging
import weakref

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.exceptions import RasaException

from compat.versions import RASA, written_for

logger = logging.getLogger(__name__)

APOLOGY = "utter_action_trouble"


def install(timeout_seconds: float) -> None:
    """Wrap RemoteAction.run (form validation goes through it too)."""
    written_for(RASA, __name__)
    call_action_server = RemoteAction.run
    apologised = weakref.WeakSet()  # output channels are made per incoming message

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await asyncio.wait_for(
                call_action_server(self, output_channel, nlg, tracker, domain), timeout_seconds
            )
        except ActionExecutionRejection:  # a form refusing a slot: the normal flow
            raise
        except Exception as error:
            if output_channel not in apologised:
                apologised.add(output_channel)
                message = await nlg.generate(APOLOGY, tracker, output_channel.name())
                await output_channel.send_response(tracker.sender_id, message)
            if isinstance(error, asyncio.TimeoutError):
                raise RasaException(f"custom action '{self.name()}' took more than {timeout_seconds:g} s") from error
            raise

    RemoteAction.run = run
