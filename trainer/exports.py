"""Records for the tools trainers already use: CSV (one row per answer, or per attempt) and
xAPI statements (JSON), optionally posted to a Learning Record Store."""

import csv
import io
import uuid
from typing import Dict, Iterable, List

import requests

from trainer import settings
from trainer.content import Content, localized
from trainer.learning import OVERALL, GroupLearning
from trainer.reports import AnswerRow, AttemptRow

XAPI_VERSION = "1.0.3"
VERBS = {
    name: {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}
    for name in ("answered", "completed", "passed", "failed")
}
# Deterministic statement ids: sending the same records twice does not duplicate them in an LRS.
_STATEMENT_NAMESPACE = uuid.UUID("6d1c2a4e-3b7f-4f43-9a55-2f0c8c1e7a10")

ANSWER_COLUMNS = [
    "answer_id",
    "attempt_id",
    "trainee_id",
    "trainee_name",
    "cohort",
    "scenario_id",
    "step_id",
    "option_id",
    "typed_answer",
    "grade",
    "max_grade",
    "hint_used",
    "response_seconds",
    "channel",
    "answered_at",
]
ATTEMPT_COLUMNS = [
    "attempt_id",
    "trainee_id",
    "trainee_name",
    "cohort",
    "scenario_id",
    "status",
    "score_percent",
    "graded_answers",
    "ungraded_messages",
    "hints_used",
    "ending",
    "started_at",
    "finished_at",
    "duration_seconds",
]


LEARNING_COLUMNS = [
    "level",  # trainee, or group: the mean of the trainees who took both tests
    "trainee_id",
    "trainee_name",
    "cohort",
    "principle",  # or "all"
    "before_percent",
    "after_percent",
    "normalised_gain",
]


def _cell(value) -> str:
    """A CSV cell; text a spreadsheet would run as a formula (=, +, -, @) is prefixed with '."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(columns: List[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def answers_csv(answers: Iterable[AnswerRow]) -> str:
    return _csv(
        ANSWER_COLUMNS,
        (
            [
                a.id,
                a.attempt_id,
                a.trainee_id,
                a.trainee_name,
                a.cohort,
                a.scenario_id,
                a.step_id,
                a.option_id,
                a.text,
                a.grade,
                settings.GRADE_MAX,
                a.hint_used,
                a.response_ms and round(a.response_ms / 1000, 1),
                a.channel,
                a.at,
            ]
            for a in answers
        ),
    )


def attempts_csv(attempts: Iterable[AttemptRow]) -> str:
    return _csv(
        ATTEMPT_COLUMNS,
        (
            [
                a.id,
                a.trainee_id,
                a.trainee_name,
                a.cohort,
                a.scenario_id,
                a.status,
                a.score,
                a.graded_answers,
                a.ungraded_messages,
                a.hints_used,
                a.ending,
                a.started_at,
                a.finished_at,
                a.duration_seconds,
            ]
            for a in attempts
        ),
    )


def learning_csv(learning: GroupLearning) -> str:
    """One row per trainee and principle (and "all"), then the group's rows."""
    keys = [*learning.principles, OVERALL]
    rows = [
        ["trainee", t.trainee_id, t.name, t.cohort, key, t.scores[key].before, t.scores[key].after, t.scores[key].gain]
        for t in learning.trainees
        for key in keys
    ]
    rows += [
        ["group", "", f"{learning.pairs} trainees", "", key, g.before, g.after, g.gain]
        for key, g in ((key, learning.group[key]) for key in keys)
    ]
    return _csv(LEARNING_COLUMNS, rows)


def learning_statements(learning: GroupLearning, homepage: str) -> List[Dict]:
    """One "completed" statement per finished knowledge check, its score in percent; the kind
    (before or after training) in the context, so an LRS can pair them."""
    statements = []
    for check in learning.checks:
        activity = _activity(
            homepage,
            f"knowledge-check/{check.form}",
            {
                "en": f"Knowledge check, form {check.form.upper()}",
                "fr": f"Test de connaissances, forme {check.form.upper()}",
            },
            "http://adlnet.gov/expapi/activities/assessment",
        )
        statements.append(
            {
                "id": _statement_id("check", check.id),
                "actor": _actor(homepage, check.trainee_id, check.trainee_name),
                "verb": VERBS["completed"],
                "object": activity,
                "result": {
                    "score": {"raw": check.percent, "min": 0, "max": 100, "scaled": round(check.percent / 100, 4)},
                    "completion": True,
                },
                "context": {"extensions": {f"{homepage.rstrip('/')}/xapi/extensions/check-kind": check.kind}},
                "timestamp": check.finished_at.isoformat(),
            }
        )
    return statements


