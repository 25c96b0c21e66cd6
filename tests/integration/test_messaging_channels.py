"""Telegram and WhatsApp (Twilio) on a real Rasa server: Telegram against a loopback stand-in of
the Bot API, Twilio by signed form posts answered with TwiML. Answers land in the progress
store; a link code joins the web and the phone apps into one trainee."""

import re
import xml.etree.ElementTree as ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from harness.processes import REST_HEADERS, start_rasa_server
from harness.telegram_standin import BOT, TelegramStandIn
from trainer import audio
from trainer.content_loader import load_content
from trainer.engine import shown_options
from trainer.identities import Trainees
from trainer.progress import ProgressStore

TOKEN = "123456789:TEST-token-for-the-stand-in"
SECRET = "telegram-webhook-secret"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
TWILIO_URL = "https://trainer.example.org/webhooks/twilio/webhook"
PUBLIC_URL = "https://trainer.example.org"  # where Twilio fetches pictures and voice notes
CONTENT = load_content()


@pytest.fixture(scope="module")
def telegram():
    standin = TelegramStandIn(TOKEN).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def messaging_url(test_model, action_server_url, server_logs, tmp_path_factory, telegram):
    env = {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BOT_NAME": BOT["username"],
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_WEBHOOK_URL": "https://trainer.example.org/webhooks/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WEBHOOK_URL": TWILIO_URL,
        "PUBLIC_URL": PUBLIC_URL,
    }
    tracker_db = tmp_path_factory.mktemp("messaging-tracker") / "tracker.db"
    server, url = start_rasa_server(test_model, action_server_url, server_logs, tracker_db, env=env)
    yield url
    server.stop()


@pytest.fixture(scope="module")
def store(db):
    return ProgressStore(db)


@pytest.fixture(scope="module")
def people(db):
    return Trainees(db)


# Telegram ---------------------------------------------------------------------------------


class TelegramUser:
    """One Telegram chat posting updates to the webhook, as Telegram would."""

    update_ids = iter(range(1, 10**6))

    def __init__(self, url, telegram, chat_id, language="en"):
        self.url, self.telegram, self.chat_id, self.language = url, telegram, chat_id, language
        self.last_callback_id = None

    def send(self, text):
        return self._post(
            {"message": {"message_id": 1, "date": 0, "chat": self._chat(), "from": self._from(), "text": text}}
        )

    def press(self, callback_data):
        self.last_callback_id = f"callback-{self.chat_id}-{callback_data}"
        return self._post(
            {
                "callback_query": {
                    "id": self.last_callback_id,
                    "from": self._from(),
                    "chat_instance": "1",
                    "data": callback_data,
                    "message": {"message_id": 1, "date": 0, "chat": self._chat(), "text": "…"},
                }
            }
        )

    def _chat(self):
        return {"id": self.chat_id, "type": "private"}

    def _from(self):
        return {"id": self.chat_id, "is_bot": False, "first_name": "Trainee", "language_code": self.language}

    def _post(self, update):
        """Post one update; return the messages the bot sent in answer."""
        self.telegram.clear()
        response = requests.post(
            f"{self.url}/webhooks/telegram/webhook",
            json={"update_id": next(self.update_ids), **update},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=60,
        )
        response.raise_for_status()
        sent = self.telegram.methods("sendMessage")
        assert all(int(message["params"]["chat_id"]) == self.chat_id for message in sent)
        return sent


def keyboard(message):
    return [button for row in message["params"]["reply_markup"]["inline_keyboard"] for button in row]


def texts(messages):
    return "\n".join(message["params"]["text"] for message in messages)


def test_telegram_registers_its_webhook_at_start_up(messaging_url, telegram):
    calls = {call["method"]: call["params"] for call in telegram.calls}
    assert "getMe" in calls
    assert calls["setWebhook"]["url"] == "https://trainer.example.org/webhooks/telegram/webhook"
    assert calls["setWebhook"]["secret_token"] == SECRET


def test_telegram_refuses_updates_without_the_secret(messaging_url, telegram):
    telegram.clear()
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "hi"},
    }
    response = requests.post(f"{messaging_url}/webhooks/telegram/webhook", json=update, timeout=30)
    assert response.status_code == 403 and not telegram.calls


