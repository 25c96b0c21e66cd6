"""A conversation session also ends when it grows long, not only after an hour of silence.

On every message Rasa loads the whole current session from the tracker store, replays it, sends
it to the action server, and RulePolicy reads its states again for each prediction, so a turn
costs more the longer the session: one trainee playing scenarios back to back went from 58 ms a
turn to 450 ms after 300 turns (benchmarks/README.md). Once the session holds
SESSION_MAX_EVENTS events and no form is open (between scenarios, not in the middle of one or of
the profile), the next message starts a new session exactly as after an hour without a message,
through action_session_start. Waiting for the form to close keeps a scenario's answers in one
session: an answer's response time is measured from the decision point shown in the same session.
"""

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from compat.versions import RASA, written_for


def events_in_session(tracker: DialogueStateTracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += 1
    return count


def install(max_events: int) -> None:
    """Extend MessageProcessor._has_session_expired, which Rasa asks before each message."""
    written_for(RASA, __name__)
    has_session_expired = MessageProcessor._has_session_expired

    def session_over(self, tracker: DialogueStateTracker) -> bool:
        if has_session_expired(self, tracker):
            return True
        return (
            self.domain.session_config.are_sessions_enabled()
            and tracker.active_loop_name is None
            and events_in_session(tracker) >= max_events
        )

    MessageProcessor._has_session_expired = session_over
