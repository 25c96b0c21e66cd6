"""What the trainee reads: feedback on an answer, the debrief, progress, rule explanations,
and which scenario to play next. Plain functions of the content and the stored records.

Buttons name the request they make (an intent of the assistant and its entities); the actions
turn them into the payloads of the channel (actions/runtime.py)."""

import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence

from trainer.content import BEFORE_FORM, CheckItem, Content, Option, Rule, Scenario, Step, localized
from trainer.engine import best_option
from trainer.scoring import GradeResult
from trainer.settings import PASS_MARK
from trainer.text import fold, words

MAX_RULES_SHOWN = 3
# Buttons that answer a question about the last message rather than pick an option.
NONE_OF_THESE = "none_of_these"
MY_ANSWER = "my_answer"


@dataclass(frozen=True)
class Button:
    title: str
    intent: str
    entities: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    text: str
    buttons: Sequence[Button] = ()


def explain_button(content: Content, rule: Rule, language: str) -> Button:
    title = content.label("explain_button", language, rule=localized(rule.short, language))
    return Button(title, "explain_rule", {"rule_id": rule.id})


def option_buttons(options: Sequence[Option], language: str) -> List[Button]:
    """The options of a decision point, in the order given (the attempt's, engine.shown_options)."""
    return [Button(localized(o.label, language), "choose_option", {"option_id": o.id}) for o in options]


SCENARIOS_SHOWN = 5  # a list that fits a phone screen; the rest behind "More scenarios"
MORE_SCENARIOS = "more"


def scenario_list(content: Content, attempts: Sequence, language: str, everything: bool = False) -> List[Button]:
    """The scenarios to offer, the recommended one first and marked; five, then "More scenarios"."""
    ordered = scenario_order(content, attempts)
    shown = ordered if everything else ordered[:SCENARIOS_SHOWN]
    buttons = [Button(localized(s.title, language), "start_training", {"scenario": s.id}) for s in shown]
    if buttons:
        buttons[0] = Button(
            content.label("recommended_title", language, title=buttons[0].title), "start_training", buttons[0].entities
        )
    if len(shown) < len(ordered):
        buttons.append(
            Button(content.label("more_scenarios", language), "start_training", {"scenario": MORE_SCENARIOS})
        )
    return buttons


# A reply that only picks an option: "2", "option 2", "je prends la 2", "the second one".
_NUMBERS = {
    "first": 1,
    "1st": 1,
    "premier": 1,
    "premiere": 1,
    "1er": 1,
    "1ere": 1,
    "second": 2,
    "2nd": 2,
    "deuxieme": 2,
    "seconde": 2,
    "2e": 2,
    "2eme": 2,
    "two": 2,
    "deux": 2,
    "third": 3,
    "3rd": 3,
    "troisieme": 3,
    "3e": 3,
    "3eme": 3,
    "three": 3,
    "trois": 3,
    "fourth": 4,
    "4th": 4,
    "quatrieme": 4,
    "4e": 4,
    "4eme": 4,
    "four": 4,
    "quatre": 4,
    "fifth": 5,
    "5th": 5,
    "cinquieme": 5,
    "5e": 5,
    "5eme": 5,
    "five": 5,
    "cinq": 5,
}
_PICKING_WORDS = frozenset(
    """i pick take choose chose choice my is go with the one option opt answer number no n
    please pls je j prends prend choisis choisi la le l reponse numero num choix svp stp""".split()
)
_MAX_PICKING_WORDS = 6


def reply_number(text: str) -> Optional[int]:
    """The option number a short reply picks ("2", "option 2", "je prends la 2", "the second
    one"), if picking is all it says; None for anything else, which is graded as an answer."""
    tokens = words(text or "")
    if not tokens or len(tokens) > _MAX_PICKING_WORDS:
        return None
    numbers = [int(t) if t.isdigit() else _NUMBERS[t] for t in tokens if t.isdigit() or t in _NUMBERS]
    others = [t for t in tokens if not (t.isdigit() or t in _NUMBERS)]
    if not numbers and others.count("one") == 1 and "option" in others:  # "option one"
        numbers, others = [1], [t for t in others if t != "one"]
    if len(numbers) != 1 or not all(t in _PICKING_WORDS for t in others) or numbers[0] > 99:
        return None
    return numbers[0]


