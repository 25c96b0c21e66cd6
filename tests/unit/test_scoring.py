"""The scoring engine grades typed answers the way the rubric says, in both languages."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.content_loader import load_content
from trainer.scoring import Scorer


@pytest.fixture(scope="module")
def scorer():
    return Scorer(load_content())


def grade(scorer, text, scenario="checkpoint_motorbike", step="approach"):
    return scorer.grade(scenario, step, text)


def test_full_answer_gets_top_grade_with_concepts_named(scorer):
    result = grade(scorer, "Torch and shout, stay in cover; they may be civilians, warning shot only as last resort")
    assert result.grade == 3
    assert {"graduated_warnings", "take_cover", "presume_civilian", "warning_shot_last"} <= set(result.concepts)
    assert result.missed == []


def test_partial_answer_names_what_is_missing(scorer):
    result = grade(scorer, "i shout at them")
    assert result.grade == 2
    assert result.concepts == ["graduated_warnings"]
    assert "take_cover" in result.missed and "presume_civilian" in result.missed


@pytest.mark.parametrize("text", ["shoot them", "on tire sur eux", "kill the riders", "je les abats"])
def test_red_flag_makes_the_answer_unlawful(scorer, text):
    result = grade(scorer, text)
    assert result.grade == 0 and result.red_flags == ["fire_at_riders"]


@pytest.mark.parametrize(
    "text",
    [
        "I would not shoot them, I flash my light",
        "je tire pas sur eux, lampe et cris",
        "never shoot them, shout and wave",
        "don't shoot them, use the torch",
    ],
)
def test_negated_red_flag_is_not_a_red_flag(scorer, text):
    result = grade(scorer, text)
    assert result.red_flags == [] and result.grade >= 2, result


def test_condemning_an_act_is_not_doing_it(scorer):
    result = grade(scorer, "I forbid it, burning the village is a war crime", "village_reprisal", "anger")
    assert result.red_flags == [] and "forbid_revenge" in result.concepts


def test_restating_the_situation_is_not_endorsing_it(scorer):
    result = grade(scorer, "the men want to burn the village but I forbid it", "village_reprisal", "anger")
    assert result.red_flags == [] and result.grade >= 2


def test_caution_caps_the_grade_unless_part_of_a_sound_plan(scorer):
    assert grade(scorer, "warning shot straight away").grade == 1
    assert grade(scorer, "light, shout, warning shot only as last resort").grade == 3


@pytest.mark.parametrize("text", ["", "   ", "banana", "ok", "42", "🙂", "asdfgh qwerty"])
def test_nothing_gradable_is_unclear(scorer, text):
    assert grade(scorer, text).grade is None


@pytest.mark.parametrize(
    "text",
    ["Évacuer le blessé, premiers secours", "EVACUER le blesse, PREMIERS SECOURS", "evacuate the wounded, first aid!!"],
)
def test_accents_case_punctuation_and_language_do_not_matter(scorer, text):
    result = scorer.grade("checkpoint_motorbike", "casualties", text)
    assert {"first_aid", "evacuate"} <= set(result.concepts), result


def test_synonyms_and_stems_match(scorer):
    # "refusing" stems like "refuse"; "emptying the village" is the phrase "empty the village",
    # in the same synonym group as "vider le village", here condemned so not a red flag.
    result = scorer.grade("forced_displacement", "the_order", "refusing. emptying the village is illegal")
    assert "refuse_unlawful" in result.concepts and result.red_flags == [], result
    result = scorer.grade("forced_displacement", "the_order", "on va vider le village")
    assert result.red_flags == ["execute_order"], result


def words(scorer, text):
    return [token.word for token in scorer.matcher.tokens(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("take his gun, he is child. protect him", ["=weapon", "=child", "=protect"]),  # across a sentence
        ("he is a child, protection later", ["=child", "=protect"]),  # across a comma
        ("no fire. warning shot last", ["=shoot", "=warning_shot"]),  # not "fire warning shot"
    ],
)
def test_a_lexicon_phrase_stays_inside_its_clause(scorer, text, expected):
    assert [word for word in words(scorer, text) if word.startswith("=")] == expected


def test_a_lexicon_phrase_inside_one_clause_is_one_word(scorer):
    assert "=child_protection" in words(scorer, "hand him to child protection")
    assert words(scorer, "fire warning shot").count("=warning_shot") == 1


def test_unknown_scenario_or_step_is_a_key_error(scorer):
    with pytest.raises(KeyError, match="unknown scenario"):
        scorer.grade("no_such_scenario", "approach", "x")
    with pytest.raises(KeyError, match="has no step"):
        scorer.grade("checkpoint_motorbike", "no_such_step", "x")


def test_every_step_has_a_gradable_model_answer(scorer):
    """A rubric that cannot recognise its own model answer is broken."""
    content = scorer.content
    for scenario in content.scenarios.values():
        for step in scenario.steps.values():
            for language in ("en", "fr"):
                result = scorer.grade(scenario.id, step.id, step.rubric.model_answer[language])
                assert result.grade == 3, (scenario.id, step.id, language, result)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000))
def test_any_text_gets_a_grade_or_unclear_never_an_exception(scorer, text):
    result = grade(scorer, text)
    assert result.grade in (None, 0, 1, 2, 3)
