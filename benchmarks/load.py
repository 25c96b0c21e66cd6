"""Load benchmark: simulated trainees play whole scenarios over REST, beside a bare Rasa baseline.

    .venv/bin/python benchmarks/load.py [--trainees 50] [--seconds 60] [--think 1-5]

Starts, on loopback ports, the assistant as `make run` serves it (scripts/serve.sh: action
server and Rasa server with the shipped model, SQLite progress and tracker databases in a
temporary folder) and a bare assistant made by `rasa init` in a temporary folder (no custom
actions), served by the same `rasa run` with the same kind of tracker store. Then, for think
time off and on, the same number of trainees drive each one for the same time: ours play
scenarios (onboarding, then decision points answered alternately by button and in their own
words, in English or French), the baseline's send simple messages. Reports per-turn latency
p50/p95/p99, turns per second, errors, our p95 over the baseline's and the peak memory of each
server process, as a table and in benchmarks/results/load.json. Every answer our trainees saw
acknowledged is then looked up in the progress database.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

import aiohttp
import numpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from harness.processes import (  # noqa: E402
    LIMITS_FOR_ROBOTS,
    RASA_READY_LINE,
    REST_HEADERS,
    ServerProcess,
    free_port,
    start_action_server,
    start_rasa_server,
    trained_model,
)
from trainer.content_loader import load_content  # noqa: E402
from trainer.db import Database  # noqa: E402
from trainer.identities import Trainees  # noqa: E402
from trainer.progress import ProgressStore  # noqa: E402

REQUEST_TIMEOUT = 60  # seconds; a slower answer counts as an error
BASELINE_MESSAGES = ["hello", "I am feeling great", "are you a bot?", "I am sad", "yes", "goodbye"]


@dataclass
class Phase:
    """One assistant driven by the trainees for a while."""

    name: str
    latencies: List[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # kind of error -> count
    seconds: float = 0.0
    acknowledged: List[tuple] = field(default_factory=list)  # (sender, scenario, step, option)
    scenarios_finished: int = 0

    def summary(self) -> dict:
        latencies = numpy.array(self.latencies or [0.0])
        return {
            "turns": len(self.latencies),
            "turns_per_second": round(len(self.latencies) / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(float(numpy.percentile(latencies, 50)) * 1000),
            "p95_ms": round(float(numpy.percentile(latencies, 95)) * 1000),
            "p99_ms": round(float(numpy.percentile(latencies, 99)) * 1000),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "scenarios_finished": self.scenarios_finished,
        }


class Trainee:
    """One simulated trainee: sends a message, waits for the whole answer, times it."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        sender: str,
        phase: Phase,
        think: Optional[tuple],
        deadline: float,
        rng: random.Random,
    ):
        self.session, self.url, self.sender, self.phase = session, url, sender, phase
        self.think, self.deadline, self.rng = think, deadline, rng

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    async def say(self, message: str) -> Optional[str]:
        """The bot's texts, or None after an error (counted)."""
        if self.think:
            await asyncio.sleep(self.rng.uniform(*self.think))
        started = time.monotonic()
        try:
            async with self.session.post(
                f"{self.url}/webhooks/rest/webhook", json={"sender": self.sender, "message": message}
            ) as reply:
                if reply.status != 200:
                    self.phase.errors[f"HTTP {reply.status}"] += 1
                    return None
                body = await reply.json()
        except asyncio.TimeoutError:
            self.phase.errors["timeout"] += 1
            return None
        except aiohttp.ClientError as error:
            self.phase.errors[type(error).__name__] += 1
            return None
        self.phase.latencies.append(time.monotonic() - started)
        texts = "\n".join(part.get("text") or "" for part in body)
        if not texts.strip():
            self.phase.errors["empty answer"] += 1
            return None
        return texts


