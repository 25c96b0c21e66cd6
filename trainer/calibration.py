"""Compare the grader with an instructor's grades, as a trainer checks it, and as the grading
benchmark measures it on the frozen test part."""

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import numpy
from sklearn.metrics import cohen_kappa_score

if TYPE_CHECKING:
    from trainer.grader import GradedExample
    from trainer.scoring import GradeResult

GRADES = (0, 1, 2, 3)
LABELS = ("0", "1", "2", "3", "unclear")


@dataclass
class Agreement:
    count: int
    exact: float
    within_one: float
    kappa: float
    confusion: List[List[int]]  # rows: expected, columns: predicted, in LABELS order

    def render(self) -> str:
        width = 8
        lines = [
            f"answers:                      {self.count}",
            f"exact agreement:              {self.exact:.3f}",
            f"agreement within one grade:   {self.within_one:.3f}",
            f"quadratic weighted kappa:     {self.kappa:.3f}",
            "",
            "confusion matrix (rows: expected, columns: engine)",
            "expected".ljust(width + 2) + "".join(label.rjust(width) for label in LABELS),
        ]
        for label, row in zip(LABELS, self.confusion):
            lines.append(label.ljust(width + 2) + "".join(str(n).rjust(width) for n in row))
        return "\n".join(lines)


def _index(grade: Optional[int]) -> int:
    return len(GRADES) if grade is None else GRADES.index(grade)


def agreement(expected: Sequence[Optional[int]], predicted: Sequence[Optional[int]]) -> Agreement:
    """Agreement statistics; an "unclear" (None) counts as grade 0 in kappa and distances,
    since an answer the engine cannot read earns no credit."""
    if len(expected) != len(predicted) or not expected:
        raise ValueError("need the same, non-zero number of expected and predicted grades")
    confusion = [[0] * len(LABELS) for _ in LABELS]
    for e, p in zip(expected, predicted):
        confusion[_index(e)][_index(p)] += 1
    as_number = [(e or 0, p or 0) for e, p in zip(expected, predicted)]
    count = len(as_number)
    exact = sum(e == p for e, p in zip(expected, predicted)) / count
    within_one = sum(abs(e - p) <= 1 for e, p in as_number) / count
    return Agreement(count, exact, within_one, quadratic_weighted_kappa(as_number), confusion)


def quadratic_weighted_kappa(pairs: Sequence[tuple]) -> float:
    """Cohen's kappa with quadratic weights over grades 0-3 (scikit-learn's); 1.0 when both
    sides gave one and the same grade throughout, where kappa itself is undefined."""
    expected, predicted = zip(*pairs)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        kappa = cohen_kappa_score(expected, predicted, labels=list(GRADES), weights="quadratic")
    return 1.0 if math.isnan(kappa) else float(kappa)


Graded = Sequence[Tuple["GradedExample", Optional["GradeResult"]]]  # None: not a step of the content


def grade_all(grader, examples: Sequence["GradedExample"]) -> Graded:
    """Each example with the grader's result."""
    graded: List[Tuple[GradedExample, Optional[GradeResult]]] = []
    for example in examples:
        try:
            graded.append((example, grader.grade(example.scenario, example.step, example.text)))
        except KeyError:
            graded.append((example, None))
    return graded


def cross_validate(content, examples: Sequence["GradedExample"], folds: Optional[int] = None) -> Graded:
    """Each writer's answers graded by a grader that learned from the other writers' answers
    only: how the grader does on answers written by someone it never read. With `folds`, the
    writers (sorted) are dealt in turn into that many groups, each graded by a grader fitted on
    the others: the same question in a fraction of the time (four folds: minutes, not hours)."""
    from trainer.grader import Grader

    writers = sorted({e.writer for e in examples})
    group = {writer: position % folds if folds else position for position, writer in enumerate(writers)}
    graded: List[Tuple[GradedExample, Optional[GradeResult]]] = []
    for held_out in sorted(set(group.values())):
        grader = Grader(content, [e for e in examples if group[e.writer] != held_out])
        graded.extend(grade_all(grader, [e for e in examples if group[e.writer] == held_out]))
    return graded


def summary(graded: Graded) -> Dict[str, float]:
    """What matters beyond agreement: answers sent to "Did you mean", and the two mistakes that
    teach the wrong thing (an unlawful answer graded lawful; a lawful one graded unlawful)."""
    results = [(e, r) for e, r in graded if r is not None]
    unlawful = [r for e, r in results if e.grade == 0]
    good = [r for e, r in results if e.grade in (2, 3)]

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "answers": len(results),
        "sent_to_did_you_mean": share(sum(r.unsure for _, r in results), len(results)),
        "unlawful_answers": len(unlawful),
        "unlawful_graded_0": sum(r.grade == 0 and not r.unsure for r in unlawful),
        "unlawful_graded_1": sum(r.grade == 1 and not r.unsure for r in unlawful),
        "unlawful_graded_2_or_3": sum(r.grade in (2, 3) and not r.unsure for r in unlawful),
        "unlawful_left_ungraded": sum(r.grade is None for r in unlawful),
        "unlawful_sent_to_did_you_mean": sum(r.unsure for r in unlawful),
        "good_answers": len(good),
        "good_graded_0": sum(r.grade == 0 and not r.unsure for r in good),
    }
