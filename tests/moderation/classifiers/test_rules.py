"""Rules fire on explicit signals and stay quiet on look-alikes (phrasings kept apart from the eval set)."""
import pytest

from moderation.classifiers.embedded import combine
from moderation.classifiers.rules import GREETING_CAP, analyse, normalise


def test_normalise_chat_spelling():
    assert normalise("Im gonna do it 2nite, kys") == "i am going to do it tonight, kill yourself"
    assert "soo" in normalise("sooooo tired")


@pytest.mark.parametrize("text,rule", [
    ("i've written my goodbye letter and sealed it", "plan"),
    ("i have been hoarding my sleeping pills for a month", "means"),
    ("i'm going to end my life on sunday", "intent_statement"),
    ("i just swallowed a whole packet of tablets", "act_in_progress"),
    ("im standing on the bridge over the motorway", "act_in_progress"),
    ("goodbye everyone, you were good to me", "goodbye"),
    ("my guitar goes to my cousin and my books to jo, i've decided who gets my stuff", "possessions"),
    ("i've given away all my things this week", "possessions"),
])
def test_intent_rules_fire(text, rule):
    r = analyse(text)
    assert rule in r.intent_rules, (text, r)
    assert r.reasons


@pytest.mark.parametrize("text", [
    "if you ever feel like ending it please text the crisis line, we care",
    "four years ago i tried to end my life and now i run marathons",
    "this lecture is killing me",
    "i could murder a burger",
    "i'm on the bridge waiting for my friend so we can get lunch",
    "this is my last post before the exams, see you in june",
    "i took my meds this morning as prescribed",
    "my friend said she wants to kill herself, what should i do?",
    "i'm not suicidal, just burnt out",
])
def test_no_intent_on_lookalikes(text):
    r = analyse(text)
    assert not r.intent_floor, (text, r)
    assert not r.second_person_abuse


@pytest.mark.parametrize("text", [
    "kys loser", "why dont you go hang yourself", "you should just die", "go die in a hole",
    "i hope you choke", "i know where you live",
])
def test_second_person_abuse(text):
    r = analyse(text)
    assert r.second_person_abuse and r.tox_floor >= 0.8 and r.sh_delta < 0


@pytest.mark.parametrize("text", [
    "someone told me to kys in another forum and i can't stop thinking about it",
    '"go die" is a horrible thing to say to anyone',
    "i want to go die somewhere quiet",
])
def test_reported_or_self_is_not_abuse(text):
    assert not analyse(text).second_person_abuse


def test_ideation_rule_and_inner_voice():
    assert analyse("my head keeps telling me everyone's better off without me").ideation_rule
    assert analyse("i don't want to be alive anymore").ideation_rule


@pytest.mark.parametrize("text,expected", [
    ("sh urges are really bad tonight", "ideation"),
    ("the craving to cut is back and it's loud", "ideation"),
    ("my head keeps telling me to punish myself", "ideation"),
    ("gonna actually end it tomorrow", "intent"),
    ("all my paperwork is sorted for when i am dead", "intent"),
    ("texted my brother i love him one last time", "intent"),
    ("i will not be anyone's burden after sunday", "intent"),
])
def test_urges_preparations_and_last_goodbyes(text, expected):
    result = analyse(text)
    if expected == "intent":
        assert result.intent_rules, (text, result)
    else:
        assert result.ideation_rule and not result.intent_rules, (text, result)


@pytest.mark.parametrize("text", [
    "told my ex goodbye for the last time, moving on",
    "feed the cat for when i am gone next week",
    "for the last time, stop tagging me",
    "hugged grandma one last time before she passed",
    "im going to jump in the pool lol",
])
def test_lookalikes_of_preparations_and_goodbyes(text):
    assert not analyse(text).intent_rules, text