def option_feedback(content: Content, option: Option, language: str) -> Message:
    """Feedback on an option the trainee picked: its verdict, the content's explanation of that
    choice and the rules it cites."""
    lines = [f"{_mark(content, option.grade, language)} {localized(option.feedback, language)}"]
    return _with_rules(content, lines, [content.rules[rule_id] for rule_id in option.rules], language)


TYPED_SHOWN = 60  # characters of a typed answer shown in the debrief


def _quoted(text: str, language: str) -> str:
    """A typed answer in the debrief, cut with an ellipsis, in the language's quotation marks."""
    shown = text if len(text) <= TYPED_SHOWN else text[: TYPED_SHOWN - 1].rstrip() + "…"
    return f"« {shown} »" if language == "fr" else f"“{shown}”"


def _mark(content: Content, grade: int, language: str) -> str:
    """A verdict's mark ("3/3"): its first word."""
    return localized(content.verdicts[grade], language).split()[0]


def typed_feedback(content: Content, step: Step, graded: GradeResult, branch: Option, language: str) -> Message:
    """Feedback on a typed answer, from what the trainee said and nothing else: the verdict, the
    unlawful act named with its rules, what was said well and what was missing. No option's
    explanation is borrowed: it would tell the trainee what they did not say."""
    assert graded.grade is not None
    grade = graded.grade
    lines = [localized(content.verdicts[grade], language)]
    labels = {group.id: group.label for group in step.rubric.concepts + step.rubric.red_flags}
    acts = {act.id: act for act in content.unlawful_acts.acts}
    if graded.acts:
        named = ", ".join(localized(acts[a].label, language) for a in graded.acts if a in acts)
        lines.append(f"{content.label('unlawful', language)} {named}.")
    elif graded.red_flags:
        lines.append(_labelled(content, "unlawful", graded.red_flags, labels, language))
    elif graded.concepts:
        lines.append(_labelled(content, "said_well", graded.concepts, labels, language))
    if graded.missed and grade < 3:
        lines.append(_labelled(content, "missing", graded.missed, labels, language))
    if graded.acts:
        rule_ids = [rule for a in graded.acts if a in acts for rule in acts[a].rules]
    else:  # the law of the conduct asked for, or of the unlawful choice the answer made
        rule_ids = list((branch if grade == 0 else best_option(step)).rules)
    rules = [content.rules[rule_id] for rule_id in dict.fromkeys(rule_ids) if rule_id in content.rules]
    return _with_rules(content, lines, rules[:MAX_RULES_SHOWN], language)


def _with_rules(content: Content, lines: List[str], rules: List[Rule], language: str) -> Message:
    lines = lines + [
        f"{content.label('rules', language)} "
        + "; ".join(f"{localized(r.short, language)} ({localized(r.title, language)})" for r in rules)
    ]
    offered = [r.id for r in rules[:1]] + [r.see_also for r in rules if r.see_also in content.rules]
    buttons = [explain_button(content, content.rules[rule_id], language) for rule_id in dict.fromkeys(offered)]
    # Blank lines: the web widget renders Markdown, where a single line break is no break.
    return Message("\n\n".join(lines), buttons)


def first_contact(content: Content, language: str) -> Optional[Message]:
    """What every new trainee is offered before their first scenario: which law binds in Mali."""
    rule = content.rules.get(content.first_contact_rule or "")
    if rule is None:
        return None
    return Message(content.label("first_contact", language), [explain_button(content, rule, language)])


