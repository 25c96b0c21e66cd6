"""The unlawful-act check (content/unlawful_acts.yml, trainer/unlawful.py) and how answers are
read clause by clause (trainer/matching.py): each category in both languages, at a step whose
own rubric does not list it, and the refusals that name a crime."""

import dataclasses

import pytest

from trainer.content_loader import load_content
from trainer.matching import TextMatcher
from trainer.scoring import Scorer
from trainer.unlawful import UnlawfulActCheck

CONTENT = load_content()
CHECK = UnlawfulActCheck(CONTENT.unlawful_acts, TextMatcher(CONTENT.lexicon))


def acts(scenario: str, step: str, text: str):
    return [act.id for act in CHECK.find(CONTENT.scenario(scenario).steps[step], text)]


# (scenario, step, act, English, French): each act where the step's rubric does not name it.
CATEGORIES = [
    (
        "detainee_video",
        "detainee_needs",
        "kill_protected",
        "finish him off, he is a terrorist",
        "on l'achève, c'est un terroriste",
    ),
    (
        "checkpoint_motorbike",
        "approach",
        "force_where_unlawful",
        "we waste them before they reach us",
        "on les descend avant qu'ils arrivent",
    ),
    (
        "ngo_convoy",
        "inspection",
        "torture_or_beating",
        "rough him up until he talks",
        "on le tabasse jusqu'à ce qu'il parle",
    ),
    ("detainee_video", "filming", "humiliation", "let them film, it's funny", "laissez filmer, c'est drôle"),
    (
        "market_search",
        "holding_area",
        "sexual_violence",
        "the boys can have fun with her",
        "les gars peuvent s'amuser avec elle",
    ),
    (
        "village_reprisal",
        "roundup",
        "pillage",
        "take their cattle, it's compensation",
        "on récupère les vaches pour nous",
    ),
    (
        "village_reprisal",
        "anger",
        "destroy_essentials",
        "no mercy, burn the village",
        "pas de pitié, on brûle le village",
    ),
    (
        "market_search",
        "cordon",
        "collective_punishment",
        "arrest all the men, they all knew",
        "on arrête tous les hommes, ils savaient tous",
    ),
    (
        "child_captured",
        "holding",
        "human_shields",
        "use the boy as a guide on patrol",
        "on l'utilise comme guide en patrouille",
    ),
    (
        "shielded_compound",
        "pinned",
        "indiscriminate_weapons",
        "call the mortars on the compound",
        "on appelle les mortiers sur la concession",
    ),
    (
        "checkpoint_motorbike",
        "stops",
        "arbitrary_detention",
        "keep them here until morning",
        "on les garde jusqu'au matin",
    ),
    (
        "wounded_and_dead",
        "wounded_enemy",
        "abandon_wounded",
        "take his rifle and leave him there",
        "on prend son fusil et on le laisse",
    ),
    (
        "market_search",
        "women_search",
        "degrading_search",
        "pull the veil off and a soldier searches her",
        "on enlève son voile et un soldat la fouille",
    ),
    ("no_prisoners_order", "investigation", "cover_up", "say they tried to escape", "on dira qu'ils ont voulu fuir"),
    (
        "detainee_video",
        "filming",
        "destroy_evidence",
        "wipe the phones before anyone sees them, we move on",
        "on prend les téléphones. On efface les vidéos, on n'en parle plus",
    ),
    (
        "drone_gathering",
        "after_strike",
        "false_report",
        "no second strike. report: two fighters, no civilian casualties",
        "pas de deuxième frappe. CR : deux combattants, aucune victime civile",
    ),
    (
        "missing_son",
        "register",
        "ransom",
        "tell her to pay the gendarme and he comes out",
        "dis-lui qu'il faut payer le gendarme pour qu'il sorte",  # an impersonal "il" is nobody else
    ),
    (
        "no_prisoners_order",
        "radio_order",
        "obeys_unlawful_order",
        "roger that, done in five minutes",
        "bien reçu mon capitaine, on exécute",
    ),
    (
        "village_reprisal",
        "roundup",
        "hostage_taking",
        "arrest his wife until he gives himself up",
        "on arrête sa femme jusqu'à ce qu'il se rende",
    ),
    (
        "child_captured",
        "holding",
        "child_in_hostilities",
        "keep him as a guide, he knows the tracks",
        "on le garde comme guide, il connaît les pistes",
    ),
    (
        "market_search",
        "holding_area",
        "lets_it_happen",
        "not my business, look away",
        "c'est pas mon affaire, je regarde ailleurs",
    ),
]


