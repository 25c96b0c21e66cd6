"""One message at a decision point: what it is, what to store and what to say.

Every message a trainee sends while a decision point is open comes here, whatever the channel:
a button, a number ("2", "je prends la 2"), their own words, or a request such as "hint". The
answer is a `Turn`; the caller (actions/decision_point.py) stores `turn.record` in one call, then
says `turn.reply` or answers `turn.request`, and keeps `turn.pending` for the next message.
Nothing here touches Rasa or the database.

- A message that is one of the requests the assistant advertises ("hint", "explain rule 14",
  "c'est quoi la proportionnalité", "stop") is answered as that request, never graded.
- A short message that NLU reads as a request but the step's grader can also grade
  ("arrête-les" when soldiers are about to take revenge) is asked about: "Is that your answer,
  or do you want to pause the exercise?".
- A typed answer the grader is unsure of is not guessed: "Did you mean...?" shows the closest
  options; the pick is stored with the typed text and marked for a trainer's review.
"""

import json
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Optional, Protocol, Sequence, Tuple

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
    "set_audio",
    "help",
    "my_progress",
    "stop_scenario",
)
REQUEST_CONFIDENCE = 0.8
REQUEST_MAX_WORDS = 5
# "Stop the scenario" and "pause" are always requests: they name the exercise, not the situation.
_EXERCISE_WORDS = frozenset("scenario scenarios exercise exercice training entrainement pause quit quitter".split())


class Grader(Protocol):
    def grade(self, scenario_id: str, step_id: str, text: str) -> GradeResult: ...