def did_you_mean(content: Content, options: Sequence[Option], language: str) -> Message:
    """Ask which option an answer the grader is unsure of meant; "none of these" to rephrase."""
    buttons = option_buttons(options, language) + [
        Button(content.label("none_of_these", language), "choose_option", {"option_id": NONE_OF_THESE})
    ]
    return Message(content.label("did_you_mean", language), buttons)


def request_or_answer(content: Content, intent: str, language: str) -> Message:
    """A short message that reads both as a request and as an answer: ask which it is."""
    request = localized(content.requests[intent].name, language)
    buttons = [
        Button(content.label("my_answer", language), "choose_option", {"option_id": MY_ANSWER}),
        Button(request[:1].upper() + request[1:], intent),
    ]
    return Message(content.label("request_or_answer", language, request=request), buttons)


def _labelled(content, label, ids, labels, language) -> str:
    items = ", ".join(localized(labels[i], language) for i in ids if i in labels)
    return f"{content.label(label, language)} {items}."


def explain(
    content: Content, language: str, rule_id: Optional[str] = None, topic: Optional[str] = None, text: str = ""
) -> Optional[Message]:
    """Explain a rule (by id, or "rule 20" in the text) or a topic's rules; None if unknown."""
    rules: List[Rule] = []
    if rule_id and rule_id in content.rules:
        rules = [content.rules[rule_id]]
    elif topic and topic in content.topics:
        rules = [content.rules[r] for r in content.topics[topic]]
    elif topic and topic in content.principles:
        rules = [rule for rule in content.rules.values() if rule.principle == topic]
    else:
        number = re.search(r"\b(?:rule|r[eè]gle|r)\s*(\d{1,3})\b", text or "", re.I)
        rules = _numbered_rules(content, number.group(1)) if number else []
    if not rules:
        return None
    parts = [
        f"{localized(r.short, language)} - {localized(r.title, language)}\n"
        f"{localized(r.explanation, language)}\n({localized(r.source, language)})"
        for r in rules[:MAX_RULES_SHOWN]
    ]
    return Message("\n\n".join(parts))


def scenario_named(content: Content, text: str) -> Optional[Scenario]:
    """The one scenario whose title shares the most content words (five letters or more) with
    `text`, if exactly one does: "play the detainee video" finds "Filming a bound detainee"."""

    def content_words(phrase: str) -> set:
        return {word for word in words(phrase) if len(word) >= 5} - {"scenario", "start", "commencer"}

    wanted = content_words(text)
    scores = {
        scenario.id: len(wanted & content_words(" ".join(scenario.title.values())))
        for scenario in content.scenarios.values()
    }
    best = max(scores.values(), default=0)
    winners = [scenario_id for scenario_id, score in scores.items() if score == best]
    return content.scenario(winners[0]) if best > 0 and len(winners) == 1 else None


def _numbered_rules(content: Content, number: str) -> List[Rule]:
    """The rule cited as "Rule 14" / "Règle 14" (a word and the number) when "rule 14" is typed."""
    for rule in content.rules.values():
        if any(len(fold(short).split()) == 2 and fold(short).split()[1] == number for short in rule.short.values()):
            return [rule]
    return []


def topic_buttons(content: Content, language: str) -> List[Button]:
    """The principles offered when a trainee asks for a rule without naming one (principles.yml
    marks them `menu: true`)."""
    return [
        Button(localized(principle.title, language), "explain_rule", {"ihl_topic": principle.id})
        for principle in content.principles.values()
        if principle.menu
    ]


