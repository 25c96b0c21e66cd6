"""Train a Rasa model only when its inputs changed.

The model is named after a fingerprint of everything it is built from (the config, domain.yml,
data/ and the locked package versions), so an unchanged project reuses the model it already has.
Scenario content is not among them: the action server reads it at start, so a trainer's edit
needs a restart, not a new model. Prints the model's path as the last line of stdout.

    python scripts/train.py            # config.yml -> models/assistant-<fingerprint>.tar.gz
"""

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["domain.yml", "data", "requirements/lock.txt"]


def fingerprint(config: Path) -> str:
    digest = hashlib.sha256()
    files = [config] + sorted(
        path
        for name in INPUTS
        for path in ([ROOT / name] if (ROOT / name).is_file() else (ROOT / name).rglob("*"))
        if path.is_file()
    )
    for path in files:
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def ensure_model(config: Path, out: Path) -> Path:
    name = f"assistant-{fingerprint(config)}"
    model = out / f"{name}.tar.gz"
    if model.exists():
        print(f"train: inputs unchanged, using {model.relative_to(ROOT)}", file=sys.stderr)
        return model
    out.mkdir(parents=True, exist_ok=True)
    print(f"train: training {model.relative_to(ROOT)} with {config.name}", file=sys.stderr)
    command = [
        sys.executable,
        "-m",
        "compat",
        "rasa",
        "train",
        "--config",
        str(config),
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(out),
        "--fixed-model-name",
        name,
    ]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=sys.stderr)
    if result.returncode != 0 or not model.exists():
        sys.exit(f"train: rasa train failed (exit {result.returncode})")
    for stale in out.glob("assistant-*.tar.gz"):
        if stale != model:
            stale.unlink()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", type=Path)
    parser.add_argument("--out", default="models", type=Path)
    args = parser.parse_args()
    config = args.config if args.config.is_absolute() else ROOT / args.config
    out = args.out if args.out.is_absolute() else ROOT / args.out
    print(ensure_model(config, out))


if __name__ == "__main__":
    main()
