"""The admission gate's arithmetic on a clock the test moves (rasa_plugins/admission.py); the
gate in front of a running Rasa server is tested in test_rest_channel.py."""

import pytest

from rasa_plugins.admission import ADDRESS_FULL, FULL, TOO_FAST, Admission, Limits
from trainer.settings import action_timeout_seconds as timeout_from
from trainer.settings import session_max_events as max_events_from


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def gate(**limits):
    clock = Clock()
    return Admission(Limits(**limits), clock=clock), clock


def test_a_sender_gets_its_burst_then_one_message_per_refill_interval():
    admission, clock = gate(rate_limit_per_minute=6, rate_limit_burst=3)
    assert [admission.admit("a") for _ in range(4)] == [None, None, None, TOO_FAST]
    clock.now += 9  # 0.9 of a message refilled
    assert admission.admit("a") == TOO_FAST
    clock.now += 1
    assert admission.admit("a") is None
    assert admission.admit("a") == TOO_FAST
    clock.now += 3600  # refills up to the burst, never beyond
    assert [admission.admit("a") for _ in range(4)] == [None, None, None, TOO_FAST]


def test_one_sender_over_its_limit_does_not_hold_up_another():
    admission, _ = gate(rate_limit_burst=1)
    assert admission.admit("a") is None
    assert admission.admit("a") == TOO_FAST
    assert admission.admit("b") is None


def test_new_senders_are_refused_while_the_open_sessions_are_at_the_cap():
    admission, clock = gate(max_open_sessions=2, session_idle_minutes=30)
    assert admission.admit("a") is None
    clock.now += 60
    assert admission.admit("b") is None
    assert admission.admit("c") == FULL
    clock.now += 60
    assert admission.admit("a") is None  # an open session goes on
    clock.now += 29 * 60  # b idle for 30 minutes now, a for 29
    assert admission.open_sessions() == 1
    assert admission.admit("c") is None
    assert admission.admit("d") == FULL


def test_junk_senders_from_one_address_fill_its_share_not_the_server():
    admission, clock = gate(max_open_sessions=60, max_sessions_per_address=20, session_idle_minutes=30)
    refused = [admission.admit(f"junk-{n}", "203.0.113.7") for n in range(50)]
    assert refused.count(None) == 20 and set(refused[20:]) == {ADDRESS_FULL}
    assert admission.admit("web:trainee", "198.51.100.4") is None
    assert admission.admit("tg:42") is None  # Telegram's senders come with no client address
    clock.now += 31 * 60  # the junk sessions close: the address gets its share back
    assert admission.admit("junk-again", "203.0.113.7") is None


def test_limits_come_from_the_environment_with_defaults():
    assert Limits.from_environ({}) == Limits()
    limits = Limits.from_environ({"RATE_LIMIT_PER_MINUTE": "12", "MAX_OPEN_SESSIONS": "40", "RATE_LIMIT_BURST": ""})
    assert (limits.rate_limit_per_minute, limits.max_open_sessions, limits.rate_limit_burst) == (
        12,
        40,
        Limits().rate_limit_burst,
    )


@pytest.mark.parametrize("value", ["ten", "0", "-5", "nan"])
def test_a_limit_that_is_not_a_positive_number_stops_the_server_with_its_name(value):
    with pytest.raises(SystemExit, match=f"MAX_OPEN_SESSIONS must be a number, at least 1, not '{value}'"):
        Limits.from_environ({"MAX_OPEN_SESSIONS": value})


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan"])
def test_an_action_timeout_that_is_not_a_positive_number_stops_the_server(value):
    assert timeout_from({}) == 20.0 and timeout_from({"ACTION_TIMEOUT_SECONDS": "2.5"}) == 2.5
    with pytest.raises(SystemExit, match="ACTION_TIMEOUT_SECONDS must be a number of seconds above 0"):
        timeout_from({"ACTION_TIMEOUT_SECONDS": value})


@pytest.mark.parametrize("value", ["many", "49", "-300", "3.5"])
def test_a_session_length_below_fifty_events_or_not_a_number_stops_the_server(value):
    assert max_events_from({}) == 300 and max_events_from({"SESSION_MAX_EVENTS": "80"}) == 80
    with pytest.raises(SystemExit, match="SESSION_MAX_EVENTS must be a whole number, at least 50"):
        max_events_from({"SESSION_MAX_EVENTS": value})
