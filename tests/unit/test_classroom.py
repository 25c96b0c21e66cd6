"""Classroom mode's store on a real database (SQLite and PostgreSQL): joining by code, votes
per trainee, the group's decision moving the story along its branch, the after-action review."""

import pytest

from trainer.accounts import AccountStore, Trainer
from trainer.classroom import HANDS, VOTES, Classroom, majority, review_rows
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.engine import best_option
from trainer.identities import Trainees, UnknownCode
from trainer.throttle import TooManyAttempts

CONTENT = load_content()
SCENARIO = CONTENT.scenario("checkpoint_motorbike")


@pytest.fixture
def room(database_url):
    db = Database(database_url)
    trainer = AccountStore(db).create("instructor_k", "dune and palm 44")
    people = Trainees(db)
    phones = [people.trainee_for("socketio", f"web:phone-{n}") for n in range(3)]
    for n, phone in enumerate(phones):
        people.update_trainee(phone.id, display_name=f"Soldier {n}")
    yield Classroom(db), trainer, phones
    db.close()


def test_majority_needs_a_clear_winner():
    assert majority({"a": 2, "b": 1}) == "a"
    assert majority({"a": 1, "b": 1}) is None and majority({}) is None


def test_a_session_follows_the_groups_choices_and_reviews_them(room):
    classroom, trainer, phones = room
    opened = classroom.open(trainer, CONTENT, SCENARIO.id, "fr", None)
    assert opened.current_node == SCENARIO.start and not opened.finished
    for phone in phones:
        assert classroom.join(opened.code.lower(), phone.id, f"socketio {phone.id}").id == opened.id
    step = SCENARIO.steps[SCENARIO.start]
    best, other = best_option(step), next(o for o in step.options if o.grade < 3)
    classroom.vote(opened.id, phones[0].id, step.id, other.id)
    classroom.vote(opened.id, phones[0].id, step.id, best.id)  # changed their mind: one vote each
    classroom.vote(opened.id, phones[1].id, step.id, best.id)
    classroom.vote(opened.id, phones[2].id, step.id, other.id)
    assert classroom.tally(opened.id, step.id) == {best.id: 2, other.id: 1}

    moved, decided = classroom.decide(opened.id, CONTENT, best.id, VOTES)
    assert decided == step.id and moved.current_node == best.next
    with pytest.raises(ValueError):  # the old decision is closed
        classroom.decide(opened.id, CONTENT, best.id, HANDS)
    while moved.current_node in SCENARIO.steps:  # the rest by show of hands, not the best choice
        current = SCENARIO.steps[moved.current_node]
        choice = min(current.options, key=lambda o: o.grade)
        moved, _ = classroom.decide(opened.id, CONTENT, choice.id, HANDS)
    assert moved.finished and moved.current_node in SCENARIO.endings

    decisions = classroom.decisions(opened.id)
    assert [d.by for d in decisions] == [VOTES] + [HANDS] * (len(decisions) - 1)
    assert decisions[0].votes == {best.id: 2, other.id: 1}
    assert decisions[0].voters == {best.id: ["Soldier 0", "Soldier 1"], other.id: ["Soldier 2"]}
    rows = review_rows(CONTENT, SCENARIO.id, decisions)
    assert rows[0]["recommended"] and not rows[0]["rules"]
    assert not rows[-1]["recommended"] and rows[-1]["rules"]  # the rules behind the recommended conduct
    [vote] = classroom.votes_of(phones[2].id)  # in the trainee's record: their vote, the group's choice
    assert (vote.step_id, vote.option_id, vote.group_option_id) == (step.id, other.id, best.id)
    assert [s.id for s in classroom.sessions(trainer)] == [opened.id]
    assert classroom.sessions(Trainer(999, "someone else", "trainer")) == []
    assert classroom.get(opened.id, Trainer(999, "someone else", "trainer")) is None
    with pytest.raises(UnknownCode):  # a finished session takes nobody
        classroom.join(opened.code, phones[0].id, "socketio late")


def test_guessing_session_codes_is_held_off(room):
    classroom, trainer, phones = room
    for n in range(5):
        with pytest.raises(UnknownCode):
            classroom.join(f"ABC{n + 2}EF", phones[0].id, "telegram guesser")
    with pytest.raises(TooManyAttempts):
        classroom.join("ABCDEF", phones[0].id, "telegram guesser")
