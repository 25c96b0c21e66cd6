"""JSON Schemas of the content files (checked with jsonschema; see trainer/validate.py)."""

from trainer.settings import GRADE_MAX, GRADE_MIN, LANGUAGES

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
_RULE_ID = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
# Option and scenario ids travel inside button payloads; Telegram allows 64 bytes of callback data.
_BUTTON_ID = {**_ID, "maxLength": 32}
_NONEMPTY = {"type": "string", "pattern": r"\S"}
# Words or phrases, each once: a repeat is a slip, often an edit meant for another word.
_PHRASES = {"type": "array", "items": _NONEMPTY, "uniqueItems": True}
# A drawing in content/pictures/, shown with a scenario's briefing or a decision point.
PICTURE = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*\.(png|jpg|jpeg)$", "maxLength": 80}

TEXT = {
    "type": "object",
    "description": "the same text in every language",
    "properties": {language: _NONEMPTY for language in LANGUAGES},
    "required": list(LANGUAGES),
    "additionalProperties": False,
}
TEXT_LIST = {
    "type": "object",
    "properties": {language: {**_PHRASES, "minItems": 1} for language in LANGUAGES},
    "required": list(LANGUAGES),
    "additionalProperties": False,
}
RULE_IDS = {"type": "array", "items": _RULE_ID, "minItems": 1, "uniqueItems": True}

_CUE_GROUP = {
    "type": "object",
    "required": ["id", "label", "cues"],
    "additionalProperties": False,
    "properties": {"id": _ID, "label": TEXT, "cues": TEXT_LIST},
}

RUBRIC = {
    "type": "object",
    "required": ["concepts", "red_flags", "model_answer"],
    "additionalProperties": False,
    "properties": {
        "concepts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "label", "weight", "cues"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "label": TEXT,
                    "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 5},
                    "key": {"type": "boolean"},
                    "cues": TEXT_LIST,
                },
            },
        },
        "cautions": {"type": "array", "items": _CUE_GROUP},
        "red_flags": {"type": "array", "items": _CUE_GROUP},
        "model_answer": TEXT,
    },
}

OPTION = {
    "type": "object",
    "required": ["id", "label", "grade", "rules", "feedback", "next"],
    "additionalProperties": False,
    "properties": {
        "id": _BUTTON_ID,
        "label": TEXT,
        "grade": {"type": "integer", "minimum": GRADE_MIN, "maximum": GRADE_MAX},
        "rules": RULE_IDS,
        "feedback": TEXT,
        "next": _ID,
    },
}

STEP = {
    "type": "object",
    "required": ["prompt", "hint", "options", "rubric"],
    "additionalProperties": False,
    "properties": {
        "prompt": TEXT,
        "hint": TEXT,
        "options": {"type": "array", "items": OPTION, "minItems": 2, "maxItems": 5},
        "rubric": RUBRIC,
        "picture": PICTURE,
    },
}

ENDING = {
    "type": "object",
    "required": ["title", "debrief", "rules"],
    "additionalProperties": False,
    "properties": {"title": TEXT, "debrief": TEXT, "rules": RULE_IDS},
}

SCENARIO = {
    "type": "object",
    "required": [
        "id",
        "title",
        "difficulty",
        "principles",
        "rules",
        "objectives",
        "briefing",
        "start",
        "steps",
        "endings",
    ],
    "additionalProperties": False,
    "properties": {
        "id": _BUTTON_ID,
        "title": TEXT,
        "difficulty": {"type": "integer", "minimum": 1, "maximum": 3},
        "principles": {"type": "array", "items": _ID, "minItems": 1, "uniqueItems": True},
        "rules": RULE_IDS,
        "objectives": TEXT_LIST,
        "briefing": {
            "type": "object",
            "required": ["situation", "place", "time", "people"],
            "additionalProperties": False,
            "properties": {key: TEXT for key in ("situation", "place", "time", "people")},
        },
        "picture": PICTURE,
        "start": _ID,
        "steps": {
            "type": "object",
            "minProperties": 3,
            "maxProperties": 6,
            "propertyNames": _ID,
            "additionalProperties": STEP,
        },
        "endings": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": _ID,
            "additionalProperties": ENDING,
        },
    },
}

RULES_FILE = {
    "type": "object",
    "required": ["rules", "topics"],
    "additionalProperties": False,
    "properties": {
        "topics": {"type": "object", "propertyNames": _ID, "additionalProperties": RULE_IDS},
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "principle", "short", "title", "explanation", "source"],
                "additionalProperties": False,
                "properties": {
                    "id": _RULE_ID,
                    "see_also": _RULE_ID,
                    "principle": _ID,
                    "short": TEXT,
                    "title": TEXT,
                    "explanation": TEXT,
                    "source": TEXT,
                },
            },
        },
    },
}

PRINCIPLES_FILE = {
    "type": "object",
    "required": ["principles"],
    "additionalProperties": False,
    "properties": {
        "principles": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "title", "description"],
                "additionalProperties": False,
                "properties": {"id": _ID, "title": TEXT, "description": TEXT, "menu": {"type": "boolean"}},
            },
        }
    },
}

LEXICON_FILE = {
    "type": "object",
    "required": ["synonyms"],
    "additionalProperties": False,
    "properties": {
        "synonyms": {
            "type": "array",
            "description": "groups of words or phrases read as the same; the first names the group",
            "items": {**_PHRASES, "minItems": 2},
        },
        "stopwords": _PHRASES,
        "condemnations": _PHRASES,
        "reported": _PHRASES,
        "first_person": _PHRASES,
        "contrast": _PHRASES,
        "naming_before": _PHRASES,
        "naming_after": _PHRASES,
        "spellings": {
            "type": "object",
            "description": "one-word phone spellings and the words they stand for",
            "propertyNames": {"pattern": "^[a-z0-9]+$"},
            "additionalProperties": _NONEMPTY,
        },
        "negations": {
            "type": "object",
            "required": ["before", "after"],
            "additionalProperties": False,
            "properties": {
                "before": _PHRASES,
                "after": _PHRASES,
            },
        },
    },
}

