"""Random and hostile input (hypothesis): huge, empty, control characters, right-to-left text,
HTML and script, SQL, emoji, mixed scripts. The scoring engine, the content loader and the
actions never crash: they grade, report a located content problem, or answer the trainee."""

import asyncio
import shutil
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.decision_point import ValidateScenarioForm
from actions.language import ActionSetLanguage
from actions.linking import ActionLinkAccount
from actions.welcome import ValidateOnboardingForm
from tests.unit.test_actions import tracker
from trainer.content_loader import DEFAULT_CONTENT_DIR, ContentInvalid, load_content
from trainer.scoring import Scorer
from trainer.settings import MAX_ANSWER_CHARS
from trainer.text import printable
from trainer.yamlfile import ContentError

CONTENT = load_content()
SCORER = Scorer(CONTENT)
STEPS = [(scenario.id, step_id) for scenario in CONTENT.scenarios.values() for step_id in scenario.steps]
HOSTILE = [
    "",
    " ",
    "\x00",
    "\u202e tir sur la foule \u202c",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE answers; --",
    '" OR 1=1 --',
    "{{7*7}} ${jndi:ldap://x}",
    "🙂🔥💣" * 50,
    "ا لمدنيين civils 民间",
    "\r\n\t\x1b[31m",
    '/choose_option{"option_id": "../../etc"}',
    "A" * 100_000,
    "é" * 5000,
    "\ud7ff\ue000\uffff",
]
texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=50).map(lambda t: t * 400),
    st.lists(st.sampled_from(HOSTILE + ["je tire", "warn", "civilians", "pas de"]), max_size=8).map(" ".join),
)
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTENT_EXAMPLES = settings(EXAMPLES, max_examples=40)  # each one checks a whole scenario file


@EXAMPLES
@given(step=st.sampled_from(STEPS), text=texts)
def test_the_scoring_engine_grades_anything(step, text):
    result = SCORER.grade(*step, text)
    assert result.grade in (None, 0, 1, 2, 3)
    assert SCORER.grade(*step, text).grade == result.grade  # same answer, same grade


def answered(messages):
    return any(message.get("text") or message.get("response") for message in messages)


@EXAMPLES
@given(text=texts, intent=st.sampled_from(["nlu_fallback", "hint", "stop_scenario", "choose_option", "greet"]))
def test_any_answer_at_a_decision_point_is_handled(fresh_database, text, intent):
    sender = f"hostile-{uuid.uuid4()}"
    trainee = runtime.trainees().trainee_for("rest", sender)
    attempt = runtime.progress().start_attempt(trainee.id, "checkpoint_motorbike", "approach")
    slots = {
        "scenario_state": "playing",
        "scenario_id": "checkpoint_motorbike",
        "attempt_id": float(attempt.id),
        "step_id": "approach",
        "unclear_count": 0.0,
        "hint_used": False,
    }
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateScenarioForm().validate_answer(
            text, dispatcher, tracker(text, intent, (), slots, sender=sender, message_id=uuid.uuid4().hex), {}
        )
    )
    assert isinstance(result, dict) and result.get("answer") in (None, "done", "paused")
    recorded = runtime.progress().answers(attempt.id)
    # Stored as trainers will read it: on one line, without control or direction characters.
    assert len(recorded) <= 1 and all(answer["text"] in (None, printable(text)) for answer in recorded)
    if len(text) > MAX_ANSWER_CHARS:
        assert not recorded and dispatcher.messages[-1]["response"] == "utter_too_long"


@EXAMPLES
@given(text=texts)
def test_names_codes_and_languages_from_trainees_never_crash(fresh_database, text):
    sender = f"hostile-{uuid.uuid4()}"
    form, dispatcher = ValidateOnboardingForm(), CollectingDispatcher()
    name = form.validate_trainee_name(text, dispatcher, tracker(text, sender=sender), {})["trainee_name"]
    assert name is None or (0 < len(name) <= 40 and name.isprintable() and name == name.strip())
    code = asyncio.run(form.validate_enrolment_code(text, dispatcher, tracker(text, sender=sender), {}))
    assert code in ({"enrolment_code": None}, {"enrolment_code": "none"})  # no cohort exists
    for action, entities in ((ActionSetLanguage(), [("language", text)]), (ActionLinkAccount(), [("link_code", text)])):
        dispatcher = CollectingDispatcher()
        asyncio.run(action.run(dispatcher, tracker(text, "set_language", entities, sender=sender), {}))
        assert answered(dispatcher.messages)


DELETE = object()
VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    texts,
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.just(DELETE),
)


def paths_of(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths_of(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths_of(value, prefix + (index,))


SCENARIO_FILE = DEFAULT_CONTENT_DIR / "scenarios" / "checkpoint_motorbike.yml"
SCENARIO_DATA = yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))
SCENARIO_PATHS = [path for path in paths_of(SCENARIO_DATA) if path]


@pytest.fixture(scope="module")
def content_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    return root


def load_or_report(root: Path, file: Path):
    """The loader's two outcomes for one scenario file: content, or every problem located."""
    try:
        return load_content(root, [file]), []
    except ContentInvalid as invalid:
        for error in invalid.errors:
            assert isinstance(error, ContentError) and error.message and error.line >= 1
        return None, invalid.errors


@CONTENT_EXAMPLES
@given(path=st.sampled_from(SCENARIO_PATHS), value=VALUES)
def test_the_content_loader_reports_a_damaged_scenario_instead_of_crashing(content_copy, path, value):
    data = yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    target = content_copy / "scenarios" / SCENARIO_FILE.name
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    content, errors = load_or_report(content_copy, target)
    assert content is not None or all(Path(error.file).name == SCENARIO_FILE.name for error in errors)


@CONTENT_EXAMPLES
@given(raw=st.one_of(texts, st.binary(max_size=500).map(lambda b: b.decode("latin-1"))))
@example(raw="id: checkpoint_motorbike\ntitle:\n  en: Night \x1f checkpoint\n")  # once crashed the loader
def test_the_content_loader_reports_a_file_that_is_not_a_scenario(content_copy, raw):
    target = content_copy / "scenarios" / SCENARIO_FILE.name
    target.write_text(raw, encoding="utf-8")
    content, errors = load_or_report(content_copy, target)
    assert content is None and errors


@pytest.mark.parametrize(
    "query, ignored",
    [
        ({"cohort": "²"}, "cohort"),
        ({"cohort": "٣"}, "cohort"),
        ({"cohort": "9" * 40}, "cohort"),
        ({"until": "9999-12-31"}, None),
        ({"since": "0000-01-01"}, "since"),
        ({"since": "2026-02-30", "until": "soon"}, "since, until"),
    ],
)
def test_bad_dashboard_filters_are_a_message_not_a_server_error(query, ignored):
    from types import SimpleNamespace

    from trainer.dashboard import _filters

    filters, problem = _filters(SimpleNamespace(args=query))
    assert filters.cohort_id is None
    assert (problem and problem.split(": ")[1]) == ignored
