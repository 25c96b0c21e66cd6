"""Classroom mode: one trainer, a group and a projector. The trainer opens a session of a
scenario; the page shows each decision point large; the group decides by show of hands (the
trainer taps the option) or by voting from their phones after joining with the session's code.
The story follows the group's choice; at the end, an after-action review compares each decision
with the recommended one and lists the rules to revisit.
"""

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trainer.accounts import Trainer
from trainer.content import Content, Option, Step
from trainer.db import Database, retrying
from trainer.engine import best_option, shuffled
from trainer.identities import CODE_ALPHABET, CODE_TRIES_PER_SENDER, CODE_TRIES_WINDOW, UnknownCode
from trainer.models import ClassDecision, ClassMember, ClassSession, ClassVote, Cohort, Trainee, as_utc, utcnow
from trainer.throttle import Throttle

HANDS, VOTES = "hands", "votes"


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str
    trainer_id: Optional[int]
    cohort: Optional[str]
    scenario_id: str
    language: str
    current_node: str
    finished: bool
    created_at: datetime


@dataclass(frozen=True)
class DecisionRow:
    step_id: str
    option_id: str
    by: str
    votes: Dict[str, int]
    voters: Dict[str, List[str]] = field(default_factory=dict)  # option id -> names of phone voters


@dataclass(frozen=True)
class VoteRow:
    """A trainee's phone vote in a classroom session, beside what the group then chose."""

    session_id: int
    when: datetime
    scenario_id: str
    step_id: str
    option_id: str
    group_option_id: Optional[str]  # None while the decision is open


class Classroom:
    def __init__(self, db: Database):
        self.db = db
        self.throttle = Throttle(db)

    @retrying
    def open(
        self, trainer: Trainer, content: Content, scenario_id: str, language: str, cohort_id: Optional[int]
    ) -> ClassInfo:
        scenario = content.scenario(scenario_id)
        with self.db.transaction() as session:
            row = ClassSession(
                code="".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
                trainer_id=trainer.id or None,
                cohort_id=cohort_id,
                scenario_id=scenario.id,
                language=language,
                current_node=scenario.start,
                status="open",
            )
            session.add(row)
            session.flush()
            return _info(session, row)

    @retrying
    def get(self, session_id: int, trainer: Optional[Trainer] = None) -> Optional[ClassInfo]:
        """A session; with `trainer`, only one they opened (an admin sees every one)."""
        with self.db.transaction() as session:
            row = session.get(ClassSession, session_id)
            if row is None or (trainer is not None and not trainer.is_admin and row.trainer_id != trainer.id):
                return None
            return _info(session, row)

    @retrying
    def sessions(self, trainer: Trainer) -> List[ClassInfo]:
        with self.db.transaction() as session:
            query = select(ClassSession).order_by(ClassSession.created_at.desc(), ClassSession.id.desc())
            if not trainer.is_admin:
                query = query.where(ClassSession.trainer_id == trainer.id)
            return [_info(session, row) for row in session.execute(query).scalars()]

    def join(self, code: str, trainee_id: int, guesser: str) -> ClassInfo:
        """Join the open session with this code; a wrong code counts as a guess (as link codes)."""
        limits = [(f"class tries {guesser}", CODE_TRIES_PER_SENDER)]
        return self.throttle.guarded(limits, CODE_TRIES_WINDOW, lambda: self._join(code, trainee_id))

    @retrying
    def _join(self, code: str, trainee_id: int) -> ClassInfo:
        with self.db.transaction() as session:
            row = session.execute(
                select(ClassSession).where(
                    ClassSession.code == code.strip().upper()[:12], ClassSession.status == "open"
                )
            ).scalar_one_or_none()
            if row is None:
                raise UnknownCode(code)
            if (
                session.execute(
                    select(ClassMember.id).where(
                        ClassMember.class_session_id == row.id, ClassMember.trainee_id == trainee_id
                    )
                ).first()
                is None
            ):
                session.add(ClassMember(class_session_id=row.id, trainee_id=trainee_id))
            return _info(session, row)

    @retrying
    def member_session(self, session_id: int, trainee_id: int) -> Optional[ClassInfo]:
        """The session, if the trainee joined it."""
        with self.db.transaction() as session:
            member = session.execute(
                select(ClassMember.id).where(
                    ClassMember.class_session_id == session_id, ClassMember.trainee_id == trainee_id
                )
            ).first()
            row = session.get(ClassSession, session_id) if member else None
            return _info(session, row) if row else None

    def vote(self, session_id: int, trainee_id: int, step_id: str, option_id: str) -> None:
        """A member's vote on the decision point on screen; a second vote replaces the first."""
        try:
            self._vote(session_id, trainee_id, step_id, option_id)
        except IntegrityError:  # two presses at once: the other stands
            pass

    @retrying
    def _vote(self, session_id: int, trainee_id: int, step_id: str, option_id: str) -> None:
        with self.db.transaction() as session:
            vote = session.execute(
                select(ClassVote).where(
                    ClassVote.class_session_id == session_id,
                    ClassVote.step_id == step_id,
                    ClassVote.trainee_id == trainee_id,
                )
            ).scalar_one_or_none()
            if vote is None:
                session.add(
                    ClassVote(class_session_id=session_id, step_id=step_id, trainee_id=trainee_id, option_id=option_id)
                )
            else:
                vote.option_id, vote.created_at = option_id, utcnow()

    @retrying
    def tally(self, session_id: int, step_id: str) -> Dict[str, int]:
        with self.db.transaction() as session:
            return dict(_tally(session, session_id, step_id))

    @retrying
    def decide(self, session_id: int, content: Content, option_id: str, by: str) -> Tuple[ClassInfo, str]:
        """The group's choice at the decision point on screen: the story moves along it.
        Returns the session and the step decided."""
        with self.db.transaction() as session:
            row = session.get(ClassSession, session_id)
            scenario = content.scenario(row.scenario_id)
            step = scenario.steps.get(row.current_node)
            option = step.option(option_id) if step else None
            if row.status != "open" or step is None or option is None:
                raise ValueError("not an option of the decision point on screen")
            votes = dict(_tally(session, session_id, step.id))
            session.add(
                ClassDecision(class_session_id=session_id, step_id=step.id, option_id=option.id, by=by, votes=votes)
            )
            row.current_node = option.next
            if option.next in scenario.endings:
                row.status, row.finished_at = "finished", utcnow()
            return _info(session, row), step.id

    @retrying
    def votes_of(self, trainee_id: int) -> List[VoteRow]:
        """The trainee's phone votes, oldest first, with the group's decision at each point."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(ClassVote, ClassSession)
                .join(ClassSession, ClassVote.class_session_id == ClassSession.id)
                .where(ClassVote.trainee_id == trainee_id)
                .order_by(ClassVote.id)
            ).all()
            decided = {
                (d.class_session_id, d.step_id): d.option_id
                for d in session.execute(
                    select(ClassDecision).where(ClassDecision.class_session_id.in_({s.id for _, s in rows} or {-1}))
                ).scalars()
            }
            return [
                VoteRow(
                    room.id,
                    as_utc(vote.created_at),
                    room.scenario_id,
                    vote.step_id,
                    vote.option_id,
                    decided.get((room.id, vote.step_id)),
                )
                for vote, room in rows
            ]

    @retrying
    def decisions(self, session_id: int) -> List[DecisionRow]:
        """The group's decisions in order, with the phone votes and who cast them."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(ClassDecision).where(ClassDecision.class_session_id == session_id).order_by(ClassDecision.id)
            ).scalars()
            voters: Dict[Tuple[str, str], List[str]] = {}
            for vote, trainee in session.execute(
                select(ClassVote, Trainee)
                .join(Trainee, ClassVote.trainee_id == Trainee.id)
                .where(ClassVote.class_session_id == session_id)
            ):
                voters.setdefault((vote.step_id, vote.option_id), []).append(trainee.display_name or f"#{trainee.id}")
            return [
                DecisionRow(
                    d.step_id,
                    d.option_id,
                    d.by,
                    dict(d.votes or {}),
                    {option: sorted(names) for (step, option), names in voters.items() if step == d.step_id},
                )
                for d in rows
            ]


