"""Evasion: look-alike letters, leetspeak, spaced letters and invisible characters are undone before any judgement."""
import pytest

from moderation.classifiers.confusables import deconfuse
from moderation.classifiers.encoder import clean_text
from moderation.classifiers.rules import normalise
from moderation.policy import Thresholds, decide


@pytest.mark.parametrize("text,expected", [
    ("kіll уоurѕelf", "kill yourself"),  # Cyrillic і у о ѕ
    ("k1ll y0urs3lf", "kill yourself"),
    ("k.i.l.l y-o-u-r-s-e-l-f", "kill yourself"),
    ("k i l l yourself", "kill yourself"),
    ("k\u200bi\u200dll yourself", "kill yourself"),
    ("ｋｉｌｌ yourself", "kill yourself"),
    ("𝐤𝐢𝐥𝐥 yourself", "kill yourself"),
    ("k̷i̷l̷l̷ yourself", "kill yourself"),
    ("b@stard", "bastard"),
    ("$hit", "shit"),
    ("ʏᴏᴜ ᴀʀᴇ ᴡᴏʀᴛʜʟᴇss", "you are worthless"),  # small capitals
    ("ᴋɪʟʟ ʏᴏᴜʀsᴇʟғ", "kill yourself"),  # ... and a Cyrillic ghe with stroke for the f
    ("p!lls and wh!sky", "pills and whisky"), ("$u!c!de", "suicide"),
    ("m€rci, c€ soir", "merci, ce soir"), ("D∪ ¤pfer", "Du opfer"),
    ("g00dby3 n0te", "goodbye note"), ("d0 !t", "do it"), ("h3 l1v3s", "he lives"), ("s3 mata", "se mata"),
    # the vocabulary decides what the structural rules leave open
    ("th3 r0p3 ar3 r3ady", "the rope are ready"), ("3v3ryth1ng 1n th3 b0x by 5unday", "everything in the box by sunday"),
    ("t0n!ght", "tonight"), ("s*icidal again", "suicidal again"), ("k*ll mys*lf", "kill myself"), ("i w4nt t0 d*e", "i want to die"),
    # fancy text mixing Greek, Cyrillic and letter-like symbols in one word
    ("gσσ∂вує ƒσяєνєя", "goodbye forever"), ("ѕυι¢ι∂αℓ", "suicidal"), ("sµïcïdé", "suicide"),
    # a whole sentence spelled out letter by letter
    ("i w a n t t o d i e", "i want to die"), ("n o o n e w o u l d c a r e", "no one would care"),
])
def test_deconfuse(text, expected):
    assert deconfuse(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("3am tonight at 10:30", "3am tonight at 10:30"), ("4ever and always", "4ever and always"),
    ("my mp3 player", "my mp3 player"), ("10/10 would recommend", "10/10 would recommend"),
    ("gr8 2nite m8", "gr8 2nite m8"), ("привет как дела", "привет как дела"),  # genuine Cyrillic stays
    ("café señor über", "cafe senor uber"), ("i took 20 pills", "i took 20 pills"), ("covid19 again", "covid19 again"),
    ("i am ok, u r a star", "i am ok, u r a star"),
    ("costs 5€ or 10€/month", "costs 5€ or 10€/month"), ("help! now", "help! now"), ("wow!!! ok!", "wow!!! ok!"),
    ("room 101 at 9", "room 101 at 9"), ("a1 grade, b2 level", "a1 grade, b2 level"), ("x | y", "x | y"),
    ("50k€ a year, 2,5M€, prix €TTC", "50k€ a year, 2,5M€, prix €TTC"), ("i5 or i7, vitamin D3", "i5 or i7, vitamin D3"),
    ("0x00ff", "0x00ff"), ("if (!n) return", "if (!n) return"), ("US$5", "USs5"),
    ("lol!kys", "lol!kys"), ("help!i am scared", "help!i am scared"),  # a missing space, not a letter
    ("sh*t day", "sh*t day"), ("b*tch please", "b*tch please"), ("you utter c*nt", "you utter c*nt"),  # censored swearing stays
    ("at 3am, 7pm or 5am", "at 3am, 7pm or 5am"), ("1st and 3rd, 5mg, 4x, 3d", "1st and 3rd, 5mg, 4x, 3d"),
    ("*hugs* xx", "*hugs* xx"), ("я тут", "я тут"), ("Привет, я устал", "Привет, я устал"),  # real Cyrillic
    ("αυτό είναι", "αυτο ειναι"), ("k i s s", "kiss"), ("I L O V E Y O U", "I LOVE YOU"),
    # found by a review of the vocabulary readings: counts, handles, amounts, model numbers, ordinals, names
    ("ran 5miles, we own 5cars, 7wins", "ran 5miles, we own 5cars, 7wins"), ("4head", "4head"),
    ("@ryan @sian @tom @live", "@ryan @sian @tom @live"), ("A$5 or $4m", "A$5 or $4m"),
    ("ps1 ac3 no7 mi5", "ps1 ac3 no7 mi5"), ("wait 1s, dnd 5e, le 5e étage", "wait 1s, dnd 5e, le 5e etage"),
    ("vivo en el 5º piso", "vivo en el 5o piso"), ("r*pe culture", "r*pe culture"),
    ("q u i e r o m o r i r", "quieromorir"), ("M C D O N A L D S", "MCDONALDS"), ("я в Steam'е", "я в Steam'е"),
])
def test_ordinary_text_keeps_its_meaning(text, expected):
    assert deconfuse(text) == expected


