"""Grade a typed answer to a decision point against the step's rubric.

Grades: 3 lawful and protective (the recommended conduct), 2 lawful but incomplete, 1 misses a
key precaution or risks harm, 0 unlawful; None when the answer says nothing gradable.

- A red flag (an unlawful act, not negated) makes the grade 0 whatever else is said.
- Concepts found add their weights. A key concept is the lawful core of the answer: with every
  key concept, the grade is at least 2, and 3 once FULL_SHARE of the rubric's weight is said
  in at least two concepts (the recommended conduct always has more than one part).
  Without them, PARTIAL_SHARE gives 2 and any concept found gives 1.
- A caution (a risky act, such as a warning shot as the first response) caps the grade at 1,
  unless the answer also has every key concept (the risky act is then part of a sound plan,
  like a warning shot as the last step of a graduated escalation).
"""

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from trainer.content import Content, CueGroup, Rubric
from trainer.matching import Keys, TextMatcher, Token
from trainer.settings import MAX_ANSWER_CHARS  # the actions refuse longer answers; the grader reads no further

FULL_SHARE = 0.5
PARTIAL_SHARE = 0.25


@dataclass
class GradeResult:
    grade: Optional[int]
    concepts: List[str] = field(default_factory=list)
    missed: List[str] = field(default_factory=list)
    red_flags: List[str] = field(default_factory=list)
    cautions: List[str] = field(default_factory=list)
    acts: List[str] = field(default_factory=list)  # unlawful acts found at any step (trainer/unlawful.py)
    confidence: float = 1.0  # the grader's probability for `grade`
    probabilities: List[float] = field(default_factory=list)  # per grade 0-3, then "nothing gradable"
    unsure: bool = False  # not confident enough to grade: ask "Did you mean...?"
    closest: List[str] = field(default_factory=list)  # option ids an unsure answer most likely meant

    def as_dict(self) -> dict:
        return asdict(self)


_CompiledGroup = Tuple[CueGroup, Tuple[Tuple[Keys, ...], ...]]


class Scorer:
    """Grades free-text answers; build once per loaded content and share."""

    def __init__(self, content: Content):
        self.content = content
        self.matcher = TextMatcher(content.lexicon)
        self._rubrics: Dict[Tuple[str, str], Dict[str, List[_CompiledGroup]]] = {}
        for scenario in content.scenarios.values():
            for step in scenario.steps.values():
                self._rubrics[(scenario.id, step.id)] = self._compile(step.rubric)

    def _compile(self, rubric: Rubric) -> Dict[str, List[_CompiledGroup]]:
        def compiled(groups):
            return [(g, tuple(filter(None, map(self.matcher.compile, g.all_cues())))) for g in groups]

        return {
            "concepts": compiled(rubric.concepts),
            "cautions": compiled(rubric.cautions),
            "red_flags": compiled(rubric.red_flags),
        }

    def grade(self, scenario_id: str, step_id: str, text: str, tokens: Optional[Sequence[Token]] = None) -> GradeResult:
        """Grade `text` as an answer to step `step_id` of scenario `scenario_id`; `tokens`, when
        the caller has them, are this matcher's tokens of the text.

        Raises KeyError for an unknown scenario or step; any text is accepted.
        """
        scenario = self.content.scenario(scenario_id)
        if step_id not in scenario.steps:
            raise KeyError(f"scenario {scenario_id!r} has no step {step_id!r}")
        rubric = self._rubrics[(scenario_id, step_id)]
        if tokens is None:
            tokens = self.matcher.tokens(str(text)[:MAX_ANSWER_CHARS])

        def said(groups, acts: bool) -> List[CueGroup]:
            return [
                group
                for group, cues in groups
                if any((m := self.matcher.find(cue, tokens, acts)) and not m.negated for cue in cues)
            ]

        # Naming or condemning an act cancels the act ("killing them would be murder"), not the
        # good conduct said beside it ("I report the murder"): only red flags and cautions read so.
        found = said(rubric["concepts"], acts=False)
        red_flags = said(rubric["red_flags"], acts=True)
        cautions = said(rubric["cautions"], acts=True)
        result = GradeResult(
            grade=None,
            concepts=[g.id for g in found],
            missed=[g.id for g, _ in rubric["concepts"] if g not in found],
            red_flags=[g.id for g in red_flags],
            cautions=[g.id for g in cautions],
        )
        if red_flags:
            result.grade = 0
        elif found or cautions:
            all_concepts = [g for g, _ in rubric["concepts"]]
            result.grade = _grade_from_concepts(found, all_concepts)
            if cautions and not _has_key_concepts(found, all_concepts):
                result.grade = min(result.grade, 1)
        return result


def _grade_from_concepts(found: List[CueGroup], all_concepts: List[CueGroup]) -> int:
    if not found:
        return 1
    share = sum(g.weight for g in found) / sum(g.weight for g in all_concepts)
    keys_found = all(g in found for g in all_concepts if g.key)
    if keys_found and share >= FULL_SHARE and len(found) >= 2:
        return 3
    if share >= PARTIAL_SHARE or _has_key_concepts(found, all_concepts):
        return 2
    return 1


def _has_key_concepts(found: List[CueGroup], all_concepts: List[CueGroup]) -> bool:
    """True when the rubric has key concepts and the answer has them all."""
    keys = [g for g in all_concepts if g.key]
    return bool(keys) and all(g in found for g in keys)