_WORDS = {
    "type": "object",
    "properties": {language: _PHRASES for language in LANGUAGES},
    "required": list(LANGUAGES),
    "additionalProperties": False,
}

UNLAWFUL_ACTS_FILE = {
    "type": "object",
    "required": ["acts", "cancelling", "accountability", "refusal", "contexts"],
    "additionalProperties": False,
    "properties": {
        "acts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "label", "rules", "cues"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "label": TEXT,
                    "rules": RULE_IDS,
                    "cues": TEXT_LIST,
                    "where": _ID,
                    "reporting_cancels": {"enum": [True, False, "sentence"]},
                    "ordered": {"type": "boolean"},
                    "as_written": {**_PHRASES, "minItems": 1},
                    "excused": {
                        "type": "object",
                        "required": ["cues", "by"],
                        "additionalProperties": False,
                        "properties": {"cues": {**_PHRASES, "minItems": 1}, "by": TEXT_LIST},
                    },
                },
            },
        },
        "cancelling": _WORDS,
        "holding_fire": _WORDS,
        "accountability": _WORDS,
        "refusal": _WORDS,
        "contexts": {"type": "object", "propertyNames": _ID, "additionalProperties": _WORDS},
    },
}

# What a trainee may ask for at a decision point (intents of domain.yml).
REQUESTS = ("hint", "repeat", "explain_rule", "help", "my_progress", "stop_scenario", "set_language", "set_audio")

INTERFACE_LABELS = (
    "said_well",
    "missing",
    "unlawful",
    "rules",
    "explain_button",
    "debrief_title",
    "score",
    "your_path",
    "recommended_path",
    "strengths",
    "to_review",
    "next_scenario",
    "progress_none",
    "progress_line",
    "progress_in_progress",
    "progress_summary",
    "typed",
    "language_set",
    "resuming",
    "did_you_mean",
    "none_of_these",
    "request_or_answer",
    "my_answer",
    "first_contact",
    "try_again",
    "recommended_title",
    "more_scenarios",
    "check_before",
    "check_after",
    "check_question",
    "check_right",
    "check_wrong",
    "check_done",
    "check_gain",
    "check_not_yet",
    "check_taken",
    "check_button",
    "check_offer",
    "check_after_offer",
    "certificate",
    "review_intro",
    "review_right",
    "review_wrong",
    "review_none",
    "reminders_offer",
    "reminders_yes",
    "reminders_no",
    "reminders_on",
    "reminders_off",
    "reminder",
    "review_button",
    "class_joined",
    "class_vote_counted",
    "class_next_button",
    "class_over",
    "audio_on",
    "audio_off",
    "audio_unavailable",
    "audio_voice_button",
    "listen",
    "train_button",
)

INTERFACE_FILE = {
    "type": "object",
    "required": ["grades", "labels", "requests"],
    "additionalProperties": False,
    "properties": {
        "grades": {
            "type": "array",
            "minItems": GRADE_MAX - GRADE_MIN + 1,
            "maxItems": GRADE_MAX - GRADE_MIN + 1,
            "items": {
                "type": "object",
                "required": ["grade", "verdict"],
                "additionalProperties": False,
                "properties": {
                    "grade": {"type": "integer", "minimum": GRADE_MIN, "maximum": GRADE_MAX},
                    "verdict": TEXT,
                },
            },
        },
        "labels": {
            "type": "object",
            "required": list(INTERFACE_LABELS),
            "additionalProperties": False,
            "properties": {label: TEXT for label in INTERFACE_LABELS},
        },
        "first_contact_rule": _RULE_ID,
        "requests": {
            "type": "object",
            "propertyNames": {"enum": list(REQUESTS)},
            "required": list(REQUESTS),
            "additionalProperties": {
                "type": "object",
                "required": ["name", "phrases"],
                "additionalProperties": False,
                "properties": {"name": TEXT, "phrases": TEXT_LIST},
            },
        },
    },
}

# The knowledge check (content/knowledge_check.yml): forms of multiple-choice items.
CHECK_PRINCIPLES = (
    "distinction",
    "proportionality",
    "precautions",
    "humane_treatment",
    "detention",
    "children",
    "command_responsibility",
)
_CHECK_ITEM = {
    "type": "object",
    "required": ["id", "principle", "rules", "question", "options", "explanation"],
    "additionalProperties": False,
    "properties": {
        "id": _BUTTON_ID,
        "principle": {"enum": list(CHECK_PRINCIPLES)},
        "rules": RULE_IDS,
        "question": TEXT,
        "options": {
            "type": "array",
            "minItems": 3,
            "maxItems": 4,
            "items": {
                "type": "object",
                "required": ["id", "label"],
                "additionalProperties": False,
                "properties": {"id": _BUTTON_ID, "label": TEXT, "correct": {"const": True}},
            },
        },
        "explanation": TEXT,
    },
}
KNOWLEDGE_CHECK_FILE = {
    "type": "object",
    "required": ["forms"],
    "additionalProperties": False,
    "properties": {
        "forms": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "required": ["id", "items"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z]$"},
                    "items": {"type": "array", "minItems": 10, "maxItems": 12, "items": _CHECK_ITEM},
                },
            },
        }
    },
}