@pytest.mark.parametrize("text,lang", [
    ("th3 p!lls ar3 c0unt3d. t0n!ght", "en"), ("ℓєανιηg ƒσя gσσ∂ ѕαтυя∂αу", "en"),
    ("suicide thoughts every single shift lately", "en"), ("q u i e r o m o r i r", "en"),
    ("je veux mourir ce soir", "fr"), ("saya ingin mati saja malam ini", "other"), ("как дела, я устал", "other"),
    ("Как там?", "other"), ("ΚΑΤΑΡΑΜΕΝΟ ΤΡΕΝΟ", "other"), ("nu mai pot să trăiesc deloc", "other"),
    ("moro no 5º andar com a minha mãe", "pt"),
])
def test_languages_read_the_deconfused_text(text, lang):
    """Leet and fancy text are not an unknown language: they are routed as what they spell."""
    from moderation.classifiers.languages import detect
    assert detect(text) == lang


def test_models_and_rules_read_the_same_text():
    assert "kill yourself" in clean_text("RT @bob: k1ll y0urs3lf")
    assert normalise("kіll уоurѕelf loser") == "kill yourself loser"


EVASION = [
    "kіll уоurѕelf lоser",  # Cyrillic look-alikes
    "k1ll y0urs3lf l0ser",
    "k y s",
    "k.y.s you freak",
    "go k i l l yourself",
    "just k\u200bill yourself already",
    "ｋｉｌｌ ｙｏｕｒｓｅｌｆ",
    "ur a worthl3ss p1ece of trash, kys",
    "go unalive yourself",
    "ᴋɪʟʟ ʏᴏᴜʀsᴇʟғ",
    "go k!ll y0urself",
]


@pytest.mark.parametrize("text", EVASION)
def test_evasion_corpus_is_caught(models, text):
    toxicity, self_harm, _ = models
    tox, sh = toxicity.score([text])[0], self_harm.score([text])[0]
    d = decide(tox, sh, Thresholds())
    assert d.status in ("held", "removed") and d.hold_reason != "self_harm", (text, tox, sh)
    assert tox.score >= Thresholds().toxicity_hold


@pytest.mark.parametrize("text", ["i w4nt t0 d1e", "i want to unalive myself", "thinking about sewerslide again",
                                  "i w4nt to d1e", "su!c!de is all i think about", "i w@nt to d!e"])
def test_evasive_crisis_is_held_for_self_harm(models, text):
    toxicity, self_harm, _ = models
    d = decide(toxicity.score([text])[0], self_harm.score([text])[0], Thresholds())
    assert d.status == "held" and d.tier in ("ideation", "intent"), text
