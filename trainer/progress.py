"""The progress store: who trained on what, every answer and its grade.

Trainees are found by channel and sender id (the web widget's session, a Telegram chat...);
one trainee can link several channels. Each answer is written in one transaction together
with the move to the next step, so what the trainee is told always matches what is stored.
Calls are synchronous: async callers run them in a thread (see actions/).
"""
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Dict, Iterable, List, Optional, Sequence

from sqlalchemy import MetaData, Table, delete, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from trainer import settings
from trainer.db import create_db_engine, migrate
from trainer.models import Answer, Attempt, ChannelIdentity, Cohort, LinkCode, Trainee, as_utc, utcnow

RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)  # seconds between tries when the database is unreachable
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LINK_CODE_LIFETIME = timedelta(minutes=15)
MAX_GRADE = 3


class StoreUnavailable(Exception):
    """The database stayed unreachable through every retry; nothing was written."""


class NotCurrentStep(ValueError):
    """An answer arrived for a step the attempt is no longer at."""


class UnknownCode(ValueError):
    pass


@dataclass(frozen=True)
class TraineeInfo:
    id: int
    display_name: Optional[str]
    language: str
    cohort: Optional[str]


@dataclass(frozen=True)
class AttemptInfo:
    id: int
    trainee_id: int
    scenario_id: str
    status: str
    current_node: str
    score: Optional[float]
    started_at: datetime
    finished_at: Optional[datetime]


@dataclass(frozen=True)
class RecordedAnswer:
    answer_id: int
    duplicate: bool  # the same message was already recorded; nothing new was written
    attempt: AttemptInfo


def retrying(method):
    """Retry a store call while the database is unreachable, then raise StoreUnavailable."""

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        for delay in (*RETRY_DELAYS, None):
            try:
                return method(self, *args, **kwargs)
            except IntegrityError:
                raise
            except (OperationalError, InterfaceError) as error:
                failure = error
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                failure = error
            if delay is None:
                raise StoreUnavailable(str(failure.orig)) from failure
            time.sleep(delay)

    return wrapper


def _attempt_info(attempt: Attempt) -> AttemptInfo:
    return AttemptInfo(
        attempt.id, attempt.trainee_id, attempt.scenario_id, attempt.status, attempt.current_node,
        attempt.score, as_utc(attempt.started_at), attempt.finished_at and as_utc(attempt.finished_at),
    )  # fmt: skip


