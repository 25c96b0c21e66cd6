"""Voice notes for trainees who read little: a scenario's briefing, each decision point's
prompt followed by its options in the order the trainee sees them ("Option 1: ..."), the
feedback on an option the trainee picked, and a step's hint.

A training centre records what it wants spoken, in any language (Bambara included), as OGG Opus
files (what a phone's voice notes are) under content/audio/<voice>/ (README, "Audio"):

    <voice>/<scenario>/briefing.ogg           the briefing
    <voice>/<scenario>/<step>.ogg             a decision point's prompt
    <voice>/<scenario>/<step>.<option>.ogg    one option
    <voice>/<scenario>/<step>.<option>.feedback.ogg    the feedback on that option
    <voice>/<scenario>/<step>.hint.ogg        the step's hint
    <voice>/numbers/<n>.ogg                   "option n", said before the n-th option shown

What is not recorded is spoken by espeak-ng in the trainee's reading language (English or
French), so a note is never missing a part. A note is put together once (pieces decoded to PCM,
joined with short silences, encoded to Opus) and kept in var/cache/audio under a hash of its
pieces, so a new recording or a changed text makes a new note. Its URL says what it contains,
not where it is cached: the web server and Rasa's Telegram channel each make the same note from
the same URL (the actions only name it), and replicas need not share a cache.
"""

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy

from trainer import settings
from trainer.content import Content, Scenario, localized

VERSION = "1"  # part of every cache key: bump when the way a note is made changes
RATE = 22050  # espeak-ng's own rate; recordings are decoded to it
PAUSE_SECONDS = 0.5  # between the prompt and each option
BITRATE_KBPS = 24  # speech stays clear; a 30 s note is about 90 KB on a poor connection
MAX_RECORDING_BYTES = 1_000_000
# espeak-ng's voices for the reading languages; other voices exist only as recordings.
SPOKEN = {"en": "en-gb", "fr": "fr-fr"}
OPTION_WORD = {"en": "Option {n}.", "fr": "Option {n}."}
# What a voice button says: each language named in itself, so any trainee finds their own.
VOICE_NAMES = {
    "bm": "Bamanankan",
    "en": "English",
    "fr": "Français",
    "ff": "Fulfulde",
    "son": "Soŋay",
    "tmh": "Tamasheq",
}
VOICE = re.compile(r"^[a-z]{2,3}$")
NOTE_PATH = re.compile(
    r"^/audio/(?P<voice>[a-z]{2,3})/(?P<reading>[a-z]{2})/(?P<scenario>[a-z][a-z0-9_]*)/"
    r"(?:briefing|(?P<step>[a-z][a-z0-9_]*)/"
    r"(?:(?P<hint>hint)|feedback/(?P<option>[a-z][a-z0-9_]*)|(?P<order>[a-z][a-z0-9_]*(?:-[a-z][a-z0-9_]*)+)))\.ogg$"
)
TOOLS = ("espeak-ng", "opusenc", "opusdec")


class AudioUnavailable(Exception):
    """A part of the note is not recorded and this machine cannot speak it (no espeak-ng)."""


@dataclass(frozen=True)
class Note:
    """What one voice note says: a briefing (step None) or a decision point with its options in
    the order shown. `voice` picks the recordings; `reading` is the language the trainee reads,
    spoken by espeak-ng where nothing is recorded."""

    voice: str
    reading: str
    scenario_id: str
    step_id: Optional[str] = None
    order: Tuple[str, ...] = ()
    feedback: Optional[str] = None  # an option's id: the note is that option's feedback
    hint: bool = False  # the note is the step's hint

    @property
    def url(self) -> str:
        base = f"/audio/{self.voice}/{self.reading}/{self.scenario_id}"
        if self.step_id is None:
            return f"{base}/briefing.ogg"
        if self.feedback is not None:
            return f"{base}/{self.step_id}/feedback/{self.feedback}.ogg"
        if self.hint:
            return f"{base}/{self.step_id}/hint.ogg"
        return f"{base}/{self.step_id}/{'-'.join(self.order)}.ogg"


@dataclass(frozen=True)
class Recorded:
    path: Path


@dataclass(frozen=True)
class Spoken:
    language: str
    text: str


Piece = Union[Recorded, Spoken]


def briefing(voice: str, reading: str, scenario: Scenario) -> Note:
    return Note(voice, reading, scenario.id)


