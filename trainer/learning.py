"""Did they learn: before-test and after-test scores, and the normalised gain, per trainee, per
principle and per cohort.

The normalised gain is (after - before) / (100 - before): the share of what a trainee did not
know before that they knew after (Hake, 1998). For a cohort it is computed from the cohort's
mean before and mean after, over the trainees who took both tests, as that literature does.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import select

from trainer.knowledge import percent
from trainer.models import CheckAnswer, CheckAttempt, Cohort, Trainee, as_utc

OVERALL = "all"  # the row of every principle together


def normalised_gain(before: Optional[float], after: Optional[float]) -> Optional[float]:
    if before is None or after is None or before >= 100:
        return None
    return round((after - before) / (100 - before), 3)


@dataclass(frozen=True)
class Scores:
    before: Optional[float]
    after: Optional[float]

    @property
    def gain(self) -> Optional[float]:
        return normalised_gain(self.before, self.after)


@dataclass
class TraineeLearning:
    trainee_id: int
    name: str
    cohort: str
    scores: Dict[str, Scores] = field(default_factory=dict)  # principle (or OVERALL) -> scores

    @property
    def overall(self) -> Scores:
        return self.scores.get(OVERALL, Scores(None, None))

    @property
    def both_taken(self) -> bool:
        return self.overall.before is not None and self.overall.after is not None


@dataclass(frozen=True)
class CheckRecord:
    """A finished test, for xAPI."""

    id: int
    trainee_id: int
    trainee_name: str
    kind: str
    form: str
    percent: float
    finished_at: datetime


@dataclass
class GroupLearning:
    trainees: List[TraineeLearning]
    principles: List[str]
    group: Dict[str, Scores]  # principle (or OVERALL) -> mean before and after of those who took both
    pairs: int  # trainees who took both tests
    checks: List[CheckRecord] = field(default_factory=list)
    retention: List[Tuple[int, int]] = field(default_factory=list)  # per review interval: (right, answered)


def learning(session, trainees_query, principles: Sequence[str]) -> GroupLearning:
    """Learning of the trainees `trainees_query` selects (rows of Trainee, cohort name)."""
    people = {trainee.id: (trainee, cohort_name) for trainee, cohort_name in session.execute(trainees_query)}
    answers: Dict[int, Dict[str, Dict[str, List[bool]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    finished: Dict[int, CheckAttempt] = {}
    if people:
        rows = session.execute(
            select(CheckAttempt, CheckAnswer.principle, CheckAnswer.correct)
            .join(CheckAnswer, CheckAnswer.check_attempt_id == CheckAttempt.id)
            .where(CheckAttempt.trainee_id.in_(list(people)), CheckAttempt.finished_at.isnot(None))
            .order_by(CheckAttempt.id)
        )
        for check, principle, correct in rows:
            finished[check.id] = check
            answers[check.trainee_id][check.kind][principle].append(correct)
            answers[check.trainee_id][check.kind][OVERALL].append(correct)
    rows_out = []
    for trainee_id, (trainee, cohort_name) in sorted(people.items()):
        taken = answers.get(trainee_id, {})
        scores = {
            key: Scores(percent(taken.get("before", {}).get(key, [])), percent(taken.get("after", {}).get(key, [])))
            for key in (*principles, OVERALL)
        }
        rows_out.append(
            TraineeLearning(trainee_id, trainee.display_name or f"#{trainee_id}", cohort_name or "", scores)
        )
    paired = [row for row in rows_out if row.both_taken]
    group = {
        key: Scores(_mean(row.scores[key].before for row in paired), _mean(row.scores[key].after for row in paired))
        for key in (*principles, OVERALL)
    }
    names = {row.trainee_id: row.name for row in rows_out}
    records = [
        CheckRecord(
            check.id,
            check.trainee_id,
            names[check.trainee_id],
            check.kind,
            check.form,
            percent(answers[check.trainee_id][check.kind][OVERALL]) or 0.0,
            as_utc(check.finished_at),
        )
        for check in finished.values()
    ]
    return GroupLearning(rows_out, list(principles), group, len(paired), records)


def _mean(values: Iterable[Optional[float]]) -> Optional[float]:
    known = [value for value in values if value is not None]
    return round(mean(known), 1) if known else None


def trainees_in(cohort_ids: Optional[set]):
    """The query of trainees (with their cohort's name) in these cohorts; None: everyone."""
    query = select(Trainee, Cohort.name).outerjoin(Cohort, Trainee.cohort_id == Cohort.id).order_by(Trainee.id)
    if cohort_ids is not None:
        query = query.where(Trainee.cohort_id.in_(cohort_ids or {-1}))
    return query
