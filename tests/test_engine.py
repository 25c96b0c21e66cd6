from trainer.content import load_content
from trainer.engine import best_option, option_for_grade, recommended_path


def test_typed_answer_follows_the_branch_of_its_grade():
    step = load_content().scenario("checkpoint_motorbike").steps["approach"]
    assert option_for_grade(step, 3).id == "escalate"
    assert option_for_grade(step, 1).id == "warning_shot_now"
    assert option_for_grade(step, 0).id == "shoot_riders"
    # 2 is as near to 3 as to 1: a lawful answer is not led into the risky branch.
    assert option_for_grade(step, 2).id == "escalate"


def test_recommended_path_ends_at_an_ending():
    content = load_content()
    for scenario in content.scenarios.values():
        path = recommended_path(scenario)
        assert path[0] == scenario.start
        assert path[-1] in scenario.endings
        for step_id in path[:-1]:
            assert best_option(scenario.steps[step_id]).grade == 3


def test_the_warning_shot_leads_to_harm_response_not_the_lawful_branch():
    scenario = load_content().scenario("checkpoint_motorbike")
    approach = scenario.steps["approach"]
    assert approach.option("warning_shot_now").next == "casualties"
    assert approach.option("escalate").next == "stops"