async def play_scenarios(trainee: Trainee, number: int, content) -> None:
    """Onboarding, then scenarios to their endings until time is up. A reply without the
    expected prompt or feedback is an error and ends this trainee's run."""
    language = "en" if number % 2 == 0 else "fr"
    for message in (f'/set_language{{"language": "{language}"}}', f"Trainee {number}", "/deny"):
        if await trainee.say(message) is None:
            return
    scenarios = list(content.scenarios.values())
    turn = number
    while trainee.time_left():
        scenario = scenarios[turn % len(scenarios)]
        shown = await trainee.say(f'/start_training{{"scenario": "{scenario.id}"}}')
        node = scenario.start
        while shown is not None and node in scenario.steps:
            step = scenario.steps[node]
            if step.prompt[language] not in shown:
                trainee.phase.errors["prompt missing"] += 1
                return
            turn += 1
            if turn % 2:  # typed in the trainee's own words, graded by the grader
                option = max(step.options, key=lambda o: o.grade)
                message = step.rubric.model_answer[language]
            else:
                option = step.options[turn % len(step.options)]
                message = f'/choose_option{{"option_id": "{option.id}"}}'
            shown = await trainee.say(message)
            if shown is None:
                return
            # A typed answer's feedback says what was typed, with the verdict of its grade; a
            # button's is the option's own explanation.
            expected = content.verdicts[3][language] if turn % 2 else option.feedback[language]
            if expected not in shown:
                trainee.phase.errors["feedback missing"] += 1
                return
            trainee.phase.acknowledged.append((trainee.sender, scenario.id, node, option.id))
            node = option.next
        if shown is None:
            return
        trainee.phase.scenarios_finished += 1


async def chat_simply(trainee: Trainee, number: int, _content) -> None:
    turn = number
    while trainee.time_left():
        if await trainee.say(BASELINE_MESSAGES[turn % len(BASELINE_MESSAGES)]) is None:
            return
        turn += 1


async def drive(
    url: str, phase: Phase, trainees: int, seconds: float, think: Optional[tuple], behaviour: Callable, content=None
) -> Phase:
    """`trainees` at once for `seconds`; each finishes the turn under way when time is up."""
    run = uuid.uuid4().hex[:8]
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector, headers=REST_HEADERS) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                behaviour(
                    Trainee(session, url, f"load-{run}-{n}", phase, think, deadline, random.Random(n)), n, content
                )
                for n in range(trainees)
            )
        )
        phase.seconds = time.monotonic() - started
    return phase


def peak_memory_mib(server: ServerProcess) -> float:
    """Peak resident memory (VmHWM) of a server's processes, summed, in MiB."""
    total_kib = 0
    for pid in server.pids():
        status = Path(f"/proc/{pid}/status").read_text()
        total_kib += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(total_kib / 1024, 1)


