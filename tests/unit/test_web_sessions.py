"""Signed sessions of the trainee page (trainer/web_sessions.py); over a real socket:
tests/integration/test_websocket_channel.py."""

import time

import jwt

from trainer.web_sessions import AUDIENCE, LIFETIME_SECONDS, NewSessionLimit, issue, session_of

SECRET = "a test secret of the web page, long enough"


def test_a_token_names_its_session_until_it_expires():
    session, token = issue(SECRET)
    assert session_of(SECRET, token) == session and len(session) >= 20
    assert issue(SECRET, session)[0] == session  # a reload: the same session, a new token
    _, old = issue(SECRET, session, now=time.time() - LIFETIME_SECONDS - 1)
    assert session_of(SECRET, old) is None


def test_a_token_not_signed_by_us_names_nothing():
    _, token = issue(SECRET)
    guessed = "a guessed secret, as long as ours is"
    forged = jwt.encode({"sub": "someone-else", "aud": AUDIENCE, "exp": time.time() + 60}, guessed, "HS256")
    unsigned = jwt.encode({"sub": "someone-else", "aud": AUDIENCE}, None, "none")
    other_use = jwt.encode({"sub": "x", "aud": "rasa-api", "exp": time.time() + 60}, SECRET, "HS256")
    for bad in (forged, unsigned, other_use, token[:-2], "", None, 42):
        assert session_of(SECRET, bad) is None
    assert session_of("", token) is None  # no secret configured: no session is valid


def test_new_sessions_are_limited_per_address_in_a_sliding_window():
    now = [0.0]
    limit = NewSessionLimit(3, window_seconds=600, clock=lambda: now[0])
    assert [limit.allow("203.0.113.5") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("198.51.100.9")
    now[0] = 601
    assert limit.allow("203.0.113.5")


def test_a_short_configured_secret_stops_the_server(monkeypatch):
    import pytest

    from trainer.settings import web_session_secret

    monkeypatch.setenv("WEB_SESSION_SECRET", "short")
    with pytest.raises(SystemExit, match="WEB_SESSION_SECRET must be at least 32 characters"):
        web_session_secret()
    monkeypatch.setenv("WEB_SESSION_SECRET", "x" * 32)
    assert web_session_secret() == "x" * 32
