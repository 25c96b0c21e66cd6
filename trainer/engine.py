"""Move through a scenario's graph of decision points."""
from typing import List

from trainer.content import Option, Scenario, Step


def option_for_grade(step: Step, grade: int) -> Option:
    """The option whose branch a typed answer of `grade` follows: the nearest grade, and on a
    tie the better-graded option (a lawful answer must not be led into an unlawful branch)."""
    return min(step.options, key=lambda option: (abs(option.grade - grade), -option.grade))


def best_option(step: Step) -> Option:
    """The recommended conduct: the first option with the highest grade."""
    return max(step.options, key=lambda option: option.grade)


def recommended_path(scenario: Scenario) -> List[str]:
    """Step ids visited when every choice is the recommended one, then the ending's id."""
    path, node = [], scenario.start
    while node in scenario.steps and node not in path:
        path.append(node)
        node = best_option(scenario.steps[node]).next
    path.append(node)
    return path
