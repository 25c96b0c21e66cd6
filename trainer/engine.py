"""Move through a scenario's graph of decision points."""

import random
from typing import Sequence, Tuple

from trainer.content import Option, Step


def option_for_grade(step: Step, grade: int) -> Option:
    """The option whose branch a typed answer of `grade` follows: the nearest grade, and on a
    tie the better-graded option (a lawful answer must not be led into an unlawful branch)."""
    return min(step.options, key=lambda option: (abs(option.grade - grade), -option.grade))


def best_option(step: Step) -> Option:
    """The recommended conduct: the first option with the highest grade."""
    return max(step.options, key=lambda option: option.grade)


def shuffled(options: Sequence[Option], seed: str) -> Tuple[Option, ...]:
    """Options in an order fixed by `seed`: never the file's, where the recommended one may stand
    first, and the same every time for the same seed."""
    order = list(options)
    random.Random(seed).shuffle(order)  # a str seed hashes the same in every process
    return tuple(order)


def shown_options(step: Step, attempt_id: int) -> Tuple[Option, ...]:
    """The step's options in the order one attempt shows them: shuffled, so that a button's
    position never gives its grade away, and the same each time within the attempt (a repeated
    prompt, a resumed scenario, a numbered list on WhatsApp, "2" typed later)."""
    return shuffled(step.options, f"{attempt_id}:{step.id}")
