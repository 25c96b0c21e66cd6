"""One message at a decision point: what it is, what to store and what to say.

Every message a trainee sends while a decision point is open comes here, whatever the channel:
a button, a number ("2", "je prends la 2"), their own words, or a request such as "hint". The
answer is a `Turn`; the caller (actions/decision_point.py) stores `turn.record` in one call, then says
`turn.reply` or answers `turn.request`. Nothing here touches Rasa or the database.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Optional, Protocol, Tuple

from trainer import coaching
from trainer.content import Content, Option, Scenario, Step
from trainer.engine import option_for_grade
from trainer.progress import AnswerRecord
from trainer.scoring import GradeResult
from trainer.settings import MAX_ANSWER_CHARS
from trainer.text import words

# A short message confidently classified as one of these intents is a request, answered before
# the decision point is shown again; anything else is an answer and is graded (a trainee who
# writes "I shout stop and light my torch" is answering, not stopping).
REQUESTS = (
    "repeat",
    "greet",
    "resume_training",
    "start_training",
    "hint",
    "explain_rule",
    "set_language",
    "help",
    "my_progress",
    "stop_scenario",
)
REQUEST_CONFIDENCE = 0.8
REQUEST_MAX_WORDS = 5
# "Arrête-les" at a reprisal reads like "stop" but answers the step; "stop the scenario" never does.
_EXERCISE_WORDS = frozenset("scenario scenarios exercise exercice training entrainement pause quit quitter".split())


class Grader(Protocol):
    def grade(self, scenario_id: str, step_id: str, text: str) -> GradeResult: ...


@dataclass(frozen=True)
class Said:
    """What the trainee sent: the text (a button sends its payload, "/choose_option{...}"), the
    intent NLU read in it, and the option a button named."""

    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    option_id: Optional[str] = None

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")


@dataclass(frozen=True)
class DecisionPoint:
    scenario: Scenario
    step: Step
    options: Tuple[Option, ...]  # in the order this trainee sees them (engine.shown_options)


class Kind(Enum):
    REQUEST = "request"  # hint, stop, explain...: answered, then the point is shown again
    STALE_BUTTON = "stale_button"  # a button of an earlier message: the point is shown again
    TOO_LONG = "too_long"  # not graded nor kept: asked again, shorter
    WRONG_NUMBER = "wrong_number"  # "7" with three options
    UNCLEAR = "unclear"  # nothing gradable: kept for the transcript; the trainee rephrases
    ANSWER = "answer"  # graded: stored, and the story moves on


@dataclass(frozen=True)
class Turn:
    kind: Kind
    request: Optional[str] = None  # the request's intent, for Kind.REQUEST
    record: Optional[AnswerRecord] = None  # what to store, for UNCLEAR and ANSWER
    reply: Optional[coaching.Message] = None  # the feedback, for ANSWER


def read(said: Said, point: DecisionPoint, grader: Grader, content: Content, language: str) -> Turn:
    """What `said` is at `point`, and for an answer its grade, record and feedback."""
    if len(said.text) > MAX_ANSWER_CHARS:
        return Turn(Kind.TOO_LONG)
    scenario, step = point.scenario, point.step
    graded = None
    if _is_request(said):
        if not said.is_button and not _names_the_exercise(said.text):
            graded = grader.grade(scenario.id, step.id, said.text)
        if graded is None or graded.grade is None:
            return Turn(Kind.REQUEST, request=said.intent)
    if said.is_button and said.intent != "choose_option":
        return Turn(Kind.STALE_BUTTON)  # a button from elsewhere (menu, scenario list): not an answer
    option = None if graded else _option_picked(said, point)
    if option is None and graded is None:
        if coaching.reply_number(said.text) is not None:
            return Turn(Kind.WRONG_NUMBER)
        if said.is_button:
            return Turn(Kind.STALE_BUTTON)
        graded = grader.grade(scenario.id, step.id, said.text)
    if graded is not None and graded.grade is None:
        return Turn(Kind.UNCLEAR, record=_record(step, None, step.id, False, None, said.text, graded))
    if graded is not None:
        assert graded.grade is not None
        option = option_for_grade(step, graded.grade)
    assert option is not None
    finishes = option.next in scenario.endings
    grade = graded.grade if graded else option.grade
    record = _record(step, grade, option.next, finishes, option.id, said.text if graded else None, graded)
    return Turn(Kind.ANSWER, record=record, reply=coaching.feedback(content, step, option, language, graded))


def _option_picked(said: Said, point: DecisionPoint) -> Optional[Option]:
    """The option a button or a reply such as "2" picks, if it picks one of this point's."""
    option = coaching.option_by_reply(point.options, said.text)
    if option is None and said.intent == "choose_option" and said.option_id:
        option = point.step.option(said.option_id)
    return option


def _record(
    step: Step,
    grade: Optional[int],
    next_node: str,
    finishes: bool,
    option_id: Optional[str],
    text: Optional[str],
    graded: Optional[GradeResult],
) -> AnswerRecord:
    return AnswerRecord(
        step_id=step.id,
        grade=grade,
        next_node=next_node,
        finishes=finishes,
        option_id=option_id,
        text=text,
        concepts=tuple(graded.concepts) if graded else (),
        missed=tuple(graded.missed) if graded else (),
        red_flags=tuple(graded.red_flags) if graded else (),
        cautions=tuple(graded.cautions) if graded else (),
    )


def _names_the_exercise(text: str) -> bool:
    return any(word in _EXERCISE_WORDS for word in words(text))


def _is_request(said: Said) -> bool:
    if said.intent not in REQUESTS:
        return False
    if said.is_button:  # a button (menu, "explain this rule"...): always a request
        return True
    return said.confidence >= REQUEST_CONFIDENCE and len(said.text.split()) <= REQUEST_MAX_WORDS
