"""The training content as Python objects: principles, rules, scenarios and the lexicon.

They are built from the files under content/ by trainer.content_loader, which checks the files
first (trainer.validate), so everything here can trust its input.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

Localized = Dict[str, str]  # language code -> the same text in that language


def localized(text: Localized, language: str) -> str:
    """The text in `language`, falling back to English."""
    return text.get(language) or text["en"]


@dataclass(frozen=True)
class Principle:
    id: str
    title: Localized
    description: Localized
    menu: bool = False  # offered as a button when a trainee asks for a rule without naming one


@dataclass(frozen=True)
class Rule:
    id: str
    principle: str
    short: Localized  # how feedback cites it, e.g. "Rule 14" / "Règle 14"
    title: Localized
    explanation: Localized
    source: Localized  # where to read the rule itself, e.g. "ICRC Customary IHL Study, Rule 1"


@dataclass(frozen=True)
class CueGroup:
    """Something an answer may say, recognised by cue phrases in either language."""

    id: str
    label: Localized
    cues: Dict[str, Tuple[str, ...]]
    weight: float = 1.0
    key: bool = False  # a key concept: no top grade without it

    def all_cues(self) -> Tuple[str, ...]:
        return tuple(cue for language in sorted(self.cues) for cue in self.cues[language])


@dataclass(frozen=True)
class Rubric:
    concepts: Tuple[CueGroup, ...]
    cautions: Tuple[CueGroup, ...]
    red_flags: Tuple[CueGroup, ...]
    model_answer: Localized


@dataclass(frozen=True)
class Option:
    id: str
    label: Localized
    grade: int
    rules: Tuple[str, ...]
    feedback: Localized
    next: str


@dataclass(frozen=True)
class Step:
    id: str
    prompt: Localized
    hint: Localized
    options: Tuple[Option, ...]
    rubric: Rubric

    def option(self, option_id: str) -> Optional[Option]:
        return next((option for option in self.options if option.id == option_id), None)


@dataclass(frozen=True)
class Ending:
    id: str
    title: Localized
    debrief: Localized
    rules: Tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: Localized
    difficulty: int
    principles: Tuple[str, ...]
    rules: Tuple[str, ...]
    objectives: Dict[str, Tuple[str, ...]]
    briefing: Dict[str, Localized]
    start: str
    steps: Dict[str, Step]
    endings: Dict[str, Ending]


@dataclass(frozen=True)
class Lexicon:
    synonyms: Tuple[Tuple[str, ...], ...] = ()
    stopwords: Tuple[str, ...] = ()
    negations_before: Tuple[str, ...] = ()
    negations_after: Tuple[str, ...] = ()
    condemnations: Tuple[str, ...] = ()


@dataclass
class Content:
    principles: Dict[str, Principle]
    rules: Dict[str, Rule]
    scenarios: Dict[str, Scenario]
    lexicon: Lexicon = field(default_factory=Lexicon)
    topics: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # topic -> rule ids
    verdicts: Dict[int, Localized] = field(default_factory=dict)  # grade -> verdict
    labels: Dict[str, Localized] = field(default_factory=dict)  # interface.yml labels

    def label(self, name: str, language: str, **values) -> str:
        return localized(self.labels[name], language).format(**values)

    def scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            raise KeyError(f"unknown scenario {scenario_id!r}") from None


def lexicon_from(data: dict) -> Lexicon:
    """The Lexicon of a lexicon.yml's data."""
    return Lexicon(
        synonyms=tuple(tuple(group) for group in data.get("synonyms", [])),
        stopwords=tuple(data.get("stopwords", [])),
        negations_before=tuple(data.get("negations", {}).get("before", [])),
        negations_after=tuple(data.get("negations", {}).get("after", [])),
        condemnations=tuple(data.get("condemnations", [])),
    )
