"""Run a Python module as a program with the Python 3.11 fixes applied first.

    python -m compat rasa run --credentials credentials.yml ...
    python -m compat rasa_sdk --actions actions --port 5055
"""
import runpy
import sys

import compat


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m compat MODULE [ARGS...]  (for example: rasa run, rasa_sdk)")
    compat.apply()
    module = sys.argv[1]
    sys.argv = [module] + sys.argv[2:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
