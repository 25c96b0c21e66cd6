"""The content validator: the shipped content passes; each kind of fault is reported with
the file and the line, by the library and by `python -m trainer validate`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.content_loader import DEFAULT_CONTENT_DIR, load_content
from trainer.validate import check_content

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "checkpoint_motorbike": "approach",
    "village_reprisal": "anger",
    "child_captured": "capture",
    "drone_gathering": "strike_request",
    "detainee_video": "filming",
}


def test_shipped_content_is_valid():
    report = check_content(DEFAULT_CONTENT_DIR)
    assert report.errors == []
    assert len(report.scenarios) >= 12


def test_required_scenarios_start_where_expected():
    content = load_content()
    for scenario_id, first_step in REQUIRED.items():
        assert content.scenario(scenario_id).start == first_step


def test_content_size_and_coverage():
    content = load_content()
    cited = {
        rule
        for scenario in content.scenarios.values()
        for step in scenario.steps.values()
        for option in step.options
        for rule in option.rules
    }
    assert len([rule for rule in cited if rule.startswith("cihl-")]) >= 40
    for scenario in content.scenarios.values():
        assert 3 <= len(scenario.steps) <= 6, scenario.id


@pytest.fixture
def content_copy(tmp_path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, copy)
    return copy


def edit(file: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a copied file; return the line number where the change starts."""
    text = file.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {file.name}"
    line = text[: text.index(old)].count("\n") + 1
    file.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def errors_for(content_root: Path):
    return [str(error) for error in check_content(content_root).errors]


SCENARIO = "scenarios/checkpoint_motorbike.yml"


@pytest.mark.parametrize(
    "old, new, expected_message",
    [
        (
            "        grade: 3\n        rules: [cihl-1, cihl-15, ap1-50-1]",
            "        grade: 5\n        rules: [cihl-1, cihl-15, ap1-50-1]",
            "grade 5 is out of range 0-3",
        ),
        ("rules: [cihl-1, cihl-15, ap1-50-1]", "rules: [cihl-1, cihl-999, ap1-50-1]", "unknown rule 'cihl-999'"),
        ("        next: stops", "        next: nowhere", "next 'nowhere' is neither a step nor an ending"),
        ("      fr: De nuit, une moto", "      de: De nuit, une moto", "text is missing"),
        (
            "        grade: 3\n        rules: [cihl-87, cihl-15]",
            "        grade: 2\n        rules: [cihl-87, cihl-15]",
            "no option with grade 3",
        ),
        ("principles: [distinction,", "principles: [courage,", "unknown principle 'courage'"),
        (
            "            en: [escalation of force,",
            "            en: [on, escalation of force,",
            "YAML reads yes/no/on/off/true/false",
        ),
        ("            fr: [montee en puissance,", "            fr: [de la, montee en puissance,", "has only stopwords"),
    ],
    ids=[
        "grade-range",
        "unknown-rule",
        "dangling-next",
        "missing-french",
        "no-grade-3",
        "unknown-principle",
        "yaml-boolean",
        "stopword-cue",
    ],
)
def test_each_fault_is_reported_with_file_and_line(content_copy, old, new, expected_message):
    line = edit(content_copy / SCENARIO, old, new)
    errors = errors_for(content_copy)
    matching = [error for error in errors if expected_message in error]
    assert matching, errors
    where = matching[0].split(": ")[0]
    assert where.endswith(f"checkpoint_motorbike.yml:{matching[0].split(':')[1]}")
    reported_line = int(matching[0].split(":")[1])
    assert abs(reported_line - line) <= 6, (reported_line, line, matching[0])


def test_unreachable_step_and_ending(content_copy):
    # Nothing leads to `stops` any more: it and the endings only it reaches are unreachable.
    edit(content_copy / SCENARIO, "        next: stops", "        next: casualties")
    errors = errors_for(content_copy)
    assert any("step 'stops' cannot be reached" in error for error in errors), errors
    assert any("ending 'end_safe_passage' cannot be reached" in error for error in errors), errors


