"""Pictures in content (a drawing per scenario and decision point): the validator checks them;
the actions show them before the briefing and the prompt; Telegram gets the file uploaded (on a
loopback stand-in of the Bot API), WhatsApp a URL under PUBLIC_URL."""

import asyncio
import shutil
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image, ImageDraw

from actions import runtime
from harness.telegram_standin import TelegramStandIn
from rasa_plugins.telegram import TelegramBot
from rasa_plugins.whatsapp import _twiml, media_urls
from trainer.content_loader import DEFAULT_CONTENT_DIR, load_content
from trainer.grader import _fingerprint, load_examples
from trainer.settings import GRADED_ANSWERS
from trainer.validate import check_content

SCENARIO_FILE = "scenarios/checkpoint_motorbike.yml"


def drawing(path, size=(320, 200)):
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((40, 60, 280, 140), outline="black", width=6)
    image.save(path)


def copy_with_pictures(root):
    """A copy of the content at `root` whose checkpoint scenario and first decision point have
    drawings (as a centre adds its own)."""
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    (root / "pictures").mkdir()
    drawing(root / "pictures" / "checkpoint-night.png")
    drawing(root / "pictures" / "motorbike.png")
    scenario = root / SCENARIO_FILE
    text = scenario.read_text(encoding="utf-8")
    text = text.replace("start: approach\n", "start: approach\npicture: checkpoint-night.png\n", 1)
    text = text.replace("  approach:\n", "  approach:\n    picture: motorbike.png\n", 1)
    scenario.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def content_with_pictures(tmp_path, monkeypatch):
    """That copy, read by the actions (CONTENT_DIR)."""
    root = copy_with_pictures(tmp_path / "content")
    monkeypatch.setenv("CONTENT_DIR", str(root))
    runtime.content.cache_clear()
    yield root
    runtime.content.cache_clear()


def test_drawings_do_not_make_the_grader_fit_again_but_a_prompt_does(tmp_path):
    examples = load_examples(GRADED_ANSWERS)[:40]
    plain = _fingerprint(load_content(), examples)
    pictured = copy_with_pictures(tmp_path / "content")
    assert _fingerprint(load_content(pictured), examples) == plain
    scenario = pictured / SCENARIO_FILE  # the prompt says who is in the scene: grading reads it
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("two riders", "three riders", 1), encoding="utf-8")
    assert _fingerprint(load_content(pictured), examples) != plain


def test_the_validator_names_a_missing_a_large_or_a_broken_picture(content_with_pictures):
    root = content_with_pictures
    assert not check_content(root).errors
    (root / "pictures" / "motorbike.png").unlink()
    drawing(root / "pictures" / "checkpoint-night.png", size=(2400, 300))
    errors = [str(error) for error in check_content(root).errors]
    assert any("checkpoint_motorbike.yml" in e and "picture 'motorbike.png' not found" in e for e in errors), errors
    assert any("'checkpoint-night.png' is 2400x300; at most 1600 px a side" in e for e in errors), errors
    (root / "pictures" / "motorbike.png").write_bytes(b"not an image")
    assert any("'motorbike.png' is not a PNG or JPEG image" in str(e) for e in check_content(root).errors)


def test_the_briefing_and_the_decision_point_come_with_their_drawings(content_with_pictures):
    from actions.scenario import ActionStartTraining
    from tests.unit.test_actions import playing_slots, run, run_form, tracker

    said, _ = run(
        ActionStartTraining(),
        tracker(
            '/start_training{"scenario": "checkpoint_motorbike"}',
            "start_training",
            [("scenario", "checkpoint_motorbike")],
        ),
    )
    assert said[0] == {**said[0], "image": "/pictures/checkpoint-night.png"}
    messages, _ = run_form(playing_slots())  # the form shows the first decision point
    assert messages[0]["image"] == "/pictures/motorbike.png" and "motorbike" in messages[1]["text"]


def test_telegram_uploads_the_drawing_and_whatsapp_links_it(content_with_pictures):
    standin = TelegramStandIn("42:picture-test").start()
    try:
        bot = TelegramBot("42:picture-test", standin.url)

        async def send():
            try:
                await bot.send_image_url("tg:5550301", "/pictures/motorbike.png")
            finally:
                await bot.session.close()  # what the deprecated bot.close() does

        asyncio.run(send())
        [photo] = standin.methods("sendPhoto")
        assert int(photo["params"]["chat_id"]) == 5550301 and photo["params"]["photo"].filename == "motorbike.png"
    finally:
        standin.stop()

    turn = [{"image": "/pictures/motorbike.png"}, {"text": "What do you do?"}]
    urls = media_urls(turn, "https://trainer.example.org/")
    assert urls == ["https://trainer.example.org/pictures/motorbike.png"]
    twiml = ElementTree.fromstring(_twiml(["What do you do?"], urls).body)
    assert [m.findtext("Media") for m in twiml.iter("Message")] == [urls[0], None]
