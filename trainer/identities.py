"""Who the trainees are: found by channel and sender id (the web widget's session, a Telegram
chat...), one trainee on several channels once linked by a one-time code, and the cohorts they
join with a trainer's enrolment code. Calls are synchronous: async callers run them in a thread.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from trainer import settings
from trainer.db import Database, retrying
from trainer.models import ChannelIdentity, Cohort, LinkCode, Trainee, as_utc, utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LINK_CODE_LIFETIME = timedelta(minutes=15)
MAX_NAME_CHARS = 80


class UnknownCode(ValueError):
    """No cohort or link has this code (or it was used, or it expired)."""


@dataclass(frozen=True)
class TraineeInfo:
    id: int
    display_name: Optional[str]
    language: str
    cohort: Optional[str]


class Trainees:
    def __init__(self, db: Database):
        self.db = db

    @retrying
    def trainee_for(self, channel: str, sender_id: str) -> TraineeInfo:
        """The trainee writing as `sender_id` on `channel`, created on first contact."""
        try:
            with self.db.transaction() as session:
                trainee = _find_trainee(session, channel, sender_id)
                if trainee is None:
                    trainee = Trainee(language=settings.DEFAULT_LANGUAGE)
                    trainee.identities.append(ChannelIdentity(channel=channel, sender_id=sender_id))
                    session.add(trainee)
                    session.flush()
                return _trainee_info(session, trainee)
        except IntegrityError:  # created at the same moment by another request
            with self.db.transaction() as session:
                found = _find_trainee(session, channel, sender_id)
                assert found is not None
                return _trainee_info(session, found)

    @retrying
    def update_trainee(
        self, trainee_id: int, display_name: Optional[str] = None, language: Optional[str] = None
    ) -> TraineeInfo:
        with self.db.transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if display_name is not None:
                trainee.display_name = display_name.strip()[:MAX_NAME_CHARS]
            if language in settings.LANGUAGES:
                trainee.language = language
            return _trainee_info(session, trainee)

    @retrying
    def trainees(self) -> List[Tuple[TraineeInfo, List[Tuple[str, str]]]]:
        """Every trainee with their (channel, sender id) pairs, by id."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(Trainee).options(selectinload(Trainee.identities)).order_by(Trainee.id)
            ).scalars()
            return [(_trainee_info(session, t), [(i.channel, i.sender_id) for i in t.identities]) for t in rows]

    # Cohorts -------------------------------------------------------------------------------

    @retrying
    def create_cohort(self, name: str, owner_id: Optional[int] = None) -> str:
        """Create a cohort; return its enrolment code (give it to the trainees)."""
        with self.db.transaction() as session:
            code = _new_code(6)
            session.add(Cohort(name=name.strip(), enrolment_code=code, owner_id=owner_id))
            return code

    @retrying
    def enrol(self, trainee_id: int, code: str) -> str:
        """Join the cohort whose enrolment code is `code`; return the cohort's name."""
        with self.db.transaction() as session:
            cohort = session.execute(
                select(Cohort).where(Cohort.enrolment_code == code.strip().upper())
            ).scalar_one_or_none()
            if cohort is None:
                raise UnknownCode(code)
            session.get(Trainee, trainee_id).cohort_id = cohort.id
            return cohort.name

    # Linking channels ----------------------------------------------------------------------

    @retrying
    def create_link_code(self, trainee_id: int) -> str:
        """A one-time code that, typed on another channel, makes it the same trainee."""
        with self.db.transaction() as session:
            code = _new_code(6)
            session.add(LinkCode(code=code, trainee_id=trainee_id, expires_at=utcnow() + LINK_CODE_LIFETIME))
            return code

    @retrying
    def redeem_link_code(self, channel: str, sender_id: str, code: str) -> TraineeInfo:
        """Attach `channel`/`sender_id` to the trainee who made `code`. What the sender had
        done under a separate trainee record (attempts, answers) moves with them."""
        with self.db.transaction() as session:
            link = session.get(LinkCode, code.strip().upper())
            if link is None or link.used_at is not None or as_utc(link.expires_at) < utcnow():
                raise UnknownCode(code)
            link.used_at = utcnow()
            target = session.get(Trainee, link.trainee_id)
            previous = _find_trainee(session, channel, sender_id)
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
            return _trainee_info(session, target)


def _find_trainee(session: Session, channel: str, sender_id: str) -> Optional[Trainee]:
    return session.execute(
        select(Trainee)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.sender_id == sender_id)
    ).scalar_one_or_none()


def _trainee_info(session: Session, trainee: Trainee) -> TraineeInfo:
    cohort = session.get(Cohort, trainee.cohort_id) if trainee.cohort_id else None
    return TraineeInfo(trainee.id, trainee.display_name, trainee.language, cohort and cohort.name)


def _new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