def test_dead_end_loop(content_copy):
    # Every choice at `aftermath` sends the trainee back to `casualties`, and back again.
    file = content_copy / SCENARIO
    for ending in ("end_harm_acknowledged", "end_harm_partial"):
        edit(file, f"        next: {ending}", "        next: casualties")
    text = file.read_text().replace(
        "        next: end_harm_hidden\n    rubric:\n      concepts:\n        - id: acknowledge",
        "        next: casualties\n    rubric:\n      concepts:\n        - id: acknowledge",
    )
    text = text.replace(
        "          fr: Un crime ajouté à un drame. Fabriquer des preuves cache des faits qui doivent faire l'objet d'une enquête, et la femme est laissée mourante. Le chef doit rendre compte et faire enquêter.\n        next: end_harm_hidden",  # noqa: E501
        "          fr: Un crime ajouté à un drame. Fabriquer des preuves cache des faits qui doivent faire l'objet d'une enquête, et la femme est laissée mourante. Le chef doit rendre compte et faire enquêter.\n        next: aftermath",  # noqa: E501
    )
    file.write_text(text)
    errors = errors_for(content_copy)
    assert any("dead end: no choice from step 'casualties'" in error for error in errors), errors


def test_malformed_yaml_names_the_line(content_copy):
    line = edit(content_copy / SCENARIO, "  approach:\n    prompt:", "  approach:\n    prompt: [unclosed")
    errors = errors_for(content_copy)
    assert len(errors) == 1 and "YAML syntax error" in errors[0], errors
    assert abs(int(errors[0].split(":")[1]) - line) <= 3


def test_duplicate_keys_are_reported(content_copy):
    edit(content_copy / SCENARIO, "difficulty: 1\n", "difficulty: 1\ndifficulty: 2\n")
    assert any("key appears twice" in error for error in errors_for(content_copy))


def test_cli_exits_non_zero_without_traceback(content_copy):
    edit(content_copy / SCENARIO, "  approach:\n    prompt:", "  approach:\n    prompt: [unclosed")
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "validate", str(content_copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "checkpoint_motorbike.yml:" in result.stderr and "YAML syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_validates_one_scenario_file(content_copy):
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "validate", str(content_copy / SCENARIO)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "1 scenario(s)" in result.stdout


@pytest.mark.parametrize(
    "old, new, expected_message",
    [
        (
            "          - id: a_distinction_doubt_fire\n",
            "          - id: a_distinction_doubt_fire\n            correct: true\n",
            "exactly one option needs correct: true",
        ),
        (
            "        rules: [cihl-16, cihl-15, ap1-50-1]",
            "        rules: [cihl-16, cihl-999]",
            "unknown rule 'cihl-999'",
        ),
        ("      - id: a_distinction_rifle\n", "      - id: b_distinction_rifle\n", "starts with 'a_'"),
        (
            "      - id: a_distinction_rifle\n        principle: distinction",
            "      - id: a_distinction_rifle\n        principle: precautions",
            "as many items of each principle",
        ),
    ],
    ids=["two-right-answers", "unknown-rule", "item-of-another-form", "forms-unbalanced"],
)
def test_knowledge_check_faults_are_reported_with_file_and_line(content_copy, old, new, expected_message):
    edit(content_copy / "knowledge_check.yml", old, new)
    errors = errors_for(content_copy)
    assert any("knowledge_check.yml:" in error and expected_message in error for error in errors), errors


def test_an_excused_cue_must_be_one_of_its_acts_cues(content_copy):
    # An excuse for a cue the act does not have would clear nothing, silently.
    line = edit(content_copy / "unlawful_acts.yml", "      cues: [no names,", "      cues: [no name at all,")
    errors = [error for error in errors_for(content_copy) if "not a cue of the act: 'no name at all'" in error]
    assert errors and "unlawful_acts.yml:" in errors[0], errors_for(content_copy)
    assert abs(int(errors[0].split(":")[1]) - line) <= 2, errors[0]


def test_a_cue_to_read_as_written_must_be_one_of_its_acts_cues(content_copy):
    # A cue listed as written but missing from the act's cues would never be read at all.
    line = edit(
        content_copy / "unlawful_acts.yml", "as_written: [due only to the attackers,", "as_written: [due to them,"
    )
    errors = [error for error in errors_for(content_copy) if "not a cue of the act: 'due to them'" in error]
    assert errors and "unlawful_acts.yml:" in errors[0], errors_for(content_copy)
    assert abs(int(errors[0].split(":")[1]) - line) <= 2, errors[0]


def test_a_cue_listed_twice_is_named_with_its_line(content_copy):
    line = edit(content_copy / "unlawful_acts.yml", "[mock him, laugh at him,", "[mock him, laugh at him, mock him,")
    errors = [error for error in errors_for(content_copy) if "listed more than once: 'mock him'" in error]
    assert errors and "unlawful_acts.yml:" in errors[0], errors_for(content_copy)
    assert abs(int(errors[0].split(":")[1]) - line) <= 2, errors[0]