@pytest.mark.parametrize("text", [
    "please don't kill yourself, call 988 or text someone tonight",
    "are you thinking of killing yourself? it's ok to ask me that",
    "i don't want you to kill yourself, we'd miss you so much",
    "kys tonight ok? love you, message me when you're up",  # "keep yourself safe"
    "stay strong and kys, here for you xx",
    "asking someone directly if they want to kill themselves does not plant the idea",
])
def test_supportive_and_negated_crisis_words_are_not_abuse(text):
    r = analyse(text)
    assert not r.second_person_abuse and not r.tox_floor, (text, r)


@pytest.mark.parametrize("text", ["why dont you go kill yourself", "you could kill yourself for all i care",
                                  "k y s loser"])
def test_real_abuse_still_is(text):
    assert analyse(text).second_person_abuse, text


@pytest.mark.parametrize("text", [
    "thinking about unaliving myself again", "i just want to sewerslide", "i'm ready to ctb",
    "i want to catch the bus.", "the final exit is the only way out now", "honestly wanna die lol",
    "i want to die 😂 but i won't",
])
def test_algospeak_and_hedged_wishes_are_ideation(text):
    r = analyse(text)
    assert r.ideation_rule or r.intent_rules, (text, r)


@pytest.mark.parametrize("text", ["i need to catch the bus to work", "catching the bus tonight to see mum",
                                  "i'll kill myself if i fail this exam lol"])
def test_algospeak_lookalikes(text):
    r = analyse(text)
    assert not r.intent_rules and not r.ideation_rule, (text, r)


@pytest.mark.parametrize("text", ["quiero morir, ya no puedo más", "je veux mourir", "ich will nicht mehr leben",
                                  "não quero mais viver", "me voy a suicidar esta noche", "vou me matar hoje"])
def test_crisis_phrases_in_other_languages(text):
    r = analyse(text)
    assert r.ideation_rule or r.intent_rules, text


@pytest.mark.parametrize("text", ["mátate idiota", "tue-toi", "bring dich um", "vai se matar", "eres una basura",
                                  "t'es qu'une salope", "du bist so dumm", "você é um lixo"])
def test_abuse_in_other_languages(text):
    r = analyse(text)
    assert r.second_person_abuse or r.insult, text
    assert r.tox_floor >= 0.8


@pytest.mark.parametrize("text,rules", [
    ("ya tengo las pastillas. mañana es el día.", {"means", "timing"}),
    ("Die Schlaftabletten liegen bereit. Heute Nacht ist es so weit.", {"means", "timing"}),
    ("Morgen Nacht mach ich Schluss.", {"timing"}),
    ("já separei os comprimidos.", {"means"}),
    ("nobody noticed the warning signs and i have the pills ready for tonight", {"means"}),
    ("j'ai choisi la date. merci pour tout, adieu", {"timing", "goodbye"}),
    ("no me busquen, esta es mi despedida", {"goodbye"}),
    ("Wer mein Fahrrad kriegt, wenn ich nicht mehr da bin, steht im Brief", {"possessions"}),
])
def test_intent_in_other_languages(text, rules):
    assert rules <= set(analyse(text).intent_rules), (text, analyse(text).intent_rules)


@pytest.mark.parametrize("text", ["a veces creo que estaría mejor muerta", "je serais mieux mort, franchement",
                                  "ich wäre lieber tot", "às vezes queria deixar de existir", "quiero desvivirme"])
def test_ideation_in_other_languages(text):
    assert analyse(text).ideation_rule, text


