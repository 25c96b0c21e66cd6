"""The graded corpus and its split, the agreement figures, and the grade and calibrate commands.
How well the grader generalises is measured by benchmarks/grading.py on the frozen test part."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from trainer.calibration import agreement, cross_validate, quadratic_weighted_kappa, summary
from trainer.content_loader import load_content
from trainer.grader import GradedExample, load_examples
from trainer.scoring import GradeResult

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT = ROOT / "content" / "graded_answers.jsonl"
FROZEN_TEST = ROOT / "benchmarks" / "data" / "graded_answers_test.jsonl"
FROZEN_PLAIN = ROOT / "benchmarks" / "data" / "plain_answers_test.jsonl"  # keyed unlawful or good
# The split rule (README, "Grading typed answers"): writers whose number is a multiple of three.
TEST_WRITERS = {f"w{number}" for number in range(3, 73, 3)}  # w3 to w72


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_kappa_of_known_cases():
    assert quadratic_weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3)]) == pytest.approx(1.0)
    pairs = [(0, 0), (3, 3), (0, 3), (3, 0)]
    assert quadratic_weighted_kappa(pairs) == pytest.approx(0.0)
    assert quadratic_weighted_kappa([(0, 3), (3, 0)]) == pytest.approx(-1.0)


def test_agreement_counts_unclear_as_no_credit():
    report = agreement([3, 2, None, 0], [3, None, None, 0])
    assert report.exact == pytest.approx(0.75)
    assert report.within_one == pytest.approx(0.75)  # 2 vs unclear (0) is two grades apart
    assert report.confusion[2][4] == 1 and report.confusion[4][4] == 1


def test_the_corpus_is_split_by_writer_and_the_test_part_is_frozen_apart():
    development, test = lines(DEVELOPMENT), lines(FROZEN_TEST)
    assert {item["writer"] for item in test} == TEST_WRITERS
    assert not {item["writer"] for item in development} & TEST_WRITERS
    assert len(development) + len(test) >= 1500
    assert len(test) / (len(development) + len(test)) >= 0.30
    said = {" ".join(item["text"].lower().split()) for item in development}
    assert not said & {" ".join(item["text"].lower().split()) for item in test}  # the same answer is in one part only


def test_the_plain_set_is_frozen_apart_from_both_parts_and_names_real_steps():
    content = load_content()
    every_step = {(scenario.id, step) for scenario in content.scenarios.values() for step in scenario.steps}
    plain = lines(FROZEN_PLAIN)
    assert {(item["scenario"], item["step"]) for item in plain} == every_step
    assert all(isinstance(item["unlawful"], bool) and item["lang"] in ("en", "fr") for item in plain)
    said = {" ".join(item["text"].lower().split()) for item in lines(DEVELOPMENT) + lines(FROZEN_TEST)}
    assert not said & {" ".join(item["text"].lower().split()) for item in plain}


def test_the_corpus_covers_every_step_of_every_scenario_in_both_languages_a_quarter_unlawful():
    items = lines(DEVELOPMENT) + lines(FROZEN_TEST)
    content = load_content()
    every_step = {(scenario.id, step) for scenario in content.scenarios.values() for step in scenario.steps}
    per_step = Counter((item["scenario"], item["step"]) for item in items)
    test_per_step = Counter((item["scenario"], item["step"]) for item in lines(FROZEN_TEST))
    assert set(per_step) == every_step and min(per_step.values()) >= 40
    assert set(test_per_step) == every_step  # the test part is spread over every step
    assert {item["lang"] for item in items} == {"en", "fr"}
    assert min(Counter(item["lang"] for item in items).values()) >= 0.3 * len(items)
    assert sum(item["expected"] == 0 for item in items) >= 0.25 * len(items)


def test_summary_counts_the_mistakes_that_teach_the_wrong_thing():
    def example(grade):
        return GradedExample("s", "t", "x", grade)

    graded = [
        (example(0), GradeResult(0)),
        (example(0), GradeResult(2)),  # an unlawful answer graded lawful
        (example(0), GradeResult(1, unsure=True)),  # sent to "Did you mean"
        (example(3), GradeResult(0)),  # a good answer graded unlawful
        (example(2), GradeResult(None)),
    ]
    figures = summary(graded)
    assert figures["unlawful_graded_2_or_3"] == 1 and figures["unlawful_sent_to_did_you_mean"] == 1
    assert figures["good_graded_0"] == 1 and figures["sent_to_did_you_mean"] == pytest.approx(0.2)


@pytest.mark.parametrize("folds, groups", [(None, 5), (2, 2)])
def test_cross_validation_never_grades_a_writer_with_a_grader_that_read_them(monkeypatch, folds, groups):
    import trainer.grader

    graders, read_by = [], {}

    class Recording(trainer.grader.Grader):
        def __init__(self, content, examples):
            super().__init__(content, examples)
            self.writers_read = {e.writer for e in examples}
            graders.append(self)

        def grade(self, scenario_id, step_id, text):
            read_by[text] = self.writers_read
            return super().grade(scenario_id, step_id, text)

    monkeypatch.setattr(trainer.grader, "Grader", Recording)
    examples = [e for e in load_examples(DEVELOPMENT) if e.writer in {"team", "w1", "w2", "w4", "w5"}][::25]
    graded = cross_validate(load_content(), examples, folds)
    assert len(graders) == groups and len(graded) == len(examples) == len(read_by)
    assert all(example.writer not in read_by[example.text] for example, _ in graded)


def run(*arguments, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "trainer", *arguments], cwd=ROOT, input=stdin, capture_output=True, text=True
    )


def test_calibrate_prints_its_figures_as_json(tmp_path):
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        "\n".join(
            json.dumps(item)
            for item in [
                {"scenario": "checkpoint_motorbike", "step": "approach", "text": "on les descend", "expected": 0},
                {"scenario": "village_reprisal", "step": "anger", "text": "I forbid it and report", "expected": 3},
            ]
        )
    )
    result = run("calibrate", str(answers), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["answers"] == 2 and figures["unlawful_graded_0"] == 1
    assert sum(map(sum, figures["confusion"])) == figures["count"]


def test_calibrate_on_the_grader_s_own_examples_warns_that_it_flatters():
    result = run("calibrate", str(DEVELOPMENT), "--json")
    assert "flatter" in result.stderr


def test_grade_command_writes_one_line_per_input_and_survives_bad_lines():
    inputs = [
        {"scenario": "checkpoint_motorbike", "step": "approach", "text": "shoot them", "lang": "en"},
        "this is not json",
        {"scenario": "nope", "step": "approach", "text": "x", "lang": "en"},
        {"scenario": "village_reprisal", "step": "anger", "text": 42, "lang": "fr"},
        {"scenario": "village_reprisal", "step": "anger", "text": "je refuse, pas de vengeance", "lang": "fr"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in inputs) + "\n"
    result = run("grade", stdin=stdin)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 5
    assert outputs[0]["grade"] == 0 and outputs[0]["acts"]  # the unlawful act, named
    assert set(outputs[0]) >= {"grade", "concepts", "missed", "red_flags", "acts", "unsure", "closest"}
    assert "error" in outputs[1] and "JSON" in outputs[1]["error"]
    assert "unknown scenario" in outputs[2]["error"]
    assert '"text" must be a string' in outputs[3]["error"]
    assert outputs[4]["grade"] in (2, 3)


def test_fit_command_keeps_the_fitted_grader_where_the_action_server_reads_it():
    from trainer.content_loader import load_content
    from trainer.grader import _fingerprint, load_examples
    from trainer.settings import CACHE_DIR

    result = run("fit")
    assert result.returncode == 0, result.stderr
    assert f"fitted on {len(lines(DEVELOPMENT))} graded answers" in result.stdout
    assert (CACHE_DIR / f"grader-{_fingerprint(load_content(), load_examples(DEVELOPMENT))}.joblib").is_file()