def bare_rasa(workdir: Path, log_dir: Path):
    """`rasa init` in `workdir` (trained there), served like ours. Returns (server, url, training s)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    with open(log_dir / "baseline-init.log", "wb") as log:
        subprocess.run(
            [sys.executable, "-m", "compat", "rasa", "init", "--no-prompt", "--init-dir", str(workdir)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    training_seconds = time.monotonic() - started
    (workdir / "credentials.yml").write_text("rest:\n")
    (workdir / "endpoints.yml").write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
    )
    port = free_port()
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "compat",
            "rasa",
            "run",
            "--model",
            "models",
            "--port",
            str(port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ],
        ready_url=f"http://127.0.0.1:{port}/",
        log=log_dir / "baseline-rasa.log",
        cwd=workdir,
        env={"PYTHONPATH": str(ROOT), **LIMITS_FOR_ROBOTS},
        ready_log_line=RASA_READY_LINE,
    ).wait_ready(timeout=240)
    return server, f"http://127.0.0.1:{port}", training_seconds


def unrecorded_answers(database_url: str, acknowledged: List[tuple]) -> int:
    """Answers a trainee saw acknowledged that the progress database does not hold."""
    db = Database(database_url)
    store, people = ProgressStore(db), Trainees(db)
    try:
        recorded = set()
        for sender in {item[0] for item in acknowledged}:
            trainee = people.trainee_for("rest", sender)
            for attempt in store.attempts(trainee.id):
                recorded |= {(sender, attempt.scenario_id, a["step"], a["option"]) for a in store.answers(attempt.id)}
        return sum(item not in recorded for item in acknowledged)
    finally:
        db.close()


def think_range(text: str) -> tuple:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of each measured phase")
    parser.add_argument(
        "--think",
        type=think_range,
        default=(1.0, 5.0),
        help="think time between turns when it is on, in seconds: LOW-HIGH",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()
    report = measure(args.trainees, args.seconds, args.think)
    print(render(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


def measure(trainees: int, seconds: float, think: tuple) -> dict:
    content = load_content()
    with tempfile.TemporaryDirectory(prefix="ihl-load-") as workdir, ExitStack() as servers:
        work = Path(workdir)
        logs = work / "logs"
        logs.mkdir()
        (work / "baseline").mkdir()
        print("load: preparing the shipped model and the rasa init baseline", file=sys.stderr)
        model = trained_model()
        progress_url = f"sqlite:///{work / 'progress.db'}"
        action_server, action_url = start_action_server(logs, progress_url)
        servers.callback(action_server.stop)
        rasa_server, ours = start_rasa_server(model, action_url, logs, work / "tracker.db")
        servers.callback(rasa_server.stop)
        baseline_server, baseline, baseline_training = bare_rasa(work / "baseline", logs)
        servers.callback(baseline_server.stop)

        # Warm both up (first parses build graphs and caches), unmeasured.
        asyncio.run(drive(ours, Phase("warm-up"), 2, 1, None, play_scenarios, content))
        asyncio.run(drive(baseline, Phase("warm-up"), 2, 1, None, chat_simply))

        phases = []
        for pause in (None, think):
            label = "think time off" if pause is None else f"think time {pause[0]:g}-{pause[1]:g} s"
            for name, url, behaviour in (("ours", ours, play_scenarios), ("bare rasa", baseline, chat_simply)):
                print(f"load: {name}, {trainees} trainees, {label}, {seconds:g} s", file=sys.stderr)
                phase = asyncio.run(drive(url, Phase(name), trainees, seconds, pause, behaviour, content))
                row = {"assistant": name, "think": label, **phase.summary()}
                if name == "ours":
                    row["acknowledged_answers"] = len(phase.acknowledged)
                    row["answers_not_recorded"] = unrecorded_answers(progress_url, phase.acknowledged)
                phases.append(row)
        memory = {
            "ours: Rasa server": peak_memory_mib(rasa_server),
            "ours: action server": peak_memory_mib(action_server),
            "bare rasa: Rasa server": peak_memory_mib(baseline_server),
        }
    ratios = {}
    for ours_row, base_row in zip(phases[0::2], phases[1::2]):
        ratios[ours_row["think"]] = round(ours_row["p95_ms"] / max(base_row["p95_ms"], 1), 2)
    return {
        "trainees": trainees,
        "seconds_per_phase": seconds,
        "cores": os.cpu_count(),
        "phases": phases,
        "p95_ratio_ours_over_bare": ratios,
        "peak_memory_mib": memory,
        "bare_rasa_training_seconds": round(baseline_training, 1),
    }


def render(report: dict) -> str:
    lines = [
        f"Load: {report['trainees']} trainees, {report['seconds_per_phase']:g} s per phase, {report['cores']} cores",
        f"{'assistant':11}{'think':22}{'turns':>7}{'turns/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'errors':>8}{'scenarios':>10}",
    ]
    for row in report["phases"]:
        lines.append(
            f"{row['assistant']:11}{row['think']:22}{row['turns']:>7}{row['turns_per_second']:>9}"
            f"{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}{row['errors']:>8}"
            f"{row['scenarios_finished'] if row['assistant'] == 'ours' else '':>10}"
        )
    for think, ratio in report["p95_ratio_ours_over_bare"].items():
        lines.append(f"p95 ours / bare rasa, {think}: {ratio}")
    for row in report["phases"]:
        if row.get("error_kinds"):
            lines.append(f"errors, {row['assistant']}, {row['think']}: {row['error_kinds']}")
        if "answers_not_recorded" in row:
            lines.append(
                f"answers acknowledged, {row['think']}: {row['acknowledged_answers']}, "
                f"not in the progress database: {row['answers_not_recorded']}"
            )
    for process, mib in report["peak_memory_mib"].items():
        lines.append(f"peak memory, {process}: {mib} MiB")
    lines.append(f"bare rasa (rasa init) training: {report['bare_rasa_training_seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