@pytest.mark.parametrize("text", ["mañana es el día de mi examen, qué nervios", "tengo las pastillas para la tos",
                                  "demain c'est le jour J pour mon permis", "amanhã é o dia da prova",
                                  "Die Prüfung liegt hinter mir, endlich Ferien", "Die Kinder sind im Bett",
                                  # a review's look-alikes (2026-12-04)
                                  "Te voy a buscar al aeropuerto", "Ich finde dich echt toll!", "Je suis rentré, crevé.",
                                  "Se ele não comer, morre.", "Ich bring dich gleich um halb acht zum Bahnhof",
                                  "Necesitamos más gente como tú", "Les gens comme toi rendent le monde meilleur",
                                  "Leute wie du machen mir Mut", "T'es juste une légende", "Es inútil intentarlo",
                                  "Leve seu lixo para fora", "Personne ne t'aime plus que moi",
                                  "Ninguém gosta de você mais do que eu", "Deine Eltern wären froh, wenn du anrufst",
                                  "Rentre chez toi et repose-toi", "Gracias por todo y perdón por las molestias",
                                  "Merci pour tout, pardon pour le retard", "Me despido de todos, hasta mañana",
                                  "Cuiden a mi gato mientras estoy de viaje", "Ya no lo voy a necesitar, lo vendo barato",
                                  "Regalé mis libros a la biblioteca", "Ya tengo la fecha de la boda",
                                  "J'ai choisi la date du mariage", "Für heute mache ich Schluss",
                                  "Vos médicaments sont prêts à la pharmacie", "Sus pastillas están listas para recoger",
                                  "No tengo las pastillas", "Die Tabletten habe ich heute vergessen",
                                  "Ich habe die Tabletten schon genommen", "Já separei os remédios da semana da minha avó",
                                  "El servicio va a dejar de existir", "A loja vai deixar de existir",
                                  "No quiero despertarme temprano", "A dor vai sumir de vez", "Die Katze schläft."])
def test_everyday_lookalikes_in_other_languages(text):
    r = analyse(text)
    assert not r.intent_rules and not r.ideation_rule and not r.second_person_abuse, (text, r)


@pytest.mark.parametrize("text", ["Bring dich doch einfach um, du Versager", "vete a matarte, nadie te quiere aquí",
                                  "ninguém sentiria sua falta se você sumisse", "ta famille serait soulagée sans toi",
                                  "Leute wie du sollten zurück in ihr Land", "que se vuelvan a su país",
                                  "si te veo te mato, ya verás"])
def test_abuse_without_swearing_in_other_languages(text):
    r = analyse(text)
    assert (r.second_person_abuse or r.insult) and r.tox_floor >= 0.8, (text, r)


@pytest.mark.parametrize("text", ["you are a waste of space", "nobody here likes you, just leave",
                                  "people like you should not be allowed to post"])
def test_polite_abuse(text):
    assert analyse(text).insult, text


@pytest.mark.parametrize("text,danger", [
    ("my best friend keeps saying she wants to die and i don't know what to do", False),
    ("my brother just texted me goodbye and now he's not answering", True),
    ("someone in my discord keeps saying they want to kill themselves", False),
    ("mi amiga quiere morir y no sé qué hacer", False),
])
def test_someone_else_at_risk(text, danger):
    r = analyse(text)
    assert r.someone_else and r.someone_else_danger == danger, (text, r)
    assert not r.intent_rules and not r.ideation_rule


@pytest.mark.parametrize("text", ["i want to die", "my friend and i went to the cinema", "my mum makes great soup"])
def test_someone_else_quiet_on_the_authors_own_words(text):
    assert not analyse(text).someone_else


def test_languages():
    from moderation.classifiers.languages import detect

    assert detect("je veux juste dormir et ne plus rien sentir") == "fr"
    assert detect("ich will nicht mehr leben") == "de"
    assert detect("não quero mais viver, estou cansada") == "pt"
    assert detect("el fin de semana fue genial") == "es"
    assert detect("привет как дела") == "other"
    assert detect("mahal kita pero pagod na ako talaga") == "other"
    for text in ("ok", "kys loser lol", "ur such a fkn legend bro lmao", "i am so tired today"):
        assert detect(text) == "en", text