def decision_point(voice: str, reading: str, scenario: Scenario, step_id: str, options: Sequence) -> Note:
    return Note(voice, reading, scenario.id, step_id, tuple(option.id for option in options))


def feedback(voice: str, reading: str, scenario_id: str, step_id: str, option_id: str) -> Note:
    return Note(voice, reading, scenario_id, step_id, feedback=option_id)


def hint(voice: str, reading: str, scenario_id: str, step_id: str) -> Note:
    return Note(voice, reading, scenario_id, step_id, hint=True)


def note_from_url(path: str, content: Content) -> Optional[Note]:
    """The note a URL names, if it names one the content has (an order must be all the step's
    options, each once); None for anything else."""
    match = NOTE_PATH.match(path)
    if not match or match["reading"] not in settings.LANGUAGES:
        return None
    scenario = content.scenarios.get(match["scenario"])
    if scenario is None:
        return None
    if match["step"] is None:
        return Note(match["voice"], match["reading"], scenario.id)
    step = scenario.steps.get(match["step"])
    if step is None:
        return None
    if match["hint"] is not None:
        return hint(match["voice"], match["reading"], scenario.id, step.id)
    if match["option"] is not None:
        option = step.option(match["option"])
        return feedback(match["voice"], match["reading"], scenario.id, step.id, option.id) if option else None
    order = tuple(match["order"].split("-"))
    if sorted(order) != sorted(option.id for option in step.options):
        return None
    return Note(match["voice"], match["reading"], scenario.id, step.id, order)


def recordings_dir() -> Path:
    return settings.content_dir() / "audio"


def cache_dir() -> Path:
    return settings.CACHE_DIR / "audio"


def voice_name(voice: str) -> str:
    return VOICE_NAMES.get(voice, voice)


def can_speak() -> bool:
    """Whether this machine can make what is not recorded (Debian's espeak-ng and opus-tools)."""
    return all(shutil.which(tool) for tool in TOOLS)


def recorded_voices(folder: Optional[Path] = None) -> List[str]:
    folder = folder or recordings_dir()
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and VOICE.match(p.name)) if folder.is_dir() else []


def voices() -> List[str]:
    """The voices a trainee can choose: the reading languages when espeak-ng is here, and every
    voice the centre has recorded."""
    spoken = list(settings.LANGUAGES) if can_speak() else []
    return spoken + [voice for voice in recorded_voices() if voice not in spoken]


def briefing_name(scenario_id: str) -> str:
    return f"{scenario_id}/briefing.ogg"


def prompt_name(scenario_id: str, step_id: str) -> str:
    return f"{scenario_id}/{step_id}.ogg"


def option_name(scenario_id: str, step_id: str, option_id: str) -> str:
    return f"{scenario_id}/{step_id}.{option_id}.ogg"


def feedback_name(scenario_id: str, step_id: str, option_id: str) -> str:
    return f"{scenario_id}/{step_id}.{option_id}.feedback.ogg"


def hint_name(scenario_id: str, step_id: str) -> str:
    return f"{scenario_id}/{step_id}.hint.ogg"


def number_name(n: int) -> str:
    return f"numbers/{n}.ogg"


def expected_recordings(scenarios: Iterable[dict]) -> List[str]:
    """Every file a voice's folder may hold, from the scenario files as written (the validator
    reads them before any Content exists)."""
    names, most_options = [], 0
    for scenario in scenarios:
        names.append(briefing_name(scenario["id"]))
        for step_id, step in scenario["steps"].items():
            names.append(prompt_name(scenario["id"], step_id))
            names.append(hint_name(scenario["id"], step_id))
            for option in step["options"]:
                names.append(option_name(scenario["id"], step_id, option["id"]))
                names.append(feedback_name(scenario["id"], step_id, option["id"]))
            most_options = max(most_options, len(step["options"]))
    return names + [number_name(n) for n in range(1, most_options + 1)]


