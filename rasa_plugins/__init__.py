"""What the Rasa server loads from this project by module path: the messaging channels named in
credentials.yml (Telegram, WhatsApp through Twilio) and the lock store of endpoints.yml; and the
guards compat installs, which read their settings with `setting`."""
from typing import Callable, List, Mapping, Text, TypeVar

T = TypeVar("T")


def setting(environ: Mapping[str, str], name: Text, default: T, convert: Callable[[str], T],
            valid: Callable[[T], bool], requirement: Text) -> T:
    """A server setting from the environment, `default` when unset or empty. A value `convert`
    cannot read or `valid` rejects stops the server, saying it must be `requirement`."""
    raw = environ.get(name) or str(default)
    try:
        value = convert(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise SystemExit(f"serve: {name} must be {requirement}, not {raw!r}")
    return value


def split_message(text: Text, limit: int) -> List[Text]:
    """Cut a long text into parts of at most `limit` characters, at paragraph or line ends
    where possible, else between words."""
    parts, text = [], (text or "").strip()
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + ([text] if text else [])