@pytest.mark.parametrize("text", ["hello, can you help me change my handle?", "how do i reset my password",
                                  "Box breathing helps me: in for 4, hold 4, out 4, hold 4.",
                                  "a grounding exercise that works for me: name five things you can see",
                                  "good night all", "goodnight everyone, see you tomorrow"])
def test_everyday_site_and_coping_posts_are_damped(text):
    r = analyse(text)
    assert "everyday" in r.suppressors and r.sh_delta < 0, r


@pytest.mark.parametrize("text", ["good night all", "Night all!", "goodnight everyone, see you tomorrow 💤",
                                  "good morning everyone ☀️", "hey guys", "gn all, sweet dreams", "morning all :)",
                                  "night y'all ❤️"])
def test_a_greeting_or_sign_off_on_its_own_is_capped_below_every_hold(text):
    assert analyse(text).sh_cap == GREETING_CAP < 0.5


@pytest.mark.parametrize("text", ["goodbye everyone", "good night all, this is the last time", "night all 💊",
                                  "goodnight everyone, see you tomorrow hopefully not", "goodnight forever",
                                  "hi everyone, i have the pills ready", "night all 🪒", "night all 💉",
                                  "good night everyone 👋🕊️", "goodnight all 🥀🖤", "good night all 🔚",
                                  "night all 🆘", "hi everyone\n\n😭😭😭\n\n🔚", "good night all 🅸 🆆🅸🅻🅻",
                                  "night all 🇰🇮🇱🇱", "good night all :'(", "night all 😔💔", "goodnight everyone..."])
def test_a_greeting_with_anything_more_is_left_to_the_heads_and_rules(text):
    assert analyse(text).sh_cap == 1.0


@pytest.mark.parametrize("text", ["box breathing does nothing anymore, i want to die tonight",
                                  "how do i delete my account, i have the pills ready and i'm done"])
def test_everyday_words_never_cancel_a_crisis(text):
    r = analyse(text)
    assert (r.intent_rules or r.ideation_rule) and r.sh_delta >= 0, r


def test_heads_reading_a_bare_sign_off_as_a_goodbye_are_capped_in_the_scores():
    high = [3.0, 3.0, 2.0]  # heads that took "good night all" for a terse goodbye
    _tox, capped = combine("good night all", -3.0, high, {})
    assert max(capped.labels["concern"], capped.labels["ideation"], capped.labels["intent"]) <= GREETING_CAP
    assert any("greeting" in r for r in capped.reasons)
    _tox, kept = combine("good night all, this is the last time", -3.0, high, {})
    assert kept.labels["ideation"] >= 0.5


@pytest.mark.parametrize("text", [
    "the filter blocks 'kys' in the lobby now, it kept catching trolls",  # the word mentioned, in quotes
    "Die Hitze bringt mich um, 35 Grad heute",  # a German idiom, and German's article "die"
    "someone sent me \"tue-toi\" in a DM, that is french for kill yourself right?",
    "signs to watch for: giving things away, saying goodbye out of the blue, a sudden calm",
    "warning signs include giving things away and saying goodbye",
    "Nach Suizidgedanken zu fragen bringt niemanden auf die Idee.",
])
def test_mentions_idioms_and_safety_talk_are_neither_abuse_nor_crisis(text):
    r = analyse(text)
    assert not r.second_person_abuse and not r.intent_rules and not r.ideation_rule, (text, r)


@pytest.mark.parametrize("text", ["you're not a disappointment, you're a whole person", "no eres una carga, amiga",
                                  "shut up you're so fucking smart /lh"])
def test_kindness_and_tone_tags_lower_toxicity(text):
    r = analyse(text)
    assert r.banter and r.tox_delta < 0 and not r.insult, (text, r)


@pytest.mark.parametrize("text", ["kys 'loser'", "die already", "kys /j", "you should 'kys'", "just 'kys' already",
                                  "lol!kys", "loser!go die"])
def test_quotes_and_tone_tags_do_not_excuse_abuse(text):
    assert analyse(text).second_person_abuse, text
