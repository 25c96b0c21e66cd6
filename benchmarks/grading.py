"""How the grader does on answers nobody here tuned it on: the frozen test part of the corpus.

    .venv/bin/python benchmarks/grading.py [--part test|plain|development [--folds N]] [--json FILE]

The grader learns from the development part (content/graded_answers.jsonl) only; the frozen test
part (benchmarks/data/graded_answers_test.jsonl: the writers whose number is a multiple of
three, see the README) is read here and nowhere else. Prints, per language and overall, beside
the rubric-only grader in the same run: quadratic weighted kappa and exact agreement on the
answers graded without asking, unlawful answers graded 1, 2-3 or left ungraded, good answers
graded 0, the share sent to "Did you mean", grading time per answer on one core (p50, p95) and
the memory the grader adds to a process that has loaded the action server's code. `--part
development` grades the development part by leave-one-writer-out cross-validation instead (each
writer's answers by a grader fitted on the other writers'): the figure used to choose the
grader's thresholds; with `--folds 4`, four groups of writers instead of one writer each (a
quarter of an hour instead of hours), the figure the later changes were judged on. `--part
plain` grades a second frozen set, plain answers of 3 to 10 words (benchmarks/data/
plain_answers_test.jsonl, keyed unlawful or good only, not 0-3): its counts, no agreement figure.
"""

import os

# One core, as the targets say; set before numpy loads its BLAS.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FROZEN_TEST = ROOT / "benchmarks" / "data" / "graded_answers_test.jsonl"
FROZEN_PLAIN = ROOT / "benchmarks" / "data" / "plain_answers_test.jsonl"


def plain_examples():
    """The plain set as examples: unlawful as 0, good as 2 (lawful, 2 or 3: counted with the good
    answers; its grade is not known, so no agreement figure is drawn from it)."""
    from trainer.grader import GradedExample

    items = [json.loads(line) for line in FROZEN_PLAIN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        GradedExample(i["scenario"], i["step"], i["text"], 0 if i["unlawful"] else 2, "plain", i["lang"]) for i in items
    ]


def peak_memory_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def figures(graded, keyed: bool = True) -> dict:
    """`keyed`: the answers carry grades 0-3 to agree with (not the plain set's unlawful or good)."""
    from trainer.calibration import agreement, summary

    if not keyed:
        return {"kappa": None, "exact": None, **summary(graded)}
    automatic = [(e, r) for e, r in graded if r is not None and not r.unsure]
    report = agreement([e.grade for e, _ in automatic], [r.grade for _, r in automatic])
    return {"kappa": round(report.kappa, 3), "exact": round(report.exact, 3), **summary(graded)}


def by_language(graded, keyed: bool = True) -> dict:
    return {
        language: figures([(e, r) for e, r in graded if e.lang == language], keyed)
        for language in sorted({e.lang for e, _ in graded})
    } | {"all": figures(graded, keyed)}


def by_writer(graded, keyed: bool = True) -> dict:
    """Per writer: the test part grew by a writer after the grader existed (README), and each
    writer's figures show how far one kind of trainee moves them."""
    return {
        writer: figures([(e, r) for e, r in graded if e.writer == writer], keyed)
        for writer in sorted({e.writer for e, _ in graded})
    }


def timed(grader, examples):
    """Each example graded, with the milliseconds it took."""
    graded, times = [], []
    for example in examples:
        started = time.perf_counter()
        try:
            result = grader.grade(example.scenario, example.step, example.text)
        except KeyError:
            result = None
        times.append((time.perf_counter() - started) * 1000)
        graded.append((example, result))
    return graded, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("test", "plain", "development"), default="test")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--folds", type=int, help="with --part development: writers dealt into this many folds, not one each"
    )
    args = parser.parse_args()
    if args.folds is not None and (args.part != "development" or args.folds < 2):
        parser.error("--folds needs --part development and at least 2 folds")

    import actions.runtime  # noqa: F401 - the action server's code, loaded before measuring the grader
    from trainer.calibration import cross_validate
    from trainer.content_loader import load_content
    from trainer.grader import load_examples, load_grader
    from trainer.scoring import Scorer
    from trainer.settings import GRADED_ANSWERS

    content = load_content()
    memory_before = peak_memory_mib()
    if args.part in ("test", "plain"):
        grader = load_grader(content, GRADED_ANSWERS)
        examples = load_examples(FROZEN_TEST) if args.part == "test" else plain_examples()
        graded, times = timed(grader, examples[:50])  # warm-up: caches, first calls
        graded, times = timed(grader, examples)
    else:
        examples = load_examples(GRADED_ANSWERS)
        graded, times = cross_validate(content, examples, args.folds), []
    memory_after = peak_memory_mib()
    rubric_only, _ = timed(Scorer(content), examples)
    keyed = args.part != "plain"

    result = {
        "part": args.part,
        "answers": len(examples),
        "grader": by_language(graded, keyed),
        "rubric_only": by_language(rubric_only, keyed),
        "grader_by_writer": by_writer(graded, keyed),
        "ms_per_answer": {
            "p50": round(statistics.median(times), 2) if times else None,
            "p95": round(sorted(times)[int(0.95 * len(times)) - 1], 2) if times else None,
        },
        "memory_mib": {"before_grader": round(memory_before), "with_grader": round(memory_after)},
    }
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


def print_report(result: dict) -> None:
    print(f"part: {result['part']} ({result['answers']} answers)")
    columns = [
        "kappa",
        "exact",
        "sent_to_did_you_mean",
        "unlawful_answers",
        "unlawful_graded_1",
        "unlawful_graded_2_or_3",
        "unlawful_left_ungraded",
        "unlawful_sent_to_did_you_mean",
        "good_answers",
        "good_graded_0",
    ]
    for name in ("grader", "rubric_only", "grader_by_writer"):
        print(f"\n{name}")
        print("  " + "".join(f"{c[:22]:>24}" for c in ["writer" if name.endswith("writer") else "language"] + columns))
        for language, values in result[name].items():
            print("  " + f"{language:>24}" + "".join(f"{values[c]!s:>24}" for c in columns))
    print(f"\nms per answer (one core): {result['ms_per_answer']}")
    memory = result["memory_mib"]
    print(f"peak memory (MiB): {memory['before_grader']} with the action server's code,", end=" ")
    print(f"{memory['with_grader']} with the grader")


if __name__ == "__main__":
    main()
