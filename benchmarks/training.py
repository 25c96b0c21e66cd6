"""Training time of the shipped model: from scratch, and after one scenario changed.

    .venv/bin/python benchmarks/training.py

Copies what the model is built from (config, domain, data, content, the lock file, the training
script) into a temporary folder, so this checkout's models/ and Rasa's cache stay untouched,
and times scripts/train.py there, as `make run` runs it:
1. from scratch, with an empty Rasa cache;
2. after one scenario's content changed (a feedback text): the model is not built from content;
3. after one scenario got a new name trainees may type (its title in content and in the NLU
   lookup and synonyms): Rasa retrains what the changed data feeds, reusing its cache.
Prints a table and writes benchmarks/results/training.json.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# compat, as `python -m compat rasa` runs it, loads rasa_plugins, which reads trainer.
COPIED = [
    "config.yml",
    "domain.yml",
    "data",
    "content",
    "requirements/lock.txt",
    "scripts/train.py",
    "compat",
    "rasa_plugins",
    "trainer",
]
SCENARIO = "checkpoint_motorbike"
NEW_NAME = "night checkpoint"


def timed_training(project: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(project), RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "scripts/train.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        sys.exit(f"training failed:\n{result.stderr[-4000:]}")
    return {"seconds": seconds, "retrained": "inputs unchanged" not in result.stderr}


def edit_scenario(project: Path, change) -> None:
    path = project / "content" / "scenarios" / f"{SCENARIO}.yml"
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(scenario)
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), encoding="utf-8")


def change_feedback(project: Path) -> None:
    def edit(scenario):
        option = next(iter(scenario["steps"].values()))["options"][0]
        option["feedback"]["en"] += " Edited."

    edit_scenario(project, edit)


def add_scenario_name(project: Path) -> None:
    nlu = project / "data" / "nlu"
    for path, entry in (
        (nlu / "lookups.yml", "  - lookup: scenario\n    examples: |\n"),
        (nlu / "synonyms.yml", f"  - synonym: {SCENARIO}\n    examples: |\n"),
    ):
        text = path.read_text(encoding="utf-8")
        assert entry in text, f"the benchmark no longer matches {path.name}"
        path.write_text(text.replace(entry, f"{entry}      - {NEW_NAME}\n"), encoding="utf-8")
    edit_scenario(project, lambda scenario: scenario["title"].update(en=NEW_NAME.capitalize()))


def measure() -> dict:
    with tempfile.TemporaryDirectory(prefix="ihl-training-") as workdir:
        project = Path(workdir)
        for name in COPIED:
            source, target = ROOT / name, project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        print("training: from scratch", file=sys.stderr)
        runs = {"from scratch": timed_training(project)}
        change_feedback(project)
        print("training: after a feedback text changed", file=sys.stderr)
        runs["one scenario's feedback changed"] = timed_training(project)
        add_scenario_name(project)
        print("training: after a scenario got a new name", file=sys.stderr)
        runs["one scenario renamed (content and NLU data)"] = timed_training(project)
    return {"cores": os.cpu_count(), "runs": runs}


def render(report: dict) -> str:
    lines = [f"Training the shipped model (config.yml), {report['cores']} cores", f"{'change':48}{'seconds':>9}  model"]
    for change, run in report["runs"].items():
        lines.append(f"{change:48}{run['seconds']:>9}  {'trained' if run['retrained'] else 'reused'}")
    return "\n".join(lines)


def main() -> None:
    report = measure()
    print(render(report))
    out = ROOT / "benchmarks" / "results" / "training.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