def xapi_statements(attempts: Iterable[AttemptRow], content: Content, homepage: str) -> List[Dict]:
    """One "answered" statement per graded answer, and "completed" plus "passed" or "failed"
    per finished attempt."""
    statements = []
    for attempt in attempts:
        actor = _actor(homepage, attempt.trainee_id, attempt.trainee_name)
        scenario = content.scenarios.get(attempt.scenario_id)
        scenario_activity = _activity(
            homepage,
            f"scenarios/{attempt.scenario_id}",
            scenario.title if scenario else {"en": attempt.scenario_id},
            "http://adlnet.gov/expapi/activities/simulation",
        )
        for answer in attempt.answers:
            if answer.grade is None:
                continue
            step = scenario.steps.get(answer.step_id) if scenario else None
            statements.append(
                {
                    "id": _statement_id("answer", answer.id),
                    "actor": actor,
                    "verb": VERBS["answered"],
                    "object": _activity(
                        homepage,
                        f"scenarios/{attempt.scenario_id}/steps/{answer.step_id}",
                        step.prompt if step else {"en": answer.step_id},
                        "http://adlnet.gov/expapi/activities/cmi.interaction",
                    ),
                    "result": {
                        "score": {
                            "raw": answer.grade,
                            "min": 0,
                            "max": settings.GRADE_MAX,
                            "scaled": round(answer.grade / settings.GRADE_MAX, 4),
                        },
                        "response": answer.text if answer.text is not None else (answer.option_id or ""),
                    },
                    "context": {"contextActivities": {"parent": [scenario_activity]}},
                    "timestamp": answer.at.isoformat(),
                }
            )
        if attempt.status == "completed" and attempt.score is not None:
            result = {
                "score": {"raw": attempt.score, "min": 0, "max": 100, "scaled": round(attempt.score / 100, 4)},
                "completion": True,
                "success": attempt.score >= settings.PASS_MARK,
            }
            if attempt.duration_seconds is not None:
                result["duration"] = f"PT{attempt.duration_seconds}S"
            at = (attempt.finished_at or attempt.started_at).isoformat()
            for verb in ("completed", "passed" if attempt.score >= settings.PASS_MARK else "failed"):
                statements.append(
                    {
                        "id": _statement_id(verb, attempt.id),
                        "actor": actor,
                        "verb": VERBS[verb],
                        "object": scenario_activity,
                        "result": result,
                        "timestamp": at,
                    }
                )
    return statements


def _actor(homepage: str, trainee_id: int, name: str) -> Dict:
    """A trainee as xAPI names them: an account on this deployment, the same in every statement."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": homepage, "name": f"trainee-{trainee_id}"}}


def _activity(homepage: str, path: str, name: Dict[str, str], kind: str) -> Dict:
    names = {"en-US": localized(name, "en"), "fr-FR": localized(name, "fr")}
    return {
        "objectType": "Activity",
        "id": f"{homepage.rstrip('/')}/xapi/{path}",
        "definition": {"name": names, "type": kind},
    }


def _statement_id(kind: str, record_id: int) -> str:
    return str(uuid.uuid5(_STATEMENT_NAMESPACE, f"{kind}:{record_id}"))


class LrsNotConfigured(RuntimeError):
    pass


def send_to_lrs(statements: List[Dict], batch: int = 100, timeout: float = 30.0) -> int:
    """Post statements to the LRS named by LRS_URL (its xAPI endpoint) with LRS_USERNAME and
    LRS_PASSWORD (HTTP basic). Returns how many were sent; raises on an HTTP error."""
    lrs = settings.lrs()
    if lrs is None:
        raise LrsNotConfigured("set LRS_URL (and LRS_USERNAME, LRS_PASSWORD) to send statements to an LRS")
    endpoint, auth = lrs.url, (lrs.username, lrs.password)
    headers = {"X-Experience-API-Version": XAPI_VERSION}
    for start in range(0, len(statements), batch):
        response = requests.post(
            f"{endpoint}/statements",
            json=statements[start : start + batch],
            auth=auth,
            headers=headers,
            timeout=timeout,
        )
        response.raise_for_status()
    return len(statements)


def homepage() -> str:
    """The IRL that names this deployment in xAPI accounts and activity ids (PUBLIC_URL)."""
    return settings.public_url()
