"""The web server on port 8080: the trainee page with the chat widget (web/), and the trainer
dashboard under /trainer (trainer/dashboard.py)."""

import asyncio
import gzip
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Optional

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic, response
from sanic.exceptions import HeaderNotFound
from sanic.handlers import ContentRangeHandler

from trainer import audio, settings, web_sessions
from trainer.accounts import AccountStore
from trainer.certificates import Certificates, certificate_pdf
from trainer.classroom import Classroom
from trainer.content import localized
from trainer.content_loader import load_content
from trainer.dashboard import create_dashboard
from trainer.db import Database
from trainer.reports import Reports
from trainer.reviews import Reviews

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
WIDGET_BUNDLE = WEB_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
REACT_BUNDLE = WEB_ROOT / "node_modules" / "react" / "umd" / "react.production.min.js"
# rasa-webchat's CSS imports a web font from a public CDN. Trainees' machines may be offline and
# nothing may be fetched from outside the deployment, so the import is removed when the bundle is
# loaded (node_modules stays as npm installed it); the page uses the system's fonts.
REMOTE_CSS_IMPORT = re.compile(rb"@import url\(https?://[^)]*\);")
WEB_SESSION_COOKIE = "web_session"
CERTIFICATE_CODE = re.compile(r"^[A-Za-z0-9]{6,16}$")
PICTURE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(png|jpg|jpeg)$")  # as content_schema.PICTURE
PUBLIC_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
MAX_BODY_BYTES = 16 * 1024  # the largest form (a review) is well under 1 KB
TOO_MANY_SESSIONS = (
    "Too many new sessions from your network. Try again in a few minutes.\n"
    "Trop de nouvelles sessions depuis votre réseau. Réessayez dans quelques minutes."
)
WIDGET_TEXTS = {
    "fr": {
        "title": "Entraînement",
        "subtitle": "Protéger les civils",
        "inputHint": "Votre réponse…",
        "connecting": "Connexion…",
    },
    "en": {
        "title": "Training",
        "subtitle": "Protecting civilians",
        "inputHint": "Your answer…",
        "connecting": "Connecting…",
    },
}


def page_language(request: Request) -> str:
    """?lang= first, then the choice remembered in a cookie, then the browser's languages."""
    chosen = chosen_language(request)
    if chosen is not None:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        if part.strip()[:2].lower() in settings.LANGUAGES:
            return part.strip()[:2].lower()
    return settings.DEFAULT_LANGUAGE


def chosen_language(request: Request) -> Optional[str]:
    """The language the trainee chose (a ?lang= link or the remembered cookie), not the
    browser's guess: the assistant then does not ask for it again."""
    return next((c for c in (request.args.get("lang"), request.cookies.get("lang")) if c in settings.LANGUAGES), None)


def local_time(moment: datetime, language: str) -> str:
    """A date and time as the trainer reads them: "4 Dec 2026, 14:05", "4 déc. 2026, 14:05"
    (never 12/04, which reads as April in Mali)."""
    return format_datetime(moment, "d MMM y, HH:mm", locale=language)


def rasa_socket_url(request: Request) -> str:
    """Where the widget finds Rasa's socket.io channel: RASA_PUBLIC_URL when the deployment puts
    Rasa behind a proxy, else the same host as this page on RASA_PORT."""
    configured = settings.rasa_public_url()
    if configured:
        return configured
    host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.rsplit("]:", 1)[0] + "]"
    return f"{request.scheme}://{host}:{settings.rasa_port()}"


