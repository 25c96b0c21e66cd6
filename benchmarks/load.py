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

    .venv/bin/python benchmarks/load.py --against DIR [--rounds 4] [--trainees 40] [--seconds 30]

compares instead this code with another checkout of the project (DIR, e.g. made by `git worktree
add`) in the same run: both assistants are served side by side and driven in turn with think time
off, in rounds ordered ABBA ABBA... so that the shared machine's drift falls on both alike. Each
side's trainees follow that side's own content (its scenarios, options and model answers, read
by its own code). Reports turns per second and the servers' CPU per turn, per phase and per
side, and this code's turns per second over the other's, on average and per round; this code's
acknowledged answers are looked up in its progress database.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

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


async def play_scenarios(trainee: Trainee, number: int, script: dict) -> None:
    """Onboarding, then scenarios to their endings until time is up. A reply without the
    expected prompt or feedback is an error and ends this trainee's run."""
    language = "en" if number % 2 == 0 else "fr"
    for message in (f'/set_language{{"language": "{language}"}}', f"Trainee {number}", "/deny"):
        if await trainee.say(message) is None:
            return
    scenarios = script["scenarios"]
    turn = number
    while trainee.time_left():
        scenario = scenarios[turn % len(scenarios)]
        shown = await trainee.say(f'/start_training{{"scenario": "{scenario["id"]}"}}')
        node = scenario["start"]
        while shown is not None and node in scenario["steps"]:
            step = scenario["steps"][node]
            if step["prompt"][language] not in shown:
                trainee.phase.errors["prompt missing"] += 1
                return
            turn += 1
            if turn % 2:  # typed in the trainee's own words, graded by the grader
                option = max(step["options"], key=lambda o: o["grade"])
                message = step["model_answer"][language]
            else:
                option = step["options"][turn % len(step["options"])]
                message = f'/choose_option{{"option_id": "{option["id"]}"}}'
            shown = await trainee.say(message)
            if shown is None:
                return
            # A typed answer's feedback says what was typed, with the verdict of its grade (in
            # code before the grader: the option's own explanation, as a button's is).
            typed = script["typed_verdict"]
            expected = typed[language] if turn % 2 and typed else option["feedback"][language]
            if expected not in shown:
                trainee.phase.errors["feedback missing"] += 1
                return
            trainee.phase.acknowledged.append((trainee.sender, scenario["id"], node, option["id"]))
            node = option["next"]
        if shown is None:
            return
        trainee.phase.scenarios_finished += 1


async def chat_simply(trainee: Trainee, number: int, _script) -> None:
    turn = number
    while trainee.time_left():
        if await trainee.say(BASELINE_MESSAGES[turn % len(BASELINE_MESSAGES)]) is None:
            return
        turn += 1


async def drive(
    url: str, phase: Phase, trainees: int, seconds: float, think: Optional[tuple], behaviour: Callable, script=None
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
                behaviour(Trainee(session, url, f"load-{run}-{n}", phase, think, deadline, random.Random(n)), n, script)
                for n in range(trainees)
            )
        )
        phase.seconds = time.monotonic() - started
    return phase


# What the trainees need of a checkout's content, read by that checkout's own code (whose
# loader and content format may differ from this one's): printed as JSON.
SCRIPT_OF_TREE = """
import json
try:
    from trainer.content_loader import load_content
except ModuleNotFoundError as missing:  # code from before the loader had its own module
    if missing.name != "trainer.content_loader":
        raise
    from trainer.content import load_content
content = load_content()
verdicts = getattr(content, "verdicts", None)
print(json.dumps({
    "typed_verdict": verdicts[max(verdicts)] if verdicts else None,
    "scenarios": [{
        "id": scenario.id,
        "start": scenario.start,
        "steps": {step.id: {
            "prompt": step.prompt,
            "model_answer": step.rubric.model_answer,
            "options": [{"id": o.id, "grade": o.grade, "next": o.next, "feedback": o.feedback} for o in step.options],
        } for step in scenario.steps.values()},
    } for scenario in content.scenarios.values()],
}))
"""


def trainee_script(tree: Path) -> dict:
    """The scenarios, options and model answers the trainees play on the code in `tree`."""
    env = dict(os.environ, PYTHONPATH=str(tree), RASA_TELEMETRY_ENABLED="false")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT_OF_TREE], cwd=tree, env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # anything the code prints before it aside


