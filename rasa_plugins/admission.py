"""Which incoming messages the Rasa server takes on: a rate limit per sender, a cap on open
sessions and a length limit, so one flooding client, a burst of new sender ids or one huge
message cannot slow every trainee down.

A message longer than MAX_ANSWER_CHARS is refused before NLU reads it: no answer needs more, and
what a message costs grows with its length (with the DIET classifier used until December 2026,
parsing a 60,000-character message took 42 s and 17 GB; with today's linear classifier 0.2 s,
but the grader and the store would still take it).

A sender has a bucket of RATE_LIMIT_BURST messages that refills at RATE_LIMIT_PER_MINUTE; a
message with the bucket empty gets a short refusal and is not processed (the trainee sends it
again). A session is open while its sender wrote in the last SESSION_IDLE_MINUTES; with
MAX_OPEN_SESSIONS open, a new sender is told the server is full. New senders cost a stranger
nothing, so one client address may hold at most MAX_SESSIONS_PER_ADDRESS of the open sessions:
junk senders from one address fill their own share, not the server. The address is that of the
web page's socket or the REST client (channels set it with `from_address`); Telegram and
WhatsApp senders are verified by their platform and all arrive from its servers, so they have
none.

The refusals are in English and French: the trainee's language is in the tracker, and reading
it would cost the database query the limit is there to save. Counts are per Rasa server process
(see docs/deployment.md).
"""

import contextlib
import contextvars
import logging
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Optional

from trainer.settings import ADMISSION_DEFAULTS, MAX_ANSWER_CHARS, admission_limits

logger = logging.getLogger(__name__)

TOO_FAST = (
    "Too many messages at once. Wait a few seconds, then send your last one again.\n"
    "Trop de messages à la fois. Attendez quelques secondes, puis renvoyez le dernier."
)
TOO_LONG = (
    f"That message is too long (over {MAX_ANSWER_CHARS} characters). Send a shorter one.\n"
    f"Message trop long (plus de {MAX_ANSWER_CHARS} caractères). Envoyez-en un plus court."
)
FULL = (
    "The training server is full right now. Try again in a few minutes.\n"
    "Le serveur d'entraînement est complet pour le moment. Réessayez dans quelques minutes."
)
ADDRESS_FULL = (
    "Too many conversations from your network right now. Try again in a few minutes.\n"
    "Trop de conversations depuis votre réseau en ce moment. Réessayez dans quelques minutes."
)
REASONS = {
    FULL: "server full",
    ADDRESS_FULL: "client address over its share of sessions",
    TOO_FAST: "sender over its rate limit",
    TOO_LONG: "message too long",
}

_client_address: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("client_address", default=None)


@contextlib.contextmanager
def from_address(address: Optional[str]) -> Iterator[None]:
    """Messages handled inside come from this client address (see the module's doc)."""
    token = _client_address.set(address or None)
    try:
        yield
    finally:
        _client_address.reset(token)


@dataclass(frozen=True)
class Limits:
    rate_limit_per_minute: float = ADMISSION_DEFAULTS["rate_limit_per_minute"]
    rate_limit_burst: float = ADMISSION_DEFAULTS["rate_limit_burst"]
    max_open_sessions: float = ADMISSION_DEFAULTS["max_open_sessions"]
    max_sessions_per_address: float = ADMISSION_DEFAULTS["max_sessions_per_address"]
    session_idle_minutes: float = ADMISSION_DEFAULTS["session_idle_minutes"]

    @classmethod
    def from_environ(cls, environ: Optional[Mapping[str, str]] = None) -> "Limits":
        """The limits the environment sets (trainer.settings), the process's by default."""
        return cls(**admission_limits(environ))


class Admission:
    """The gate; `admit(sender)` returns None to let the message through, else the refusal."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        # sender -> [tokens, last seen, client address], oldest first
        self._senders: OrderedDict[str, list] = OrderedDict()
        self._per_address: Counter = Counter()

    def admit(self, sender: str, address: Optional[str] = None) -> Optional[str]:
        now = self.clock()
        self._close_idle_sessions(now)
        if sender not in self._senders:
            if len(self._senders) >= self.limits.max_open_sessions:
                return FULL
            if address is not None and self._per_address[address] >= self.limits.max_sessions_per_address:
                return ADDRESS_FULL
            self._senders[sender] = [self.limits.rate_limit_burst, now, address]
            self._per_address[address] += 1
        bucket = self._senders[sender]
        refill = (now - bucket[1]) * self.limits.rate_limit_per_minute / 60
        bucket[0] = min(self.limits.rate_limit_burst, bucket[0] + refill)
        bucket[1] = now
        self._senders.move_to_end(sender)
        if bucket[0] < 1:
            return TOO_FAST
        bucket[0] -= 1
        return None

    def open_sessions(self) -> int:
        self._close_idle_sessions(self.clock())
        return len(self._senders)

    def _close_idle_sessions(self, now: float) -> None:
        idle_since = now - self.limits.session_idle_minutes * 60
        while self._senders:
            sender, (_, last_seen, address) = next(iter(self._senders.items()))
            if last_seen > idle_since:
                break
            del self._senders[sender]
            self._per_address[address] -= 1
            if self._per_address[address] <= 0:
                del self._per_address[address]


def install(admission: Admission) -> None:
    """Put the gate in front of Agent.handle_message, where every input channel delivers."""
    from rasa.core.agent import Agent

    from compat.versions import RASA, written_for

    written_for(RASA, __name__)
    handle_message = Agent.handle_message

    async def admitted_handle_message(self, message):
        refusal = admission.admit(message.sender_id, _client_address.get())
        if refusal is None and len(message.text or "") > MAX_ANSWER_CHARS:
            refusal = TOO_LONG
        if refusal is None:
            return await handle_message(self, message)
        logger.warning("message refused: %s", REASONS[refusal])
        await message.output_channel.send_text_message(message.sender_id, refusal)
        return None

    Agent.handle_message = admitted_handle_message
