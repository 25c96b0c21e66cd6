"""Read the content folder (README, "Training content") into trainer.content's objects,
after trainer.validate has checked every file."""

from pathlib import Path
from typing import Iterable, List, Optional

from trainer import settings
from trainer.content import (
    CheckItem,
    CheckOption,
    Content,
    CueGroup,
    Ending,
    Option,
    Principle,
    Request,
    Rubric,
    Rule,
    Scenario,
    Step,
    lexicon_from,
    unlawful_acts_from,
)
from trainer.validate import check_content

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


class ContentInvalid(Exception):
    def __init__(self, errors: List):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def load_content(root: Optional[Path] = None, scenario_files: Optional[Iterable[Path]] = None) -> Content:
    """Load and check the content under `root` (CONTENT_DIR by default; only `scenario_files`
    when given, with root's rules); raise ContentInvalid listing every problem."""
    report = check_content(Path(root or settings.content_dir()), scenario_files)
    if report.errors:
        raise ContentInvalid(report.errors)
    return build_content(
        report.principles,
        report.rules,
        report.scenarios,
        report.lexicon,
        report.interface,
        report.unlawful_acts,
        report.knowledge_check,
    )


def build_content(
    principles: dict,
    rules: dict,
    scenarios: List[dict],
    lexicon: dict,
    interface: Optional[dict] = None,
    unlawful_acts: Optional[dict] = None,
    knowledge_check: Optional[dict] = None,
) -> Content:
    interface = interface or {"grades": [], "labels": {}}
    return Content(
        principles={
            item["id"]: Principle(item["id"], item["title"], item["description"], item.get("menu", False))
            for item in principles["principles"]
        },
        rules={
            item["id"]: Rule(
                item["id"],
                item["principle"],
                item["short"],
                item["title"],
                item["explanation"],
                item["source"],
                item.get("see_also"),
            )
            for item in rules["rules"]
        },
        scenarios={data["id"]: _scenario(data) for data in scenarios},
        lexicon=lexicon_from(lexicon),
        unlawful_acts=unlawful_acts_from(unlawful_acts or {}),
        topics={topic: tuple(ids) for topic, ids in rules.get("topics", {}).items()},
        verdicts={item["grade"]: item["verdict"] for item in interface["grades"]},
        labels=interface["labels"],
        first_contact_rule=interface.get("first_contact_rule"),
        requests={
            intent: Request(intent, item["name"], {language: tuple(p) for language, p in item["phrases"].items()})
            for intent, item in interface.get("requests", {}).items()
        },
        check_forms={
            form["id"]: tuple(_check_item(item) for item in form["items"])
            for form in (knowledge_check or {}).get("forms", [])
        },
    )


def _check_item(data: dict) -> CheckItem:
    return CheckItem(
        id=data["id"],
        principle=data["principle"],
        rules=tuple(data["rules"]),
        question=data["question"],
        options=tuple(CheckOption(o["id"], o["label"], bool(o.get("correct"))) for o in data["options"]),
        explanation=data["explanation"],
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
            picture=step.get("picture"),
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
        picture=data.get("picture"),
    )
