"""trainer.turn: what one message at a decision point is, tested with no Tracker and no server.

The grader here is either the real one (fitted from content/graded_answers.jsonl, cached in
var/cache) or a stand-in whose answer the test sets, to drive the turn into each of its paths."""

import re

import numpy
import pytest

from trainer import coaching, turn
from trainer.content_loader import load_content
from trainer.engine import shown_options
from trainer.grader import CONFIDENT, UNLAWFUL_DOUBT, load_grader
from trainer.scoring import GradeResult
from trainer.text import words

CONTENT = load_content()


@pytest.fixture(scope="module")
def grader():
    return load_grader(CONTENT)


class NeverCalled:
    def grade(self, scenario_id, step_id, text):
        raise AssertionError(f"{text!r} was graded at {scenario_id}/{step_id}")


class Says:
    """A grader whose result the test chooses."""

    def __init__(self, result: GradeResult):
        self.result = result

    def grade(self, scenario_id, step_id, text):
        return self.result


def point(scenario="checkpoint_motorbike", step="approach", attempt=1):
    scenario_ = CONTENT.scenario(scenario)
    return turn.DecisionPoint(scenario_, scenario_.steps[step], shown_options(scenario_.steps[step], attempt))


def every_point():
    for scenario in CONTENT.scenarios.values():
        for step in scenario.steps.values():
            yield turn.DecisionPoint(scenario, step, shown_options(step, 1))


def advertised_phrases():
    """Each request phrase of interface.yml in both languages, its {n} and {topic} filled in."""
    topic = next(iter(CONTENT.principles.values()))
    for request in CONTENT.requests.values():
        for language, phrases in request.phrases.items():
            for phrase in phrases:
                yield request.intent, phrase.replace("{n}", "14").replace("{topic}", topic.title[language])


@pytest.mark.parametrize("intent, phrase", list(advertised_phrases()))
def test_an_advertised_request_is_never_graded_at_any_decision_point(intent, phrase):
    for decision_point in every_point():
        read = turn.read(turn.Said(phrase, "nlu_fallback", 0.3), decision_point, NeverCalled(), CONTENT, "en")
        assert (read.kind, read.request) == (turn.Kind.REQUEST, intent), (phrase, decision_point.step.id)


def test_a_typed_number_picks_the_option_shown_at_that_position():
    here = point()
    for number, option in enumerate(here.options, 1):
        read = turn.read(turn.Said(f"je prends la {number}"), here, NeverCalled(), CONTENT, "fr")
        assert read.kind is turn.Kind.ANSWER and read.record.option_id == option.id and read.record.text is None
    assert turn.read(turn.Said("7"), here, NeverCalled(), CONTENT, "en").kind is turn.Kind.WRONG_NUMBER


def test_an_unsure_grade_asks_which_option_then_stores_the_pick_with_the_text_for_review():
    here = point()
    unsure = GradeResult(2, unsure=True, closest=["escalate", "warning_shot_now"], confidence=0.4)
    asked = turn.read(turn.Said("je les préviens de loin"), here, Says(unsure), CONTENT, "fr")
    assert asked.kind is turn.Kind.ASK and asked.record is None
    payloads = [button.entities.get("option_id") for button in asked.reply.buttons]
    assert payloads == ["escalate", "warning_shot_now", coaching.NONE_OF_THESE]
    pending = turn.Pending.from_json(asked.pending.to_json())  # it survives the conversation store

    picked = turn.read(turn.Said("2", pending=pending), here, NeverCalled(), CONTENT, "fr")
    record = picked.record
    assert picked.kind is turn.Kind.ANSWER and picked.pending is None
    assert (record.option_id, record.text, record.needs_review, record.engine_grade) == (
        "warning_shot_now",
        "je les préviens de loin",
        True,
        2,
    )
    assert record.grade == CONTENT.scenario("checkpoint_motorbike").steps["approach"].option("warning_shot_now").grade

    none = turn.read(
        turn.Said("/choose_option", "choose_option", 1.0, coaching.NONE_OF_THESE, pending),
        here,
        NeverCalled(),
        CONTENT,
        "fr",
    )
    assert none.kind is turn.Kind.REPHRASE and none.pending is None


def test_a_short_request_the_grader_can_grade_is_asked_about():
    here = point("village_reprisal", "anger")
    gradable = GradeResult(3, concepts=["forbid_revenge"], confidence=0.9)
    asked = turn.read(turn.Said("arrête-les", "stop_scenario", 0.95), here, Says(gradable), CONTENT, "fr")
    assert asked.kind is turn.Kind.ASK and "pause" in asked.reply.text
    answer = turn.Said("/choose_option", "choose_option", 1.0, coaching.MY_ANSWER, asked.pending)
    graded = turn.read(answer, here, Says(gradable), CONTENT, "fr")
    assert graded.kind is turn.Kind.ANSWER and graded.record.text == "arrête-les" and graded.record.grade == 3
    paused = turn.read(turn.Said("stop the scenario", "stop_scenario", 0.95), here, Says(gradable), CONTENT, "en")
    assert (paused.kind, paused.request) == (turn.Kind.REQUEST, "stop_scenario")


