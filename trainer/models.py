"""Tables of the progress store. Schema changes go through Alembic (trainer/migrations)."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # SQLAlchemy 1.4 ships no type stubs for its declarative classes


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class TrainerAccount(Base):
    __tablename__ = "trainer_accounts"
    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(20), nullable=False, default="trainer")  # trainer | admin
    disabled = Column(Boolean, nullable=False, default=False)  # set from the command line
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class TrainerSession(Base):
    """A signed-in dashboard session. Only a hash of the cookie's token is stored."""

    __tablename__ = "trainer_sessions"
    token_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("trainer_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class AttemptCounter(Base):
    """Attempts under one key (sign-ins from an address, code guesses by a sender...) in the
    current window (trainer/throttle.py)."""

    __tablename__ = "attempt_counters"
    key = Column(String(200), primary_key=True)
    attempts = Column(Integer, nullable=False, default=0)
    window_start = Column(DateTime(timezone=True), nullable=False)


class Cohort(Base):
    __tablename__ = "cohorts"
    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False, unique=True)
    enrolment_code = Column(String(16), nullable=False, unique=True)
    enrolment_expires_at = Column(DateTime(timezone=True))  # None: until the trainer changes the code
    after_test_open = Column(Boolean, nullable=False, default=False)  # the trainer opened the after-test
    owner_id = Column(Integer, ForeignKey("trainer_accounts.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Trainee(Base):
    __tablename__ = "trainees"
    id = Column(Integer, primary_key=True)
    display_name = Column(String(80))
    language = Column(String(2), nullable=False)
    cohort_id = Column(Integer, ForeignKey("cohorts.id", ondelete="SET NULL"))
    reminders = Column(Boolean)  # review reminders on Telegram: None until the trainee is asked
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    identities = relationship("ChannelIdentity", cascade="all, delete-orphan", passive_deletes=True)
    attempts = relationship("Attempt", cascade="all, delete-orphan", passive_deletes=True)
    checks = relationship("CheckAttempt", cascade="all, delete-orphan", passive_deletes=True)
    reviews = relationship("ReviewItem", cascade="all, delete-orphan", passive_deletes=True)


class ChannelIdentity(Base):
    """One trainee may write from the web widget, Telegram and WhatsApp: one row each."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False)
    channel = Column(String(40), nullable=False)
    sender_id = Column(String(255), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class LinkCode(Base):
    """A short one-time code that joins another channel's identity to this trainee."""

    __tablename__ = "link_codes"
    code = Column(String(12), primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))
    # Sent from another channel, waiting for the trainee to confirm on the channel that made it.
    claimed_channel = Column(String(40))
    claimed_sender = Column(String(255))


class Attempt(Base):
    __tablename__ = "attempts"
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True)
    scenario_id = Column(String(80), nullable=False)
    status = Column(String(20), nullable=False, default="in_progress")  # in_progress | completed | abandoned
    current_node = Column(String(80), nullable=False)  # the step being played, or the ending
    score = Column(Float)  # percent of the best possible grades, once completed
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True))
    answers = relationship("Answer", cascade="all, delete-orphan", passive_deletes=True, order_by="Answer.id")


class Answer(Base):
    __tablename__ = "answers"
    id = Column(Integer, primary_key=True)
    attempt_id = Column(Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False, index=True)
    step_id = Column(String(80), nullable=False)
    option_id = Column(String(80))  # the button chosen, or the branch a typed answer took
    text = Column(Text)  # what the trainee typed, when they typed
    grade = Column(Integer)  # 0-3
    concepts_found = Column(JSON, nullable=False, default=list)
    concepts_missed = Column(JSON, nullable=False, default=list)
    red_flags = Column(JSON, nullable=False, default=list)
    cautions = Column(JSON, nullable=False, default=list)
    hint_used = Column(Boolean, nullable=False, default=False)
    response_ms = Column(Integer)
    channel = Column(String(40))
    message_id = Column(String(255), unique=True)  # Rasa's message id: a retry is not a new answer
    confidence = Column(Float)  # the grader's probability for a typed answer's grade
    needs_review = Column(Boolean, nullable=False, default=False)  # typed, then an option picked: a trainer checks
    engine_grade = Column(Integer)  # the grader's guess, when the trainee picked after "Did you mean"
    reviews = relationship(
        "AnswerReview", cascade="all, delete-orphan", passive_deletes=True, order_by="AnswerReview.id"
    )
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class AnswerReview(Base):
    """A trainer's grade for an answer: kept beside the original, and what reports use."""

    __tablename__ = "answer_reviews"
    id = Column(Integer, primary_key=True)
    answer_id = Column(Integer, ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True)
    reviewer_id = Column(Integer, ForeignKey("trainer_accounts.id", ondelete="SET NULL"))
    grade = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class CheckAttempt(Base):
    """A trainee's knowledge check: the before-test (form a) or the after-test (form b)."""

    __tablename__ = "check_attempts"
    __table_args__ = (UniqueConstraint("trainee_id", "kind"),)  # one before-test and one after-test each
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(10), nullable=False)  # before | after
    form = Column(String(10), nullable=False)  # the form's id in content/knowledge_check.yml
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True))
    answers = relationship("CheckAnswer", cascade="all, delete-orphan", passive_deletes=True, order_by="CheckAnswer.id")


