"""Voice notes (trainer/audio.py): what a note says and where it comes from, French spoken by
espeak-ng when nothing is recorded and served from the cache the second time, a centre's
recordings used where they exist, the validator's checks, and the note on each channel."""

import asyncio
import json
import shutil
import subprocess
import wave

import numpy
import pytest

from actions import runtime
from actions.audio import ActionSetAudio
from actions.scenario import ActionStartTraining
from harness.telegram_standin import TelegramStandIn
from rasa_plugins.telegram import TelegramBot
from rasa_plugins.whatsapp import media_urls
from tests.unit.test_actions import playing_slots, run, run_form, slots, tracker, validate_answer
from trainer import audio, settings
from trainer.content_loader import DEFAULT_CONTENT_DIR, load_content
from trainer.engine import shown_options
from trainer.validate import check_content

pytestmark = pytest.mark.usefixtures("fresh_database")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty note cache for one test."""
    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache" / "audio"


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """A copy of the content with a Bambara folder holding one recording, the checkpoint's first
    prompt, read by every process (CONTENT_DIR)."""
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    folder = root / "audio" / "bm" / "checkpoint_motorbike"
    folder.mkdir(parents=True)
    tone(folder / "approach.ogg", seconds=1.5, tmp_path=tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(root))
    runtime.content.cache_clear()
    yield root
    runtime.content.cache_clear()


def tone(path, seconds, tmp_path, hertz=440):
    """A recording as a phone makes one: OGG Opus (a stereo tone at 48 kHz here)."""
    samples = (numpy.sin(numpy.arange(int(48000 * seconds)) * 2 * numpy.pi * hertz / 48000) * 8000).astype("<i2")
    wav = tmp_path / "tone.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(numpy.repeat(samples, 2).tobytes())
    subprocess.run(["opusenc", "--quiet", str(wav), str(path)], check=True)


def checkpoint_note(voice="fr", reading="fr", attempt=7):
    content = load_content()
    scenario = content.scenario("checkpoint_motorbike")
    step = scenario.steps["approach"]
    return audio.decision_point(voice, reading, scenario, step.id, shown_options(step, attempt)), content


def test_a_note_url_names_the_options_in_the_order_shown_and_nothing_else_is_served():
    note, content = checkpoint_note()
    assert note.url == f"/audio/fr/fr/checkpoint_motorbike/approach/{'-'.join(note.order)}.ogg"
    assert audio.note_from_url(note.url, content) == note
    briefing = audio.briefing("bm", "en", content.scenario("checkpoint_motorbike"))
    assert audio.note_from_url(briefing.url, content) == briefing
    missing_option = "-".join(note.order[:-1])
    for url in (
        f"/audio/fr/fr/checkpoint_motorbike/approach/{missing_option}.ogg",
        f"/audio/fr/fr/checkpoint_motorbike/approach/{note.order[0]}-{note.order[0]}-{note.order[1]}.ogg",
        "/audio/fr/fr/checkpoint_motorbike/nowhere/a-b.ogg",
        "/audio/fr/de/checkpoint_motorbike/briefing.ogg",  # not a reading language
        "/audio/fr/fr/../../etc/passwd",
    ):
        assert audio.note_from_url(url, content) is None, url


def test_french_is_spoken_when_nothing_is_recorded_then_served_from_the_cache(cache, monkeypatch):
    note, content = checkpoint_note()
    said = audio.pieces(note, content)
    assert all(isinstance(piece, audio.Spoken) and piece.language == "fr" for piece in said)
    assert [piece.text for piece in said[1::2]] == ["Option 1.", "Option 2.", "Option 3."]
    assert said[2].text == audio.plain(
        content.scenario("checkpoint_motorbike").steps["approach"].option(note.order[0]).label["fr"]
    )

    made = audio.note_file(note, content)
    seconds = audio.opus_duration(made.read_bytes())
    assert made.parent == cache and seconds > 5  # a prompt and three options, spoken
    info = subprocess.run(["opusinfo", str(made)], capture_output=True, text=True).stdout
    assert "Channels: 1" in info

    def no_tools(*args, **kwargs):
        raise AssertionError("made again instead of read from the cache")

    monkeypatch.setattr(audio, "_run", no_tools)
    assert audio.note_file(note, content) == made
    other_order, _ = checkpoint_note(attempt=8)
    if other_order.order != note.order:  # another attempt's order is another note
        with pytest.raises(AssertionError):
            audio.note_file(other_order, content)


def test_a_recording_is_used_where_there_is_one_and_the_rest_is_spoken(cache, recorded, tmp_path):
    note, content = checkpoint_note(voice="bm", reading="fr")
    said = audio.pieces(note, content)
    assert said[0] == audio.Recorded(recorded / "audio" / "bm" / "checkpoint_motorbike" / "approach.ogg")
    assert all(isinstance(piece, audio.Spoken) and piece.language == "fr" for piece in said[1:])
    first = audio.note_file(note, content)
    seconds = audio.opus_duration(first.read_bytes())
    spoken_only = audio.opus_duration(audio.note_file(checkpoint_note()[0], content).read_bytes())
    assert seconds > 1.5 and seconds != pytest.approx(spoken_only, abs=0.1)
    tone(recorded / "audio" / "bm" / "checkpoint_motorbike" / "approach.ogg", seconds=3, tmp_path=tmp_path)
    again = audio.note_file(note, content)  # a new recording is a new note
    assert again != first and audio.opus_duration(again.read_bytes()) == pytest.approx(seconds + 1.5, abs=0.1)
    assert "bm" in audio.voices() and audio.voice_name("bm") == "Bamanankan"


def test_the_validator_checks_names_and_format_and_lists_what_is_missing(recorded):
    report = check_content(recorded)
    assert not report.errors
    missing = report.missing_recordings["bm"]
    assert "checkpoint_motorbike/approach.ogg" not in missing
    assert "checkpoint_motorbike/briefing.ogg" in missing and "numbers/1.ogg" in missing
    assert "checkpoint_motorbike/approach.escalate.feedback.ogg" in missing
    assert "checkpoint_motorbike/approach.hint.ogg" in missing
    assert any(name.startswith("checkpoint_motorbike/approach.") for name in missing)  # its options

    folder = recorded / "audio" / "bm"
    shutil.copy(folder / "checkpoint_motorbike" / "approach.ogg", folder / "checkpoint_motorbike" / "aproach.ogg")
    (folder / "numbers").mkdir()
    (folder / "numbers" / "1.ogg").write_bytes(b"RIFF....WAVE")  # a WAV renamed
    (recorded / "audio" / "Bambara").mkdir()
    errors = [str(error) for error in check_content(recorded).errors]
    assert any("aproach.ogg" in e and "no scenario text has this name" in e for e in errors), errors
    assert any("numbers/1.ogg" in e and "not an OGG Opus recording" in e for e in errors), errors
    assert any("Bambara" in e and "language code" in e for e in errors), errors


def test_the_cli_names_each_missing_recording(recorded, capsys):
    from trainer.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["validate", str(recorded)])
    assert exited.value.code == 0
    printed = capsys.readouterr().out
    assert "audio bm:" in printed and "  bm/checkpoint_motorbike/briefing.ogg" in printed


def test_audio_on_then_the_briefing_and_each_decision_point_come_with_their_note():
    _, events = run(ActionSetAudio(), tracker("audio", "set_audio", slots={"language": "fr"}))
    assert slots(events) == {"audio_voice": "fr"}
    said, _ = run(
        ActionStartTraining(),
        tracker(
            '/start_training{"scenario": "checkpoint_motorbike"}',
            "start_training",
            [("scenario", "checkpoint_motorbike")],
            slots={"language": "fr", "audio_voice": "fr"},
        ),
    )
    assert said[0]["custom"] == {"audio": "/audio/fr/fr/checkpoint_motorbike/briefing.ogg", "label": "Écouter"}
    assert said[1]["response"] == "utter_briefing"
    base = {**playing_slots(), "audio_voice": "en"}
    messages, _ = run_form(base)
    url = messages[0]["custom"]["audio"]
    assert url.startswith("/audio/en/en/checkpoint_motorbike/approach/") and messages[1]["text"].startswith("At night")
    shown = [json.loads(b["payload"][b["payload"].index("{") :]) for b in messages[1]["buttons"]]
    assert url.rsplit("/", 1)[1] == "-".join(entities["option_id"] for entities in shown) + ".ogg"


def test_a_tapped_option_s_feedback_is_read_out_and_a_typed_answer_s_is_not():
    base = {**playing_slots(), "audio_voice": "fr", "language": "fr"}
    _, said = validate_answer("/choose_option", base, "choose_option", [("option_id", "escalate")], message_id="a1")
    note = audio.feedback("fr", "fr", "checkpoint_motorbike", "approach", "escalate")
    assert said[0]["custom"]["audio"] == note.url == "/audio/fr/fr/checkpoint_motorbike/approach/feedback/escalate.ogg"
    assert said[1]["text"].startswith("3/3")  # the feedback's text, then the next point with its own note
    assert audio.note_from_url(note.url, load_content()) == note
    option = load_content().scenario("checkpoint_motorbike").steps["approach"].option("escalate")
    assert audio.pieces(note, load_content()) == [audio.Spoken("fr", audio.plain(option.feedback["fr"]))]
    assert audio.note_from_url(note.url.replace("escalate", "no_such_option"), load_content()) is None

    typed = {**playing_slots(), "audio_voice": "fr", "language": "fr"}
    _, said = validate_answer("lampe, je crie stop, on reste a couvert", typed, message_id="a2")
    assert "/feedback/" not in str([m["custom"] for m in said])


def test_a_hint_is_read_out_with_its_text():
    base = {**playing_slots(), "audio_voice": "en"}
    messages, _ = run_form(base, "hint", intent="hint")
    note = audio.hint("en", "en", "checkpoint_motorbike", "approach")
    assert messages[0]["custom"]["audio"] == note.url == "/audio/en/en/checkpoint_motorbike/approach/hint.ogg"
    assert messages[1]["response"] == "utter_hint"
    assert audio.note_from_url(note.url, load_content()) == note
    step = load_content().scenario("checkpoint_motorbike").steps["approach"]
    assert audio.pieces(note, load_content()) == [audio.Spoken("en", audio.plain(step.hint["en"]))]


def test_audio_off_at_a_decision_point_is_a_request_and_the_point_comes_back_without_a_note():
    base = {**playing_slots(), "audio_voice": "fr", "language": "fr"}
    messages, events = run_form(base, "audio off", intent="set_audio")
    assert messages[0]["text"] == "Audio désactivé." and not messages[1]["custom"] and len(messages) == 2
    assert slots(events)["audio_voice"] is None and slots(events)["answer"] is None


def test_no_voice_is_offered_when_nothing_can_speak_or_is_recorded(monkeypatch):
    monkeypatch.setattr(audio, "can_speak", lambda: False)
    messages, events = run(ActionSetAudio(), tracker("audio", "set_audio"))
    assert messages[0]["text"].startswith("Sorry, there is no audio") and slots(events) == {}


def test_telegram_uploads_a_voice_note_and_whatsapp_links_it(cache):
    note, _ = checkpoint_note()
    standin = TelegramStandIn("42:voice-test").start()
    try:
        bot = TelegramBot("42:voice-test", standin.url)

        async def send():
            try:
                await bot.send_custom_json("tg:5550302", {"audio": note.url, "label": "Écouter"})
            finally:
                await bot.session.close()

        asyncio.run(send())
        [voice] = standin.methods("sendVoice")
        assert int(voice["params"]["chat_id"]) == 5550302
        assert audio.opus_duration(voice["params"]["voice_bytes"]) > 5
    finally:
        standin.stop()

    turn = [{"custom": {"audio": note.url}}, {"text": "Que faites-vous ?"}]
    assert media_urls(turn, "https://trainer.example.org") == ["https://trainer.example.org" + note.url]


@pytest.mark.parametrize(
    "text, wanted",
    [
        ("audio", None),
        ("je ne sais pas lire", None),
        ("i cant read", None),
        ("audio off", "off"),
        ("no audio", "off"),
        ("pas d'audio", "off"),
        ("coupe le son", "off"),
        ("no more voice notes", "off"),
        ("audio bm", "bm"),
    ],
)
def test_what_a_typed_audio_request_asks_for(text, wanted):
    from actions.audio import wanted_voice

    assert wanted_voice(tracker(text, "set_audio"), ["fr", "en", "bm"]) == wanted


def test_a_note_recorded_whole_is_played_as_recorded(cache, recorded, tmp_path, monkeypatch):
    folder = recorded / "audio" / "bm" / "checkpoint_motorbike"
    tone(folder / "briefing.ogg", seconds=2, tmp_path=tmp_path)
    monkeypatch.setattr(audio, "can_speak", lambda: False)  # nothing to put parts together with
    note = audio.briefing("bm", "fr", load_content().scenario("checkpoint_motorbike"))
    assert audio.note_file(note, load_content()) == folder / "briefing.ogg"
    with pytest.raises(audio.AudioUnavailable):
        audio.note_file(checkpoint_note(voice="bm")[0], load_content())