@pytest.mark.parametrize("scenario, step, act, english, french", CATEGORIES, ids=[c[2] for c in CATEGORIES])
def test_each_unlawful_act_is_found_in_both_languages(scenario, step, act, english, french):
    assert act in acts(scenario, step, english), english
    assert act in acts(scenario, step, french), french


@pytest.mark.parametrize(
    "text", ["let them loot", "let them burn it", "je les laisse piller", "on les laisse brûler le village"]
)
def test_letting_others_burn_or_loot_is_named_in_french_as_in_english(text):
    assert "lets_it_happen" in acts("village_reprisal", "roundup", text), text


@pytest.mark.parametrize(
    "scenario, step, text, is_using_a_child",
    [
        # The capture prompt's "captures" reads as the lexicon's arrest, whose French "arrêter"
        # also cancels an act in an answer: the boy in that prompt is still there.
        ("child_captured", "capture", "we recruit him, he knows the ground", True),
        ("child_captured", "capture", "on le recrute, il connaît le terrain", True),
        ("child_captured", "capture", "we do not recruit him, he is a child: disarm him, hand him over", False),
        ("child_captured", "capture", "on ne le recrute pas, c'est un enfant : désarmé, remis à l'UNICEF", False),
        # Who recruits is said: others recruiting him is a reason to hand him over.
        ("child_captured", "capture", "hand him over fast, before the militants recruit him again", False),
        ("child_captured", "capture", "he is a victim: Boko Haram recruited him at 13, we hand him over", False),
        # Our own scouts are no child; an adult informant is not one either.
        ("village_threat", "village_attacked", "medic for the boy first, our scouts follow the tracks", False),
        ("village_threat", "village_attacked", "le médecin soigne le garçon, notre éclaireur suit les traces", False),
        ("village_threat", "informant_seen", "we can keep him as an informant only if he agrees", False),
        ("checkpoint_motorbike", "approach", "keep him as a guide", False),  # no child in the prompt
    ],
)
def test_recruiting_or_using_a_child_is_named_only_where_a_child_is_in_the_scene(
    scenario, step, text, is_using_a_child
):
    assert ("child_in_hostilities" in acts(scenario, step, text)) is is_using_a_child, text


@pytest.mark.parametrize(
    "prompt, has_child",
    [
        ({"en": "A boy sits by the truck.", "fr": "Un garçon est assis près du camion."}, True),
        ({"en": "There is not a boy in sight.", "fr": "Il n'y a pas un garçon en vue."}, False),
    ],
)
def test_a_context_is_in_the_scene_unless_the_prompt_negates_it(prompt, has_child):
    holding = CONTENT.scenario("child_captured").steps["holding"]
    step = dataclasses.replace(holding, id=f"holding_{has_child}", prompt=prompt)
    assert ("child_in_hostilities" in {act.id for act in CHECK.applicable(step)}) is has_child


