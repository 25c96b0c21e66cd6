"""The training content as Python objects: principles, rules, scenarios and the lexicon.

They are built from the files under content/ by trainer.content_loader, which checks the files
first (trainer.validate), so everything here can trust its input.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple, Union

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
    see_also: Optional[str] = None  # a rule offered with this one (AP I articles: which law applies in Mali)


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
    picture: Optional[str] = None  # a file of content/pictures/

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
    picture: Optional[str] = None  # a file of content/pictures/, shown with the briefing


@dataclass(frozen=True)
class Lexicon:
    synonyms: Tuple[Tuple[str, ...], ...] = ()
    stopwords: Tuple[str, ...] = ()
    negations_before: Tuple[str, ...] = ()
    negations_after: Tuple[str, ...] = ()
    condemnations: Tuple[str, ...] = ()
    reported: Tuple[str, ...] = ()  # "want", "says": what someone else says is not what the trainee does
    first_person: Tuple[str, ...] = ()  # "I want" is the trainee's own
    contrast: Tuple[str, ...] = ()  # "but": a crime named before it does not cancel what follows
    naming_before: Tuple[str, ...] = ()  # "c'est de la torture": the act is named, not done
    naming_after: Tuple[str, ...] = ()  # "burning it would be revenge"
    spellings: Tuple[Tuple[str, str], ...] = ()  # phone spellings and what they stand for ("kils": "qu ils")


@dataclass(frozen=True)
class Excuse:
    """Words that, right beside some of an act's cues, show the act is not done: "no name of the
    source" protects a person, "no names" alone hides who did it."""

    cues: Tuple[str, ...]  # some of the act's own cues
    words: Dict[str, Tuple[str, ...]]  # per language


@dataclass(frozen=True)
class Act:
    id: str
    label: Localized
    rules: Tuple[str, ...]
    cues: Dict[str, Tuple[str, ...]]
    where: str = "anywhere"  # anywhere | unlawful_force | unlawful_order | a context's name
    # "I report the looting" is not looting; reporting a lie is the cover-up (False); "sentence":
    # reporting anywhere in the sentence cancels ("delete the video, and I tell the captain").
    reporting_cancels: Union[bool, str] = True
    ordered: bool = False  # the cue's words must come in its order
    excuse: Optional[Excuse] = None
    # Cues said word for word, in their order and with nothing between ("due only to the
    # attackers"), whose words scattered say something else ("damage due to the attackers only").
    as_written: Tuple[str, ...] = ()


@dataclass(frozen=True)
class UnlawfulActs:
    """content/unlawful_acts.yml as objects."""

    acts: Tuple[Act, ...] = ()
    cancelling: Tuple[str, ...] = ()  # refusing or stopping an act is not doing it
    holding_fire: Tuple[str, ...] = ()  # "hold fire" in an answer is not firing
    accountability: Tuple[str, ...] = ()  # reporting or punishing an act is not doing it
    refusal: Tuple[str, ...] = ()  # an order refused anywhere in the answer is not obeyed
    contexts: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # name -> cues of a step's prompt


def _excuse_from(data: Optional[dict]) -> Optional[Excuse]:
    if not data:
        return None
    return Excuse(tuple(data["cues"]), {language: tuple(words) for language, words in data["by"].items()})


def unlawful_acts_from(data: dict) -> "UnlawfulActs":
    def words(key: str) -> Tuple[str, ...]:
        return tuple(word for language in sorted(data.get(key, {})) for word in data[key][language])

    acts = tuple(
        Act(
            item["id"],
            item["label"],
            tuple(item["rules"]),
            {language: tuple(cues) for language, cues in item["cues"].items()},
            item.get("where", "anywhere"),
            item.get("reporting_cancels", True),
            item.get("ordered", False),
            _excuse_from(item.get("excused")),
            tuple(item.get("as_written", ())),
        )
        for item in data.get("acts", [])
    )
    contexts = {
        name: tuple(cue for language in sorted(cues) for cue in cues[language])
        for name, cues in data.get("contexts", {}).items()
    }
    return UnlawfulActs(
        acts,
        words("cancelling"),
        words("holding_fire"),
        words("accountability"),
        words("refusal"),
        contexts,
    )


@dataclass(frozen=True)
class Request:
    """Something a trainee may ask for at a decision point (interface.yml `requests`)."""

    intent: str
    name: Localized  # "pause the exercise": completes "do you want to ...?"
    phrases: Dict[str, Tuple[str, ...]]  # per language; {n} a rule number, {topic} a principle or topic


@dataclass(frozen=True)
class CheckOption:
    id: str
    label: Localized
    correct: bool


@dataclass(frozen=True)
class CheckItem:
    """A multiple-choice question of the knowledge check."""

    id: str
    principle: str
    rules: Tuple[str, ...]
    question: Localized
    options: Tuple[CheckOption, ...]
    explanation: Localized

    def option(self, option_id: str) -> Optional[CheckOption]:
        return next((option for option in self.options if option.id == option_id), None)

    @property
    def right(self) -> CheckOption:
        return next(option for option in self.options if option.correct)


BEFORE_FORM, AFTER_FORM = "a", "b"  # content/knowledge_check.yml: taken before and after training


@dataclass
class Content:
    principles: Dict[str, Principle]
    rules: Dict[str, Rule]
    scenarios: Dict[str, Scenario]
    lexicon: Lexicon = field(default_factory=Lexicon)
    unlawful_acts: UnlawfulActs = field(default_factory=UnlawfulActs)
    topics: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # topic -> rule ids
    verdicts: Dict[int, Localized] = field(default_factory=dict)  # grade -> verdict
    labels: Dict[str, Localized] = field(default_factory=dict)  # interface.yml labels
    requests: Dict[str, "Request"] = field(default_factory=dict)  # intent -> what a trainee may ask at a decision point
    first_contact_rule: Optional[str] = None  # offered to every new trainee (which law applies in Mali)
    check_forms: Dict[str, Tuple[CheckItem, ...]] = field(default_factory=dict)  # form id -> its items

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
        reported=tuple(data.get("reported", [])),
        first_person=tuple(data.get("first_person", [])),
        contrast=tuple(data.get("contrast", [])),
        naming_before=tuple(data.get("naming_before", [])),
        naming_after=tuple(data.get("naming_after", [])),
        spellings=tuple((str(short), str(full)) for short, full in data.get("spellings", {}).items()),
    )
