"""Compare the scoring engine's grades with an instructor's, as a trainer checks a rubric."""

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy
from sklearn.metrics import cohen_kappa_score

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