def cpu_seconds(server: ServerProcess) -> float:
    """CPU time (user and system) a server's processes have used so far."""
    total = 0
    for pid in server.pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a child that has just ended
            continue
        # utime, stime and the same for ended children (fields 14-17 of proc(5))
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(server: ServerProcess) -> float:
    """Peak resident memory (VmHWM) of a server's processes, summed, in MiB."""
    total_kib = 0
    for pid in server.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:  # a child that has just ended
            continue
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
    parser.add_argument(
        "--out", type=Path, help="JSON report (default benchmarks/results/load.json, or load-against.json)"
    )
    parser.add_argument("--against", type=Path, help="another checkout of the project to compare with, in turn")
    parser.add_argument("--rounds", type=int, default=4, help="with --against: phases per side, an even number (ABBA)")
    args = parser.parse_args()
    if args.against and (args.rounds < 2 or args.rounds % 2):
        parser.error("--rounds must be an even number, at least 2: each pair of rounds is ABBA")
    args.out = args.out or ROOT / "benchmarks" / "results" / ("load-against.json" if args.against else "load.json")
    if args.against:
        report = measure_against(args.against.resolve(), args.trainees, args.seconds, args.rounds)
        print(render_against(report))
    else:
        report = measure(args.trainees, args.seconds, args.think)
        print(render(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


def measure(trainees: int, seconds: float, think: tuple) -> dict:
    script = trainee_script(ROOT)
    with tempfile.TemporaryDirectory(prefix="ihl-load-") as workdir, ExitStack() as servers:
        work = Path(workdir)
        logs = work / "logs"
        logs.mkdir()
        (work / "baseline").mkdir()
        print("load: preparing the shipped model and the rasa init baseline", file=sys.stderr)
        ours, ours_servers = serve_tree(ROOT, work, logs, servers)
        baseline_server, baseline, baseline_training = bare_rasa(work / "baseline", logs)
        servers.callback(baseline_server.stop)

        # Warm both up (first parses build graphs and caches), unmeasured.
        asyncio.run(drive(ours, Phase("warm-up"), 2, 1, None, play_scenarios, script))
        asyncio.run(drive(baseline, Phase("warm-up"), 2, 1, None, chat_simply))

        phases = []
        for pause in (None, think):
            label = "think time off" if pause is None else f"think time {pause[0]:g}-{pause[1]:g} s"
            for name, url, behaviour in (("ours", ours, play_scenarios), ("bare rasa", baseline, chat_simply)):
                print(f"load: {name}, {trainees} trainees, {label}, {seconds:g} s", file=sys.stderr)
                phase = asyncio.run(drive(url, Phase(name), trainees, seconds, pause, behaviour, script))
                row = {"assistant": name, "think": label, **phase.summary()}
                if name == "ours":
                    row["acknowledged_answers"] = len(phase.acknowledged)
                    row["answers_not_recorded"] = unrecorded_answers(progress_url(work), phase.acknowledged)
                phases.append(row)
        memory = {
            "ours: Rasa server": peak_memory_mib(ours_servers["rasa"]),
            "ours: action server": peak_memory_mib(ours_servers["actions"]),
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


def progress_url(work: Path) -> str:
    """The progress database of the assistant served from `work`, where its answers are looked up."""
    return f"sqlite:///{work / 'progress.db'}"


def serve_tree(tree: Path, work: Path, logs: Path, servers: ExitStack) -> Tuple[str, Dict[str, ServerProcess]]:
    """The assistant of the checkout `tree`, served and trained by its own scripts, with SQLite
    databases in `work`. Returns its URL and its "rasa" and "actions" server processes."""
    actions, action_url = start_action_server(logs, progress_url(work), root=tree)
    servers.callback(actions.stop)
    rasa, url = start_rasa_server(trained_model(tree), action_url, logs, work / "tracker.db", root=tree)
    servers.callback(rasa.stop)
    return url, {"rasa": rasa, "actions": actions}


def measure_against(tree: Path, trainees: int, seconds: float, rounds: int) -> dict:
    """This code and the checkout `tree`, driven in turn with think time off (module doc)."""
    trees = {"this": ROOT, "other": tree}
    scripts = {side: trainee_script(trees[side]) for side in trees}
    with tempfile.TemporaryDirectory(prefix="ihl-load-") as workdir, ExitStack() as servers:
        work = Path(workdir)
        logs = work / "logs"
        logs.mkdir()
        print(f"load: serving this code and {tree}", file=sys.stderr)
        urls, processes = {}, {}
        for side in trees:
            (work / side).mkdir()
            urls[side], processes[side] = serve_tree(trees[side], work / side, logs, servers)
        for side in urls:  # every scenario once, unmeasured: first parses build graphs and caches
            warm_up = Phase("warm-up")
            asyncio.run(
                drive(urls[side], warm_up, len(scripts[side]["scenarios"]), 10, None, play_scenarios, scripts[side])
            )
            if warm_up.errors:
                raise SystemExit(f"load: {side} ({trees[side]}) fails its trainees: {dict(warm_up.errors)}")
        phases, acknowledged = [], []
        for number in range(rounds):
            for side in ("this", "other") if number % 2 == 0 else ("other", "this"):  # ABBA ABBA...
                print(f"load: round {number + 1}, {side}, {trainees} trainees, {seconds:g} s", file=sys.stderr)
                before = {name: cpu_seconds(server) for name, server in processes[side].items()}
                phase = asyncio.run(
                    drive(urls[side], Phase(side), trainees, seconds, None, play_scenarios, scripts[side])
                )
                used = {name: cpu_seconds(server) - before[name] for name, server in processes[side].items()}
                row = {"side": side, "round": number + 1, **phase.summary()}
                # CPU per turn hardly depends on how busy the shared machine is, unlike turns/s.
                row["cpu_ms_per_turn"] = {name: round(1000 * u / max(row["turns"], 1), 1) for name, u in used.items()}
                phases.append(row)
                if side == "this":
                    acknowledged += phase.acknowledged
        not_recorded = unrecorded_answers(progress_url(work / "this"), acknowledged)
        memory = {side: {name: peak_memory_mib(server) for name, server in processes[side].items()} for side in urls}
    rates = {side: [p["turns_per_second"] for p in phases if p["side"] == side] for side in urls}
    mean = {side: statistics.mean(rates[side]) for side in urls}
    return {
        "against": str(tree),
        "trainees": trainees,
        "seconds_per_phase": seconds,
        "cores": os.cpu_count(),
        "phases": phases,
        "turns_per_second": {side: round(mean[side], 2) for side in urls},
        "this_over_other": round(mean["this"] / mean["other"], 3) if mean["other"] else None,
        "this_over_other_by_round": [round(a / b, 3) if b else None for a, b in zip(rates["this"], rates["other"])],
        "cpu_ms_per_turn": {
            side: {
                name: round(statistics.median(p["cpu_ms_per_turn"][name] for p in phases if p["side"] == side), 1)
                for name in ("rasa", "actions")
            }
            for side in urls
        },
        "peak_memory_mib": memory,
        "errors": {side: sum(p["errors"] for p in phases if p["side"] == side) for side in urls},
        "acknowledged_answers": len(acknowledged),
        "answers_not_recorded": not_recorded,
    }


def render_against(report: dict) -> str:
    lines = [
        f"Load against {report['against']}: {report['trainees']} trainees, think time off, "
        f"{report['seconds_per_phase']:g} s per phase, {report['cores']} cores",
        f"{'round':>5}  {'side':6}{'turns':>7}{'turns/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}"
        f"{'CPU ms/turn: rasa':>19}{'actions':>9}",
    ]
    for row in report["phases"]:
        cpu = row["cpu_ms_per_turn"]
        lines.append(
            f"{row['round']:>5}  {row['side']:6}{row['turns']:>7}{row['turns_per_second']:>9}"
            f"{row['p50_ms']:>8}{row['p95_ms']:>8}{row['errors']:>8}{cpu['rasa']:>19}{cpu['actions']:>9}"
        )
        if row["error_kinds"]:
            lines.append(f"       errors: {row['error_kinds']}")
    rates = report["turns_per_second"]
    lines.append(f"mean turns/s: this {rates['this']}, other {rates['other']}")
    if any(report["errors"].values()):  # a trainee stops at an error: fewer turns, not a slower server
        lines.append(f"ERRORS {report['errors']}: the ratio below does not compare the two")
    lines.append(f"this over other: {report['this_over_other']} (by round: {report['this_over_other_by_round']})")
    for side, cpu in report["cpu_ms_per_turn"].items():
        memory = report["peak_memory_mib"][side]
        lines.append(
            f"{side}: median CPU ms per turn, Rasa server {cpu['rasa']}, action server {cpu['actions']}; "
            f"peak memory {memory['rasa']} / {memory['actions']} MiB"
        )
    lines.append(
        f"this code's answers acknowledged: {report['acknowledged_answers']}, "
        f"not in the progress database: {report['answers_not_recorded']}"
    )
    return "\n".join(lines)


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