@pytest.mark.parametrize(
    "scenario, step, text",
    [
        ("village_reprisal", "anger", "burning it would be collective punishment, I forbid it"),
        ("village_reprisal", "anger", "bruler le village serait une punition collective, j'interdis"),
        ("no_prisoners_order", "radio_order", "killing prisoners is murder, I refuse"),
        ("no_prisoners_order", "radio_order", "tuer des prisonniers c'est un meurtre, je refuse"),
        ("village_reprisal", "anger", "the men want to burn the village but I stop them and report"),
        ("village_reprisal", "anger", "les hommes veulent brûler le village mais je leur interdis"),
        ("wounded_and_dead", "wounded_enemy", "on l'achève pas, il est hors de combat, ce serait un meurtre"),
        ("checkpoint_motorbike", "approach", "je tire pas sur eux, lampe et on crie"),
        ("village_reprisal", "roundup", "I report the looting and give everything back"),
        ("village_reprisal", "anger", "sure, let's burn the village... no. Nobody moves, I report"),
        ("village_reprisal", "anger", "burn the village? no, that is collective punishment"),  # the question echoed
        ("village_reprisal", "anger", "on brûle le village ? non, c'est une punition collective"),
        # A wish held back by a "but", and a negation that belongs to the condition's own clause.
        ("checkpoint_motorbike", "approach", "j'ai envie de les dégommer mais bon, lampe et on crie arrête"),
        ("checkpoint_motorbike", "approach", "I want to shoot them but I shout stop and use the torch"),
        ("checkpoint_motorbike", "approach", "if they don't stop we don't shoot, we block the road"),
        ("shielded_compound", "civilians_flee", "hold fire let dem run"),  # "let them shoot" only in that order
        ("surrender_deserter", "after_killing", "je vais pas ne rien dire, je dis tout au capitaine"),
        ("market_search", "cordon", "Negative on the round-up sir, that's arrest by ethnicity."),  # radio "no"
        ("village_reprisal", "anger", "I refuse to burn it and loot it"),  # no new subject: one refusal
        # Deleting a video and reporting it is not a cover-up, whichever clause the report is in.
        ("detainee_video", "filming", "stop, delete the videos, and I tell the captain"),
        ("detainee_video", "filming", "supprimer la vidéo et punir les soldats"),
        # Refusing a counter hostage-taking, or reporting the enemy's, is not taking hostages.
        ("village_threat", "counter_hostages", "no swap, we do not take hostages, I tell the captain"),
        ("village_threat", "counter_hostages", "je refuse de prendre sa famille, c'est une prise d'otages"),
        ("village_threat", "counter_hostages", "the men want to take his family for a swap, I stop them"),
        ("village_threat", "hostages", "I report the hostage-taking and we work for the hostages"),
        ("survivor_care", "turned_away", "we take his wife to the clinic, his mother too"),  # care, not leverage
        ("survivor_care", "turned_away", "on prend sa femme au centre de santé, on garde sa famille à l'abri"),
        # A false report only where someone was hurt: before a strike, it is a hope.
        ("drone_gathering", "strike_request", "check first, I want no civilian casualties"),
        # Holding fire is not firing ("fire" reads as shoot).
        ("wounded_and_dead", "killing", "hold fire on the wounded, medic go"),
        ("drone_gathering", "strike_request", "hold fire on the crowd, keep watching"),
        ("shielded_compound", "civilians_flee", "check fire on the women and kids, medic"),
        ("checkpoint_motorbike", "approach", "Hold fire, warn them."),
        # Scattered, "shoot ... prisoners" is not killing prisoners: the lexicon's detain is
        # "arrest" as well as "prisoners".
        ("surrender_deserter", "white_cloth", "shoot the gunmen behind and arrest the two"),
    ],
)
def test_naming_a_crime_to_refuse_it_is_not_the_crime(scenario, step, text):
    assert acts(scenario, step, text) == [], text


@pytest.mark.parametrize(
    "text", ["I refuse to beat him", "I refuse to slap him", "je refuse de le tabasser", "je refuse de le gifler"]
)
def test_a_refusal_counts_each_cue_once_however_many_spellings_are_listed(text):
    # "torture" and "beat him" (or "le tabasser"), each once: the torture act also lists
    # "slap him", "torture him", "le cogner", "le battre"... which the lexicon reads as the same words.
    reading = CHECK.read(CONTENT.scenario("ngo_convoy").steps["inspection"], text)
    assert (reading.acts, reading.refused) == ([], 2), text