def test_telegram_plays_a_scenario_with_inline_keyboards(messaging_url, telegram, store, people):
    trainee = TelegramUser(messaging_url, telegram, chat_id=5550001, language="fr")
    welcome = trainee.send("/start")
    assert "Bonjour" in texts(welcome), texts(welcome)  # Telegram's language_code greets in French
    assert [b["callback_data"] for b in keyboard(welcome[-1])] == [
        '/set_language{"language": "fr"}',
        '/set_language{"language": "en"}',
    ]

    asked_name = trainee.press('/set_language{"language": "en"}')
    assert [c["params"]["callback_query_id"] for c in telegram.methods("answerCallbackQuery")] == [
        trainee.last_callback_id
    ]
    assert "name or call sign" in texts(asked_name)
    trainee.send("Cpl Telegram")
    assert "What would you like to do?" in texts(trainee.press("/deny"))

    scenario = CONTENT.scenario("checkpoint_motorbike")
    step = scenario.steps[scenario.start]
    shown = trainee.press(f'/start_training{{"scenario": "{scenario.id}"}}')
    assert step.prompt["en"] in texts(shown)
    options = keyboard(shown[-1])
    record = people.trainee_for("telegram", f"tg:{trainee.chat_id}")
    order = shown_options(step, store.active_attempt(record.id).id)  # shuffled, fixed for the attempt
    assert [b["text"] for b in options] == [o.label["en"] for o in order]

    chosen = order[0]
    assert chosen.id in options[0]["callback_data"]
    assert chosen.feedback["en"] in texts(trainee.press(options[0]["callback_data"]))

    record = people.trainee_for("telegram", f"tg:{trainee.chat_id}")
    assert record.display_name == "Cpl Telegram"
    [answer] = store.answers(store.active_attempt(record.id).id)
    assert (answer["step"], answer["option"], answer["channel"]) == (step.id, chosen.id, "telegram")


# WhatsApp through Twilio ------------------------------------------------------------------


class WhatsAppUser:
    def __init__(self, url, number):
        self.url, self.number = url, number
        self.sender = f"wa:{number}"  # the conversation's id; Twilio's "From" is whatsapp:<number>
        self.sent = 0

    def send(self, body, signed=True):
        """Post one message as Twilio would; return the texts of the TwiML answer."""
        self.sent += 1
        form = {
            "From": f"whatsapp:{self.number}",
            "To": "whatsapp:+14155238886",
            "Body": body,
            "MessageSid": f"SM{self.number[-6:]}{self.sent:04d}",
            "AccountSid": "ACtest",
        }
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, form)
        response = requests.post(
            f"{self.url}/webhooks/twilio/webhook",
            data=form,
            timeout=60,
            headers={"X-Twilio-Signature": signature if signed else "forged"},
        )
        if not signed:
            return response
        response.raise_for_status()
        answer = list(ElementTree.fromstring(response.text).iter("Message"))
        self.media = [m.findtext("Media") for m in answer if m.find("Media") is not None]
        messages = [m.text or "" for m in answer]
        assert all(len(message) <= 1600 for message in messages)
        return "\n".join(messages)


def test_audio_on_telegram_is_a_voice_message_and_on_whatsapp_a_media_link(messaging_url, telegram, store, people):
    scenario = CONTENT.scenario("checkpoint_motorbike")
    step = scenario.steps[scenario.start]
    trainee = TelegramUser(messaging_url, telegram, chat_id=5550077, language="fr")
    trainee.send("/start")
    trainee.press('/set_language{"language": "fr"}')
    trainee.send("Sdt Vocal")
    trainee.press("/deny")
    assert "Audio activé" in texts(trainee.send("audio"))
    shown = trainee.press(f'/start_training{{"scenario": "{scenario.id}"}}')
    assert step.prompt["fr"] in texts(shown)
    briefing, point = telegram.methods("sendVoice")  # sent before the texts they read
    assert int(point["params"]["chat_id"]) == trainee.chat_id
    assert audio.opus_duration(briefing["params"]["voice_bytes"]) > 10
    assert audio.opus_duration(point["params"]["voice_bytes"]) > 5

    phone = WhatsAppUser(messaging_url, "+22370000077")
    phone.send("hello")
    phone.send("2")  # English
    phone.send("Pte Voice")
    phone.send("1")  # no code
    assert "Audio on" in phone.send("audio")
    phone.send(f'/start_training{{"scenario": "{scenario.id}"}}')
    record = people.trainee_for("twilio", phone.sender)
    order = shown_options(step, store.active_attempt(record.id).id)
    note = audio.decision_point("en", "en", scenario, step.id, order)
    assert phone.media == [PUBLIC_URL + audio.briefing("en", "en", scenario).url, PUBLIC_URL + note.url]