def debrief(
    content: Content,
    scenario: Scenario,
    answers: Sequence[Dict],
    score: Optional[float],
    ending_id: str,
    language: str,
    next_scenario: Optional[Scenario] = None,
) -> Message:
    """The end of a scenario: the ending, the score, the trainee's path next to the
    recommended one, strengths and rules to review by principle, what to play next."""
    ending = scenario.endings[ending_id]
    graded = [a for a in answers if a["grade"] is not None]
    lines = [
        content.label("debrief_title", language, title=localized(scenario.title, language)),
        f"{localized(ending.title, language)}. {localized(ending.debrief, language)}",
        content.label("score", language, score=_percent(score)),
        f"{content.label('your_path', language)} / {content.label('recommended_path', language)}",
    ]
    for answer in graded:
        step = scenario.steps[answer["step"]]
        chosen = step.option(answer["option"]) if answer["option"] else None
        yours = (
            f"{_quoted(answer['text'], language)} ({content.label('typed', language)})"
            if answer["text"]
            else localized(chosen.label, language)
            if chosen
            else "?"
        )
        best = localized(best_option(step).label, language)
        mark = _mark(content, answer["grade"], language)
        lines.append(f"{mark} {yours} / {best}")
    strengths, review = _by_principle(content, scenario, graded)
    if strengths:
        lines.append(
            f"{content.label('strengths', language)} "
            + ", ".join(localized(content.principles[p].title, language) for p in strengths)
        )
    if review:
        lines.append(content.label("to_review", language))
        for principle, rule_ids in review.items():
            rules = ", ".join(localized(content.rules[r].short, language) for r in rule_ids)
            lines.append(f"- {localized(content.principles[principle].title, language)}: {rules}")
    if score is not None and score < PASS_MARK:
        lines.append(content.label("try_again", language))
    elif next_scenario is not None:
        lines.append(content.label("next_scenario", language, title=localized(next_scenario.title, language)))
    return Message("\n\n".join(lines))


def _by_principle(content, scenario, graded):
    strengths: List[str] = []
    review: Dict[str, List[str]] = {}
    for answer in graded:
        step = scenario.steps[answer["step"]]
        rules = best_option(step).rules
        principles = {content.rules[r].principle for r in rules}
        if answer["grade"] == 3:
            strengths.extend(p for p in principles if p not in strengths)
        else:
            for rule_id in rules:
                review.setdefault(content.rules[rule_id].principle, [])
                if rule_id not in review[content.rules[rule_id].principle]:
                    review[content.rules[rule_id].principle].append(rule_id)
    return [p for p in strengths if p not in review], review


def _percent(score: Optional[float]) -> str:
    return "-" if score is None else f"{score:.0f}"


def scenario_order(content: Content, attempts: Sequence) -> List[Scenario]:
    """Scenarios in the order to propose them: never finished first (easiest first), then the
    finished ones with the lowest best score first."""
    best: Dict[str, float] = {}
    for attempt in attempts:
        if attempt.status == "completed" and attempt.score is not None:
            best[attempt.scenario_id] = max(best.get(attempt.scenario_id, 0.0), attempt.score)
    return sorted(
        content.scenarios.values(),
        key=lambda s: (s.id in best, best.get(s.id, 0.0), s.difficulty, s.id),
    )


def progress(content: Content, attempts: Sequence, language: str) -> Message:
    finished: Dict[str, List] = {}
    current = None
    for attempt in attempts:
        if attempt.status == "completed":
            finished.setdefault(attempt.scenario_id, []).append(attempt)
        elif attempt.status == "in_progress":
            current = attempt
    lines = []
    for scenario_id, done in finished.items():
        title = localized(content.scenario(scenario_id).title, language)
        best = max(a.score or 0.0 for a in done)
        lines.append(content.label("progress_line", language, title=title, score=_percent(best), attempts=len(done)))
    if current is not None:
        lines.append(
            content.label(
                "progress_in_progress", language, title=localized(content.scenario(current.scenario_id).title, language)
            )
        )
    if not finished:
        lines.insert(0, content.label("progress_none", language))
    lines.append(content.label("progress_summary", language, done=len(finished), total=len(content.scenarios)))
    return Message("\n\n".join(lines))


# Knowledge check ---------------------------------------------------------------------------------


def check_offer(content: Content, language: str, after: bool = False) -> Message:
    """The before-test, offered at enrolment before any scenario; the after-test, once due."""
    count = len(content.check_forms[BEFORE_FORM])
    return Message(
        content.label("check_after_offer" if after else "check_offer", language, count=count),
        [Button(content.label("check_button", language), "knowledge_check")],
    )