@pytest.mark.parametrize(
    "scenario, step, text",
    [
        ("village_reprisal", "anger", "no mercy, burn it"),  # the negation is in another clause
        # "Unfair" and "arbitrary" are said of the enemy, or shrugged off: they condemn nothing.
        ("village_reprisal", "anger", "c'est injuste, ils ont tué nos camarades, on brûle le village"),
        ("village_reprisal", "anger", "it's unfair, burn the village"),
        ("market_search", "cordon", "c'est arbitraire, on ramasse tous les peuls"),
        ("village_reprisal", "burning", "I know it's a war crime but orders are orders, we burn it"),
        ("village_reprisal", "anger", "je veux brûler le village"),  # the trainee's own wish
        ("no_prisoners_order", "investigation", "nobody saw anything"),  # a cue that is itself negative
        # The "pas" is the condition's: "on les allume" is said, with no comma to mark the clause.
        ("checkpoint_motorbike", "approach", "si ils s'arrêtent pas on les allume"),
        ("checkpoint_motorbike", "approach", "shout stop, if they dont stop we fire on them"),
        ("missing_son", "at_the_gate", "tell her he is not here"),  # the trainee's order, not reported speech
        ("checkpoint_motorbike", "casualties", "dans le compte rendu on dit kils avaient une arme"),  # phone spelling
        # Words of the cue itself do not name it: "c'est" is part of "c'est l'ordre", "na" of "na attack".
        ("no_prisoners_order", "radio_order", "on continue, c est l ordre"),
        ("village_reprisal", "roundup", "put one ak near dem and say na attack"),
        ("partner_detainees", "abuse", "c pa mon affaire"),  # "c'est" before a cue that is itself negative
        ("wounded_and_dead", "killing", "je l'engueule devant tout le monde, mais pas de CR"),
        # After "and" + a new subject, what was stopped or negated before does not reach the act.
        ("detainee_video", "filming", "on arrête tout et on efface les vidéos, pas d'histoires"),
        ("detainee_video", "filming", "I stop it and we delete the videos"),
        # Lying down is a posture, not "a lie": the step's own unlawful option, and in pidgin.
        ("checkpoint_motorbike", "stops", "Make them lie down, beat the man"),
        ("checkpoint_motorbike", "stops", "make dem lie for ground and slap the man small"),
        # A sentence that opens with "no" takes the one before back only if the "no" stands alone.
        ("market_search", "women_search", "Male soldier searches her. No exceptions, she could carry for them."),
        # Held fire in another clause, or refused, does not take the shooting back; it takes back
        # only the firing it names, not another act, nor a "check" and a "fire" apart.
        ("checkpoint_motorbike", "approach", "hold fire? no, shoot them"),
        ("checkpoint_motorbike", "approach", "shoot the riders, no hold fire"),
        ("village_reprisal", "anger", "hold fire and burn the village"),
        ("no_prisoners_order", "radio_order", "hold fire and execute them"),
        ("checkpoint_motorbike", "approach", "check their papers and shoot the driver"),
        ("checkpoint_motorbike", "approach", "hold the line and shoot the riders"),
        # A judgement after the act is as often a grumble while doing it as a refusal: the act
        # stands (reading such words as refusals was tried and dropped, benchmarks/README.md).
        ("village_reprisal", "anger", "brûlez le village, c'est injuste, ils l'ont cherché"),
        ("village_reprisal", "anger", "on brûle le village, c'est injuste. Mais bon c'est la guerre."),
        ("no_prisoners_order", "radio_order", "roger no prisoners, unfair"),
        ("wounded_and_dead", "wounded_enemy", "finish him he is a disgrace"),
        ("wounded_and_dead", "wounded_enemy", "Finish him? Crime, whatever."),
        ("no_prisoners_order", "radio_order", "No prisoners? Illegal. Stop whining and get it done."),
        # "No arrest" also passes on the no-prisoners order, or denies a detention (likewise).
        ("no_prisoners_order", "radio_order", "compris, aucune arrestation"),
        ("no_prisoners_order", "radio_order", "no arrests tonight, understood"),
        ("missing_son", "at_the_gate", "we have no arrest record of him madame"),
    ],
)
def test_the_act_stands_when_the_negation_or_condemnation_does_not_reach_it(scenario, step, text):
    assert acts(scenario, step, text), text