def test_twilio_refuses_unsigned_posts(messaging_url):
    response = WhatsAppUser(messaging_url, "+22370000009").send("hello", signed=False)
    assert response.status_code == 403


def test_whatsapp_numbers_the_options_and_reads_numbered_replies(messaging_url, store, people):
    trainee = WhatsAppUser(messaging_url, "+22370000001")
    welcome = trainee.send("hello")
    assert "1. Français\n2. English" in welcome and "payload" not in welcome and "/set_language" not in welcome
    assert "name or call sign" in trainee.send("2")  # "2" pressed the second button: English
    trainee.send("Pte WhatsApp")
    assert "What would you like to do?" in trainee.send("1")  # the only button: "No code"

    scenario = CONTENT.scenario("checkpoint_motorbike")
    step = scenario.steps[scenario.start]
    listed = trainee.send("1")  # Train: the scenarios, numbered
    number = re.search(rf"^(\d+)\. {re.escape(scenario.title['en'])}( \(recommended\))?$", listed, re.M).group(1)
    shown = trainee.send(number)
    record = people.trainee_for("twilio", trainee.sender)
    order = shown_options(step, store.active_attempt(record.id).id)  # shuffled, fixed for the attempt
    numbered = [f"{n}. {o.label['en']}" for n, o in enumerate(order, 1)]
    assert step.prompt["en"] in shown and all(line in shown for line in numbered), shown

    chosen = order[1]
    after = trainee.send("2")
    assert chosen.feedback["en"] in after
    record = people.trainee_for("twilio", trainee.sender)
    [answer] = store.answers(store.active_attempt(record.id).id)
    assert (answer["step"], answer["option"], answer["channel"]) == (step.id, chosen.id, "twilio")

    following = scenario.steps[chosen.next]
    outside = trainee.send("7")
    assert f"number from 1 to {len(following.options)}" in outside
    assert len(store.answers(store.active_attempt(record.id).id)) == 1  # nothing recorded for "7"


# One trainee across channels --------------------------------------------------------------


def test_a_link_code_from_the_web_joins_telegram_and_whatsapp(messaging_url, telegram, store, people):
    web = "web-linker-1"

    def rest(text):
        url = f"{messaging_url}/webhooks/rest/webhook"
        replies = requests.post(url, json={"sender": web, "message": text}, headers=REST_HEADERS, timeout=60).json()
        return " ".join(reply.get("text") or "" for reply in replies)

    rest('/set_language{"language": "en"}')
    rest("Lt Web")
    rest("/deny")
    web_trainee = people.trainee_for("rest", web)
    assert web_trainee.display_name == "Lt Web"

    code = re.search(r"\b([A-Z2-9]{6})\b", rest("link my phone")).group(1)
    claimed = TelegramUser(messaging_url, telegram, chat_id=5550002).send(f"/start {code}")
    assert "Almost done" in texts(claimed) and "Lt Web" not in texts(claimed)  # nothing joined yet
    assert people.trainee_for("telegram", "tg:5550002").id != web_trainee.id
    assert "Lt Web" in rest(f"link {code}") and people.trainee_for("telegram", "tg:5550002").id == web_trainee.id

    code = re.search(r"\b([A-Z2-9]{6})\b", rest("link")).group(1)
    assert "Almost done" in WhatsAppUser(messaging_url, "+22370000002").send(f"link {code.lower()}")
    assert "Lt Web" in rest(f"link {code}")
    assert people.trainee_for("twilio", "wa:+22370000002").id == web_trainee.id

    assert "unknown or has expired" in WhatsAppUser(messaging_url, "+22370000003").send(f"link {code}")


def test_a_server_without_telegram_or_twilio_credentials_keeps_them_off(rasa_server_url):
    telegram = requests.post(f"{rasa_server_url}/webhooks/telegram/webhook", json={"update_id": 1}, timeout=30)
    twilio = requests.post(f"{rasa_server_url}/webhooks/twilio/webhook", data={"From": "x", "Body": "hi"}, timeout=30)
    assert telegram.status_code == twilio.status_code == 503
    assert "TELEGRAM_TOKEN" in telegram.json()["error"] and "TWILIO_AUTH_TOKEN" in twilio.json()["error"]
