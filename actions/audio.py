"""Voice notes on or off for a trainee who reads little (trainer/audio.py makes them)."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from trainer import audio, settings
from trainer.coaching import Button
from trainer.text import words

# Typed words that turn audio off ("audio off", "coupe le son"), and a negation before a word
# for sound ("no audio", "pas d'audio"); "je ne sais pas lire" turns it on.
OFF_WORDS = frozenset("off stop mute sans coupe couper arrete arreter desactive desactiver".split())
NEGATIONS = frozenset("no non pas".split())
SOUND_WORDS = frozenset("audio son sound voice vocal vocaux more d de".split())


def wanted_voice(tracker: Tracker, voices: List[Text]) -> Optional[Text]:
    """What the trainee asked for: "off", "on", a voice they named ("audio bm"), or None (a bare
    "audio", which turns audio on, or off when it is on)."""
    asked = next(tracker.get_latest_entity_values("audio"), None)
    if asked in ("on", "off") or asked in voices:
        return asked
    said = words(tracker.latest_message.get("text") or "")
    named = [word for word in said if word in voices and word not in ("en", "fr")]  # "en" is also a French word
    if named:
        return named[0]
    negated = any(first in NEGATIONS and second in SOUND_WORDS for first, second in zip(said, said[1:]))
    return "off" if negated or OFF_WORDS & set(said) else asked


class ActionSetAudio(Action):
    """Turn voice notes on (in the trainee's reading language, or a voice the centre recorded)
    or off; the slot `audio_voice` keeps the choice for the conversation."""

    def name(self) -> Text:
        return "action_set_audio"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        content, language = runtime.content(), runtime.language(tracker)
        voices, current = audio.voices(), tracker.get_slot("audio_voice")
        asked = wanted_voice(tracker, voices)
        outside_scenario = tracker.get_slot("scenario_state") != "playing"
        choices: List[Button] = []  # at a decision point its options are the buttons
        if asked == "off" or (asked is None and current):
            dispatcher.utter_message(text=content.label("audio_off", language))
            voice = None
        elif not voices:
            dispatcher.utter_message(text=content.label("audio_unavailable", language))
            voice = None
        else:
            voice = asked if asked in voices else (language if language in voices else voices[0])
            # The voices the centre recorded (Bambara...) and the reading language, then on to training.
            others = [v for v in voices if v != voice and (v == language or v not in settings.LANGUAGES)]
            if outside_scenario and others:
                choices = [
                    Button(
                        content.label("audio_voice_button", language, voice=audio.voice_name(v)),
                        "set_audio",
                        {"audio": v},
                    )
                    for v in others
                ] + [Button(content.label("train_button", language), "start_training")]
            dispatcher.utter_message(text=content.label("audio_on", language), buttons=runtime.buttons(choices))
        if outside_scenario and not choices:
            dispatcher.utter_message(response="utter_menu")
        return [SlotSet("audio_voice", voice)] if voice != current else []