def check_question(content: Content, item: CheckItem, number: int, count: int, language: str) -> Message:
    """A question of the knowledge check with its options as buttons."""
    heading = content.label("check_question", language, n=number, count=count)
    buttons = [Button(localized(o.label, language), "check_answer", {"check_option": o.id}) for o in item.options]
    return Message(f"{heading}\n\n{localized(item.question, language)}", buttons)


def check_feedback(content: Content, item: CheckItem, option_id: str, language: str) -> str:
    """Right or not, why, and the rules: after every question, so the test also teaches."""
    picked = item.option(option_id)
    if picked is not None and picked.correct:
        verdict = content.label("check_right", language)
    else:
        verdict = content.label("check_wrong", language, answer=localized(item.right.label, language))
    rules = "; ".join(localized(content.rules[r].short, language) for r in item.rules if r in content.rules)
    return f"{verdict} {localized(item.explanation, language)}\n\n{content.label('rules', language)} {rules}"


def check_summary(
    content: Content, right: int, count: int, before: Optional[float], after: float, language: str
) -> str:
    """The score of a finished test; after the after-test, beside the before-test's."""
    lines = [content.label("check_done", language, right=right, count=count, percent=_percent(after))]
    if before is not None:
        lines.append(content.label("check_gain", language, before=_percent(before), after=_percent(after)))
    return "\n\n".join(lines)


def certificate_message(content: Content, code: str, public_url: str, language: str) -> str:
    base = public_url.rstrip("/")
    return content.label(
        "certificate", language, code=code, pdf=f"{base}/certificates/{code}.pdf", verify=f"{base}/verify/{code}"
    )


# Spaced review ---------------------------------------------------------------------------------


def review_question(content: Content, step: Step, options: Sequence[Option], item_id: int, language: str) -> Message:
    """A decision point brought back for review: its prompt and options; a button says which
    review it answers, so an old one pressed later counts for nothing else."""
    buttons = [
        Button(localized(o.label, language), "review_answer", {"review_option": f"{item_id}:{o.id}"}) for o in options
    ]
    return Message(f"{content.label('review_intro', language)}\n\n{localized(step.prompt, language)}", buttons)


def review_feedback(content: Content, option: Option, next_in_days: Optional[int], language: str) -> Message:
    """The option's own feedback, then when the point comes back (None: right at every interval)."""
    told = option_feedback(content, option, language)
    if next_in_days is None:
        return told
    when = (
        content.label("review_right", language, days=next_in_days)
        if next_in_days > 1
        else content.label("review_wrong", language)
    )
    return Message(f"{told.text}\n\n{when}", told.buttons)


def reminders_offer(content: Content, language: str) -> Message:
    return Message(
        content.label("reminders_offer", language),
        [
            Button(content.label("reminders_yes", language), "set_reminders", {"reminders": "on"}),
            Button(content.label("reminders_no", language), "set_reminders", {"reminders": "off"}),
        ],
    )


# Classroom mode ------------------------------------------------------------------------------


def class_decision(
    content: Content, scenario: Scenario, step: Step, options: Sequence[Option], session_id: int, language: str
) -> Message:
    """The decision point on the classroom screen, on a trainee's phone: vote buttons in the
    screen's order."""
    buttons = [
        Button(localized(o.label, language), "class_vote", {"class_option": f"{session_id}:{o.id}"}) for o in options
    ]
    heading = content.label("class_joined", language, title=localized(scenario.title, language))
    return Message(f"{heading}\n\n{localized(step.prompt, language)}", buttons)


def class_vote_counted(content: Content, option: Option, code: str, language: str) -> Message:
    return Message(
        content.label("class_vote_counted", language, option=localized(option.label, language)),
        [Button(content.label("class_next_button", language), "join_class", {"class_code": code})],
    )
