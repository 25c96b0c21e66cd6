"""Knowledge checks before and after training and the learning gains reported from them, on a
real store (SQLite and PostgreSQL); the figures are checked against gains computed by hand."""

import csv
import io

import pytest

from trainer import exports
from trainer.accounts import Trainer
from trainer.content import AFTER_FORM, BEFORE_FORM
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees
from trainer.knowledge import CheckInfo, Checks, due, next_item
from trainer.learning import OVERALL, normalised_gain
from trainer.reports import Filters, Reports

CONTENT = load_content()
ADMIN = Trainer(0, "test", "admin")


def take(checks, trainee_id, kind, right):
    """Take the test of `kind`, answering right exactly the items `right(item)` says."""
    form = CONTENT.check_forms[BEFORE_FORM if kind == "before" else AFTER_FORM]
    check = checks.start(trainee_id, kind)
    for item in form:
        option = item.right if right(item) else next(o for o in item.options if not o.correct)
        check = checks.answer(check.id, item, option.id, len(form))
    assert check.finished
    return check


@pytest.fixture
def cohort(database_url):
    db = Database(database_url)
    people, checks = Trainees(db), Checks(db)
    code = people.create_cohort("Kati 2026-12")
    awa, ibrahim = people.trainee_for("rest", "awa"), people.trainee_for("rest", "ibrahim")
    people.update_trainee(awa.id, display_name="Awa")
    people.update_trainee(ibrahim.id, display_name="Ibrahim")
    for trainee in (awa, ibrahim):
        people.enrol(trainee.id, code)
    yield db, checks, awa.id, ibrahim.id
    db.close()


def test_the_forms_ask_as_much_of_each_principle_and_have_one_right_answer_each():
    before, after = CONTENT.check_forms[BEFORE_FORM], CONTENT.check_forms[AFTER_FORM]
    assert 10 <= len(before) <= 12 and sorted(i.principle for i in before) == sorted(i.principle for i in after)
    assert {i.id for i in before}.isdisjoint(i.id for i in after)  # the after-test asks other questions
    for item in before + after:
        assert sum(o.correct for o in item.options) == 1 and all(rule in CONTENT.rules for rule in item.rules)
    # The right answer is not always in the same place.
    assert len({[o.correct for o in item.options].index(True) for item in before}) >= 2


def test_which_test_is_due():
    done = CheckInfo(1, "before", BEFORE_FORM, True)
    half = CheckInfo(2, "after", AFTER_FORM, False, {"b_x": True})
    assert due({}, scenarios_done=True, after_open=True) == "before"
    assert due({"before": CheckInfo(1, "before", BEFORE_FORM, False)}, True, True) == "before"
    assert due({"before": done}, scenarios_done=False, after_open=False) is None
    assert due({"before": done}, scenarios_done=True, after_open=False) == "after"
    assert due({"before": done}, scenarios_done=False, after_open=True) == "after"
    assert due({"before": done, "after": half}, False, True) == "after"
    assert due({"before": done, "after": CheckInfo(2, "after", AFTER_FORM, True)}, True, True) is None


def test_a_test_resumes_at_its_first_unanswered_item_and_an_item_counts_once(cohort):
    db, checks, awa, _ = cohort
    form = CONTENT.check_forms[BEFORE_FORM]
    check = checks.start(awa, "before")
    check = checks.answer(check.id, form[0], form[0].right.id, len(form))
    again = checks.answer(check.id, form[0], form[0].options[0].id, len(form))  # an old button pressed again
    assert again.answered == {form[0].id: True} and next_item(CONTENT, checks.start(awa, "before")) == form[1]


def test_gains_per_trainee_principle_and_cohort_match_a_hand_computation(cohort):
    db, checks, awa, ibrahim = cohort
    # Awa: half right before (the first item of each principle), all but one after.
    first_of_principle = {}
    for item in CONTENT.check_forms[BEFORE_FORM]:
        first_of_principle.setdefault(item.principle, item.id)
    take(checks, awa, "before", lambda item: item.id in first_of_principle.values())
    last_after = CONTENT.check_forms[AFTER_FORM][-1].id
    take(checks, awa, "after", lambda item: item.id != last_after)
    # Ibrahim: a quarter before (3 of 12), everything after.
    take(checks, ibrahim, "before", lambda item: CONTENT.check_forms[BEFORE_FORM].index(item) < 3)
    take(checks, ibrahim, "after", lambda item: True)

    items = len(CONTENT.check_forms[BEFORE_FORM])
    awa_before, awa_after = 100 * len(first_of_principle) / items, 100 * (items - 1) / items
    ibrahim_before, ibrahim_after = 100 * 3 / items, 100.0
    group_before, group_after = (awa_before + ibrahim_before) / 2, (awa_after + ibrahim_after) / 2

    learned = Reports(db, CONTENT).learning(ADMIN, Filters())
    by_name = {row.name: row for row in learned.trainees}
    assert by_name["Awa"].overall.before == pytest.approx(awa_before, abs=0.05)
    assert by_name["Awa"].overall.gain == pytest.approx((awa_after - awa_before) / (100 - awa_before), abs=0.001)
    assert by_name["Ibrahim"].overall.gain == pytest.approx(1.0)
    assert learned.pairs == 2
    assert learned.group[OVERALL].before == pytest.approx(group_before, abs=0.1)  # means of rounded percents
    assert learned.group[OVERALL].gain == pytest.approx((group_after - group_before) / (100 - group_before), abs=0.002)
    # Per principle: Awa knew one item of each two-item principle before.
    two_item = [p for p in learned.principles if sum(i.principle == p for i in CONTENT.check_forms[BEFORE_FORM]) == 2]
    assert two_item and all(by_name["Awa"].scores[p].before == 50.0 for p in two_item)

    rows = list(csv.DictReader(io.StringIO(exports.learning_csv(learned))))
    awa_all = next(r for r in rows if r["trainee_name"] == "Awa" and r["principle"] == OVERALL)
    group_all = next(r for r in rows if r["level"] == "group" and r["principle"] == OVERALL)
    assert float(awa_all["normalised_gain"]) == by_name["Awa"].overall.gain
    assert (
        float(group_all["normalised_gain"]) == learned.group[OVERALL].gain and group_all["trainee_name"] == "2 trainees"
    )

    statements = exports.learning_statements(learned, "https://trainer.example.org")
    assert len(statements) == 4 and len({s["id"] for s in statements}) == 4
    kinds = {
        (s["actor"]["name"], s["context"]["extensions"]["https://trainer.example.org/xapi/extensions/check-kind"])
        for s in statements
    }
    assert kinds == {("Awa", "before"), ("Awa", "after"), ("Ibrahim", "before"), ("Ibrahim", "after")}
    ibrahim_after_statement = next(
        s for s in statements if s["actor"]["name"] == "Ibrahim" and s["object"]["id"].endswith("/knowledge-check/b")
    )
    assert ibrahim_after_statement["result"]["score"]["raw"] == 100.0


def test_normalised_gain_edges():
    assert normalised_gain(100.0, 100.0) is None  # nothing left to learn: no gain to measure
    assert normalised_gain(50.0, 25.0) == -0.5  # forgetting shows as a negative gain
    assert normalised_gain(None, 80.0) is None