def pieces(note: Note, content: Content, folder: Optional[Path] = None) -> List[Piece]:
    """What the note says, in order: each part recorded in the note's voice when the centre has
    recorded it, otherwise spoken in the reading language."""
    voice_dir = (folder or recordings_dir()) / note.voice
    scenario = content.scenario(note.scenario_id)

    def part(name: str, text: str) -> Piece:
        recording = voice_dir / name
        return Recorded(recording) if recording.is_file() else Spoken(note.reading, plain(text))

    if note.step_id is None:
        texts = [scenario.title, *scenario.briefing.values()]
        return [part(briefing_name(scenario.id), ". ".join(localized(t, note.reading) for t in texts))]
    step = scenario.steps[note.step_id]
    if note.hint:
        return [part(hint_name(scenario.id, step.id), localized(step.hint, note.reading))]
    if note.feedback is not None:
        option = step.option(note.feedback)
        assert option is not None  # note_from_url only makes known options
        return [part(feedback_name(scenario.id, step.id, option.id), localized(option.feedback, note.reading))]
    said = [part(prompt_name(scenario.id, step.id), localized(step.prompt, note.reading))]
    for n, option_id in enumerate(note.order, 1):
        option = step.option(option_id)
        assert option is not None  # note_from_url and decision_point only make known orders
        said.append(part(number_name(n), OPTION_WORD[note.reading].format(n=n)))
        said.append(part(option_name(scenario.id, step.id, option.id), localized(option.label, note.reading)))
    return said


def plain(text: str) -> str:
    """Text as it should be heard: no Markdown marks, no line breaks."""
    return re.sub(r"\s+", " ", re.sub(r"[*_`#>]", "", text)).strip()


def note_file(note: Note, content: Content, folder: Optional[Path] = None, cache: Optional[Path] = None) -> Path:
    """The note as an OGG Opus file, made now if the cache does not have it yet. Several
    processes may make the same note at once: each writes its own file and renames it in."""
    said = pieces(note, content, folder)
    if len(said) == 1 and isinstance(said[0], Recorded):  # a briefing, feedback or hint as recorded
        return said[0].path
    cache = cache or cache_dir()
    target = cache / f"{cache_key(said)}.ogg"
    if target.is_file():
        return target
    if any(isinstance(piece, Spoken) for piece in said) and not can_speak():
        raise AudioUnavailable(f"{note.url}: not all recorded, and espeak-ng or opus-tools is not installed")
    cache.mkdir(parents=True, exist_ok=True)
    pcm = b"".join(_with_pause(_pcm(piece), last=i == len(said) - 1) for i, piece in enumerate(said))
    with tempfile.TemporaryDirectory(dir=cache) as work:
        joined, encoded = Path(work) / "note.wav", Path(work) / "note.ogg"
        with wave.open(str(joined), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm)
        _run(["opusenc", "--quiet", "--bitrate", str(BITRATE_KBPS), str(joined), str(encoded)])
        os.replace(encoded, target)
    return target


def cache_key(said: Sequence[Piece]) -> str:
    described = [
        ["recorded", hashlib.sha256(piece.path.read_bytes()).hexdigest()]
        if isinstance(piece, Recorded)
        else ["spoken", piece.language, piece.text]
        for piece in said
    ]
    return hashlib.sha256(json.dumps([VERSION, described]).encode()).hexdigest()[:32]


def _pcm(piece: Piece) -> bytes:
    """The piece as 16-bit mono PCM at RATE."""
    if isinstance(piece, Spoken):
        wav = _run(["espeak-ng", "-v", SPOKEN[piece.language], "--stdout", "--stdin"], piece.text.encode())
    else:
        wav = _run(["opusdec", "--quiet", "--rate", str(RATE), "--force-wav", str(piece.path), "-"])
    with wave.open(BytesIO(wav)) as read:  # both tools write 16-bit samples
        frames, channels = read.readframes(read.getnframes()), read.getnchannels()
    if channels == 1:
        return frames
    samples = numpy.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    return samples.mean(axis=1).astype("<i2").tobytes()


def _with_pause(pcm: bytes, last: bool) -> bytes:
    return pcm if last else pcm + b"\0\0" * int(RATE * PAUSE_SECONDS)


def _run(command: List[str], given: bytes = b"") -> bytes:
    try:
        done = subprocess.run(command, input=given, capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        raise AudioUnavailable(f"{command[0]} failed: {error}") from error
    return done.stdout


def opus_duration(data: bytes) -> Optional[float]:
    """Seconds of sound in an OGG Opus file, from its last page's granule position less the
    pre-skip of its header (RFC 7845); None when the data is not OGG Opus."""
    if not data.startswith(b"OggS") or b"OpusHead" not in data[:100]:
        return None
    head = data.index(b"OpusHead")
    pre_skip = struct.unpack_from("<H", data, head + 10)[0]
    last_page = data.rfind(b"OggS")
    granule = struct.unpack_from("<q", data, last_page + 6)[0]
    return max(granule - pre_skip, 0) / 48000
