"""Signed sessions of the trainee web page.

The web server gives each browser a session (a random id, kept in a cookie) and a token that
names it, signed with WEB_SESSION_SECRET. The Rasa server's socket.io channel accepts a socket
only with a valid token and files its messages under that session (rasa_plugins/webchat.py),
whatever session id the client asks for: a conversation belongs to the browser that got it.
"""

import secrets
import time
from collections import defaultdict, deque
from typing import Callable, Deque, Dict, Optional, Tuple

import jwt

ALGORITHM = "HS256"
LIFETIME_SECONDS = 30 * 24 * 3600  # the cookie's too: a trainee's conversation outlives a course
AUDIENCE = "ihl-trainer-web"


def issue(secret: str, session: Optional[str] = None, now: Optional[float] = None) -> Tuple[str, str]:
    """(session id, token): a new session unless `session` is given, with a fresh token."""
    session = session or secrets.token_urlsafe(16)
    issued = int(now if now is not None else time.time())
    claims = {"sub": session, "aud": AUDIENCE, "iat": issued, "exp": issued + LIFETIME_SECONDS}
    return session, jwt.encode(claims, secret, algorithm=ALGORITHM)


def session_of(secret: str, token: object) -> Optional[str]:
    """The session a token names, if it is ours, unexpired and untampered; else None."""
    if not secret or not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE)
    except jwt.PyJWTError:
        return None
    session = claims.get("sub")
    return session if isinstance(session, str) and session else None


class NewSessionLimit:
    """At most `per_window` new sessions per client address in `window_seconds`: a stranger
    cannot mint sessions by the thousand (each would be a new conversation on the Rasa server).
    Counted per web server process."""

    def __init__(self, per_window: int, window_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.per_window, self.window_seconds, self.clock = per_window, window_seconds, clock
        self._issued: Dict[str, Deque[float]] = defaultdict(deque)

    def allow(self, address: str) -> bool:
        now = self.clock()
        issued = self._issued[address]
        while issued and issued[0] <= now - self.window_seconds:
            issued.popleft()
        if len(issued) >= self.per_window:
            return False
        issued.append(now)
        if len(self._issued) > 10_000:  # forget addresses with nothing recent
            for stale in [
                a for a, times in self._issued.items() if not times or times[-1] <= now - self.window_seconds
            ]:
                del self._issued[stale]
        return True
