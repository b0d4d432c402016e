"""Which language a post is written in, as far as screening needs to know.

    detect("je veux juste dormir")  -> "fr"
    detect("привет как дела")       -> "other"   (a script or language screening does not support)
    detect("ok")                    -> "en"      (too little to tell: treated as the default language)

Supported languages (SUPPORTED): English fully (models and rules); Spanish, French, German and Portuguese through
the rules (explicit crisis phrases, means, timing, goodbyes, "kill yourself", threats and insults in those languages)
and heads that read about 1,350 own training posts in them, through an encoder (all-MiniLM-L6-v2) that is English.
Anything else is "other": the models cannot read it, so the self-harm classifier neither guesses a crisis from it
nor calls it safe: it asks for a moderator check-in unless a rule in a supported language fires.

Detection reads the deconfused text (confusables.deconfuse: look-alike letters, leetspeak and spaced letters undone,
so "th3 p!lls ar3 c0unt3d" is English, not noise), and is a count of very common function words per language (a post
needs at least two of one language's words and more of them than of English's), plus the script: letters outside
Latin are "other". A post of five words or more with no common word of any language is "other" unless most of its
words are in the English encoder's vocabulary ("suicide thoughts every shift lately").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from moderation.classifiers.confusables import deconfuse, foreign_letters, vocabulary

SUPPORTED = ("en", "es", "fr", "de", "pt")
RULES_ONLY = ("es", "fr", "de", "pt")

_WORDS = {
    "en": "the and you that was for are with his they have this from not but what all were when your can said "
          "there out just been like about would them then into some her him me my i is it to of in so im am do",
    "es": "el la los las que de del y en un una por con para es esta estoy pero mas muy yo mi me tu te se lo "
          "como porque cuando todo nada quiero ya hoy hay soy eres algo tambien sin ni aqui hola todos nueva nuevo gracias",
    "fr": "le la les des une est et je tu il elle nous vous ils pas que qui dans pour sur avec mais ou mon ma mes "
          "ton ta suis es sont ce cette tout rien plus moi toi j'ai c'est ne veux au aux du",
    "de": "der die das und ist ich du er sie wir ihr nicht ein eine mit auf fur für von zu den dem des sich mir "
          "mich dich bin bist sind war aber auch noch nur schon heute will kann wie was wenn ganz",
    "pt": "o os as um uma que e de do da dos das em no na com por para eu voce você tu ele ela nao não mais muito "
          "meu minha estou sou esta está isso tudo nada quero hoje ja já tambem também sem aqui",
    "it": "il lo gli che di e un una per con non sono sei mi ti ci ho hai della nel perche perché voglio oggi "
          "anche ma come questo tutto niente",
}
_SETS = {k: set(v.split()) for k, v in _WORDS.items()}
# More English (chat spellings included) that only decides "English or not", never which other language.
_ENGLISH_MORE = set("""u ur ya yall lol lmao lmfao omg bro bruh dude mate guys such an be no yes ok okay dont cant
    wont didnt isnt like really get got go going gonna wanna know feel feeling want need today tonight night day good
    bad fine sad tired love hate life people thing things fuck fucking fkn shit damn hell legend who how why where
    again still ever never always one two new old here thanks thank please pls sorry hey hi hello bye yeah yep nah
    much many more most very too also only even back down up off over our us we he she it's that's im i'm youre
    its let lets make made take took come came see saw look said say tell told think thought work home school
    friend friends mum mom dad family time week year man girl boy someone everyone anyone nobody nothing something
    has had did does done being well way right now then than been could should would might must""".split())
_TOKENS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


_CACHE_CHARS = 4000  # as rules.normalise: one screening asks for the same text's language several times


def detect(text: str) -> str:
    """"en", "es", "fr", "de", "pt" (supported), or "other" (anything screening cannot read)."""
    raw = text if isinstance(text, str) else str(text)
    return _detect_recent(raw) if len(raw) <= _CACHE_CHARS else _detect(raw)


@lru_cache(maxsize=64)
def _detect_recent(raw: str) -> str:
    return _detect(raw)


def _detect(raw: str) -> str:
    text = deconfuse(raw)
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    ascii_only = text.isascii()  # then every letter is Latin and NFKD changes nothing
    # Counted on the deconfused text and on the raw one (a Russian word of look-alike letters only, "Как там",
    # deconfuses to Latin; it is still Russian), the larger wins.
    foreign_script = 0 if ascii_only else sum(1 for c in letters if not _latin(c))
    if not raw.isascii():
        foreign_script = max(foreign_script, foreign_letters(raw))
    if foreign_script >= max(3, 0.3 * len(letters)):
        return "other"
    plain = text if ascii_only else "".join(c for c in unicodedata.normalize("NFKD", text)
                                            if not unicodedata.combining(c))
    words = [w.lower() for w in _TOKENS.findall(plain)]
    if len(words) < 3:
        return "en"
    counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _SETS.items()}
    best = max(counts, key=lambda k: (counts[k], k == "en"))
    if best != "en" and counts[best] >= 2 and counts[best] > counts["en"]:
        return best if best in SUPPORTED else "other"
    if counts["en"] == 0 and len(words) >= 5 and counts[best] < 2 and not any(w in _ENGLISH_MORE for w in words):
        vocab = vocabulary()
        if sum(len(w) > 3 and w in vocab for w in words) < 0.8 * len(words):  # short words are in any language
            return "other"  # five Latin-script words and hardly a common word of any language we know
    return "en"
