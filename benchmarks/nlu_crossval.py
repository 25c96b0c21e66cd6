"""NLU cross-validation: intent macro F1 per language and entity F1.

    .venv/bin/python benchmarks/nlu_crossval.py [--folds 5] [--config config.yml]

Each fold trains the NLU pipeline of the config on the other folds (Rasa's own stratified
folds) and parses the held-out examples. An example's language is the one trainer.language
detects (short messages with no sign, like "1" or "ok", count for both). Prints a table and
writes benchmarks/results/nlu_crossval.json.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def macro_f1(pairs):
    """Macro-averaged F1 over the gold labels of (gold, predicted) pairs (scikit-learn's)."""
    gold, predicted = zip(*pairs)
    return f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)


def per_intent_f1(pairs):
    """F1 of each gold intent, so the weakest ones show where the data needs work."""
    gold, predicted = zip(*pairs)
    labels = sorted(set(gold))
    scores = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    return {label: round(float(score), 3) for label, score in zip(labels, scores)}


def entity_f1(gold_sets, predicted_sets):
    tp = sum(len(g & p) for g, p in zip(gold_sets, predicted_sets))
    fp = sum(len(p - g) for g, p in zip(gold_sets, predicted_sets))
    fn = sum(len(g - p) for g, p in zip(gold_sets, predicted_sets))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


async def evaluate(folds: int, config: Path, seed: int) -> dict:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.nlu.test import generate_folds
    from rasa.shared.nlu.training_data.loading import load_data

    from trainer.language import detect_language

    numpy.random.seed(seed)  # Rasa's folds shuffle with numpy's global generator: same folds every run
    data = load_data(str(ROOT / "data" / "nlu"))
    results = []  # (language, gold intent, predicted intent, gold entities, predicted entities)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        for index, (train, test) in enumerate(generate_folds(folds, data)):
            fold_dir = Path(workdir) / f"fold{index}"
            fold_dir.mkdir()
            (fold_dir / "nlu.yml").write_text(train.nlu_as_yaml(), encoding="utf-8")
            model = train_nlu(str(config), str(fold_dir / "nlu.yml"), str(fold_dir), fixed_model_name="nlu")
            agent = Agent.load(model)
            for example in test.intent_examples:
                text = example.get("text")
                parsed = await agent.parse_message(text)
                # Annotations keep the text as typed ("francais"); the pipeline maps synonyms ("fr").
                gold = {
                    (e["entity"], data.entity_synonyms.get(e.get("value"), e.get("value")))
                    for e in example.get("entities") or []
                }
                predicted = {(e["entity"], e.get("value")) for e in parsed.get("entities") or []}
                language = detect_language(text)
                for lang in [language] if language else ["en", "fr"]:
                    results.append((lang, example.get("intent"), parsed["intent"]["name"], gold, predicted, text))
            print(f"fold {index + 1}/{folds} done", file=sys.stderr)
    report = {"folds": folds, "config": config.name, "seconds": round(time.monotonic() - started, 1)}
    for language in ("en", "fr"):
        rows = [r for r in results if r[0] == language]
        report[language] = {
            "examples": len(rows),
            "intent_macro_f1": round(macro_f1([(r[1], r[2]) for r in rows]), 3),
            "intent_accuracy": round(sum(r[1] == r[2] for r in rows) / len(rows), 3),
            "entity_f1": round(entity_f1([r[3] for r in rows], [r[4] for r in rows]), 3),
            "intent_f1": per_intent_f1([(r[1], r[2]) for r in rows]),
        }
    errors = defaultdict(int)
    for r in results:
        if r[1] != r[2]:
            errors[f"{r[1]} -> {r[2]}"] += 1
    report["most_confused"] = dict(sorted(errors.items(), key=lambda kv: -kv[1])[:10])
    # Every held-out example classified wrongly, to see what the training data lacks.
    report["misclassified"] = sorted({(r[1], r[2], r[5]) for r in results if r[1] != r[2]})
    return report


def render(report: dict) -> str:
    lines = [
        f"NLU cross-validation, {report['folds']} folds, {report['config']} ({report['seconds']} s)",
        f"{'language':10}{'examples':>10}{'intent macro F1':>18}{'accuracy':>10}{'entity F1':>11}",
    ]
    for language in ("en", "fr"):
        row = report[language]
        lines.append(
            f"{language:10}{row['examples']:>10}{row['intent_macro_f1']:>18.3f}"
            f"{row['intent_accuracy']:>10.3f}{row['entity_f1']:>11.3f}"
        )
    for language in ("en", "fr"):
        weakest = sorted(report[language]["intent_f1"].items(), key=lambda kv: kv[1])[:6]
        lines.append(f"weakest intents ({language}): " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
    lines.append(f"most confused: {report['most_confused']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold split")
    args = parser.parse_args()
    report = asyncio.run(evaluate(args.folds, args.config, args.seed))
    print(render(report))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "nlu_crossval.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