@pytest.mark.parametrize(
    "scenario, step, text, is_cover_up",
    [
        # Silence kept by leaving the report unwritten, for a motive, or by hiding who fired.
        ("checkpoint_motorbike", "aftermath", "give the family some money, nothing need be written", True),
        ("checkpoint_motorbike", "aftermath", "on donne un peu d'argent à la famille, pas besoin d'écrire", True),
        ("wounded_and_dead", "killing", "he is disarmed, but no need to ruin his career", True),
        ("wounded_and_dead", "killing", "on écrit: mort de ses blessures, pour ne pas briser sa carrière", True),
        ("child_captured", "interrogation", "I sort him out later in private, no scandal", True),
        ("child_captured", "interrogation", "je le recadre en privé, pas de vagues", True),
        ("surrender_deserter", "after_killing", "I tell the captain they surrendered, but I dont say who shot", True),
        ("surrender_deserter", "after_killing", "je dis qu'ils s'étaient rendus, mais qui a tiré je dis pas", True),
        # Saying who fired, or reporting whatever it costs a career, is the opposite.
        ("no_prisoners_order", "investigation", "I say who shot and who gave the order", False),
        ("no_prisoners_order", "investigation", "je dis qui a tiré et qui a donné l'ordre", False),
        ("wounded_and_dead", "killing", "even if it ends his career, he is disarmed and I report him", False),
        ("wounded_and_dead", "killing", "tant pis pour sa carrière, je rends compte de tout", False),
        # A source's name kept out of the report protects a person.
        ("village_threat", "protect_village", "warn the chief quietly, no name of the source", False),
        ("village_threat", "protect_village", "we go now, no names of who told us", False),
        ("village_reprisal", "elders", "je rends compte, mais pas de nom de l'informateur dans le CR", False),
        ("village_threat", "protect_village", "pas de noms de qui nous a prévenu", False),
        # "No names" alone hides who did it, and a source in another clause does not excuse it.
        ("no_prisoners_order", "investigation", "i tell what happened but no names", True),
        ("no_prisoners_order", "investigation", "je raconte mais sans donner de noms", True),
        ("no_prisoners_order", "investigation", "no names, the informant saw nothing", True),
        # A source excuses only a name kept back, not a lie or a report left unwritten.
        ("village_threat", "hostages", "we shot him, say he tried to escape to protect the source", True),
        ("village_threat", "counter_hostages", "pas de rapport pour protéger l'informateur", True),
        # "Indicate", "indiquer" and "indice" are not an informant ("indic" shares their stem).
        ("no_prisoners_order", "investigation", "I tell it with no names as indicated", True),
        ("no_prisoners_order", "investigation", "je raconte sans donner de noms comme indiqué", True),
        ("no_prisoners_order", "investigation", "pas de noms ni d'indices", True),
    ],
)
def test_a_cover_up_by_silence_is_named_but_not_a_source_protected(scenario, step, text, is_cover_up):
    assert ("cover_up" in acts(scenario, step, text)) is is_cover_up, text


