"""Agreement between the engine and the team's graded answers (tests/data/graded_answers.jsonl)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.calibration import agreement, quadratic_weighted_kappa

ROOT = Path(__file__).resolve().parents[2]
GRADED = ROOT / "tests" / "data" / "graded_answers.jsonl"


def test_kappa_of_known_cases():
    assert quadratic_weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3)]) == pytest.approx(1.0)
    # Hand-computed: observed disagreement 2/9 weighted, expected 6/9 -> 1 - (2/9)/(6/9)... see below
    pairs = [(0, 0), (3, 3), (0, 3), (3, 0)]
    assert quadratic_weighted_kappa(pairs) == pytest.approx(0.0)
    assert quadratic_weighted_kappa([(0, 3), (3, 0)]) == pytest.approx(-1.0)


def test_agreement_counts_unclear_as_no_credit():
    report = agreement([3, 2, None, 0], [3, None, None, 0])
    assert report.exact == pytest.approx(0.75)
    assert report.within_one == pytest.approx(0.75)  # 2 vs unclear (0) is two grades apart
    assert report.confusion[2][4] == 1 and report.confusion[4][4] == 1


def test_graded_answers_cover_both_languages_and_enough_answers():
    items = [json.loads(line) for line in GRADED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= 150
    languages = {item["lang"] for item in items}
    assert languages == {"en", "fr"}
    assert min(sum(item["lang"] == lang for item in items) for lang in languages) >= 50
    assert {item["expected"] for item in items} >= {0, 1, 2, 3}


def test_engine_agrees_with_the_team_kappa_at_least_0_8():
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "calibrate", str(GRADED), "--min-kappa", "0.8"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quadratic weighted kappa" in result.stdout


def test_calibrate_prints_its_figures_as_json_for_the_benchmark_report():
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "calibrate", str(GRADED), "--json"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["count"] >= 150 and figures["kappa"] >= 0.8
    assert sum(map(sum, figures["confusion"])) == figures["count"]


def test_grade_command_writes_one_line_per_input_and_survives_bad_lines():
    lines = [
        {"scenario": "checkpoint_motorbike", "step": "approach", "text": "shoot them", "lang": "en"},
        "this is not json",
        {"scenario": "nope", "step": "approach", "text": "x", "lang": "en"},
        {"scenario": "village_reprisal", "step": "anger", "text": 42, "lang": "fr"},
        {"scenario": "village_reprisal", "step": "anger", "text": "je refuse, pas de vengeance", "lang": "fr"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "grade"], cwd=ROOT, input=stdin, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 5
    assert outputs[0]["grade"] == 0 and outputs[0]["red_flags"] == ["fire_at_riders"]
    assert set(outputs[0]) >= {"grade", "concepts", "missed", "red_flags"}
    assert "error" in outputs[1] and "JSON" in outputs[1]["error"]
    assert "unknown scenario" in outputs[2]["error"]
    assert '"text" must be a string' in outputs[3]["error"]
    assert outputs[4]["grade"] in (2, 3) and "forbid_revenge" in outputs[4]["concepts"]
