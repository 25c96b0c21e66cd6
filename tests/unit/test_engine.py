from trainer.content_loader import load_content
from trainer.engine import best_option, option_for_grade, shown_options


def test_typed_answer_follows_the_branch_of_its_grade():
    step = load_content().scenario("checkpoint_motorbike").steps["approach"]
    assert option_for_grade(step, 3).id == "escalate"
    assert option_for_grade(step, 1).id == "warning_shot_now"
    assert option_for_grade(step, 0).id == "shoot_riders"
    # 2 is as near to 3 as to 1: a lawful answer is not led into the risky branch.
    assert option_for_grade(step, 2).id == "escalate"


def test_the_recommended_choices_lead_to_an_ending():
    for scenario in load_content().scenarios.values():
        node, seen = scenario.start, set()
        while node in scenario.steps and node not in seen:
            seen.add(node)
            assert best_option(scenario.steps[node]).grade == 3
            node = best_option(scenario.steps[node]).next
        assert node in scenario.endings


def test_options_are_shown_in_an_order_fixed_per_attempt_that_hides_the_best():
    step = load_content().scenario("checkpoint_motorbike").steps["approach"]
    assert shown_options(step, 7) == shown_options(step, 7)  # a repeated prompt, "2" typed later
    assert sorted(o.id for o in shown_options(step, 7)) == sorted(o.id for o in step.options)
    best_positions = {[o.grade for o in shown_options(step, attempt)].index(3) for attempt in range(30)}
    assert best_positions == {0, 1, 2}


def test_the_warning_shot_leads_to_harm_response_not_the_lawful_branch():
    scenario = load_content().scenario("checkpoint_motorbike")
    approach = scenario.steps["approach"]
    assert approach.option("warning_shot_now").next == "casualties"
    assert approach.option("escalate").next == "stops"