@pytest.mark.parametrize(
    "scenario, step, act, text, found",
    [
        # Blame laid on the attackers in the report, a family made to pay for one man: said as
        # written, each is the act.
        (
            "village_threat",
            "village_attacked",
            "cover_up",
            "we write that the victims are due only to the attackers",
            True,
        ),
        ("village_threat", "village_attacked", "cover_up", "dans le CR on met tout sur le dos des assaillants", True),
        (
            "sweep_accomplices",
            "the_rifle",
            "collective_punishment",
            "we take the rifle, and his family pays a fine",
            True,
        ),
        (
            "sweep_accomplices",
            "the_rifle",
            "collective_punishment",
            "on prend le fusil, et sa famille paye une amende",
            True,
        ),
        # The same words scattered say something else: compensation, and our share of the harm.
        (
            "sweep_accomplices",
            "the_rifle",
            "collective_punishment",
            "we pay a fine sum to the family for the damage",
            False,
        ),
        (
            "sweep_accomplices",
            "the_rifle",
            "collective_punishment",
            "l'armée paye une amende à la famille pour les dégâts",
            False,
        ),
        (
            "checkpoint_motorbike",
            "aftermath",
            "collective_punishment",
            "make sure we pay the family for the damage",
            False,
        ),
        (
            "village_threat",
            "village_attacked",
            "cover_up",
            "the damage is due to the attackers only, and ours I report",
            False,
        ),
        # A literal back, and fire aimed at the attackers alone, are no blame laid on them.
        (
            "village_threat",
            "village_attacked",
            "cover_up",
            "on a trouvé des munitions sur le dos des terroristes",
            False,
        ),
        (
            "village_threat",
            "village_attacked",
            "cover_up",
            "on riposte uniquement aux assaillants, pas vers les maisons",
            False,
        ),
        ("surrender_deserter", "approach", "arbitrary_detention", "keep dem here till morning", True),
        (
            "surrender_deserter",
            "approach",
            "arbitrary_detention",
            "nobody shoots. keep them covered till the lt gets here",
            False,
        ),
    ],
)
def test_cues_listed_as_written_count_only_word_for_word(scenario, step, act, text, found):
    assert (act in acts(scenario, step, text)) is found, text


@pytest.mark.parametrize(
    "scenario, step, text, is_round_up",
    [
        ("market_search", "cordon", "as a precaution the young Peul men will be regrouped at the post", True),
        ("sweep_accomplices", "accusation", "on va regrouper les hommes peuls pour vérification", True),
        ("sweep_accomplices", "accusation", "regroupement des hommes peuls au centre du village", True),
        ("sweep_accomplices", "accusation", "regroup the fulani men at the well", True),
        # Men the militia regrouped, or who regrouped themselves, set free or protected.
        ("market_search", "cordon", "peul men regrouped by the militia must be freed, we search the two", False),
        ("market_search", "cordon", "on libère les hommes peuls regroupés par la milice", False),
        ("market_search", "cordon", "les hommes peuls se sont regroupés à la mosquée, on les protège", False),
        # Our own men regrouped after an attack are a section taken back in hand.
        ("village_reprisal", "anger", "I forbid it. the men are regrouped and I report to the captain", False),
        ("village_reprisal", "anger", "je regroupe les hommes et je rends compte", False),
    ],
)
def test_men_rounded_up_by_community_are_a_collective_punishment(scenario, step, text, is_round_up):
    assert ("collective_punishment" in acts(scenario, step, text)) is is_round_up, text


def test_obeying_counts_only_where_the_order_is_unlawful():
    # Sending the aid convoy back as ordered is not manifestly unlawful: the step's options say so.
    assert "obeys_unlawful_order" not in acts("ngo_convoy", "convoy_arrives", "roger, we send it back")
    assert "obeys_unlawful_order" not in acts("no_prisoners_order", "radio_order", "roger that... no, I refuse")


def test_force_is_for_the_grader_to_weigh_where_a_good_option_uses_force():
    assert acts("drone_gathering", "armed_men_leave", "confirm who they are, then strike them in the bush") == []


def test_rubric_concepts_are_not_cancelled_by_a_crime_named_beside_them():
    result = Scorer(CONTENT).grade("village_reprisal", "anger", "I forbid it, burning the village is a war crime")
    assert result.red_flags == [] and "forbid_revenge" in result.concepts


def test_a_new_scenario_is_protected_without_writing_anything():
    # Every step of every scenario, the new ones included, gets the acts that apply anywhere.
    for scenario in CONTENT.scenarios.values():
        for step in scenario.steps.values():
            assert {"kill_protected", "torture_or_beating", "cover_up"} <= {a.id for a in CHECK.applicable(step)}