class ProgressStore:
    def __init__(self, url: Optional[str] = None, migrate_schema: bool = True):
        self.engine = create_db_engine(url or settings.database_url())
        if migrate_schema:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def _transaction(self) -> Session:
        with self._sessions.begin() as session:
            yield session

    # Trainees and channels -------------------------------------------------------------

    @retrying
    def trainee_for(self, channel: str, sender_id: str) -> TraineeInfo:
        """The trainee writing as `sender_id` on `channel`, created on first contact."""
        try:
            with self._transaction() as session:
                trainee = self._find_trainee(session, channel, sender_id)
                if trainee is None:
                    trainee = Trainee(language="fr")
                    trainee.identities.append(ChannelIdentity(channel=channel, sender_id=sender_id))
                    session.add(trainee)
                    session.flush()
                return self._trainee_info(session, trainee)
        except IntegrityError:  # created at the same moment by another request
            with self._transaction() as session:
                return self._trainee_info(session, self._find_trainee(session, channel, sender_id))

    @staticmethod
    def _find_trainee(session: Session, channel: str, sender_id: str) -> Optional[Trainee]:
        return session.execute(
            select(Trainee)
            .join(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.sender_id == sender_id)
        ).scalar_one_or_none()

    @staticmethod
    def _trainee_info(session: Session, trainee: Trainee) -> TraineeInfo:
        cohort = session.get(Cohort, trainee.cohort_id) if trainee.cohort_id else None
        return TraineeInfo(trainee.id, trainee.display_name, trainee.language, cohort and cohort.name)

    @retrying
    def update_trainee(
        self, trainee_id: int, display_name: Optional[str] = None, language: Optional[str] = None
    ) -> TraineeInfo:
        with self._transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if display_name is not None:
                trainee.display_name = display_name.strip()[:80]
            if language in ("en", "fr"):
                trainee.language = language
            return self._trainee_info(session, trainee)

    @retrying
    def create_cohort(self, name: str, owner_id: Optional[int] = None) -> str:
        """Create a cohort; return its enrolment code (give it to the trainees)."""
        with self._transaction() as session:
            code = _new_code(6)
            session.add(Cohort(name=name.strip(), enrolment_code=code, owner_id=owner_id))
            return code

    @retrying
    def enrol(self, trainee_id: int, code: str) -> str:
        """Join the cohort whose enrolment code is `code`; return the cohort's name."""
        with self._transaction() as session:
            cohort = session.execute(
                select(Cohort).where(Cohort.enrolment_code == code.strip().upper())
            ).scalar_one_or_none()
            if cohort is None:
                raise UnknownCode(code)
            session.get(Trainee, trainee_id).cohort_id = cohort.id
            return cohort.name

    @retrying
    def create_link_code(self, trainee_id: int) -> str:
        """A one-time code that, typed on another channel, makes it the same trainee."""
        with self._transaction() as session:
            code = _new_code(6)
            session.add(LinkCode(code=code, trainee_id=trainee_id, expires_at=utcnow() + LINK_CODE_LIFETIME))
            return code

    @retrying
    def redeem_link_code(self, channel: str, sender_id: str, code: str) -> TraineeInfo:
        """Attach `channel`/`sender_id` to the trainee who made `code`. What the sender had
        done under a separate trainee record (attempts, answers) moves with them."""
        with self._transaction() as session:
            link = session.get(LinkCode, code.strip().upper())
            if link is None or link.used_at is not None or as_utc(link.expires_at) < utcnow():
                raise UnknownCode(code)
            link.used_at = utcnow()
            target = session.get(Trainee, link.trainee_id)
            previous = self._find_trainee(session, channel, sender_id)
            if previous is None:
                target.identities.append(ChannelIdentity(channel=channel, sender_id=sender_id))
            elif previous.id != target.id:
                for identity in list(previous.identities):
                    identity.trainee_id = target.id
                for attempt in list(previous.attempts):
                    attempt.trainee_id = target.id
                target.cohort_id = target.cohort_id or previous.cohort_id
                target.display_name = target.display_name or previous.display_name
                session.flush()
                session.expire(previous)
                session.delete(previous)
            return self._trainee_info(session, target)

    # Attempts and answers ----------------------------------------------------------------

    @retrying
    def start_attempt(self, trainee_id: int, scenario_id: str, first_step: str) -> AttemptInfo:
        """Start a scenario; an attempt left unfinished is marked abandoned (kept in the record)."""
        with self._transaction() as session:
            for unfinished in session.execute(
                select(Attempt).where(Attempt.trainee_id == trainee_id, Attempt.status == "in_progress")
            ).scalars():
                unfinished.status = "abandoned"
            attempt = Attempt(trainee_id=trainee_id, scenario_id=scenario_id, current_node=first_step)
            session.add(attempt)
            session.flush()
            return _attempt_info(attempt)

    @retrying
    def attempt(self, attempt_id: int) -> Optional[AttemptInfo]:
        with self._transaction() as session:
            attempt = session.get(Attempt, attempt_id)
            return attempt and _attempt_info(attempt)

    @retrying
    def active_attempt(self, trainee_id: int) -> Optional[AttemptInfo]:
        """The unfinished attempt the trainee touched last, to continue where they stopped."""
        with self._transaction() as session:
            attempt = session.execute(
                select(Attempt)
                .where(Attempt.trainee_id == trainee_id, Attempt.status == "in_progress")
                .order_by(Attempt.started_at.desc(), Attempt.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return attempt and _attempt_info(attempt)

    @retrying
    def record_answer(
        self,
        attempt_id: int,
        step_id: str,
        *,
        grade: Optional[int],
        next_node: str,
        finishes: bool = False,
        option_id: Optional[str] = None,
        text: Optional[str] = None,
        concepts: Sequence[str] = (),
        missed: Sequence[str] = (),
        red_flags: Sequence[str] = (),
        hint_used: bool = False,
        response_ms: Optional[int] = None,
        channel: Optional[str] = None,
        message_id: Optional[str] = None,
    ) -> RecordedAnswer:
        """Store an answer and move the attempt to `next_node` in one transaction.

        An ungraded answer (grade None: nothing gradable) is kept for the transcript and does
        not move the attempt. The same `message_id` twice is recorded once.
        """
        try:
            with self._transaction() as session:
                duplicate = message_id and _already_recorded(session, message_id)
                if duplicate:
                    return duplicate
                attempt = session.get(Attempt, attempt_id)
                if attempt is None or attempt.status != "in_progress" or attempt.current_node != step_id:
                    raise NotCurrentStep(f"attempt {attempt_id} is not at step {step_id!r}")
                answer = Answer(
                    attempt_id=attempt_id, step_id=step_id, option_id=option_id,
                    text=text, grade=grade, concepts_found=list(concepts),
                    concepts_missed=list(missed), red_flags=list(red_flags), hint_used=hint_used,
                    response_ms=response_ms, channel=channel, message_id=message_id or None,
                )  # fmt: skip
                session.add(answer)
                if grade is not None:
                    attempt.current_node = next_node
                    if finishes:
                        session.flush()
                        attempt.status = "completed"
                        attempt.finished_at = utcnow()
                        attempt.score = _score(
                            session.execute(
                                select(Answer.grade).where(
                                    Answer.attempt_id == attempt_id, Answer.grade.is_not(None)
                                )
                            ).scalars()
                        )
                session.flush()
                return RecordedAnswer(answer.id, False, _attempt_info(attempt))
        except IntegrityError:
            if not message_id:
                raise
            with self._transaction() as session:  # the same message, recorded concurrently
                return _already_recorded(session, message_id)

    @retrying
    def answers(self, attempt_id: int) -> List[Dict]:
        with self._transaction() as session:
            rows = session.execute(
                select(Answer).where(Answer.attempt_id == attempt_id).order_by(Answer.id)
            ).scalars()
            return [_answer_dict(answer) for answer in rows]

    @retrying
    def attempts(self, trainee_id: int) -> List[AttemptInfo]:
        with self._transaction() as session:
            rows = session.execute(
                select(Attempt).where(Attempt.trainee_id == trainee_id).order_by(Attempt.id)
            ).scalars()
            return [_attempt_info(attempt) for attempt in rows]

    @retrying
    def trainees(self) -> List[tuple]:
        """Every trainee with their (channel, sender id) pairs, by id."""
        with self._transaction() as session:
            rows = session.execute(
                select(Trainee).options(selectinload(Trainee.identities)).order_by(Trainee.id)
            ).scalars()
            return [
                (self._trainee_info(session, t), [(i.channel, i.sender_id) for i in t.identities]) for t in rows
            ]

    # Personal data ----------------------------------------------------------------------

    @retrying
    def export_trainee(self, trainee_id: int) -> Optional[Dict]:
        """Everything held about a trainee, as JSON-ready data; None if there is no such trainee."""
        with self._transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if trainee is None:
                return None
            cohort = session.get(Cohort, trainee.cohort_id) if trainee.cohort_id else None
            return {
                "trainee": {
                    "id": trainee.id, "display_name": trainee.display_name,
                    "language": trainee.language, "cohort": cohort and cohort.name,
                    "created_at": as_utc(trainee.created_at).isoformat(),
                },
                "channels": [
                    {"channel": i.channel, "sender_id": i.sender_id, "since": as_utc(i.created_at).isoformat()}
                    for i in trainee.identities
                ],
                "attempts": [
                    {
                        "id": a.id, "scenario": a.scenario_id, "status": a.status,
                        "current_step": a.current_node, "score": a.score,
                        "started_at": as_utc(a.started_at).isoformat(),
                        "finished_at": a.finished_at and as_utc(a.finished_at).isoformat(),
                        "answers": [_answer_dict(answer) for answer in a.answers],
                    }
                    for a in trainee.attempts
                ],
            }  # fmt: skip

    @retrying
    def erase_trainee(self, trainee_id: int, tracker_store_url: Optional[str] = None) -> Optional[Dict]:
        """Delete a trainee, their answers and link codes, and their conversations in Rasa's
        tracker store. Returns what was removed, or None if there is no such trainee."""
        with self._transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if trainee is None:
                return None
            senders = [identity.sender_id for identity in trainee.identities]
            counts = {
                "attempts": len(trainee.attempts),
                "answers": sum(len(attempt.answers) for attempt in trainee.attempts),
                "channels": len(senders),
            }
            session.execute(delete(LinkCode).where(LinkCode.trainee_id == trainee_id))
            session.delete(trainee)
        counts["tracker_events"] = _erase_tracker_events(
            tracker_store_url or settings.tracker_store_url(), senders
        )
        return counts



def _already_recorded(session: Session, message_id: str) -> Optional[RecordedAnswer]:
    """The answer already stored for this Rasa message, as a duplicate, if there is one."""
    existing = session.execute(select(Answer).where(Answer.message_id == message_id)).scalar_one_or_none()
    if existing is None:
        return None
    return RecordedAnswer(existing.id, True, _attempt_info(session.get(Attempt, existing.attempt_id)))


def _erase_tracker_events(url: str, sender_ids: Iterable[str]) -> int:
    sender_ids = list(sender_ids)
    engine = create_db_engine(url)
    try:
        if not sender_ids or not inspect(engine).has_table("events"):
            return 0
        events = Table("events", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            return connection.execute(delete(events).where(events.c.sender_id.in_(sender_ids))).rowcount
    finally:
        engine.dispose()


def _answer_dict(answer: Answer) -> Dict:
    return {
        "step": answer.step_id, "option": answer.option_id, "text": answer.text,
        "grade": answer.grade, "concepts_found": answer.concepts_found,
        "concepts_missed": answer.concepts_missed, "red_flags": answer.red_flags,
        "hint_used": answer.hint_used, "response_ms": answer.response_ms,
        "channel": answer.channel, "at": as_utc(answer.created_at).isoformat(),
    }  # fmt: skip


def _score(grades: Iterable[int]) -> Optional[float]:
    grades = list(grades)
    return round(100.0 * sum(grades) / (MAX_GRADE * len(grades)), 1) if grades else None


def _new_code(length: int) -> str:
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(length))