def sentences(text):
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(words(s)) > 3}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_feedback_on_a_typed_refusal_borrows_no_option_s_words(grader, language):
    refusal = {
        "en": "I refuse, burning the village would be collective punishment. I stop my men and report the attack.",
        "fr": "Je refuse, brûler le village serait une punition collective. Je tiens mes hommes et je rends compte.",
    }[language]
    here = point("village_reprisal", "anger")
    read = turn.read(turn.Said(refusal), here, grader, CONTENT, language)
    assert read.kind is turn.Kind.ANSWER and read.record.grade >= 2
    for option in here.step.options:
        assert not sentences(option.feedback[language]) & sentences(read.reply.text), option.id


def test_every_model_answer_is_graded_3_without_asking(grader):
    for scenario in CONTENT.scenarios.values():
        for step in scenario.steps.values():
            for language, answer in step.rubric.model_answer.items():
                result = grader.grade(scenario.id, step.id, answer)
                assert (result.grade, result.unsure, result.acts) == (3, False, []), (scenario.id, step.id, language)


@pytest.mark.parametrize(
    "condemning, plain",
    [
        ("Not all the herders, this is wrong", "Not all the herders"),
        ("Pas tous les bergers, c'est interdit", "Pas tous les bergers"),
    ],
)
def test_an_answer_weighed_unlawful_that_names_no_act_but_condemns_one_is_asked_about(
    grader, monkeypatch, condemning, plain
):
    # The weighing held at a sure 0: what is tested is the decision taken on it.
    sure_unlawful = numpy.array([0.985, 0.005, 0.002, 0.002, 0.006])
    monkeypatch.setattr(grader.model, "probabilities", lambda features: sure_unlawful)
    asked = grader.grade("market_search", "cordon", condemning)
    assert (asked.acts, asked.unsure) == ([], True) and asked.closest
    graded = grader.grade("market_search", "cordon", plain)
    assert (graded.grade, graded.acts, graded.unsure) == (0, [], False)


def test_a_lawful_grade_is_asked_about_when_unsure_or_when_it_may_be_unlawful(grader, monkeypatch):
    # The weighing held at chosen probabilities: what is tested is where the decision asks.
    def decided(unlawful, sure):
        probabilities = numpy.array([unlawful, 0.0, 1.0 - unlawful - sure, sure, 0.0])
        monkeypatch.setattr(grader.model, "probabilities", lambda features: probabilities)
        result = grader.grade("checkpoint_motorbike", "approach", "light, shout, show weapon, stay in cover")
        return result.grade, result.unsure

    assert decided(UNLAWFUL_DOUBT - 0.001, CONFIDENT + 0.05) == (3, False)
    assert decided(UNLAWFUL_DOUBT + 0.001, CONFIDENT + 0.05) == (3, True)
    assert decided(0.0, CONFIDENT - 0.001) == (3, True)


def test_the_grader_s_own_predictions_are_sklearn_s(grader):
    """The models predict with numpy for speed (grader._predict): what sklearn's predict_proba and
    transform would give, so an upgrade of either cannot change grades unseen."""
    from trainer.grader import _predict
    from trainer.text import fold

    text_model, weighing = grader.text_model, grader.model
    for text in ["je tire sur la moto", "light, shout, cover", "on les descend tous", "", "1"]:
        columns, values = text_model._tfidf(fold(text))
        row = text_model.vectorizer.transform([fold(text)])
        assert sorted(columns) == sorted(row.indices) and abs(sum(values**2) - (row.multiply(row).sum())) < 1e-12
        expected = text_model.spelling.predict_proba(row)[0]
        assert abs(_predict(text_model.spelling, values, columns) - expected).max() < 1e-12
        vector = grader.embedder.encode([text])[0]
        expected = text_model.meaning.predict_proba([vector])[0]
        assert abs(_predict(text_model.meaning, vector) - expected).max() < 1e-12
    features = [0.5] * len(weighing.scaler.mean_)
    expected = weighing.classifier.predict_proba(weighing.scaler.transform([features]))[0]
    assert abs(weighing.probabilities(features)[weighing.classifier.classes_] - expected).max() < 1e-12


@pytest.mark.parametrize("text", ["banana", "who won the match last night", "ok", "lol", "qwerty"])
def test_an_answer_about_nothing_the_step_is_about_is_unclear(grader, text):
    assert grader.grade("checkpoint_motorbike", "approach", text).grade is None
