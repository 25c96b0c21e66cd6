"""The trainer dashboard under /trainer on the web server: sign-in, cohort overview, competency
matrix, most-missed decision points, trainee transcripts, and exports (CSV, xAPI).

Pages are rendered on the server (Jinja2, inline SVG charts, no script) to suit slow links.
Every page and export needs a signed-in session; forms carry a CSRF token."""

import asyncio
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import yaml
from jinja2 import Environment
from sanic import Blueprint, Request, response

from trainer import audio, exports, settings
from trainer.accounts import AccountStore, SignedIn
from trainer.certificates import Certificates
from trainer.classroom import HANDS, VOTES, Classroom, majority, review_rows, shown_options
from trainer.content import localized
from trainer.learning import OVERALL, GroupLearning
from trainer.reports import Filters, NotVisible, Reports
from trainer.reviews import BadGrade, Reviews, agreeing, waiting
from trainer.throttle import TooManyAttempts

SESSION_COOKIE = "trainer_session"
LOGIN_CSRF_COOKIE = "trainer_login_csrf"
LABELS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "web" / "templates" / "trainer" / "labels.yml").read_text(
        encoding="utf-8"
    )
)
EXPORTS = ("answers.csv", "attempts.csv", "learning.csv", "xapi.json", "reviews.jsonl")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def create_dashboard(
    templates: Environment,
    accounts: AccountStore,
    reports: Reports,
    reviews: Reviews,
    page_language,
    certificates: Certificates,
    classroom: Classroom,
) -> Blueprint:
    dashboard = Blueprint("trainer_dashboard", url_prefix="/trainer")
    # Password checks (argon2: ~50 ms of a core and 64 MB each) run two at a time, so a burst of
    # sign-ins cannot slow the pages trainers are reading.
    password_checks = asyncio.Semaphore(2)

    def render(request: Request, template: str, status: int = 200, **values: Any):
        language = page_language(request)
        html = templates.get_template(f"trainer/{template}").render(
            t=LABELS[language],
            lang=language,
            path=request.path,
            query=request.query_string,
            args={key: request.args.get(key) for key in request.args},
            **values,
        )
        return response.html(html, status=status)

    def signed_in(kind: str = "page"):
        """The route needs a live session: pages redirect to the sign-in page, exports answer 401."""

        def decorate(handler):
            @wraps(handler)
            async def wrapper(request: Request, *args, **kwargs):
                session = await asyncio.to_thread(accounts.session, request.cookies.get(SESSION_COOKIE))
                if session is None:
                    if kind == "export":
                        return response.json({"error": "sign in at /trainer/login first"}, 401)
                    target = request.path + (f"?{request.query_string}" if request.query_string else "")
                    return response.redirect(f"/trainer/login?next={quote(target)}")
                request.ctx.session = session
                return await handler(request, *args, **kwargs)

            return wrapper

        return decorate

    @dashboard.middleware("response")
    async def security_headers(request: Request, resp):
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)

    # Signing in and out -------------------------------------------------------------------

    @dashboard.get("/login")
    async def login_form(request: Request):
        return _login_page(render, request, error=None)

    @dashboard.post("/login")
    async def login(request: Request):
        form = request.form or {}
        if not _same(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return _login_page(render, request, error="expired_form", status=400)
        username, password = (form.get("username") or "")[:80], (form.get("password") or "")[:1024]
        try:
            async with password_checks:
                result = await asyncio.to_thread(
                    accounts.sign_in, username, password, request.remote_addr or request.ip
                )
        except TooManyAttempts as refused:
            return _login_page(render, request, error="locked", minutes=refused.minutes, status=429)
        if result is None:
            return _login_page(render, request, error="wrong_password", status=401)
        token, _ = result
        target = request.args.get("next") or "/trainer/"
        if not target.startswith("/trainer/") or target.startswith("//"):
            target = "/trainer/"  # never send a trainer off-site after signing in
        page = response.redirect(target, status=303)
        _set_cookie(request, page, SESSION_COOKIE, token)
        _clear_cookie(page, LOGIN_CSRF_COOKIE)
        return page

    @dashboard.post("/logout")
    @signed_in()
    async def logout(request: Request):
        if _expired(request):
            return _form_expired()
        await asyncio.to_thread(accounts.sign_out, request.cookies.get(SESSION_COOKIE))
        page = response.redirect("/trainer/login", status=303)
        _clear_cookie(page, SESSION_COOKIE)
        return page

    # Views ----------------------------------------------------------------------------------

    def not_visible(request: Request):
        return render(request, "error.html", status=404, session=request.ctx.session, message="not_visible")

    async def view(request: Request, template: str, build):
        session: SignedIn = request.ctx.session
        filters, problem = _filters(request)
        cohorts = await asyncio.to_thread(reports.cohorts, session.trainer)
        try:
            data = await asyncio.to_thread(build, session, filters)
        except NotVisible:
            return not_visible(request)
        return render(request, template, session=session, cohorts=cohorts, filters=filters, problem=problem, **data)

    @dashboard.get("/")
    @signed_in()
    async def overview(request: Request):
        return await view(request, "overview.html", lambda s, f: {"overview": reports.overview(s.trainer, f)})

    @dashboard.get("/matrix")
    @signed_in()
    async def matrix(request: Request):
        return await view(request, "matrix.html", lambda s, f: {"matrix": reports.matrix(s.trainer, f)})

    @dashboard.get("/missed")
    @signed_in()
    async def missed(request: Request):
        language = page_language(request)
        return await view(request, "missed.html", lambda s, f: {"points": reports.most_missed(s.trainer, f, language)})

    @dashboard.get("/trainees/<trainee_id:int>")
    @signed_in()
    async def trainee(request: Request, trainee_id: int):
        language = page_language(request)
        return await view(
            request,
            "trainee.html",
            lambda s, f: {
                "trainee": (detail := reports.trainee(s.trainer, trainee_id, language)),
                "chart": score_chart(detail["chart"]),
                "certificate": certificates.for_trainee(trainee_id),
                "class_votes": classroom.votes_of(trainee_id),
                "scenarios": reports.content.scenarios,
            },
        )

    @dashboard.post("/trainees/<trainee_id:int>/certificate/revoke")
    @signed_in()
    async def revoke_certificate(request: Request, trainee_id: int):
        if _expired(request):
            return _form_expired()
        try:  # only a trainer who sees the trainee may revoke their certificate
            await asyncio.to_thread(reports.trainee, request.ctx.session.trainer, trainee_id, "en")
        except NotVisible:
            return not_visible(request)
        found = await asyncio.to_thread(certificates.for_trainee, trainee_id)
        if found is not None:
            await asyncio.to_thread(certificates.revoke, found.code)
        return response.redirect(f"/trainer/trainees/{trainee_id}", status=303)

    # Classroom mode ------------------------------------------------------------------------

    @dashboard.get("/classroom")
    @signed_in()
    async def classroom_list(request: Request):
        session: SignedIn = request.ctx.session
        language = page_language(request)
        sessions = await asyncio.to_thread(classroom.sessions, session.trainer)
        cohorts = await asyncio.to_thread(reports.cohorts, session.trainer)
        scenarios = sorted(
            ((s.id, localized(s.title, language)) for s in reports.content.scenarios.values()), key=lambda x: x[1]
        )
        titles = dict(scenarios)
        return render(
            request,
            "classroom_list.html",
            session=session,
            sessions=sessions,
            cohorts=cohorts,
            scenarios=scenarios,
            titles=titles,
        )

    @dashboard.post("/classroom")
    @signed_in()
    async def classroom_open(request: Request):
        form, session = request.form or {}, request.ctx.session
        if _expired(request):
            return _form_expired()
        scenario_id, language = form.get("scenario") or "", form.get("language") or ""
        cohort = form.get("cohort") or ""
        visible = {c.id for c in await asyncio.to_thread(reports.cohorts, session.trainer)}
        cohort_id = _database_id(cohort)
        if (
            scenario_id not in reports.content.scenarios
            or language not in settings.LANGUAGES
            or (cohort and cohort_id not in visible)
        ):
            return response.text("Choose a scenario, a language and one of your cohorts.", 400)
        opened = await asyncio.to_thread(
            classroom.open, session.trainer, reports.content, scenario_id, language, cohort_id
        )
        return response.redirect(f"/trainer/classroom/{opened.id}", status=303)

    async def own_room(request: Request, session_id: int):
        """The classroom session if the signed-in trainer opened it (an admin: any one)."""
        return await asyncio.to_thread(classroom.get, session_id, request.ctx.session.trainer)

    @dashboard.get("/classroom/<session_id:int>")
    @signed_in()
    async def classroom_screen(request: Request, session_id: int):
        session: SignedIn = request.ctx.session
        found = await own_room(request, session_id)
        if found is None:
            return not_visible(request)
        content = reports.content
        scenario = content.scenario(found.scenario_id)
        step = scenario.steps.get(found.current_node)
        decisions = await asyncio.to_thread(classroom.decisions, found.id)
        last = decisions[-1] if decisions and (request.args.get("feedback") or found.finished) else None
        votes = await asyncio.to_thread(classroom.tally, found.id, step.id) if step and not last else {}
        options = shown_options(step, found.id) if step else []
        # Read out in the session's language and in each voice the centre recorded: the feedback
        # on the group's choice once it is made, the situation and its options before.
        voices = [v for v in audio.voices() if v == found.language or v not in settings.LANGUAGES]
        if last:
            notes = [audio.feedback(v, found.language, scenario.id, last.step_id, last.option_id) for v in voices]
        elif step:
            notes = [audio.decision_point(v, found.language, scenario, step.id, options) for v in voices]
        else:
            notes = []
        voice_notes = [(audio.voice_name(note.voice), note.url) for note in notes]
        page = templates.get_template("trainer/classroom.html").render(
            t=LABELS[found.language],
            lang=found.language,
            session=session,
            room=found,
            scenario=scenario,
            step=step,
            options=list(enumerate(options, 1)),  # numbered as the voice note says them
            voice_notes=voice_notes,
            votes=votes,
            total=sum(votes.values()),
            majority=majority(votes),
            last=last,
            last_step=scenario.steps[last.step_id] if last else None,
            last_option=scenario.steps[last.step_id].option(last.option_id) if last else None,
            ending=scenario.endings.get(found.current_node),
            content=content,
        )
        return response.html(page)

    @dashboard.post("/classroom/<session_id:int>/decide")
    @signed_in()
    async def classroom_decide(request: Request, session_id: int):
        form = request.form or {}
        if _expired(request):
            return _form_expired()
        found = await own_room(request, session_id)
        if found is None:
            return not_visible(request)
        by = VOTES if form.get("by") == VOTES else HANDS
        try:
            await asyncio.to_thread(classroom.decide, found.id, reports.content, form.get("option") or "", by)
        except ValueError:  # a page left open on a decision already taken: show where things are
            return response.redirect(f"/trainer/classroom/{found.id}", status=303)
        return response.redirect(f"/trainer/classroom/{found.id}?feedback=1", status=303)

    @dashboard.get("/classroom/<session_id:int>/review")
    @signed_in()
    async def classroom_review(request: Request, session_id: int):
        session: SignedIn = request.ctx.session
        found = await own_room(request, session_id)
        if found is None:
            return not_visible(request)
        decisions = await asyncio.to_thread(classroom.decisions, found.id)
        rows = review_rows(reports.content, found.scenario_id, decisions)
        scenario = reports.content.scenario(found.scenario_id)
        return render(request, "classroom_review.html", session=session, room=found, scenario=scenario, rows=rows)

    @dashboard.get("/learning")
    @signed_in()
    async def learning_page(request: Request):
        language = page_language(request)
        titles = {p.id: localized(p.title, language) for p in reports.content.principles.values()}

        def build(session: SignedIn, filters: Filters) -> dict:
            learned = reports.learning(session.trainer, filters)
            return {"learning": learned, "chart": gain_chart(learned), "principles": titles}

        return await view(request, "learning.html", build)

    @dashboard.get("/review")
    @signed_in()
    async def review_queue(request: Request):
        def build(session: SignedIn, filters: Filters) -> dict:
            answers = reports.answers(session.trainer, filters)  # read once for the queue and the figures
            return {
                "queue": reports.review_rows(waiting(answers), page_language(request)),
                "agreeing": agreeing(answers),
            }

        return await view(request, "review.html", build)

    @dashboard.post("/answers/<answer_id:int>/review")
    @signed_in()
    async def review(request: Request, answer_id: int):
        form = request.form or {}
        if _expired(request):
            return _form_expired()
        grade = form.get("grade") or ""
        if not grade.isdigit():
            return response.text("Choose a grade from 0 to 3.", 400)
        try:
            await asyncio.to_thread(reviews.review, request.ctx.session.trainer, answer_id, int(grade))
        except BadGrade as error:
            return response.text(str(error), 400)
        except NotVisible:
            return not_visible(request)
        back = form.get("next") or "/trainer/review"
        if not back.startswith("/trainer/") or back.startswith("//"):
            back = "/trainer/review"
        return response.redirect(back, status=303)

    # Exports ----------------------------------------------------------------------------------

    @dashboard.get("/export/<kind>")
    @signed_in(kind="export")
    async def export(request: Request, kind: str):
        if kind not in EXPORTS:
            return response.json({"error": "exports: " + ", ".join(EXPORTS)}, 404)
        filters, problem = _filters(request)
        if problem:
            return response.json({"error": problem}, 400)
        trainer = request.ctx.session.trainer
        try:
            attempts = await asyncio.to_thread(reports.attempts, trainer, filters)
        except NotVisible:
            return response.json({"error": "no such cohort among yours"}, 404)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
        if kind == "reviews.jsonl":
            examples = await asyncio.to_thread(reviews.examples, trainer, filters)
            body = "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in examples)
            disposition = f'attachment; filename="reviewed-answers-{stamp}.jsonl"'
            return response.text(
                body, content_type="application/jsonl; charset=utf-8", headers={"Content-Disposition": disposition}
            )
        if kind == "learning.csv":
            learned = await asyncio.to_thread(reports.learning, trainer, filters)
            return response.text(
                exports.learning_csv(learned),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="learning-{stamp}.csv"'},
            )
        if kind == "xapi.json":
            learned = await asyncio.to_thread(reports.learning, trainer, filters)
            statements = exports.xapi_statements(attempts, reports.content, exports.homepage())
            statements += exports.learning_statements(learned, exports.homepage())
            return response.json(
                statements, headers={"Content-Disposition": f'attachment; filename="xapi-{stamp}.json"'}
            )
        body = (
            exports.answers_csv(a for attempt in attempts for a in attempt.answers)
            if kind == "answers.csv"
            else exports.attempts_csv(attempts)
        )
        name = kind.replace(".csv", f"-{stamp}.csv")
        return response.text(
            body,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return dashboard


def _login_page(render, request: Request, error: Optional[str], status: int = 200, minutes: int = 0):
    token = secrets.token_urlsafe(32)
    page = render(
        request,
        "login.html",
        status=status,
        error=error,
        minutes=minutes,
        csrf=token,
        next=request.args.get("next", ""),
    )
    _set_cookie(request, page, LOGIN_CSRF_COOKIE, token)
    return page


def _set_cookie(request: Request, page, name: str, value: str) -> None:
    page.cookies[name] = value
    page.cookies[name]["httponly"] = True
    page.cookies[name]["samesite"] = "Strict"
    page.cookies[name]["path"] = "/trainer"
    # Behind the TLS proxy the request arrives as http; TRAINER_COOKIE_SECURE=1 marks it Secure.
    if request.scheme == "https" or settings.cookie_secure():
        page.cookies[name]["secure"] = True


def _clear_cookie(page, name: str) -> None:
    page.cookies[name] = ""
    page.cookies[name]["max-age"] = 0
    page.cookies[name]["path"] = "/trainer"


def _same(given: Optional[str], expected: Optional[str]) -> bool:
    return bool(given and expected) and hmac.compare_digest(given or "", expected or "")


def _database_id(text: str) -> Optional[int]:
    """A database id sent in a form or a query, or None: isdigit() accepts "²" and "٣", which
    int() refuses, and an id fits in 9 digits."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _form_expired():
    return response.text("This form has expired; reload the page and try again.", 400)


def _expired(request: Request) -> bool:
    """The form does not carry the session's CSRF token (an old page, or another site's form)."""
    return not _same((request.form or {}).get("csrf"), request.ctx.session.csrf_token)


def _filters(request: Request) -> Tuple[Filters, Optional[str]]:
    """Filters from the query string; a malformed one is dropped and named in the message."""
    problems = []
    cohort = request.args.get("cohort") or None
    cohort_id = _database_id(cohort) if cohort is not None else None
    if cohort is not None and cohort_id is None:
        problems.append("cohort")
    dates: Dict[str, Optional[datetime]] = {}
    for key in ("since", "until"):
        value = request.args.get(key) or None
        try:
            dates[key] = value and datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            problems.append(key)
            dates[key] = None
    try:
        until = dates["until"] and dates["until"] + timedelta(days=1)  # "until" includes that day
    except OverflowError:  # 9999-12-31: nothing is later
        until = None
    problem = ("Ignored (use YYYY-MM-DD dates): " + ", ".join(problems)) if problems else None
    return Filters(cohort_id, dates["since"], until), problem


def gain_chart(learned: GroupLearning, width: int = 360, row: int = 26) -> Dict[str, Any]:
    """Coordinates of an inline SVG dot plot: for the group and each principle, a line from the
    mean before-test score to the mean after-test score (0-100%), the after dot dark."""
    label_width, pad = 130, 12
    span = width - label_width - 2 * pad
    rows: List[Dict[str, Any]] = []
    for key in [OVERALL, *learned.principles]:
        scores = learned.group[key]
        if scores.before is None or scores.after is None:
            continue
        rows.append(
            {
                "key": key,
                "y": pad + len(rows) * row + row // 2,
                "before_x": round(label_width + pad + span * scores.before / 100, 1),
                "after_x": round(label_width + pad + span * scores.after / 100, 1),
                "before": round(scores.before),
                "after": round(scores.after),
            }
        )
    return {
        "width": width,
        "height": 2 * pad + max(1, len(rows)) * row + 14,
        "rows": rows,
        "left": label_width + pad,
        "right": label_width + pad + span,
        "axis_y": 2 * pad + len(rows) * row - 4,
    }


def score_chart(points: List[Tuple[datetime, float]], width: int = 320, height: int = 120) -> Dict[str, Any]:
    """Coordinates of an inline SVG line chart of scores (0-100) in the order they were made."""
    pad = 24
    if not points:
        return {"width": width, "height": height, "points": [], "line": ""}
    step = (width - 2 * pad) / max(1, len(points) - 1)
    placed = [
        {
            "x": round(pad + i * step, 1),
            "y": round(height - pad - (score / 100) * (height - 2 * pad), 1),
            "score": round(score),
            "date": when.strftime("%d/%m"),
        }
        for i, (when, score) in enumerate(points)
    ]
    return {
        "width": width,
        "height": height,
        "points": placed,
        "line": " ".join(f"{p['x']},{p['y']}" for p in placed),
        "pad": pad,
    }
