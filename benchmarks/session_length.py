"""Turn latency over a long session, with the session length limit and without it.

    .venv/bin/python benchmarks/session_length.py [--seconds 90]

Starts the action server and, one after the other, two Rasa servers as load.py does: one with
the default SESSION_MAX_EVENTS (rasa_plugins/session_length.py), one with the limit lifted, so
a session ends only after an hour without a message. Against each, one trainee plays scenarios
back to back (load.py's trainee, no think time) for the same time. Reports the median latency
of each block of 50 turns and the last block's median over the first's, as a table and in
benchmarks/results/session_length.json.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import numpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import Phase, drive, play_scenarios  # noqa: E402
from harness.processes import start_action_server, start_rasa_server, trained_model  # noqa: E402
from trainer.content_loader import load_content  # noqa: E402

BLOCK = 50  # turns
SETTINGS = {"limit (default)": {}, "no limit": {"SESSION_MAX_EVENTS": str(10**9)}}


def measure(seconds: float) -> dict:
    content = load_content()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="ihl-session-") as workdir:
        work = Path(workdir)
        model = trained_model()
        action_server, action_url = start_action_server(work, f"sqlite:///{work / 'progress.db'}")
        try:
            for name, env in SETTINGS.items():
                print(f"session_length: {name}, one trainee, {seconds:g} s", file=sys.stderr)
                rasa_server, url = start_rasa_server(model, action_url, work, work / f"tracker-{len(rows)}.db", env=env)
                try:
                    phase = asyncio.run(drive(url, Phase(name), 1, seconds, None, play_scenarios, content))
                finally:
                    rasa_server.stop()
                medians = [
                    round(float(numpy.median(phase.latencies[i : i + BLOCK])) * 1000)
                    for i in range(0, len(phase.latencies) - BLOCK + 1, BLOCK)
                ]
                rows[name] = {
                    "turns": len(phase.latencies),
                    "errors": sum(phase.errors.values()),
                    "median_ms_per_block": medians,
                    "last_over_first": round(medians[-1] / medians[0], 2) if medians else None,
                }
        finally:
            action_server.stop()
    return {"seconds": seconds, "block_turns": BLOCK, "sessions": rows}


def render(report: dict) -> str:
    lines = [f"One trainee, {report['seconds']:g} s each; median ms per block of {report['block_turns']} turns"]
    for name, row in report["sessions"].items():
        blocks = " ".join(str(ms) for ms in row["median_ms_per_block"])
        lines.append(
            f"{name:16} turns {row['turns']:>5}  errors {row['errors']}  last/first {row['last_over_first']}"
            f"  blocks: {blocks}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "session_length.json")
    args = parser.parse_args()
    report = measure(args.seconds)
    print(render(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