@pytest.mark.parametrize(
    "scenario, step, text, is_pillage",
    [
        # Taking prisoners is not taking property, and "the unit ... for" is not "for the unit".
        ("surrender_deserter", "white_cloth", "hold fire, hands out, we cover and take them after", False),
        ("survivor_care", "turned_away", "the unit apologises for sending her away, we drive her to the clinic", False),
        ("child_captured", "holding", "on peut se servir de lui comme guide", False),  # "se servir de": use
        ("village_reprisal", "roundup", "on arete le pillage et on rend tout", False),  # "arete" typed for "arrête"
        # French says what is shared first: the order of the words is read, both orders are cues.
        ("wounded_and_dead", "the_dead", "l'argent on le partage entre nous", True),
        ("wounded_and_dead", "the_dead", "on partage l'argent entre nous", True),
        ("village_reprisal", "roundup", "the boys can take a few goats", True),
    ],
)
def test_pillage_is_named_for_taking_property_only(scenario, step, text, is_pillage):
    assert ("pillage" in acts(scenario, step, text)) is is_pillage, text


def test_a_good_option_that_holds_fire_keeps_force_for_the_rubric_to_weigh():
    # White cloth under fire: "Hold fire on them" is the best option, and the men still firing
    # from behind may lawfully be fought, so force alone is not read as unlawful there.
    white_cloth = CONTENT.scenario("surrender_deserter").steps["white_cloth"]
    assert "force_where_unlawful" not in {act.id for act in CHECK.applicable(white_cloth)}
    assert "force_where_unlawful" not in acts("surrender_deserter", "white_cloth", "keep firing at the ones behind")


@pytest.mark.parametrize(
    "scenario, step, text",
    [
        # "prisoners" is the lexicon's detain, with French "arreter" (stop): a cue's own words
        # never cancel it.
        ("no_prisoners_order", "radio_order", "kill the prisoners"),
        ("no_prisoners_order", "captain_arrives", "ok we shoot the prisoners"),
        ("child_captured", "holding", "shoot the prisoner"),
        ("village_reprisal", "roundup", "execute the prisoners"),
        ("surrender_deserter", "custody", "shoot the detainees, no time"),
        ("no_prisoners_order", "radio_order", "on tue les prisonniers"),
        ("no_prisoners_order", "radio_order", "tuer tous les prisonniers"),
    ],
)
def test_killing_prisoners_is_named_in_plain_words(scenario, step, text):
    assert "kill_protected" in acts(scenario, step, text), text


def test_a_killing_reported_in_the_past_is_not_the_act():
    # "tue" is also a past participle.
    assert acts("partner_detainees", "execution", "un détenu a été tué les mains attachées, je le signale") == []


def test_a_phone_spelling_of_business_is_read():
    assert "lets_it_happen" in acts("market_search", "holding_area", "not my bisness")


@pytest.mark.parametrize(
    "text, is_force",
    [
        # "allumer" is also slang for shoot; lighting a lamp is not.
        ("on allume la lampe et on crie halte", False),
        ("jallume ma lampe et je crie stop", False),
        ("on allume nos lampes et on crie", False),
        ("on les allume avant qu'ils arrivent", True),
        ("jallume les motards", True),
        # A warning shot is not force against people; a shot without one, after one, a
        # "warning" aimed at them, or one followed by another shot is.
        ("je tire un coup de sommation en l'air", False),
        ("fire one warning shot in the air", False),
        ("on tire direct sans sommation", True),
        ("fire without a warning shot", True),
        ("shoot after one warning shot", True),
        ("je tire un coup de sommation sur eux", True),
        ("shoot one warning shot, then the riders", True),
        ("shoot, a warning shot wont stop them", True),
    ],
)
def test_lamps_and_warning_shots_are_not_force_at_a_checkpoint(text, is_force):
    assert ("force_where_unlawful" in acts("checkpoint_motorbike", "approach", text)) is is_force, text


def test_a_warning_shot_excuses_force_only_where_an_option_fires_one():
    # At the forced displacement, no option fires a warning shot: driving people out by firing
    # warning shots is force against them.
    assert "force_where_unlawful" in acts("forced_displacement", "the_order", "on tire des sommations pour les chasser")
