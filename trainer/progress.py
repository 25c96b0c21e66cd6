"""The progress store: the attempts at scenarios and every answer with its grade.

Each answer is written in one transaction together with the move to the next step, so what the
trainee is told always matches what is stored. Calls are synchronous: async callers run them in
a thread (see actions/).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trainer import settings
from trainer.db import Database, retrying
from trainer.models import Answer, Attempt, as_utc, utcnow


class NotCurrentStep(ValueError):
    """An answer arrived for a step the attempt is no longer at."""


@dataclass(frozen=True)
class AttemptInfo:
    id: int
    trainee_id: int
    scenario_id: str
    status: str  # in_progress | completed | abandoned
    current_node: str  # the step being played, or the ending reached
    score: Optional[float]
    started_at: datetime
    finished_at: Optional[datetime]


@dataclass(frozen=True)
class AnswerRecord:
    """One message at a decision point, as stored. A graded answer (grade 0-3) moves the attempt
    to `next_node`; an ungraded one (grade None: nothing gradable) is kept for the transcript and
    leaves the attempt where it is."""

    step_id: str
    grade: Optional[int]
    next_node: str
    finishes: bool = False
    option_id: Optional[str] = None  # the option picked, or the branch a typed answer took
    text: Optional[str] = None  # what the trainee typed, when they typed
    concepts: Tuple[str, ...] = ()
    missed: Tuple[str, ...] = ()
    red_flags: Tuple[str, ...] = ()
    cautions: Tuple[str, ...] = ()
    hint_used: bool = False
    response_ms: Optional[int] = None
    channel: Optional[str] = None
    message_id: Optional[str] = None  # Rasa's message id: the same message twice is one answer
    confidence: Optional[float] = None  # the grader's probability for a typed answer's grade
    needs_review: bool = False  # the grader was unsure: the trainee picked an option; a trainer checks
    engine_grade: Optional[int] = None  # the grader's guess when the trainee picked after "Did you mean"


@dataclass(frozen=True)
class RecordedAnswer:
    answer_id: int
    attempt: AttemptInfo


class ProgressStore:
    def __init__(self, db: Database):
        self.db = db

    @retrying
    def start_attempt(self, trainee_id: int, scenario_id: str, first_step: str) -> AttemptInfo:
        """Start a scenario; an attempt left unfinished is marked abandoned (kept in the record)."""
        with self.db.transaction() as session:
            for unfinished in session.execute(
                select(Attempt).where(Attempt.trainee_id == trainee_id, Attempt.status == "in_progress")
            ).scalars():
                unfinished.status = "abandoned"
            attempt = Attempt(trainee_id=trainee_id, scenario_id=scenario_id, current_node=first_step)
            session.add(attempt)
            session.flush()
            return attempt_info(attempt)

    @retrying
    def attempt(self, attempt_id: int) -> Optional[AttemptInfo]:
        with self.db.transaction() as session:
            attempt = session.get(Attempt, attempt_id)
            return attempt and attempt_info(attempt)

    @retrying
    def active_attempt(self, trainee_id: int) -> Optional[AttemptInfo]:
        """The unfinished attempt the trainee touched last, to continue where they stopped."""
        with self.db.transaction() as session:
            attempt = session.execute(
                select(Attempt)
                .where(Attempt.trainee_id == trainee_id, Attempt.status == "in_progress")
                .order_by(Attempt.started_at.desc(), Attempt.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return attempt and attempt_info(attempt)

    @retrying
    def record_answer(self, attempt_id: int, record: AnswerRecord) -> RecordedAnswer:
        """Store an answer and, when it is graded, move the attempt to its next node, in one
        transaction. The same message twice is recorded once. Raises NotCurrentStep when the
        attempt is no longer at the answer's step (an answer sent twice from two devices)."""
        try:
            with self.db.transaction() as session:
                duplicate = record.message_id and _already_recorded(session, record.message_id)
                if duplicate:
                    return duplicate
                attempt = session.get(Attempt, attempt_id)
                if attempt is None or attempt.status != "in_progress" or attempt.current_node != record.step_id:
                    raise NotCurrentStep(f"attempt {attempt_id} is not at step {record.step_id!r}")
                answer = Answer(
                    attempt_id=attempt_id,
                    step_id=record.step_id,
                    option_id=record.option_id,
                    text=record.text,
                    grade=record.grade,
                    concepts_found=list(record.concepts),
                    concepts_missed=list(record.missed),
                    red_flags=list(record.red_flags),
                    cautions=list(record.cautions),
                    hint_used=record.hint_used,
                    response_ms=record.response_ms,
                    channel=record.channel,
                    message_id=record.message_id or None,
                    confidence=record.confidence,
                    needs_review=record.needs_review,
                    engine_grade=record.engine_grade,
                )
                session.add(answer)
                if record.grade is not None:
                    attempt.current_node = record.next_node
                    if record.finishes:
                        session.flush()
                        _finish(session, attempt)
                session.flush()
                return RecordedAnswer(answer.id, attempt_info(attempt))
        except IntegrityError:
            if not record.message_id:
                raise
            with self.db.transaction() as session:  # the same message, recorded concurrently
                recorded = _already_recorded(session, record.message_id)
                assert recorded is not None
                return recorded

    @retrying
    def answers(self, attempt_id: int) -> List[Dict]:
        with self.db.transaction() as session:
            rows = session.execute(select(Answer).where(Answer.attempt_id == attempt_id).order_by(Answer.id)).scalars()
            return [answer_dict(answer) for answer in rows]

    @retrying
    def attempts(self, trainee_id: int) -> List[AttemptInfo]:
        with self.db.transaction() as session:
            rows = session.execute(
                select(Attempt).where(Attempt.trainee_id == trainee_id).order_by(Attempt.id)
            ).scalars()
            return [attempt_info(attempt) for attempt in rows]