class CheckAnswer(Base):
    __tablename__ = "check_answers"
    __table_args__ = (UniqueConstraint("check_attempt_id", "item_id"),)  # an item is answered once
    id = Column(Integer, primary_key=True)
    check_attempt_id = Column(Integer, ForeignKey("check_attempts.id", ondelete="CASCADE"), nullable=False, index=True)
    item_id = Column(String(40), nullable=False)
    principle = Column(String(40), nullable=False)  # kept: reports need no content to group by it
    option_id = Column(String(40), nullable=False)
    correct = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Certificate(Base):
    """Given to a trainee who played every scenario and passed the after-test. What it says is
    kept as issued (name, cohort, principles), so a later change of record does not alter it."""

    __tablename__ = "certificates"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False, unique=True)  # printed, and checked at /verify/CODE
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    cohort = Column(String(120))
    language = Column(String(2), nullable=False)
    principles = Column(JSON, nullable=False, default=list)
    score = Column(Float, nullable=False)  # the after-test, percent
    issued_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at = Column(DateTime(timezone=True))


class ReviewItem(Base):
    """A decision point the trainee got wrong (grade 0-1), brought back after about 1, 3 and 7
    days (trainer/spaced_review.py)."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("trainee_id", "scenario_id", "step_id"),)
    id = Column(Integer, primary_key=True)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True)
    scenario_id = Column(String(80), nullable=False)
    step_id = Column(String(80), nullable=False)
    stage = Column(Integer, nullable=False, default=0)  # reviews passed in a row
    due_at = Column(DateTime(timezone=True), nullable=False, index=True)
    reminded_at = Column(DateTime(timezone=True))  # the last reminder sent for it
    finished_at = Column(DateTime(timezone=True))  # right at every stage: no more reviews
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    answers = relationship(
        "ReviewAnswer", cascade="all, delete-orphan", passive_deletes=True, order_by="ReviewAnswer.id"
    )


class ReviewAnswer(Base):
    __tablename__ = "review_answers"
    id = Column(Integer, primary_key=True)
    review_item_id = Column(Integer, ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False, index=True)
    stage = Column(Integer, nullable=False)  # 0: the review a day after, 1: three days, 2: a week
    option_id = Column(String(80), nullable=False)
    correct = Column(Boolean, nullable=False)
    answered_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ClassSession(Base):
    """A classroom session: a trainer plays a scenario with a group on a projector; the group
    decides by show of hands or by voting from their phones (trainer/classroom.py)."""

    __tablename__ = "class_sessions"
    id = Column(Integer, primary_key=True)
    code = Column(String(12), nullable=False, unique=True)  # trainees join with it
    trainer_id = Column(Integer, ForeignKey("trainer_accounts.id", ondelete="SET NULL"))
    cohort_id = Column(Integer, ForeignKey("cohorts.id", ondelete="SET NULL"))
    scenario_id = Column(String(80), nullable=False)
    language = Column(String(2), nullable=False)
    current_node = Column(String(80), nullable=False)  # the decision point on screen, or the ending
    status = Column(String(20), nullable=False, default="open")  # open | finished
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True))


class ClassMember(Base):
    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_session_id", "trainee_id"),)
    id = Column(Integer, primary_key=True)
    class_session_id = Column(Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True)
    joined_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ClassVote(Base):
    """A trainee's vote from their phone at one decision point of a session (a new vote replaces it)."""

    __tablename__ = "class_votes"
    __table_args__ = (UniqueConstraint("class_session_id", "step_id", "trainee_id"),)
    id = Column(Integer, primary_key=True)
    class_session_id = Column(Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    step_id = Column(String(80), nullable=False)
    trainee_id = Column(Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False)
    option_id = Column(String(80), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ClassDecision(Base):
    """What the group chose at a decision point: the trainer's tap after a show of hands, or the
    phones' majority."""

    __tablename__ = "class_decisions"
    id = Column(Integer, primary_key=True)
    class_session_id = Column(Integer, ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    step_id = Column(String(80), nullable=False)
    option_id = Column(String(80), nullable=False)
    by = Column(String(10), nullable=False)  # hands | votes
    votes = Column(JSON, nullable=False, default=dict)  # option id -> phone votes when decided
    decided_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
