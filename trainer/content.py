"""The training content as Python objects: principles, rules, scenarios and the lexicon.

Files live under content/ (see README, "Adding a scenario"); `load_content` checks them with
trainer.validate first, so everything built here can trust its input.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

Text = Dict[str, str]  # language code -> text


def localized(text: Text, language: str) -> str:
    """The text in `language`, falling back to English."""
    return text.get(language) or text["en"]


@dataclass(frozen=True)
class Principle:
    id: str
    title: Text
    description: Text


@dataclass(frozen=True)
class Rule:
    id: str
    principle: str
    short: Text  # how feedback cites it, e.g. "Rule 14" / "Règle 14"
    title: Text
    explanation: Text
    source: Text  # where to read the rule itself, e.g. "ICRC Customary IHL Study, Rule 1"


@dataclass(frozen=True)
class CueGroup:
    """Something an answer may say, recognised by cue phrases in either language."""

    id: str
    label: Text
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
    model_answer: Text


@dataclass(frozen=True)
class Option:
    id: str
    label: Text
    grade: int
    rules: Tuple[str, ...]
    feedback: Text
    next: str


@dataclass(frozen=True)
class Step:
    id: str
    prompt: Text
    hint: Text
    options: Tuple[Option, ...]
    rubric: Rubric

    def option(self, option_id: str) -> Optional[Option]:
        return next((option for option in self.options if option.id == option_id), None)


@dataclass(frozen=True)
class Ending:
    id: str
    title: Text
    debrief: Text
    rules: Tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: Text
    difficulty: int
    principles: Tuple[str, ...]
    rules: Tuple[str, ...]
    objectives: Dict[str, Tuple[str, ...]]
    briefing: Dict[str, Text]
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
    verdicts: Dict[int, Text] = field(default_factory=dict)  # grade -> verdict
    labels: Dict[str, Text] = field(default_factory=dict)  # interface.yml labels

    def label(self, name: str, language: str, **values) -> str:
        return localized(self.labels[name], language).format(**values)

    def scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            raise KeyError(f"unknown scenario {scenario_id!r}") from None


class ContentInvalid(Exception):
    def __init__(self, errors: List):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def load_content(root: Path = DEFAULT_CONTENT_DIR, scenario_files: Optional[Iterable[Path]] = None) -> Content:
    """Load and check the content under `root` (only `scenario_files` when given, with root's
    rules); raise ContentInvalid listing every problem."""
    from trainer.validate import check_content

    report = check_content(Path(root), scenario_files)
    if report.errors:
        raise ContentInvalid(report.errors)
    return build_content(
        report.principles, report.rules, report.scenarios, report.lexicon, report.interface
    )


def build_content(
    principles: dict, rules: dict, scenarios: List[dict], lexicon: dict, interface: Optional[dict] = None
) -> Content:
    interface = interface or {"grades": [], "labels": {}}
    return Content(
        principles={
            item["id"]: Principle(item["id"], item["title"], item["description"])
            for item in principles["principles"]
        },
        rules={
            item["id"]: Rule(
                item["id"], item["principle"], item["short"], item["title"],
                item["explanation"], item["source"],
            )
            for item in rules["rules"]
        },
        scenarios={data["id"]: _scenario(data) for data in scenarios},
        lexicon=lexicon_from(lexicon),
        topics={topic: tuple(ids) for topic, ids in rules.get("topics", {}).items()},
        verdicts={item["grade"]: item["verdict"] for item in interface["grades"]},
        labels=interface["labels"],
    )  # fmt: skip


def lexicon_from(data: dict) -> Lexicon:
    """The Lexicon of a lexicon.yml's data."""
    return Lexicon(
        synonyms=tuple(tuple(group) for group in data.get("synonyms", [])),
        stopwords=tuple(data.get("stopwords", [])),
        negations_before=tuple(data.get("negations", {}).get("before", [])),
        negations_after=tuple(data.get("negations", {}).get("after", [])),
        condemnations=tuple(data.get("condemnations", [])),
    )


def _cue_group(data: dict) -> CueGroup:
    return CueGroup(
        id=data["id"],
        label=data["label"],
        cues={language: tuple(cues) for language, cues in data["cues"].items()},
        weight=float(data.get("weight", 1.0)),
        key=bool(data.get("key", False)),
    )


def _scenario(data: dict) -> Scenario:
    steps = {}
    for step_id, step in data["steps"].items():
        rubric = step["rubric"]
        steps[step_id] = Step(
            id=step_id,
            prompt=step["prompt"],
            hint=step["hint"],
            options=tuple(
                Option(o["id"], o["label"], o["grade"], tuple(o["rules"]), o["feedback"], o["next"])
                for o in step["options"]
            ),
            rubric=Rubric(
                concepts=tuple(_cue_group(c) for c in rubric["concepts"]),
                cautions=tuple(_cue_group(c) for c in rubric.get("cautions", [])),
                red_flags=tuple(_cue_group(c) for c in rubric["red_flags"]),
                model_answer=rubric["model_answer"],
            ),
        )
    return Scenario(
        id=data["id"],
        title=data["title"],
        difficulty=data["difficulty"],
        principles=tuple(data["principles"]),
        rules=tuple(data["rules"]),
        objectives={language: tuple(items) for language, items in data["objectives"].items()},
        briefing=data["briefing"],
        start=data["start"],
        steps=steps,
        endings={
            ending_id: Ending(ending_id, e["title"], e["debrief"], tuple(e["rules"]))
            for ending_id, e in data["endings"].items()
        },
    )