def _finish(session: Session, attempt: Attempt) -> None:
    attempt.status = "completed"
    attempt.finished_at = utcnow()
    attempt.score = score(
        session.execute(
            select(Answer.grade).where(Answer.attempt_id == attempt.id, Answer.grade.is_not(None))
        ).scalars()
    )


def _already_recorded(session: Session, message_id: str) -> Optional[RecordedAnswer]:
    """The answer already stored for this Rasa message, if there is one."""
    existing = session.execute(select(Answer).where(Answer.message_id == message_id)).scalar_one_or_none()
    if existing is None:
        return None
    return RecordedAnswer(existing.id, attempt_info(session.get(Attempt, existing.attempt_id)))


def attempt_info(attempt: Attempt) -> AttemptInfo:
    return AttemptInfo(
        attempt.id,
        attempt.trainee_id,
        attempt.scenario_id,
        attempt.status,
        attempt.current_node,
        attempt.score,
        as_utc(attempt.started_at),
        attempt.finished_at and as_utc(attempt.finished_at),
    )


def answer_dict(answer: Answer) -> Dict:
    return {
        "step": answer.step_id,
        "option": answer.option_id,
        "text": answer.text,
        "grade": answer.grade,
        "concepts_found": answer.concepts_found,
        "concepts_missed": answer.concepts_missed,
        "red_flags": answer.red_flags,
        "cautions": answer.cautions,
        "hint_used": answer.hint_used,
        "response_ms": answer.response_ms,
        "channel": answer.channel,
        "needs_review": answer.needs_review,
        "engine_grade": answer.engine_grade,
        "at": as_utc(answer.created_at).isoformat(),
    }


def score(grades: Iterable[int]) -> Optional[float]:
    """Percent of the best possible grades."""
    grades = list(grades)
    return round(100.0 * sum(grades) / (settings.GRADE_MAX * len(grades)), 1) if grades else None
