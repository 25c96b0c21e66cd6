"""Every setting of the deployment, and the constants the whole project shares.

This is the one module that reads the environment (README, "Environment variables"). Values are
read when asked for, not at import, so a test or a server started with another environment
sees its own. A value that cannot be used stops the process with a message naming it.
"""

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple, TypeVar

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "var" / "db"
CACHE_DIR = PROJECT_ROOT / "var" / "cache"  # what can be rebuilt from the project's files (the fitted grader)
# Answers instructors graded, which the grader learns from (the development part of the corpus;
# the frozen test part lives apart, in benchmarks/data/, and is never read by the grader).
GRADED_ANSWERS = PROJECT_ROOT / "content" / "graded_answers.jsonl"

LANGUAGES = ("fr", "en")
# Trainees in Mali are trained in French first; a page, a trainee or a conversation whose
# language nothing tells yet is French.
DEFAULT_LANGUAGE = "fr"

GRADE_MIN, GRADE_MAX = 0, 3  # 3 lawful and protective ... 0 unlawful (README, "Training content")
PASS_MARK = 70.0  # percent of the best possible grades; reports mark attempts passed or failed

MAX_ANSWER_CHARS = 2000  # longer messages are refused before NLU reads them; no answer needs more


def setting(
    name: str,
    default: T,
    convert: Callable[[str], T],
    valid: Callable[[T], bool],
    requirement: str,
    environ: Optional[Mapping[str, str]] = None,
) -> T:
    """A setting from the environment, `default` when unset or empty. A value `convert` cannot
    read or `valid` rejects stops the process, saying it must be `requirement`."""
    raw = (os.environ if environ is None else environ).get(name) or str(default)
    try:
        value: Optional[T] = convert(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise SystemExit(f"serve: {name} must be {requirement}, not {raw!r}")
    return value


def _text(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def content_dir() -> Path:
    """The training content the servers read (CONTENT_DIR): the project's content/ by default; a
    centre may keep its own copy (its pictures and recordings) elsewhere."""
    return Path(_text("CONTENT_DIR", str(PROJECT_ROOT / "content")))


# Databases -----------------------------------------------------------------------------------


def database_url() -> str:
    """The progress store (DATABASE_URL); by default a SQLite file under var/db/."""
    return _text("DATABASE_URL", f"sqlite:///{DATA_DIR / 'trainer.db'}")


def tracker_store_url() -> str:
    """Rasa's conversation store (TRACKER_STORE_URL, as in endpoints.yml)."""
    return _text("TRACKER_STORE_URL", f"sqlite:///{DATA_DIR / 'tracker.db'}")


# Web server ----------------------------------------------------------------------------------


def public_url() -> str:
    """The deployment's public address (PUBLIC_URL): it names the deployment in xAPI exports."""
    return _text("PUBLIC_URL", "http://localhost:8080").rstrip("/")


def rasa_public_url() -> Optional[str]:
    """Where browsers reach Rasa's socket.io channel when a proxy stands in front (RASA_PUBLIC_URL)."""
    configured = _text("RASA_PUBLIC_URL")
    return configured.rstrip("/") if configured else None


def rasa_port() -> int:
    return setting("RASA_PORT", 5005, int, lambda port: 0 < port < 65536, "a port number")


def web_session_secret() -> str:
    """Signs the trainee page's sessions (WEB_SESSION_SECRET), shared by the web server and the
    Rasa server. Unset: a key made once in var/db/, which serves one machine; several machines
    must share one value."""
    configured = _text("WEB_SESSION_SECRET")
    if configured:
        return setting("WEB_SESSION_SECRET", configured, str, lambda key: len(key) >= 32, "at least 32 characters")
    key_file = DATA_DIR / "web_session.key"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:  # whichever server starts first makes it; the other reads it
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other server may be writing it this instant
            written = key_file.read_text().strip()
            if written:
                return written
            time.sleep(0.1)
        raise SystemExit(f"serve: {key_file} is empty; delete it or set WEB_SESSION_SECRET") from None
    with os.fdopen(descriptor, "w") as key:
        made = secrets.token_urlsafe(32)
        key.write(made)
    return made


def new_web_sessions_per_address() -> int:
    """New trainee-page sessions one client address may start in 10 minutes
    (NEW_WEB_SESSIONS_PER_ADDRESS); a classroom behind one address needs one per trainee."""
    return setting("NEW_WEB_SESSIONS_PER_ADDRESS", 120, int, lambda n: n >= 1, "a whole number, at least 1")


def telegram_bot() -> Tuple[str, str]:
    """(TELEGRAM_TOKEN, TELEGRAM_API_URL) for the reminders process; an empty token: Telegram off."""
    return _text("TELEGRAM_TOKEN"), _text("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")


def reminder_interval_seconds() -> float:
    """How often the reminders process looks for reviews that fell due (REMINDER_INTERVAL_SECONDS)."""
    return setting("REMINDER_INTERVAL_SECONDS", 300.0, float, lambda s: s >= 1, "a number of seconds, at least 1")


def cookie_secure() -> bool:
    """TRAINER_COOKIE_SECURE=1 behind a TLS proxy: the dashboard's cookie is then marked Secure."""
    return _text("TRAINER_COOKIE_SECURE") == "1"


@dataclass(frozen=True)
class Lrs:
    url: str
    username: str
    password: str


def lrs() -> Optional[Lrs]:
    """The Learning Record Store reports are sent to (LRS_URL, LRS_USERNAME, LRS_PASSWORD)."""
    url = _text("LRS_URL").rstrip("/")
    return Lrs(url, _text("LRS_USERNAME"), _text("LRS_PASSWORD")) if url else None


# Action server -------------------------------------------------------------------------------


def action_server_secret() -> str:
    """Shared by the Rasa server and the action server (ACTION_SERVER_SECRET); empty: off."""
    return _text("ACTION_SERVER_SECRET")


# Rasa server ---------------------------------------------------------------------------------


Environ = Optional[Mapping[str, str]]  # None: the process's environment


def action_timeout_seconds(environ: Environ = None) -> float:
    """How long the Rasa server waits for a custom action (ACTION_TIMEOUT_SECONDS)."""
    return setting(
        "ACTION_TIMEOUT_SECONDS", 20.0, float, lambda seconds: seconds > 0, "a number of seconds above 0", environ
    )


def session_max_events(environ: Environ = None) -> int:
    """Events after which a conversation session ends between two scenarios (SESSION_MAX_EVENTS);
    fewer than 50 would start a session every few turns."""
    return setting("SESSION_MAX_EVENTS", 300, int, lambda value: value >= 50, "a whole number, at least 50", environ)


ADMISSION_DEFAULTS: Dict[str, float] = {
    "rate_limit_per_minute": 30.0,
    "rate_limit_burst": 10.0,
    "max_open_sessions": 300.0,  # above the ~210 a 2-core replica serves (docs/deployment.md)
    # A classroom behind one NAT address shares this share: a platoon of 60 fits.
    "max_sessions_per_address": 60.0,
    "session_idle_minutes": 30.0,
}


def admission_limits(environ: Environ = None) -> Dict[str, float]:
    """RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST, MAX_OPEN_SESSIONS, MAX_SESSIONS_PER_ADDRESS,
    SESSION_IDLE_MINUTES."""
    return {
        name: setting(name.upper(), default, float, lambda value: value >= 1, "a number, at least 1", environ)
        for name, default in ADMISSION_DEFAULTS.items()
    }


def rasa_api_credentials() -> Tuple[str, str, str]:
    """(RASA_API_TOKEN, RASA_JWT_SECRET, RASA_JWT_METHOD) for Rasa's HTTP API."""
    return _text("RASA_API_TOKEN"), _text("RASA_JWT_SECRET"), _text("RASA_JWT_METHOD", "HS256")
