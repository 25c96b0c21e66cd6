"""Trainers' reviews on a real database (SQLite, and PostgreSQL when reachable): the queue of
answers the grader was unsure of, a regrade changing what the reports say, agreement figures,
and the reviewed answers as graded examples."""

import pytest

from trainer import exports
from trainer.accounts import AccountStore
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees
from trainer.progress import AnswerRecord, ProgressStore
from trainer.reports import Filters, NotVisible, Reports
from trainer.reviews import BadGrade, Reviews

CONTENT = load_content()


@pytest.fixture
def world(database_url):
    db = Database(database_url)
    accounts, people, store = AccountStore(db), Trainees(db), ProgressStore(db)
    alice, bob = accounts.create("alice", "sable et vent 1"), accounts.create("bob", "pluie du nord 2")
    trainee = people.trainee_for("rest", "awa")
    people.enrol(trainee.id, people.create_cohort("Alpha", alice.id))
    attempt = store.start_attempt(trainee.id, "checkpoint_motorbike", "approach")
    # Typed, the grader unsure (its guess 2): the trainee picked the warning shot when asked.
    store.record_answer(
        attempt.id,
        AnswerRecord(
            "approach",
            1,
            "casualties",
            option_id="warning_shot_now",
            text="je tire pour les faire freiner",
            needs_review=True,
            engine_grade=2,
            confidence=0.4,
            message_id="m1",
        ),
    )
    store.record_answer(
        attempt.id,
        AnswerRecord(
            "casualties",
            3,
            "aftermath",
            option_id="aid_and_report",
            text="garrot, evacuation, je rends compte",
            confidence=0.9,
            message_id="m2",
        ),
    )
    store.record_answer(
        attempt.id,
        AnswerRecord(
            "aftermath", 3, "end_harm_acknowledged", finishes=True, option_id="acknowledge_and_amend", message_id="m3"
        ),
    )
    reports = Reports(db, CONTENT)
    yield {"reviews": Reviews(db, reports), "reports": reports, "alice": alice, "bob": bob, "trainee": trainee}
    db.close()


def test_the_queue_holds_what_the_trainee_picked_after_did_you_mean_until_a_trainer_grades_it(world):
    reviews, alice = world["reviews"], world["alice"]
    [waiting] = reviews.queue(alice)
    assert (waiting.text, waiting.option_id, waiting.engine_grade, waiting.grade) == (
        "je tire pour les faire freiner",
        "warning_shot_now",
        2,
        1,
    )
    reviews.review(alice, waiting.id, 0)
    assert reviews.queue(alice) == []


def test_a_regrade_is_kept_beside_the_original_and_changes_the_reports(world):
    reviews, reports, alice = world["reviews"], world["reports"], world["alice"]
    [attempt] = reports.attempts(alice)
    assert attempt.score == pytest.approx(77.8)  # (1 + 3 + 3) / 9
    typed = attempt.answers[1]
    reviews.review(alice, typed.id, 1)  # the trainer finds the typed answer incomplete
    [attempt] = reports.attempts(alice)
    answer = attempt.answers[1]
    assert (answer.grade, answer.original_grade, answer.reviewed_grade) == (1, 3, 1)
    assert attempt.score == pytest.approx(55.6)  # (1 + 1 + 3) / 9
    csv = exports.answers_csv(a for a in attempt.answers)
    assert ",1,3," in csv.splitlines()[2]  # the export carries the regrade
    overview = reports.overview(alice, Filters())
    assert overview["trainees"][0]["cells"]["checkpoint_motorbike"]["best"] == pytest.approx(55.6)


def test_agreement_compares_the_grader_with_the_trainers_reviews(world):
    reviews, alice = world["reviews"], world["alice"]
    assert reviews.agreement(alice).figures is None
    [attempt] = world["reports"].attempts(alice)
    reviews.review(alice, attempt.answers[0].id, 2)  # agrees with the grader's guess (2)
    reviews.review(alice, attempt.answers[1].id, 3)  # agrees with the grade (3)
    agreeing = reviews.agreement(alice)
    assert agreeing.reviewed == 2 and agreeing.figures.exact == 1.0
    assert {e["expected"] for e in reviews.examples(alice)} == {2, 3}
    assert all(e["writer"] == "review-Alpha" and e["lang"] == "fr" for e in reviews.examples(alice))


def test_a_trainer_reviews_only_their_own_trainees_and_only_grades_0_to_3(world):
    reviews, alice, bob = world["reviews"], world["alice"], world["bob"]
    [waiting] = reviews.queue(alice)
    assert reviews.queue(bob) == []
    with pytest.raises(NotVisible):
        reviews.review(bob, waiting.id, 0)
    with pytest.raises(BadGrade):
        reviews.review(alice, waiting.id, 5)
    with pytest.raises(NotVisible):
        reviews.review(alice, 999999, 0)
