"""Who the trainees are: found by channel and sender id (the web widget's session, a Telegram
chat...), one trainee on several channels once linked by a one-time code, and the cohorts they
join with a trainer's enrolment code. Calls are synchronous: async callers run them in a thread.

Codes are short, so guessing is held off: every code a sender tries counts against that sender
(CODE_TRIES_PER_SENDER an hour) and against everyone (CODE_TRIES_OVERALL an hour), a right one
given back; a link code lives minutes, works once, and joins two records only when the trainee
sends it again on the channel that made it (a guesser who claims it cannot confirm it); an
enrolment code expires when the trainer says and can be replaced.
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
from trainer.throttle import Throttle

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# Each channel's conversations live under sender ids it alone makes, from what it verified
# (a signed web session, Telegram's secret token, Twilio's signature), so that no client can
# write into another channel's conversation by choosing a sender id. The REST channel, whose
# senders are chosen by a trusted integrator, may use none of these prefixes.
CHANNEL_PREFIXES = {"socketio": "web:", "telegram": "tg:", "twilio": "wa:"}


def sender_id(channel: str, verified_id: str) -> str:
    """The sender id of a conversation on `channel` for the id that channel verified."""
    return CHANNEL_PREFIXES[channel] + verified_id


def verified_id(channel: str, sender: str) -> str:
    """The id a channel's platform knows (a Telegram chat id...) from its sender id."""
    prefix = CHANNEL_PREFIXES[channel]
    return sender[len(prefix) :] if sender.startswith(prefix) else sender


def reserved(sender: str) -> bool:
    """A sender id that belongs to a channel other than REST."""
    return sender.startswith(tuple(CHANNEL_PREFIXES.values()))


LINK_CODE_LIFETIME = timedelta(minutes=15)
CODE_TRIES_PER_SENDER = 5
CODE_TRIES_OVERALL = 200
CODE_TRIES_WINDOW = timedelta(hours=1)
MAX_NAME_CHARS = 80


class UnknownCode(ValueError):
    """No cohort or link has this code (or it was used, or it expired)."""


LINK_CLAIMED = "claimed"  # sent from another channel: now waiting for the maker's confirmation
LINKED = "linked"  # confirmed on the channel that made it: the records are one


@dataclass(frozen=True)
class TraineeInfo:
    id: int
    display_name: Optional[str]
    language: str
    cohort: Optional[str]


