"""Trainers' reviews of answers: the queue of answers the grader was unsure of, a trainer's grade
kept beside the original (and used by the reports from then on), how far the grader and the
trainers agree, and the reviewed answers as new graded examples for the grader."""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from sqlalchemy import select

from trainer.accounts import Trainer
from trainer.calibration import Agreement, agreement
from trainer.db import Database, retrying
from trainer.language import detect_language
from trainer.models import Answer, AnswerReview, Attempt, Cohort, Trainee
from trainer.reports import AnswerRow, Filters, NotVisible, Reports
from trainer.settings import DEFAULT_LANGUAGE, GRADE_MAX, GRADE_MIN


class BadGrade(ValueError):
    pass


@dataclass(frozen=True)
class Agreeing:
    """The grader against the trainers, over the typed answers trainers reviewed."""

    reviewed: int
    figures: Optional[Agreement]  # None until something was reviewed


class Reviews:
    def __init__(self, db: Database, reports: Reports):
        self.db = db
        self.reports = reports

    @retrying
    def review(self, trainer: Trainer, answer_id: int, grade: int) -> None:
        """Record `trainer`'s grade for an answer of one of their trainees."""
        if not isinstance(grade, int) or not GRADE_MIN <= grade <= GRADE_MAX:
            raise BadGrade(f"a grade is a whole number from {GRADE_MIN} to {GRADE_MAX}")
        with self.db.transaction() as session:
            row = session.execute(
                select(Answer, Trainee.cohort_id)
                .join(Attempt, Answer.attempt_id == Attempt.id)
                .join(Trainee, Attempt.trainee_id == Trainee.id)
                .where(Answer.id == answer_id)
            ).first()
            if row is None or not self._may_see(session, trainer, row[1]):
                raise NotVisible(answer_id)
            session.add(AnswerReview(answer_id=answer_id, reviewer_id=trainer.id or None, grade=grade))

    @staticmethod
    def _may_see(session, trainer: Trainer, cohort_id: Optional[int]) -> bool:
        if trainer.is_admin:
            return True
        cohort = session.get(Cohort, cohort_id) if cohort_id else None
        return cohort is not None and cohort.owner_id == trainer.id

    def queue(self, trainer: Trainer, filters: Filters = Filters()) -> List[AnswerRow]:
        return waiting(self.reports.answers(trainer, filters))

    def agreement(self, trainer: Trainer, filters: Filters = Filters()) -> Agreeing:
        return agreeing(self.reports.answers(trainer, filters))

    def examples(self, trainer: Trainer, filters: Filters = Filters()) -> List[Dict]:
        """Reviewed typed answers as graded examples, in the JSON lines python -m trainer
        calibrate reads (and the grader learns from, once added to content/graded_answers.jsonl)."""
        return [
            {
                "scenario": a.scenario_id,
                "step": a.step_id,
                "lang": detect_language(a.text or "") or DEFAULT_LANGUAGE,
                "expected": a.reviewed_grade,
                "text": a.text,
                "writer": f"review-{a.cohort or 'none'}",
            }
            for a in _reviewed_typed(self.reports.answers(trainer, filters))
        ]


def waiting(answers: Sequence[AnswerRow]) -> List[AnswerRow]:
    """Answers marked for review (the trainee picked an option after "Did you mean"), not yet reviewed."""
    return [a for a in answers if a.needs_review and a.reviewed_grade is None]


def agreeing(answers: Sequence[AnswerRow]) -> Agreeing:
    """Quadratic weighted kappa between the grader's grade and the trainers' grade, over the
    typed answers trainers reviewed (the grader's guess when the trainee then picked)."""
    reviewed = _reviewed_typed(answers)
    pairs = [(a.reviewed_grade, a.engine_grade if a.needs_review else a.original_grade) for a in reviewed]
    if not pairs:
        return Agreeing(0, None)
    return Agreeing(len(pairs), agreement([r for r, _ in pairs], [e for _, e in pairs]))


def _reviewed_typed(answers: Sequence[AnswerRow]) -> List[AnswerRow]:
    return [a for a in answers if a.text and a.reviewed_grade is not None]