@dataclass(frozen=True)
class Pending:
    """A question the assistant asked about the trainee's last message, awaiting the answer:
    which option they meant ("did_you_mean"), or whether a short message was their answer
    ("request_or_answer"). Kept in the conversation between two messages (as JSON)."""

    kind: str
    text: str
    options: Tuple[str, ...] = ()  # the options offered, in the order shown
    grade: Optional[int] = None  # the grader's guess, kept beside the trainee's pick
    request: Optional[str] = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, value: Optional[str]) -> Optional["Pending"]:
        try:
            data = json.loads(value or "")
            return cls(
                data["kind"], data["text"], tuple(data.get("options", ())), data.get("grade"), data.get("request")
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Said:
    """What the trainee sent: the text (a button sends its payload, "/choose_option{...}"), the
    intent NLU read in it, the option a button named, and the question still pending, if any."""

    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    option_id: Optional[str] = None
    pending: Optional[Pending] = None

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
    REPHRASE = "rephrase"  # "none of these" after "Did you mean...?": asked to say it another way
    ASK = "ask"  # a question about the message ("Did you mean...?", "Is that your answer?")
    ANSWER = "answer"  # graded: stored, and the story moves on


@dataclass(frozen=True)
class Turn:
    kind: Kind
    request: Optional[str] = None  # the request's intent, for Kind.REQUEST
    record: Optional[AnswerRecord] = None  # what to store, for UNCLEAR and ANSWER
    reply: Optional[coaching.Message] = None  # the feedback, or the question asked
    pending: Optional[Pending] = field(default=None)  # what the next message may answer


def read(said: Said, point: DecisionPoint, grader: Grader, content: Content, language: str) -> Turn:
    """What `said` is at `point`, and for an answer its grade, record and feedback."""
    if len(said.text) > MAX_ANSWER_CHARS:
        return Turn(Kind.TOO_LONG)
    if said.pending is not None:
        answered = _answer_to_pending(said, said.pending, point, grader, content, language)
        if answered is not None:
            return answered
    if said.is_button:
        return _button(said, point, content, language)
    advertised = advertised_request(content, said.text)
    if advertised is not None:
        return Turn(Kind.REQUEST, request=advertised)
    number = coaching.reply_number(said.text)
    if number is not None:
        if number > len(point.options):
            return Turn(Kind.WRONG_NUMBER)
        return _picked(point.options[number - 1], point, content, language)
    graded = grader.grade(point.scenario.id, point.step.id, said.text)
    if _reads_as_request(said):
        if graded.grade is None or graded.unsure or _names_the_exercise(said.text):
            return Turn(Kind.REQUEST, request=said.intent)
        if said.intent not in content.requests:  # a greeting that also answers ("salut, je les arrête"): an answer
            return _typed(said.text, graded, point, content, language)
        pending = Pending("request_or_answer", said.text, request=said.intent)
        return Turn(Kind.ASK, reply=coaching.request_or_answer(content, str(said.intent), language), pending=pending)
    return _typed(said.text, graded, point, content, language)


def advertised_request(content: Content, text: str) -> Optional[str]:
    """The request a message is, when it is one of the phrases the assistant tells trainees to
    use (content/interface.yml `requests`): "hint", "explain rule 14", "c'est quoi la
    proportionnalité". None for anything else."""
    said = words(text)
    if not said or len(said) > 8:
        return None
    for request in content.requests.values():
        for phrases in request.phrases.values():
            if any(_phrase_matches(phrase, said, content) for phrase in phrases):
                return request.intent
    return None


def _phrase_matches(phrase: str, said: Sequence[str], content: Content) -> bool:
    pattern = words(phrase.replace("{n}", " NUMBER ").replace("{topic}", " TOPIC "))
    if "topic" not in pattern and "number" not in pattern:
        return list(said) == pattern
    slot = pattern.index("topic") if "topic" in pattern else pattern.index("number")
    before, after = pattern[:slot], pattern[slot + 1 :]
    if len(said) <= len(before) + len(after) or list(said[: len(before)]) != before:
        return False
    if after and list(said[len(said) - len(after) :]) != after:
        return False
    middle = tuple(said[len(before) : len(said) - len(after)])
    if pattern[slot] == "number":
        return len(middle) == 1 and middle[0].isdigit()
    return middle in _topics(content)


def _topics(content: Content) -> frozenset:
    """Every way to name a topic: principle titles in each language, principle and topic ids."""
    names = set()
    for principle in content.principles.values():
        names.add(tuple(words(principle.id.replace("_", " "))))
        names.update(tuple(words(title)) for title in principle.title.values())
    names.update(tuple(words(topic.replace("_", " "))) for topic in content.topics)
    return frozenset(names)


def _answer_to_pending(
    said: Said, pending: Pending, point: DecisionPoint, grader: Grader, content: Content, language: str
) -> Optional[Turn]:
    """The message answers the question pending; None when it does not (it is then read afresh)."""
    chosen = said.option_id if said.is_button and said.intent == "choose_option" else None
    if pending.kind == "request_or_answer":
        if chosen == coaching.MY_ANSWER:
            graded = grader.grade(point.scenario.id, point.step.id, pending.text)
            return _typed(pending.text, graded, point, content, language)
        return None
    if chosen == coaching.NONE_OF_THESE:
        return Turn(Kind.REPHRASE)
    number = None if said.is_button else coaching.reply_number(said.text)
    if number is not None and number <= len(pending.options):
        chosen = pending.options[number - 1]
    elif number == len(pending.options) + 1:  # the last line of a numbered list: "none of these"
        return Turn(Kind.REPHRASE)
    option = point.step.option(chosen or "")
    if option is None:
        return None
    turn = _picked(option, point, content, language)
    assert turn.record is not None
    record = replace(turn.record, text=pending.text, needs_review=True, engine_grade=pending.grade)
    return Turn(Kind.ANSWER, record=record, reply=turn.reply)


def _button(said: Said, point: DecisionPoint, content: Content, language: str) -> Turn:
    if said.intent == "choose_option":
        option = point.step.option(said.option_id or "")
        return _picked(option, point, content, language) if option else Turn(Kind.STALE_BUTTON)
    if said.intent in REQUESTS:  # a button of the menu or of "explain this rule": a request
        return Turn(Kind.REQUEST, request=said.intent)
    return Turn(Kind.STALE_BUTTON)  # a button from elsewhere (the scenario list...): not an answer


def _picked(option: Option, point: DecisionPoint, content: Content, language: str) -> Turn:
    record = AnswerRecord(
        step_id=point.step.id,
        grade=option.grade,
        next_node=option.next,
        finishes=option.next in point.scenario.endings,
        option_id=option.id,
    )
    return Turn(Kind.ANSWER, record=record, reply=coaching.option_feedback(content, option, language))


def _typed(text: str, graded: GradeResult, point: DecisionPoint, content: Content, language: str) -> Turn:
    step = point.step
    if graded.grade is None:
        return Turn(Kind.UNCLEAR, record=_record(point, None, None, text, graded))
    if graded.unsure:
        options = tuple(o for o in (step.option(i) for i in graded.closest) if o is not None)
        pending = Pending("did_you_mean", text, tuple(o.id for o in options), graded.grade)
        return Turn(Kind.ASK, reply=coaching.did_you_mean(content, options, language), pending=pending)
    branch = _branch(step, graded)
    record = _record(point, graded.grade, branch, text, graded)
    return Turn(Kind.ANSWER, record=record, reply=coaching.typed_feedback(content, step, graded, branch, language))


def saved_feedback(
    answer: dict, point: DecisionPoint, grader: Grader, content: Content, language: str
) -> coaching.Message:
    """The feedback for an answer already stored at `point` (answer_dict) whose reply never
    reached the trainee: the action server saved it after Rasa had given up waiting. A typed
    answer is graded again (the grader is deterministic); should that differ from the stored
    grade, or for a picked option, the feedback is the stored option's."""
    option = point.step.option(answer["option"]) if answer.get("option") else None
    if answer.get("text") and not answer.get("needs_review"):
        graded = grader.grade(point.scenario.id, point.step.id, answer["text"])
        if graded.grade == answer["grade"] and option is not None:
            return coaching.typed_feedback(content, point.step, graded, option, language)
    if option is None:
        return coaching.Message("")
    return coaching.option_feedback(content, option, language)


def _branch(step: Step, graded: GradeResult) -> Option:
    """The option whose story a typed answer follows: the nearest grade (engine.option_for_grade)
    and, among options of that grade, the one closest in meaning to what was typed."""
    assert graded.grade is not None
    nearest = option_for_grade(step, graded.grade)
    same_grade = [o for o in step.options if o.grade == nearest.grade]
    by_meaning = [o for i in graded.closest for o in same_grade if o.id == i]
    return by_meaning[0] if by_meaning else nearest


def _record(
    point: DecisionPoint, grade: Optional[int], branch: Optional[Option], text: str, graded: GradeResult
) -> AnswerRecord:
    """A typed answer as stored: graded, it moves along `branch`; unclear, it stays."""
    return AnswerRecord(
        step_id=point.step.id,
        grade=grade,
        next_node=branch.next if branch else point.step.id,
        finishes=branch is not None and branch.next in point.scenario.endings,
        option_id=branch.id if branch else None,
        text=text,
        concepts=tuple(graded.concepts),
        missed=tuple(graded.missed),
        red_flags=tuple(graded.red_flags) + tuple(graded.acts),
        cautions=tuple(graded.cautions),
        confidence=graded.confidence,
    )


def _names_the_exercise(text: str) -> bool:
    return any(word in _EXERCISE_WORDS for word in words(text))


def _reads_as_request(said: Said) -> bool:
    return (
        said.intent in REQUESTS
        and said.confidence >= REQUEST_CONFIDENCE
        and len(said.text.split()) <= REQUEST_MAX_WORDS
    )
