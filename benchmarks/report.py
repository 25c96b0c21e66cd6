"""Every benchmark in one report: load against bare Rasa, long sessions, training, NLU, grading.

    .venv/bin/python benchmarks/report.py [--trainees 50] [--seconds 60] [--think 1-5] [--skip-nlu]

Runs the measurements of benchmarks/load.py, session_length.py and training.py, the grading
calibration (`python -m trainer calibrate`) and the NLU cross-validation
(benchmarks/nlu_crossval.py, about ten minutes; --skip-nlu reuses its last result file, dated).
Prints each part and writes benchmarks/results/report.json with the machine it ran on. About 25
minutes in all.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import load, nlu_crossval, session_length, training  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    memory_kib = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    from rasa import __version__ as rasa_version

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "rasa": rasa_version,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def calibration() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "trainer", "calibrate", "tests/data/graded_answers.jsonl", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def nlu(skip: bool) -> dict:
    out = RESULTS / "nlu_crossval.json"
    if not skip:
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "nlu_crossval.py")],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not out.exists():
        sys.exit("report: no NLU result yet; run without --skip-nlu")
    report = json.loads(out.read_text())
    report["measured"] = datetime.fromtimestamp(out.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=load.think_range, default=(1.0, 5.0))
    parser.add_argument("--skip-nlu", action="store_true", help="reuse the last NLU cross-validation")
    args = parser.parse_args()
    started = time.monotonic()
    report = {"machine": machine()}
    report["load"] = load.measure(args.trainees, args.seconds, args.think)
    report["session_length"] = session_length.measure(90)
    report["training"] = training.measure()
    report["grading"] = calibration()
    report["nlu"] = nlu(args.skip_nlu)
    report["seconds"] = round(time.monotonic() - started)

    m = report["machine"]
    print(
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"Rasa {m['rasa']}, {m['date']}\n"
    )
    print(load.render(report["load"]), end="\n\n")
    print(session_length.render(report["session_length"]), end="\n\n")
    print(training.render(report["training"]), end="\n\n")
    grading = report["grading"]
    print(
        f"Grading typed answers against the team's grades: {grading['count']} answers, "
        f"quadratic weighted kappa {grading['kappa']:.3f}, exact agreement {grading['exact']:.3f}\n"
    )
    print(nlu_crossval.render(report["nlu"]) + f" (measured {report['nlu']['measured']})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