def trainee_page_headers(socket_url: str) -> dict:
    """The page runs our scripts only, talks only to us and to Rasa's socket, is framed by no
    other site and is never cached (it carries the trainee's session token)."""
    socket_origin = socket_url.rstrip("/")
    websocket_origin = socket_origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self' {socket_origin} {websocket_origin}; frame-ancestors 'self'; form-action 'self'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def create_app(name: str = "ihl_trainer_web", widget_bundle: Optional[Path] = None) -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    session_secret = settings.web_session_secret()
    new_sessions = web_sessions.NewSessionLimit(settings.new_web_sessions_per_address(), window_seconds=600)
    templates = Environment(loader=FileSystemLoader(WEB_ROOT / "templates"), autoescape=select_autoescape())
    templates.filters["when"] = local_time
    bundle_path = widget_bundle or WIDGET_BUNDLE
    if not bundle_path.is_file():
        raise SystemExit(f"the chat widget is missing ({bundle_path}); run scripts/bootstrap.sh")
    bundle = REMOTE_CSS_IMPORT.sub(b"", bundle_path.read_bytes())
    bundle_gzip = gzip.compress(bundle, compresslevel=9)

    @app.get("/")
    async def trainee_page(request: Request):
        language = page_language(request)
        session = web_sessions.session_of(session_secret, request.cookies.get(WEB_SESSION_COOKIE))
        if session is None and not new_sessions.allow(request.remote_addr or request.ip):
            return response.text(TOO_MANY_SESSIONS, 429, headers={"Retry-After": "600"})
        session, token = web_sessions.issue(session_secret, session)
        socket_url = rasa_socket_url(request)
        config = {
            "language": language,
            "languageChosen": chosen_language(request) is not None,
            "socketUrl": socket_url,
            "sessionToken": token,
            **WIDGET_TEXTS[language],
        }
        html = templates.get_template("index.html").render(lang=language, config=config)
        page = response.html(html, headers=trainee_page_headers(socket_url))
        page.cookies[WEB_SESSION_COOKIE] = token
        page.cookies[WEB_SESSION_COOKIE]["max-age"] = web_sessions.LIFETIME_SECONDS
        page.cookies[WEB_SESSION_COOKIE]["httponly"] = True
        page.cookies[WEB_SESSION_COOKIE]["samesite"] = "Lax"
        page.cookies[WEB_SESSION_COOKIE]["secure"] = settings.cookie_secure()
        if request.args.get("lang") in settings.LANGUAGES:
            page.cookies["lang"] = language
            page.cookies["lang"]["max-age"] = 365 * 24 * 3600
            page.cookies["lang"]["samesite"] = "Lax"
        return page

    @app.get("/static/webchat.js")
    async def widget(request: Request):
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return response.raw(bundle_gzip, content_type="application/javascript", headers=headers)
        return response.raw(bundle, content_type="application/javascript", headers=headers)

    @app.get("/healthz")
    async def health(request: Request):
        return response.json({"status": "ok"})

    app.static("/static/app.js", str(WEB_ROOT / "static" / "app.js"))
    # React for the page's voice-note component (web/static/app.js), as npm installed it.
    app.static("/static/react.js", str(REACT_BUNDLE), content_type="application/javascript")
    app.static("/static/page.css", str(WEB_ROOT / "static" / "page.css"))
    app.static("/static/trainer.css", str(WEB_ROOT / "static" / "trainer.css"))
    app.static("/static/classroom.js", str(WEB_ROOT / "static" / "classroom.js"))
    app.static("/favicon.svg", str(WEB_ROOT / "static" / "favicon.svg"), content_type="image/svg+xml")

    @app.get("/favicon.ico")
    async def favicon(request: Request):  # browsers ask for it whatever the page says
        return response.redirect("/favicon.svg", status=301)

    db = Database()  # DATABASE_URL; migrates the schema on first use
    content = load_content()
    reports = Reports(db, content)
    certificates = Certificates(db)

    pictures = settings.content_dir() / "pictures"

    @app.get("/pictures/<name>")  # the drawings content names; the trainee page and channels show them
    async def picture(request: Request, name: str):
        if not PICTURE_NAME.match(name) or not (pictures / name).is_file():
            return response.text("No such picture.", 404)
        return await response.file(
            pictures / name, headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
        )

    @app.get("/audio/<path:path>")  # voice notes: made on the first request, then from the cache
    async def voice_note(request: Request, path: str):
        note = audio.note_from_url(f"/audio/{path}", content)
        if note is None:
            return response.text("No such voice note.", 404)
        try:
            file = await asyncio.to_thread(audio.note_file, note, content)
        except audio.AudioUnavailable as error:
            logger.warning("voice note %s: %s", note.url, error)
            return response.text("This voice note cannot be made on this server.", 503)
        try:  # players ask for ranges to find an Ogg file's length
            ranged = ContentRangeHandler(request, os.stat(file))
        except HeaderNotFound:
            ranged = None
        headers = {
            "Cache-Control": "public, max-age=86400",
            "Accept-Ranges": "bytes",
            "X-Content-Type-Options": "nosniff",
        }
        # ContentRangeHandler is what sanic's own static files pass here; its stubs say Range.
        return await response.file(file, mime_type="audio/ogg", headers=headers, _range=ranged)  # type: ignore[arg-type]

    # Certificates: public to whoever holds the code (it is printed on the certificate).
    @app.get("/verify/<code>")
    async def verify(request: Request, code: str):
        language = page_language(request)
        found = await asyncio.to_thread(certificates.find, code) if CERTIFICATE_CODE.match(code) else None
        principles = (
            [localized(content.principles[p].title, language) for p in found.principles if p in content.principles]
            if found
            else []
        )
        html = templates.get_template("verify.html").render(
            lang=language, certificate=found, code=code[:16], principles=principles
        )
        return response.html(html, status=200 if found else 404, headers=PUBLIC_PAGE_HEADERS)

    @app.get("/certificates/<file_name>")  # CODE.pdf (sanic's router takes no suffix after a parameter)
    async def certificate_file(request: Request, file_name: str):
        code = file_name.removesuffix(".pdf")
        wanted = file_name.endswith(".pdf") and CERTIFICATE_CODE.match(code)
        found = await asyncio.to_thread(certificates.find, code) if wanted else None
        if found is None or not found.valid:
            return response.text("No valid certificate has this code.", 404)
        pdf = await asyncio.to_thread(certificate_pdf, found, content, settings.public_url())
        name = f"certificate-{found.code}.pdf"
        return response.raw(
            pdf, content_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
        )

    app.blueprint(
        create_dashboard(
            templates, AccountStore(db), reports, Reviews(db, reports), page_language, certificates, Classroom(db)
        )
    )
    return app


def serve(host: str, port: int) -> None:
    create_app().run(host=host, port=port, access_log=False)
