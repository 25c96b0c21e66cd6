"""Spaced review: a decision point a trainee got wrong (grade 0-1) comes back, as its prompt and
options, about 1, 3 and 7 days later. Right, it moves to the next interval; wrong, it starts
again at a day. Spacing retrieval out beats massing it, and a reviewed point shows whether what
was corrected stayed (retention: the share right at each interval).

Every time here is passed in (`now`), so tests move the clock; the schedule lives in the
database, so it survives restarts and is the same for every process.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from trainer.content import Content, Option, Step
from trainer.db import Database, retrying
from trainer.engine import best_option, shuffled
from trainer.models import ChannelIdentity, ReviewAnswer, ReviewItem, Trainee, as_utc, utcnow

INTERVALS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
MISSED_GRADE = 1  # answers graded this or lower come back


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    trainee_id: int
    scenario_id: str
    step_id: str
    stage: int
    due_at: datetime


def right(step: Step, option: Option) -> bool:
    """A review is right when it picks the recommended conduct again (the top grade)."""
    return option.grade == best_option(step).grade


def review_options(step: Step, item_id: int) -> List[Option]:
    """The options in an order fixed per review item: not the file's, not the attempt's."""
    return list(shuffled(step.options, f"review-{item_id}"))


class SpacedReview:
    def __init__(self, db: Database):
        self.db = db

    def add_missed(self, trainee_id: int, scenario_id: str, step_id: str, now: Optional[datetime] = None) -> None:
        """A decision point answered wrong: due for review a day later (again a day later if it
        was already under review)."""
        now = now or utcnow()
        try:
            self._add_missed(trainee_id, scenario_id, step_id, now)
        except IntegrityError:  # the same point missed twice at once: one item
            pass

    @retrying
    def _add_missed(self, trainee_id: int, scenario_id: str, step_id: str, now: datetime) -> None:
        with self.db.transaction() as session:
            item = session.execute(
                select(ReviewItem).where(
                    ReviewItem.trainee_id == trainee_id,
                    ReviewItem.scenario_id == scenario_id,
                    ReviewItem.step_id == step_id,
                )
            ).scalar_one_or_none()
            if item is None:
                session.add(
                    ReviewItem(
                        trainee_id=trainee_id,
                        scenario_id=scenario_id,
                        step_id=step_id,
                        stage=0,
                        due_at=now + INTERVALS[0],
                    )
                )
            else:
                item.stage, item.due_at, item.finished_at = 0, now + INTERVALS[0], None

    @retrying
    def due(self, trainee_id: int, content: Content, now: Optional[datetime] = None) -> Optional[ReviewInfo]:
        """The review due first for this trainee now, if any (points no longer in the content
        are skipped)."""
        now = now or utcnow()
        with self.db.transaction() as session:
            items = session.execute(
                select(ReviewItem)
                .where(ReviewItem.trainee_id == trainee_id, ReviewItem.finished_at.is_(None), ReviewItem.due_at <= now)
                .order_by(ReviewItem.due_at, ReviewItem.id)
            ).scalars()
            for item in items:
                scenario = content.scenarios.get(item.scenario_id)
                if scenario and item.step_id in scenario.steps:
                    return _info(item)
            return None

    @retrying
    def item(self, item_id: int) -> Optional[ReviewInfo]:
        with self.db.transaction() as session:
            found = session.get(ReviewItem, item_id)
            return _info(found) if found else None

    @retrying
    def answer(self, item_id: int, option_id: str, correct: bool, now: Optional[datetime] = None) -> ReviewInfo:
        """Record a review: right moves it to the next interval (or finishes it after the
        last), wrong brings it back a day later."""
        now = now or utcnow()
        with self.db.transaction() as session:
            item = session.get(ReviewItem, item_id)
            item.answers.append(ReviewAnswer(stage=item.stage, option_id=option_id, correct=correct, answered_at=now))
            if correct and item.stage + 1 >= len(INTERVALS):
                item.stage, item.finished_at = len(INTERVALS), now
            elif correct:
                item.stage += 1
                item.due_at = now + INTERVALS[item.stage]
            else:
                item.stage, item.due_at = 0, now + INTERVALS[0]
            return _info(item)

    @retrying
    def set_reminders(self, trainee_id: int, wanted: bool) -> None:
        with self.db.transaction() as session:
            session.get(Trainee, trainee_id).reminders = wanted

    @retrying
    def reminders_wanted(self, trainee_id: int) -> Optional[bool]:
        with self.db.transaction() as session:
            return session.get(Trainee, trainee_id).reminders

    @retrying
    def to_remind(self, now: Optional[datetime] = None) -> List[Tuple[int, str, str, List[int]]]:
        """(trainee id, Telegram sender id, language, review item ids) for trainees who agreed
        to reminders and have reviews due that no reminder has announced yet."""
        now = now or utcnow()
        with self.db.transaction() as session:
            rows = session.execute(
                select(ReviewItem.id, Trainee.id, Trainee.language, ChannelIdentity.sender_id)
                .join(Trainee, ReviewItem.trainee_id == Trainee.id)
                .join(
                    ChannelIdentity,
                    and_(ChannelIdentity.trainee_id == Trainee.id, ChannelIdentity.channel == "telegram"),
                )
                .where(
                    Trainee.reminders.is_(True),
                    ReviewItem.finished_at.is_(None),
                    ReviewItem.due_at <= now,
                    or_(ReviewItem.reminded_at.is_(None), ReviewItem.reminded_at < ReviewItem.due_at),
                )
                .order_by(Trainee.id, ReviewItem.id)
            )
            found: Dict[Tuple[int, str, str], List[int]] = {}
            for item_id, trainee_id, language, sender in rows:
                found.setdefault((trainee_id, sender, language), []).append(item_id)
            return [(trainee, sender, language, items) for (trainee, sender, language), items in found.items()]

    @retrying
    def mark_reminded(self, item_ids: List[int], now: Optional[datetime] = None) -> None:
        now = now or utcnow()
        with self.db.transaction() as session:
            for item in session.execute(select(ReviewItem).where(ReviewItem.id.in_(item_ids))).scalars():
                item.reminded_at = now

    @retrying
    def retention(self, trainee_ids: Optional[List[int]] = None) -> List[Tuple[int, int]]:
        """Per interval (1, 3, 7 days): (reviews answered right, reviews answered)."""
        with self.db.transaction() as session:
            query = select(ReviewAnswer.stage, ReviewAnswer.correct).join(ReviewItem)
            if trainee_ids is not None:
                query = query.where(ReviewItem.trainee_id.in_(trainee_ids or [-1]))
            counts = [[0, 0] for _ in INTERVALS]
            for stage, correct in session.execute(query):
                if 0 <= stage < len(INTERVALS):
                    counts[stage][0] += int(correct)
                    counts[stage][1] += 1
            return [(r, n) for r, n in counts]


def _info(item: ReviewItem) -> ReviewInfo:
    return ReviewInfo(item.id, item.trainee_id, item.scenario_id, item.step_id, item.stage, as_utc(item.due_at))
