"""Check the content files so a trainer's edit cannot break a scenario.

Every problem is reported with its file, the path inside the file and the line. Structure is
checked against the JSON Schemas of trainer.content_schema; the checks below add what a schema
cannot express: references, reachability, dead ends, branching and usable cues.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import jsonschema

from trainer import audio
from trainer import content_schema as schema
from trainer.content import lexicon_from
from trainer.matching import TextMatcher
from trainer.yamlfile import ContentError, YamlDocument, load_yaml


@dataclass
class Report:
    errors: List[ContentError] = field(default_factory=list)
    principles: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)
    lexicon: dict = field(default_factory=dict)
    scenarios: List[dict] = field(default_factory=list)
    interface: dict = field(default_factory=dict)
    unlawful_acts: dict = field(default_factory=dict)
    knowledge_check: dict = field(default_factory=dict)
    files_checked: int = 0
    # Per recorded voice (content/audio/<voice>/), the recordings it does not have yet: those
    # are spoken by espeak-ng, so they are listed, not counted as problems.
    missing_recordings: Dict[str, List[str]] = field(default_factory=dict)


def check_content(root: Path, scenario_files: Optional[Iterable[Path]] = None) -> Report:
    """Check the content under `root`; only `scenario_files` when given (with root's rules)."""
    report = Report()
    root = Path(root)
    if not root.is_dir():
        report.errors.append(ContentError(root, (), 1, "content folder not found"))
        return report

    principles = _load(root / "principles.yml", schema.PRINCIPLES_FILE, report)
    rules = _load(root / "rules.yml", schema.RULES_FILE, report)
    lexicon = _load(root / "lexicon.yml", schema.LEXICON_FILE, report)
    interface = _load(root / "interface.yml", schema.INTERFACE_FILE, report)
    unlawful_acts = _load(root / "unlawful_acts.yml", schema.UNLAWFUL_ACTS_FILE, report)
    if interface:
        grades = sorted(item["grade"] for item in interface.data["grades"])
        if grades != list(range(schema.GRADE_MIN, schema.GRADE_MAX + 1)):
            report.errors.append(interface.error(("grades",), "every grade 0-3 needs exactly one verdict"))
        report.interface = interface.data
    principle_ids = _unique_ids(principles, "principles", report)
    rule_ids = _unique_ids(rules, "rules", report)
    if rules:
        for topic, cited in rules.data["topics"].items():
            for index, rule_id in enumerate(cited):
                if rule_id not in rule_ids:
                    report.errors.append(rules.error(("topics", topic, index), f"unknown rule {rule_id!r}"))
    if interface and rules and interface.data.get("first_contact_rule", "") not in (rule_ids | {""}):
        report.errors.append(
            interface.error(("first_contact_rule",), f"unknown rule {interface.data['first_contact_rule']!r}")
        )
    if unlawful_acts:
        places = {"anywhere", "unlawful_force", "unlawful_order", *unlawful_acts.data["contexts"]}
        for index, act in enumerate(unlawful_acts.data["acts"]):
            if act.get("where", "anywhere") not in places:
                report.errors.append(
                    unlawful_acts.error(
                        ("acts", index, "where"), f"unknown place {act['where']!r}: one of {sorted(places)}"
                    )
                )
            own_cues = {cue for cues in act["cues"].values() for cue in cues}
            listed: Dict[Tuple[str, ...], List[str]] = {
                ("excused", "cues"): act.get("excused", {}).get("cues", []),
                ("as_written",): act.get("as_written", []),
            }
            for path, cues in listed.items():
                for position, cue in enumerate(cues):
                    if cue not in own_cues:
                        where = ("acts", index) + path + (position,)
                        report.errors.append(unlawful_acts.error(where, f"not a cue of the act: {cue!r}"))
            for position, rule_id in enumerate(act["rules"]):
                if rule_id not in rule_ids:
                    report.errors.append(
                        unlawful_acts.error(("acts", index, "rules", position), f"unknown rule {rule_id!r}")
                    )
        report.unlawful_acts = unlawful_acts.data
    if rules:
        for index, rule in enumerate(rules.data["rules"]):
            if rule.get("see_also") and rule["see_also"] not in rule_ids:
                report.errors.append(rules.error(("rules", index, "see_also"), f"unknown rule {rule['see_also']!r}"))
    if principles and rules:
        for index, rule in enumerate(rules.data["rules"]):
            if rule["principle"] not in principle_ids:
                report.errors.append(
                    rules.error(("rules", index, "principle"), f"unknown principle {rule['principle']!r}")
                )
    knowledge_check = _load(root / "knowledge_check.yml", schema.KNOWLEDGE_CHECK_FILE, report)
    if knowledge_check:
        errors_before = len(report.errors)
        _check_knowledge_check(knowledge_check, rule_ids, report)
        if len(report.errors) == errors_before:
            report.knowledge_check = knowledge_check.data
    matcher = None
    if lexicon:
        matcher = _check_lexicon(lexicon, report)
        report.lexicon = lexicon.data

    files = sorted((root / "scenarios").glob("*.yml")) if scenario_files is None else scenario_files
    if scenario_files is None and not files:
        report.errors.append(ContentError(root / "scenarios", (), 1, "no scenario files (*.yml)"))
    rule_principles = {rule["id"]: rule["principle"] for rule in rules.data["rules"]} if rules else {}
    for file in files:
        document = _load(Path(file), schema.SCENARIO, report)
        if document is None:
            continue
        errors_before = len(report.errors)
        _check_scenario(document, principle_ids, rule_ids, matcher, report, rule_principles)
        _check_pictures(document, root / "pictures", report)
        if len(report.errors) == errors_before:
            report.scenarios.append(document.data)

    if scenario_files is None:  # the names depend on every scenario
        _check_recordings(root / "audio", report)
    report.principles = principles.data if principles else {}
    report.rules = rules.data if rules else {}
    report.errors.sort(key=lambda error: (str(error.file), error.line))
    return report


def _load(file: Path, file_schema: dict, report: Report) -> Optional[YamlDocument]:
    """Parse and schema-check one file; None (with errors recorded) when it is unusable."""
    report.files_checked += 1
    if not file.is_file():
        report.errors.append(ContentError(file, (), 1, "file not found"))
        return None
    try:
        document = load_yaml(file)
    except ContentError as error:
        report.errors.append(error)
        return None
    for path, line in document.duplicate_keys:
        report.errors.append(ContentError(file, path, line, "key appears twice; the first is lost"))
    if not isinstance(document.data, dict):
        report.errors.append(document.error((), "expected a mapping at the top of the file"))
        return None
    problems = sorted(
        jsonschema.Draft7Validator(file_schema).iter_errors(document.data),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    for problem in problems:
        report.errors.append(document.error(tuple(problem.absolute_path), _explain(problem)))
    return None if problems else document


def _explain(problem: jsonschema.ValidationError) -> str:
    """jsonschema's message, made plainer for the cases a trainer meets most."""
    if problem.validator == "required" and problem.schema is schema.TEXT:
        return f"{problem.message.split(' is a required')[0]} text is missing (every text needs en and fr)"
    if problem.validator == "pattern" and problem.schema.get("pattern") == r"\S":
        return "text is empty"
    if problem.validator == "type" and isinstance(problem.instance, bool):
        return f"{problem.message}: YAML reads yes/no/on/off/true/false as true or false; put the word in quotes"
    if problem.validator == "uniqueItems":  # jsonschema prints the whole list, which may be long
        items = problem.instance  # compared, not hashed: YAML may have made them mappings
        repeated = dict.fromkeys(repr(item) for number, item in enumerate(items) if item in items[:number])
        return "listed more than once: " + ", ".join(repeated)
    if problem.validator in ("minimum", "maximum") and "grade" in problem.absolute_path:
        return f"grade {problem.instance} is out of range {schema.GRADE_MIN}-{schema.GRADE_MAX}"
    return problem.message


MAX_PICTURE_BYTES = 150_000  # a drawing on a poor mobile connection
MAX_PICTURE_SIDE = 1600


def _check_pictures(document: YamlDocument, folder: Path, report: Report) -> None:
    """Every picture a scenario names is in content/pictures/, an image, and small."""
    from PIL import Image, UnidentifiedImageError

    named: List[Tuple[tuple, Optional[str]]] = [(("picture",), document.data.get("picture"))]
    named += [(("steps", step_id, "picture"), step.get("picture")) for step_id, step in document.data["steps"].items()]
    for path, name in named:
        if not name:
            continue
        file = folder / name
        if not file.is_file():
            report.errors.append(document.error(path, f"picture {name!r} not found in {folder}"))
            continue
        if file.stat().st_size > MAX_PICTURE_BYTES:
            kb = file.stat().st_size // 1000
            report.errors.append(
                document.error(path, f"picture {name!r} is {kb} KB; at most {MAX_PICTURE_BYTES // 1000} KB")
            )
        try:
            with Image.open(file) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError):
            report.errors.append(document.error(path, f"picture {name!r} is not a PNG or JPEG image"))
            continue
        if max(width, height) > MAX_PICTURE_SIDE:
            report.errors.append(
                document.error(path, f"picture {name!r} is {width}x{height}; at most {MAX_PICTURE_SIDE} px a side")
            )


def _check_recordings(folder: Path, report: Report) -> None:
    """Every file under content/audio/<voice>/ is named as audio.py says (a misspelt name would
    never be played) and is OGG Opus of a reasonable size; what each voice lacks is listed."""
    if not folder.is_dir():
        return
    expected = audio.expected_recordings(report.scenarios)
    names = set(expected)
    for entry in sorted(folder.iterdir()):
        if entry.name.lower().startswith("readme"):
            continue
        if not (entry.is_dir() and audio.VOICE.match(entry.name)):
            report.errors.append(
                ContentError(entry, (), 1, "expected a folder named by a language code, 2-3 lowercase letters (bm)")
            )
            continue
        found = {str(file.relative_to(entry)) for file in entry.rglob("*") if file.is_file()}
        for name in sorted(found - names):
            report.errors.append(
                ContentError(
                    entry / name, (), 1, "no scenario text has this name (see README, Audio: <scenario>/<step>.ogg...)"
                )
            )
        for name in sorted(found & names):
            file = entry / name
            if file.stat().st_size > audio.MAX_RECORDING_BYTES:
                kb = file.stat().st_size // 1000
                report.errors.append(
                    ContentError(file, (), 1, f"{kb} KB; at most {audio.MAX_RECORDING_BYTES // 1000} KB")
                )
            elif not audio.opus_duration(file.read_bytes()):
                report.errors.append(ContentError(file, (), 1, "not an OGG Opus recording (a voice note) with sound"))
        report.missing_recordings[entry.name] = [name for name in expected if name not in found]


def _check_knowledge_check(document: YamlDocument, rule_ids: Set[str], report: Report) -> None:
    """Forms a (before) and b (after) asking as many items of each principle; ids unique and
    named after their form; one right option per item; rules that exist."""
    forms = document.data["forms"]
    seen: Set[str] = set()
    counts = {}
    for form_index, form in enumerate(forms):
        counts[form["id"]] = sorted(item["principle"] for item in form["items"])
        for item_index, item in enumerate(form["items"]):
            where = ("forms", form_index, "items", item_index)
            if not item["id"].startswith(form["id"] + "_"):
                report.errors.append(
                    document.error((*where, "id"), f"an item of form {form['id']!r} starts with '{form['id']}_'")
                )
            ids: List[Tuple[str, tuple]] = [(item["id"], (*where, "id"))]
            ids += [(option["id"], (*where, "options", i, "id")) for i, option in enumerate(item["options"])]
            for key, place in ids:
                if key in seen:
                    report.errors.append(document.error(place, f"duplicate id {key!r}"))
                seen.add(key)
            if sum(1 for option in item["options"] if option.get("correct")) != 1:
                report.errors.append(document.error((*where, "options"), "exactly one option needs correct: true"))
            for rule_index, rule_id in enumerate(item["rules"]):
                if rule_ids and rule_id not in rule_ids:
                    report.errors.append(document.error((*where, "rules", rule_index), f"unknown rule {rule_id!r}"))
    if not {"a", "b"} <= set(counts):
        report.errors.append(document.error(("forms",), "forms 'a' (before training) and 'b' (after) are needed"))
    for form_id, principles in counts.items():
        if form_id != "a" and "a" in counts and principles != counts["a"]:
            index = next(i for i, form in enumerate(forms) if form["id"] == form_id)
            report.errors.append(
                document.error(
                    ("forms", index, "items"), f"form {form_id!r} must ask as many items of each principle as form 'a'"
                )
            )
    missing = set(schema.CHECK_PRINCIPLES) - set(counts.get("a", []))
    if missing:
        report.errors.append(document.error(("forms",), f"form 'a' asks nothing on {', '.join(sorted(missing))}"))


def _unique_ids(document: Optional[YamlDocument], key: str, report: Report) -> Set[str]:
    ids: Set[str] = set()
    if document is None:
        return ids
    for index, item in enumerate(document.data[key]):
        if item["id"] in ids:
            report.errors.append(document.error((key, index, "id"), f"duplicate id {item['id']!r}"))
        ids.add(item["id"])
    return ids


def _check_lexicon(document: YamlDocument, report: Report):
    owner: Dict[str, int] = {}
    for group_index, group in enumerate(document.data.get("synonyms", [])):
        for member_index, member in enumerate(group):
            word = " ".join(member.casefold().split())
            if word in owner and owner[word] != group_index:
                report.errors.append(
                    document.error(
                        ("synonyms", group_index, member_index),
                        f"{member!r} is already in synonym group {owner[word] + 1}",
                    )
                )
            owner.setdefault(word, group_index)
    return TextMatcher(lexicon_from(document.data))


FIRST_SENTENCE_WORDS = 20  # feedback must fit a phone: a short verdict first, the rest on request
_FIRST_SENTENCE = re.compile(r"^.*?[.!?](?=\s|$)", re.S)
_ENUMERATED = re.compile(r"^\s*(\d+|[a-eA-E])\s*[.):-]\s")


def first_sentence(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip())
    return match.group(0) if match else text.strip()


def word_count(text: str) -> int:
    return sum(1 for word in text.split() if re.search(r"\w", word))


def _check_scenario(document, principle_ids, rule_ids, matcher, report, rule_principles=None) -> None:
    data = document.data
    errors = report.errors
    if data["id"] != document.file.stem:
        errors.append(document.error(("id",), f"id {data['id']!r} must match the file name {document.file.stem!r}"))

    def check_rules(path, cited, scenario_rules=None):
        for index, rule_id in enumerate(cited):
            if rule_id not in rule_ids:
                errors.append(document.error(path + (index,), f"unknown rule {rule_id!r} (see content/rules.yml)"))
            elif scenario_rules is not None and rule_id not in scenario_rules:
                errors.append(
                    document.error(path + (index,), f"rule {rule_id!r} is cited but not listed in the scenario's rules")
                )

    for index, principle in enumerate(data["principles"]):
        if principle not in principle_ids:
            errors.append(document.error(("principles", index), f"unknown principle {principle!r}"))
    check_rules(("rules",), data["rules"])
    scenario_rules = set(data["rules"])

    steps, endings = data["steps"], data["endings"]
    for name in set(steps) & set(endings):
        errors.append(document.error(("endings", name), f"{name!r} is both a step and an ending"))
    if data["start"] not in steps:
        errors.append(document.error(("start",), f"start {data['start']!r} is not a step"))

    for step_id, step in steps.items():
        path = ("steps", step_id)
        seen = set()
        for index, option in enumerate(step["options"]):
            option_path = path + ("options", index)
            if option["id"] in seen:
                errors.append(document.error(option_path + ("id",), f"duplicate option id {option['id']!r}"))
            seen.add(option["id"])
            if option["next"] not in steps and option["next"] not in endings:
                errors.append(
                    document.error(option_path + ("next",), f"next {option['next']!r} is neither a step nor an ending")
                )
            check_rules(option_path + ("rules",), option["rules"], scenario_rules)
            _check_option_texts(document, option_path, option, errors)
        if not any(option["grade"] == schema.GRADE_MAX for option in step["options"]):
            errors.append(
                document.error(
                    path + ("options",), f"no option with grade {schema.GRADE_MAX} (the recommended conduct)"
                )
            )
        _check_rubric(document, path + ("rubric",), step["rubric"], matcher, errors)
    for ending_id, ending in endings.items():
        check_rules(("endings", ending_id, "rules"), ending["rules"], scenario_rules)

    if data["start"] in steps:
        _check_graph(document, data, errors)
    if rule_principles:
        touched = {rule_principles[r] for r in data["rules"] if r in rule_principles}
        missing = sorted(touched - set(data["principles"]))
        if missing:
            errors.append(
                document.error(
                    ("principles",), f"the rules cited belong to principles not listed here: {', '.join(missing)}"
                )
            )


def _check_option_texts(document, path, option, errors) -> None:
    """A button's position is the app's to choose (it shuffles them), so no label is numbered;
    the feedback opens with one short sentence, in every language."""
    for language, label in option["label"].items():
        if _ENUMERATED.match(label):
            errors.append(
                document.error(
                    path + ("label", language), f"{label!r}: no numbering in a label (the order is shuffled)"
                )
            )
    for language, text in option["feedback"].items():
        count = word_count(first_sentence(text))
        if count > FIRST_SENTENCE_WORDS:
            errors.append(
                document.error(
                    path + ("feedback", language),
                    f"the first sentence has {count} words; at most {FIRST_SENTENCE_WORDS}, so it fits a phone",
                )
            )


def _check_rubric(document, path, rubric, matcher, errors) -> None:
    for group_name in ("concepts", "cautions", "red_flags"):
        seen = set()
        for index, group in enumerate(rubric.get(group_name, [])):
            if group["id"] in seen:
                errors.append(document.error(path + (group_name, index, "id"), f"duplicate id {group['id']!r}"))
            seen.add(group["id"])
            if matcher is None:
                continue
            for language, cues in group["cues"].items():
                for cue_index, cue in enumerate(cues):
                    if not matcher.compile(cue):
                        errors.append(
                            document.error(
                                path + (group_name, index, "cues", language, cue_index),
                                f"cue {cue!r} has only stopwords: it can never match",
                            )
                        )


def _check_graph(document, data, errors) -> None:
    steps, endings = data["steps"], data["endings"]
    edges = {step_id: [o["next"] for o in step["options"]] for step_id, step in steps.items()}
    reachable, frontier = {data["start"]}, [data["start"]]
    while frontier:
        for target in edges.get(frontier.pop(), []):
            if target not in reachable and (target in steps or target in endings):
                reachable.add(target)
                frontier.append(target)
    for step_id in steps:
        if step_id not in reachable:
            errors.append(document.error(("steps", step_id), f"step {step_id!r} cannot be reached from the start"))
    for ending_id in endings:
        if ending_id not in reachable:
            errors.append(
                document.error(("endings", ending_id), f"ending {ending_id!r} cannot be reached from the start")
            )

    leads_to_ending = set(endings)
    changed = True
    while changed:
        changed = False
        for step_id, targets in edges.items():
            if step_id not in leads_to_ending and any(t in leads_to_ending for t in targets):
                leads_to_ending.add(step_id)
                changed = True
    for step_id in steps:
        if step_id in reachable and step_id not in leads_to_ending:
            errors.append(
                document.error(("steps", step_id), f"dead end: no choice from step {step_id!r} ever reaches an ending")
            )

    if not any(len(set(targets)) > 1 for targets in edges.values()):
        errors.append(document.error(("steps",), "no step branches: some choices must lead somewhere different"))
