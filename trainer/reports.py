"""What trainers see: cohort overview, competency matrix, most-missed decision points, a
trainee's attempts with transcripts. Every query is limited to the cohorts the trainer may see
(an admin sees every cohort and trainees without one)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from sqlalchemy import select

from trainer import learning
from trainer.accounts import Trainer
from trainer.content import Content, localized
from trainer.content_schema import CHECK_PRINCIPLES
from trainer.db import Database
from trainer.models import Answer, AnswerReview, Attempt, Cohort, Trainee, as_utc
from trainer.progress import score
from trainer.settings import GRADE_MAX, PASS_MARK
from trainer.spaced_review import SpacedReview

WEAK_MASTERY = 60.0  # percent; below this a principle is flagged for the cohort
MIN_ANSWERS_TO_JUDGE = 5  # graded answers a principle needs before the group is called weak in it
MAX_TYPED_EXAMPLES = 3


class NotVisible(LookupError):
    """The cohort or trainee does not exist, or belongs to another trainer."""


@dataclass(frozen=True)
class CohortInfo:
    id: int
    name: str


@dataclass
class AnswerRow:
    id: int
    attempt_id: int
    trainee_id: int
    trainee_name: str
    cohort: str
    scenario_id: str
    step_id: str
    option_id: Optional[str]
    text: Optional[str]
    grade: Optional[int]  # the trainer's grade when reviewed, else the recorded one
    hint_used: bool
    response_ms: Optional[int]
    channel: Optional[str]
    at: datetime
    original_grade: Optional[int] = None  # as recorded when the trainee answered
    reviewed_grade: Optional[int] = None  # a trainer's, latest first
    engine_grade: Optional[int] = None  # the grader's guess, when the trainee then picked an option
    needs_review: bool = False
    confidence: Optional[float] = None


@dataclass
class AttemptRow:
    id: int
    trainee_id: int
    trainee_name: str
    cohort: str
    scenario_id: str
    status: str
    score: Optional[float]
    ending: Optional[str]
    started_at: datetime
    finished_at: Optional[datetime]
    answers: List[AnswerRow] = field(default_factory=list)

    @property
    def hints_used(self) -> int:
        """Decision points where a hint was used: a hint, then an unclear answer and a graded one,
        is one hint, not two."""
        return len({answer.step_id for answer in self.answers if answer.hint_used})

    @property
    def graded_answers(self) -> int:
        return sum(answer.grade is not None for answer in self.answers)

    @property
    def ungraded_messages(self) -> int:
        """Messages kept at a decision point that were not answers ("who won the match")."""
        return len(self.answers) - self.graded_answers

    @property
    def duration_seconds(self) -> Optional[int]:
        return int((self.finished_at - self.started_at).total_seconds()) if self.finished_at else None


@dataclass(frozen=True)
class Filters:
    cohort_id: Optional[int] = None
    since: Optional[datetime] = None  # attempts started at or after
    until: Optional[datetime] = None  # attempts started before


class Reports:
    def __init__(self, db: Database, content: Content):
        self.db = db
        self.content = content
        self._step_principles = {
            (scenario.id, step.id): sorted(
                {
                    content.rules[rule].principle
                    for option in step.options
                    for rule in option.rules
                    if rule in content.rules
                }
            )
            for scenario in content.scenarios.values()
            for step in scenario.steps.values()
        }

    # Visibility -----------------------------------------------------------------------------

    def cohorts(self, trainer: Trainer) -> List[CohortInfo]:
        with self.db.transaction() as session:
            query = select(Cohort).order_by(Cohort.name)
            if not trainer.is_admin:
                query = query.where(Cohort.owner_id == trainer.id)
            return [CohortInfo(c.id, c.name) for c in session.execute(query).scalars()]

    def cohort_named(self, trainer: Trainer, name: str) -> CohortInfo:
        for cohort in self.cohorts(trainer):
            if cohort.name == name:
                return cohort
        raise NotVisible(name)

    def _cohort_ids(self, trainer: Trainer, filters: Filters) -> Optional[Set[int]]:
        """The cohort ids in scope; None means every trainee (an admin without a filter)."""
        visible = {cohort.id for cohort in self.cohorts(trainer)}
        if filters.cohort_id is not None:
            if filters.cohort_id not in visible:
                raise NotVisible(filters.cohort_id)
            return {filters.cohort_id}
        return None if trainer.is_admin else visible

    # Rows -----------------------------------------------------------------------------------

    def attempts(
        self, trainer: Trainer, filters: Filters = Filters(), trainee_id: Optional[int] = None
    ) -> List[AttemptRow]:
        """Attempts in scope, oldest first, each with its answers."""
        cohort_ids = self._cohort_ids(trainer, filters)
        with self.db.transaction() as session:
            query = (
                select(Attempt, Trainee, Cohort.name)
                .join(Trainee, Attempt.trainee_id == Trainee.id)
                .outerjoin(Cohort, Trainee.cohort_id == Cohort.id)
                .order_by(Attempt.started_at, Attempt.id)
            )
            if cohort_ids is not None:
                query = query.where(Trainee.cohort_id.in_(cohort_ids or {-1}))
            if trainee_id is not None:
                query = query.where(Trainee.id == trainee_id)
            if filters.since is not None:
                query = query.where(Attempt.started_at >= filters.since)
            if filters.until is not None:
                query = query.where(Attempt.started_at < filters.until)
            rows: Dict[int, AttemptRow] = {}
            for attempt, trainee, cohort_name in session.execute(query):
                scenario = self.content.scenarios.get(attempt.scenario_id)
                ended = scenario and attempt.current_node in scenario.endings
                rows[attempt.id] = AttemptRow(
                    attempt.id,
                    trainee.id,
                    _name(trainee),
                    cohort_name or "",
                    attempt.scenario_id,
                    attempt.status,
                    attempt.score,
                    attempt.current_node if ended else None,
                    as_utc(attempt.started_at),
                    attempt.finished_at and as_utc(attempt.finished_at),
                )
            for chunk in _chunks(list(rows), 500):
                answers = list(
                    session.execute(select(Answer).where(Answer.attempt_id.in_(chunk)).order_by(Answer.id)).scalars()
                )
                reviewed = self._latest_reviews(session, [answer.id for answer in answers])
                for answer in answers:
                    attempt = rows[answer.attempt_id]
                    grade = reviewed.get(answer.id, answer.grade)
                    attempt.answers.append(
                        AnswerRow(
                            answer.id,
                            attempt.id,
                            attempt.trainee_id,
                            attempt.trainee_name,
                            attempt.cohort,
                            attempt.scenario_id,
                            answer.step_id,
                            answer.option_id,
                            answer.text,
                            grade,
                            answer.hint_used,
                            answer.response_ms,
                            answer.channel,
                            as_utc(answer.created_at),
                            answer.grade,
                            reviewed.get(answer.id),
                            answer.engine_grade,
                            answer.needs_review,
                            answer.confidence,
                        )
                    )
            for attempt_row in rows.values():  # a trainer's regrade changes the attempt's score
                if attempt_row.status == "completed" and any(a.reviewed_grade is not None for a in attempt_row.answers):
                    attempt_row.score = score(a.grade for a in attempt_row.answers if a.grade is not None)
            return list(rows.values())

    @staticmethod
    def _latest_reviews(session, answer_ids: List[int]) -> Dict[int, int]:
        latest: Dict[int, int] = {}
        for chunk in _chunks(answer_ids, 500):
            for review in session.execute(
                select(AnswerReview).where(AnswerReview.answer_id.in_(chunk)).order_by(AnswerReview.id)
            ).scalars():
                latest[review.answer_id] = review.grade
        return latest

    def answers(self, trainer: Trainer, filters: Filters = Filters()) -> List[AnswerRow]:
        return [answer for attempt in self.attempts(trainer, filters) for answer in attempt.answers]

    # Views ------------------------------------------------------------------------------------

    def learning(self, trainer: Trainer, filters: Filters = Filters()) -> learning.GroupLearning:
        """Before- and after-test scores and gains of the trainees in scope (the cohort filter
        applies; the tests are taken once, so the dates do not)."""
        cohort_ids = self._cohort_ids(trainer, filters)
        with self.db.transaction() as session:
            learned = learning.learning(session, learning.trainees_in(cohort_ids), CHECK_PRINCIPLES)
        trainee_ids = None if cohort_ids is None else [row.trainee_id for row in learned.trainees]
        learned.retention = SpacedReview(self.db).retention(trainee_ids)
        return learned

    def overview(self, trainer: Trainer, filters: Filters = Filters()) -> dict:
        """Trainees by scenarios: best score, passed or not, attempts, completed; last activity."""
        attempts = self.attempts(trainer, filters)
        played = {attempt.scenario_id for attempt in attempts}
        scenarios = [s for s in self.content.scenarios.values() if s.id in played]
        trainees: Dict[int, dict] = {}
        for attempt in attempts:
            row = trainees.setdefault(
                attempt.trainee_id,
                {
                    "id": attempt.trainee_id,
                    "name": attempt.trainee_name,
                    "cohort": attempt.cohort,
                    "last_activity": attempt.started_at,
                    "cells": {},
                },
            )
            last = max([attempt.started_at] + [answer.at for answer in attempt.answers])
            row["last_activity"] = max(row["last_activity"], last)
            cell = row["cells"].setdefault(attempt.scenario_id, {"best": None, "attempts": 0, "completed": False})
            cell["attempts"] += 1
            if attempt.status == "completed":
                cell["completed"] = True
                cell["best"] = max(cell["best"] or 0.0, attempt.score or 0.0)
                cell["passed"] = cell["best"] >= PASS_MARK
        rows = sorted(trainees.values(), key=lambda r: r["last_activity"], reverse=True)
        return {"scenarios": scenarios, "trainees": rows}

    def matrix(self, trainer: Trainer, filters: Filters = Filters()) -> dict:
        """Trainees by principles: mastery (percent of the best grades) from graded answers."""
        grades: Dict[Tuple[int, str], List[int]] = defaultdict(list)
        names: Dict[int, str] = {}
        for answer in self.answers(trainer, filters):
            names[answer.trainee_id] = answer.trainee_name
            if answer.grade is None:
                continue
            for principle in self._step_principles.get((answer.scenario_id, answer.step_id), ()):
                grades[(answer.trainee_id, principle)].append(answer.grade)
        principles = [p for p in self.content.principles.values() if any(k[1] == p.id for k in grades)]
        cohort_grades: Dict[str, List[int]] = defaultdict(list)
        for (_, principle), values in grades.items():
            cohort_grades[principle].extend(values)
        average = {p: _percent(values) for p, values in cohort_grades.items()}
        counts = {p: len(values) for p, values in cohort_grades.items()}
        # A principle is called weak only on enough answers: one wrong answer is not a weakness.
        judged = [p for p in sorted(average, key=average.__getitem__) if counts[p] >= MIN_ANSWERS_TO_JUDGE]
        weakest = {p for p in judged[:2] if average[p] < 100.0} | {p for p in judged if average[p] < WEAK_MASTERY}
        rows = [
            {
                "id": trainee_id,
                "name": name,
                "mastery": {
                    p.id: _percent(grades[(trainee_id, p.id)]) for p in principles if grades.get((trainee_id, p.id))
                },
                "answers": {
                    p.id: len(grades[(trainee_id, p.id)]) for p in principles if grades.get((trainee_id, p.id))
                },
            }
            for trainee_id, name in sorted(names.items(), key=lambda item: item[1].lower())
        ]
        return {"principles": principles, "trainees": rows, "average": average, "counts": counts, "weakest": weakest}

    def most_missed(
        self, trainer: Trainer, filters: Filters = Filters(), language: str = "en", limit: int = 10
    ) -> List[dict]:
        """Decision points where the cohort scores lowest, with the usual wrong choices and typed answers."""
        by_step: Dict[Tuple[str, str], List[AnswerRow]] = defaultdict(list)
        grades: Dict[int, int] = {}  # answer id -> grade, for the graded answers
        for answer in self.answers(trainer, filters):
            if answer.grade is not None and answer.scenario_id in self.content.scenarios:
                by_step[(answer.scenario_id, answer.step_id)].append(answer)
                grades[answer.id] = answer.grade
        points: List[Dict[str, Any]] = []
        for (scenario_id, step_id), answers in by_step.items():
            scenario = self.content.scenarios[scenario_id]
            step = scenario.steps.get(step_id)
            if step is None:
                continue
            wrong = [a for a in answers if grades[a.id] <= 1]
            labels = {o.id: localized(o.label, language) for o in step.options}
            choices = Counter(labels.get(a.option_id, a.option_id) for a in wrong if a.text is None and a.option_id)
            typed = [a.text for a in sorted(wrong, key=lambda a: a.at, reverse=True) if a.text][:MAX_TYPED_EXAMPLES]
            points.append(
                {
                    "scenario": localized(scenario.title, language),
                    "scenario_id": scenario_id,
                    "step_id": step_id,
                    "prompt": localized(step.prompt, language),
                    "answers": len(answers),
                    "score": _percent([grades[a.id] for a in answers]),
                    "wrong": len(wrong),
                    "wrong_choices": choices.most_common(3),
                    "typed": typed,
                }
            )
        return sorted(points, key=lambda p: (p["score"], -p["answers"]))[:limit]

    def trainee(self, trainer: Trainer, trainee_id: int, language: str = "en") -> dict:
        """A trainee's attempts over time with transcripts; NotVisible outside the trainer's cohorts."""
        with self.db.transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if trainee is None:
                raise NotVisible(trainee_id)
            name, cohort_id = _name(trainee), trainee.cohort_id
        visible = {cohort.id for cohort in self.cohorts(trainer)}
        if not trainer.is_admin and cohort_id not in visible:
            raise NotVisible(trainee_id)
        attempts = self.attempts(trainer, trainee_id=trainee_id)
        return {
            "id": trainee_id,
            "name": name,
            "cohort": attempts[0].cohort if attempts else "",
            "attempts": [self._transcript(attempt, language) for attempt in reversed(attempts)],
            "chart": [(a.finished_at, a.score) for a in attempts if a.status == "completed" and a.score is not None],
        }

    def review_rows(self, answers: Sequence[AnswerRow], language: str) -> List[dict]:
        """Answers to review, with what a trainer needs to grade them."""
        rows = []
        for answer in answers:
            scenario = self.content.scenarios.get(answer.scenario_id)
            step = scenario.steps.get(answer.step_id) if scenario else None
            picked = step.option(answer.option_id or "") if step else None
            rows.append(
                {
                    "answer_id": answer.id,
                    "at": answer.at,
                    "trainee": answer.trainee_name,
                    "trainee_id": answer.trainee_id,
                    "scenario": localized(scenario.title, language) if scenario else answer.scenario_id,
                    "prompt": localized(step.prompt, language) if step else answer.step_id,
                    "typed": answer.text,
                    "picked": picked and localized(picked.label, language),
                    "grade": answer.grade,
                    "engine_grade": answer.engine_grade,
                }
            )
        return rows

    def _transcript(self, attempt: AttemptRow, language: str) -> dict:
        scenario = self.content.scenarios.get(attempt.scenario_id)
        turns = []
        for answer in attempt.answers:
            step = scenario.steps.get(answer.step_id) if scenario else None
            options = {o.id: o for o in step.options} if step else {}
            best = max(step.options, key=lambda o: o.grade) if step else None
            chosen = options.get(answer.option_id or "")
            turns.append(
                {
                    "answer_id": answer.id,
                    "original_grade": answer.original_grade,
                    "reviewed": answer.reviewed_grade is not None,
                    "prompt": localized(step.prompt, language) if step else answer.step_id,
                    "typed": answer.text,
                    "choice": chosen and localized(chosen.label, language),
                    "recommended": best and localized(best.label, language),
                    "on_path": chosen is not None and best is not None and chosen.grade == best.grade,
                    "grade": answer.grade,
                    "hint_used": answer.hint_used,
                    "seconds": round(answer.response_ms / 1000) if answer.response_ms else None,
                }
            )
        ending = scenario.endings.get(attempt.ending) if scenario and attempt.ending else None
        return {
            "id": attempt.id,
            "scenario": localized(scenario.title, language) if scenario else attempt.scenario_id,
            "status": attempt.status,
            "score": attempt.score,
            "started_at": attempt.started_at,
            "duration_seconds": attempt.duration_seconds,
            "hints_used": attempt.hints_used,
            "graded_answers": attempt.graded_answers,
            "ungraded_messages": attempt.ungraded_messages,
            "ending": ending and localized(ending.title, language),
            "turns": turns,
        }


def _name(trainee: Trainee) -> str:
    return trainee.display_name or f"#{trainee.id}"


def _percent(grades: Sequence[int]) -> float:
    return round(100.0 * mean(grades) / GRADE_MAX, 1) if grades else 0.0


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