class Trainees:
    def __init__(self, db: Database):
        self.db = db
        self.throttle = Throttle(db)

    def _guess(self, guesser: Optional[str], attempt):
        """Run `attempt` (a code lookup) counted against `guesser` and everyone; a right code is
        given back. Trainer tools pass no guesser: they are not guessing."""
        if guesser is None:
            return attempt()
        limits = [(f"code tries {guesser}", CODE_TRIES_PER_SENDER), ("code tries overall", CODE_TRIES_OVERALL)]
        return self.throttle.guarded(limits, CODE_TRIES_WINDOW, attempt)

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
    def create_cohort(self, name: str, owner_id: Optional[int] = None, expires: Optional[timedelta] = None) -> str:
        """Create a cohort; return its enrolment code (give it to the trainees)."""
        with self.db.transaction() as session:
            code = _new_code(6)
            session.add(
                Cohort(
                    name=name.strip(),
                    enrolment_code=code,
                    owner_id=owner_id,
                    enrolment_expires_at=expires and utcnow() + expires,
                )
            )
            return code

    @retrying
    def new_enrolment_code(self, name: str, expires: Optional[timedelta] = None) -> str:
        """Replace a cohort's enrolment code (the old one stops working); return the new one."""
        with self.db.transaction() as session:
            cohort = session.execute(select(Cohort).where(Cohort.name == name.strip())).scalar_one_or_none()
            if cohort is None:
                raise UnknownCode(name)
            cohort.enrolment_code = _new_code(6)
            cohort.enrolment_expires_at = expires and utcnow() + expires
            return cohort.enrolment_code

    def enrol(self, trainee_id: int, code: str, guesser: Optional[str] = None) -> str:
        """Join the cohort whose enrolment code is `code`; return the cohort's name. `guesser`
        (channel and sender) counts the try against that sender (module doc)."""
        return self._guess(guesser, lambda: self._enrol(trainee_id, code))

    @retrying
    def _enrol(self, trainee_id: int, code: str) -> str:
        with self.db.transaction() as session:
            cohort = session.execute(
                select(Cohort).where(Cohort.enrolment_code == code.strip().upper()[:16])
            ).scalar_one_or_none()
            expires = cohort and cohort.enrolment_expires_at
            if cohort is None or (expires is not None and as_utc(expires) < utcnow()):
                raise UnknownCode(code)
            session.get(Trainee, trainee_id).cohort_id = cohort.id
            return cohort.name

    # Linking channels ----------------------------------------------------------------------

    @retrying
    def create_link_code(self, trainee_id: int) -> str:
        """A one-time code that, sent on another channel and then again here, makes that
        channel the same trainee."""
        with self.db.transaction() as session:
            code = _new_code(6)
            session.add(LinkCode(code=code, trainee_id=trainee_id, expires_at=utcnow() + LINK_CODE_LIFETIME))
            return code

    def use_link_code(self, channel: str, sender_id: str, code: str) -> Tuple[str, TraineeInfo]:
        """A link code sent by `channel`/`sender_id`. From another channel: it is claimed, and
        (LINK_CLAIMED, the sender's own record) comes back. From the channel that made it, once
        claimed: the claiming channel joins this trainee, and (LINKED, this trainee) comes back.
        Raises UnknownCode for a wrong, used, expired or twice-claimed code, TooManyAttempts."""
        return self._guess(f"{channel} {sender_id}", lambda: self._use_link_code(channel, sender_id, code))

    @retrying
    def _use_link_code(self, channel: str, sender_id: str, code: str) -> Tuple[str, TraineeInfo]:
        with self.db.transaction() as session:
            link = session.get(LinkCode, code.strip().upper()[:12])
            if link is None or link.used_at is not None or as_utc(link.expires_at) < utcnow():
                raise UnknownCode(code)
            sender = _find_trainee(session, channel, sender_id)
            if sender is not None and sender.id == link.trainee_id:  # the maker confirms
                if link.claimed_channel is None:
                    raise UnknownCode(code)  # nobody has sent it from another app yet
                link.used_at = utcnow()
                target = session.get(Trainee, link.trainee_id)
                _join(session, target, str(link.claimed_channel), str(link.claimed_sender))
                return LINKED, _trainee_info(session, target)
            if link.claimed_channel is not None and (link.claimed_channel, link.claimed_sender) != (channel, sender_id):
                link.used_at = utcnow()  # a second claimer: burnt, nobody gets it (raised once stored)
                claimer = None
            else:
                link.claimed_channel, link.claimed_sender = channel, sender_id
                if sender is None:
                    sender = Trainee(language=settings.DEFAULT_LANGUAGE)
                    sender.identities.append(ChannelIdentity(channel=channel, sender_id=sender_id))
                    session.add(sender)
                    session.flush()
                claimer = _trainee_info(session, sender)
        if claimer is None:
            raise UnknownCode(code)
        return LINK_CLAIMED, claimer


def _join(session: Session, target: Trainee, channel: str, sender_id: str) -> None:
    """`channel`/`sender_id` becomes `target`'s; what it did under another record moves along."""
    previous = _find_trainee(session, channel, sender_id)
    if previous is None:
        target.identities.append(ChannelIdentity(channel=channel, sender_id=sender_id))
    elif previous.id != target.id:
        for identity in list(previous.identities):
            identity.trainee_id = target.id
        for attempt in list(previous.attempts):
            attempt.trainee_id = target.id
        kinds = {check.kind for check in target.checks}
        for check in list(previous.checks):  # a test taken on both apps: the linked-to record's stands
            if check.kind not in kinds:
                check.trainee_id = target.id
        reviewed = {(item.scenario_id, item.step_id) for item in target.reviews}
        for item in list(previous.reviews):
            if (item.scenario_id, item.step_id) not in reviewed:
                item.trainee_id = target.id
        if target.reminders is None:
            target.reminders = previous.reminders
        target.cohort_id = target.cohort_id or previous.cohort_id
        target.display_name = target.display_name or previous.display_name
        session.flush()
        session.expire(previous)
        session.delete(previous)


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
