"""The knowledge check: a short multiple-choice test taken before training (form a) and after it
(form b, other questions on the same principles), stored answer by answer so that reports can
say what a trainee, a cohort and each principle gained (trainer/learning.py).

The before-test is offered at enrolment; the after-test once the trainee has played every
scenario, or earlier when their trainer opens it for the cohort. Each test is taken once.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trainer.content import AFTER_FORM, BEFORE_FORM, CheckItem, Content
from trainer.db import Database, retrying
from trainer.models import CheckAnswer, CheckAttempt, Cohort, Trainee, utcnow

FORMS = {"before": BEFORE_FORM, "after": AFTER_FORM}


@dataclass(frozen=True)
class CheckInfo:
    id: int
    kind: str  # before | after
    form: str
    finished: bool
    answered: Dict[str, bool] = field(default_factory=dict)  # item id -> answered right


def due(checks: Dict[str, CheckInfo], scenarios_done: bool, after_open: bool) -> Optional[str]:
    """The test a trainee should take now: "before", "after" or None."""
    before, after = checks.get("before"), checks.get("after")
    if before is None or not before.finished:
        return "before"
    if (after is None or not after.finished) and (scenarios_done or after_open):
        return "after"
    return None


def next_item(content: Content, check: CheckInfo) -> Optional[CheckItem]:
    """The first item of the check's form not answered yet; None once all are."""
    return next((item for item in content.check_forms[check.form] if item.id not in check.answered), None)


def percent(answered: Sequence[bool]) -> Optional[float]:
    return round(100.0 * sum(answered) / len(answered), 1) if answered else None


class Checks:
    def __init__(self, db: Database):
        self.db = db

    @retrying
    def checks(self, trainee_id: int) -> Dict[str, CheckInfo]:
        """The trainee's checks by kind, with their answers."""
        with self.db.transaction() as session:
            rows = session.execute(select(CheckAttempt).where(CheckAttempt.trainee_id == trainee_id)).scalars()
            return {row.kind: _info(row) for row in rows}

    @retrying
    def after_test_open(self, trainee_id: int) -> bool:
        """Whether the trainee's trainer opened the after-test for their cohort."""
        with self.db.transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            cohort = trainee and trainee.cohort_id and session.get(Cohort, trainee.cohort_id)
            return bool(cohort and cohort.after_test_open)

    def start(self, trainee_id: int, kind: str) -> CheckInfo:
        """The trainee's check of this kind, begun now unless it already was."""
        try:
            return self._start(trainee_id, kind)
        except IntegrityError:  # begun at the same moment from another device
            return self.checks(trainee_id)[kind]

    @retrying
    def _start(self, trainee_id: int, kind: str) -> CheckInfo:
        with self.db.transaction() as session:
            row = session.execute(
                select(CheckAttempt).where(CheckAttempt.trainee_id == trainee_id, CheckAttempt.kind == kind)
            ).scalar_one_or_none()
            if row is None:
                row = CheckAttempt(trainee_id=trainee_id, kind=kind, form=FORMS[kind])
                session.add(row)
                session.flush()
            return _info(row)

    @retrying
    def answer(self, check_id: int, item: CheckItem, option_id: str, items_in_form: int) -> CheckInfo:
        """Record the option picked for `item` (once: a second press of an old button is kept
        as first answered); the check is finished when every item of its form is answered."""
        with self.db.transaction() as session:
            row = session.get(CheckAttempt, check_id)
            if item.id not in {answer.item_id for answer in row.answers}:
                option = item.option(option_id)
                row.answers.append(
                    CheckAnswer(
                        item_id=item.id,
                        principle=item.principle,
                        option_id=option_id,
                        correct=bool(option and option.correct),
                    )
                )
                session.flush()
            if row.finished_at is None and len(row.answers) >= items_in_form:
                row.finished_at = utcnow()
            return _info(row)

    @retrying
    def open_after_test(self, cohort_name: str) -> bool:
        """Let a cohort take the after-test before finishing every scenario; False if no such cohort."""
        with self.db.transaction() as session:
            cohort = session.execute(select(Cohort).where(Cohort.name == cohort_name.strip())).scalar_one_or_none()
            if cohort is None:
                return False
            cohort.after_test_open = True
            return True


def _info(row: CheckAttempt) -> CheckInfo:
    return CheckInfo(
        row.id, row.kind, row.form, row.finished_at is not None, {a.item_id: a.correct for a in row.answers}
    )