def shown_options(step: Step, session_id: int) -> List[Option]:
    """The options in an order fixed for this session and step, the same on the screen and on
    the phones: the file's order would put the recommended one first."""
    return list(shuffled(step.options, f"class-{session_id}-{step.id}"))


def majority(votes: Dict[str, int]) -> Optional[str]:
    """The option most phones chose; None without votes or with a tie at the top."""
    ranked = Counter(votes).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def review_rows(content: Content, scenario_id: str, decisions: List[DecisionRow]) -> List[dict]:
    """The after-action review: each decision beside the recommended one, and the rules of the
    decisions that were not the recommended conduct."""
    scenario = content.scenario(scenario_id)
    rows = []
    for decision in decisions:
        step = scenario.steps[decision.step_id]
        chosen, best = step.option(decision.option_id), best_option(step)
        rows.append(
            {
                "step": step,
                "chosen": chosen,
                "best": best,
                "recommended": chosen is not None and chosen.id == best.id,
                "by": decision.by,
                "votes": [
                    (option, decision.votes.get(option.id, 0), decision.voters.get(option.id, []))
                    for option in step.options
                ],
                "rules": [
                    content.rules[r]
                    for r in (best.rules if chosen is None or chosen.id != best.id else ())
                    if r in content.rules
                ],
            }
        )
    return rows


def _tally(session, session_id: int, step_id: str) -> Counter:
    return Counter(
        option
        for (option,) in session.execute(
            select(ClassVote.option_id).where(ClassVote.class_session_id == session_id, ClassVote.step_id == step_id)
        )
    )


def _info(session, row: ClassSession) -> ClassInfo:
    cohort = session.get(Cohort, row.cohort_id) if row.cohort_id else None
    return ClassInfo(
        row.id,
        row.code,
        row.trainer_id,
        cohort.name if cohort else None,
        row.scenario_id,
        row.language,
        row.current_node,
        row.status == "finished",
        as_utc(row.created_at),
    )
