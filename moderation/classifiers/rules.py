"""Transparent rules for what sentence embeddings are weak at.

Embeddings capture the *mood* of a post well, but they blur the two distinctions that matter most in a peer-support
community:

* explicit signals of suicidal **intent**: a plan, means at hand, a time, goodbye / final messages, giving away
  possessions, or an act in progress ("i took all my pills", "i'm on the bridge");
* **whose** crisis it is: "kill yourself" / "kys" / "go die" is abuse aimed at someone else (a threat, never the
  author's crisis), while supportive replies ("call 988 if you feel like ending it"), recovery stories ("two years
  ago i tried to end my life"), idioms ("this song is killing me"), quoted or reported speech and negations
  ("i'm not suicidal, just tired") use crisis words without being a crisis.

`analyse(text)` returns a `RuleResult`: logit adjustments for the self-harm heads, floors, toxicity adjustments
and one human-readable reason per rule that fired. Matching runs on `normalise(text)`: lower case, curly quotes
straightened, chat spellings expanded ("im" -> "i am", "kys" -> "kill yourself", "tonite" -> "tonight"), letters
repeated 3+ times squeezed ("sooooo" -> "soo"). Rules work per sentence/clause, so a recovery marker or a reporting
verb only neutralises the clause it sits in.

English rules, plus explicit crisis phrases, "kill yourself" and common insults in Spanish, French, German and
Portuguese (see languages.py for what "supported" means). `analyse` also reports `someone_else` (the author is worried
about another person's safety) and `someone_else_danger` (that person is in danger now), and abuse written without
the words the models lean on (polite contempt, identity attacks, other languages) and friendly banter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from moderation.classifiers import languages
from moderation.classifiers.confusables import deconfuse


def words(*alternatives: str) -> re.Pattern:
    r"""Any one of `alternatives` (regular expressions) as a whole word or phrase: ``\b(?:a|b|...)\b``."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")

# --------------------------------------------------------------------------------------------------------------
# Normalisation

# Emoji that stand in for means or death ("🪢 tonight", "💊💊💊 then sleep"): read as the words they replace.
_EMOJI_WORDS = {"🪢": " rope ", "💊": " pills ", "🔫": " gun ", "🔪": " knife ", "🗡": " knife ", "⚰": " dead ",
                "🪦": " dead ", "☠": " dead ", "🌉": " bridge ", "🚆": " train ", "🚄": " train ", "🚇": " train ",
                "🩸": " blood "}
_EMOJI_RX = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))
_LAUGH = r"(?:lol|lmao|lmfao|haha\w*|hehe\w*|rofl|xd|😂|🤣|😭|💀|😅|🙃|😆)"
# "kys" in a caring sentence is "keep yourself safe", never "kill yourself".
_CARING = re.compile(r"\bsafe\b|\blove\b|\bhugs?\b|\btake care\b|\bhere for you\b|\bcheck in\b|\bproud\b|"
                     r"\bxx+\b|\bstay strong\b|\bgoodnight\b|\bgn\b|❤|💙|💜|💚|🫂|🤍|💛|🧡")
_QUOTES = {"'", '"', "\u2018", "\u2019", "\u201c", "\u201d", "`"}
# Words that say a quoted "kys" is being talked about, not said to anyone ("the filter blocks 'kys'").
_MENTION = re.compile(r"\b(?:word|filter\w*|block\w*|automod|bot|means?|meaning|stands? for|short for|spell\w*|"
                      r"acronym|abbreviation)\b")
_KYS = re.compile(r"\bk ?y ?s\b")


def _kys(text: str) -> str:
    """Each "kys" read in context: with caring words in its sentence or just after it (within 60 characters) it is
    "keep yourself safe", otherwise "kill yourself". A "kys" in quotation marks with a word that talks about it ("the
    bot blocks 'kys'", "'kys' means ...") is the word mentioned, not said to anyone: it is left as written."""
    def one(m: re.Match) -> str:
        start = max([text.rfind(c, 0, m.start()) for c in ".!?\n"] + [-1]) + 1
        if (m.start() > 0 and text[m.start() - 1] in _QUOTES and text[m.end(): m.end() + 1] in _QUOTES
                and _MENTION.search(text[max(start, m.start() - 80): m.end() + 80])):
            return m.group(0)
        window = text[max(start, m.start() - 60): m.end() + 60]
        for c in _CARING.finditer(window):
            if not re.search(r"\b(?:nobody|no one|never|not|noone)\b[^.!?]{0,12}$", window[: c.start()]):
                return "keep yourself safe"
        return "kill yourself"
    return _KYS.sub(one, text)

_SUBS = [
    (r"[\u2018\u2019\u201b\u2032`´]", "'"),
    (r"[\u201c\u201d\u201e\u2033«»]", '"'),
    (r"(\w)\1{2,}", r"\1\1"),  # sooooo -> soo
    (r"\bkms\b", "kill myself"),
    # Algospeak for suicide and self-harm.
    (r"\bun-?aliv(?:e|ed|ing)\b", lambda m: {"unalive": "kill", "unalived": "killed", "unaliving": "killing"}.get(
        m.group(0).replace("-", ""), "kill")),
    (r"\b(?:sewer ?slide|sui ?side|suicid3|s\*+icide|su\*+cide|self[- ]?deletion|self[- ]?delete)\b", "suicide"),
    (r"\b(?:commit|commiting|committing) (?:sewer ?slide|suicide|self[- ]?delet\w*)\b", "commit suicide"),
    (r"\bself[- ]?delet(?:e|ing) myself\b", "kill myself"),
    (r"\bctb\b", "kill myself"),
    # "catch the bus" is algospeak only with no destination, where the clause ends ("i'm ready to catch the bus.").
    (r"\b(want|going|ready|planning|plan|about|time) to catch the bus(?= *(?:$|[.!?,]| now| soon| tonight| finally))",
     r"\1 to kill myself"),
    (r"\b(?:the )?final exit\b", "suicide"),
    (r"\bgo (?:to )?sleep forever\b|\bsleep forever\b|\bpermanent(?:ly)? (?:sleep|nap)\b", "die"),
    (r"\b(?:sh|s/h)\b(?= (?:again|tonight|urges?|relapse|last night))", "self harm"),
    (r"\bkill (?:urself|ur self|yoself|yourslef|youself|yourself)\b", "kill yourself"),
    (r"\b(?:urself|ur self|yourslef|youself)\b", "yourself"),
    (r"\b(?:myslef|mysef|my self)\b", "myself"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\by'?all\b", "you all"),
    (r"\bi'?m\b", "i am"),
    (r"\bim\b", "i am"),
    (r"\bi'?ve\b", "i have"),
    (r"\bive\b", "i have"),
    (r"\bi'll\b", "i will"),
    (r"\bi'?d\b", "i would"),
    (r"\bgonna\b", "going to"),
    (r"\bgunna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bgotta\b", "got to"),
    (r"\btonite\b", "tonight"),
    (r"\b2nite\b|\b2night\b", "tonight"),
    (r"\btmrw?\b", "tomorrow"),
    (r"\b2moro\b", "tomorrow"),
    (r"\brn\b", "right now"),
    (r"\bwon'?t\b", "will not"),
    (r"\bcan'?t\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\b(do|does|did|is|are|was|were|have|has|would|should|could)n'?t\b", r"\1 not"),
    (r"\bit'?s\b", "it is"),
    (r"\bit'll\b", "it will"),
    (r"\b(she|he|they|you|we)'ll\b", r"\1 will"),
    (r"\bthat'?s\b", "that is"),
    (r"\byou'?re\b", "you are"),
    (r"\bevery ?1\b", "everyone"),
    (r"\bpls\b|\bplz\b", "please"),
    (r"\bcuz\b|\bcoz\b|\bbc\b", "because"),
    (r"\bbye+\b", "bye"),
    (r"\s+", " "),
]
_SUBS = [(re.compile(p), r) for p, r in _SUBS]


def normalise(text: str) -> str:
    text = text if isinstance(text, str) else str(text)
    # One screening reads the same text's normalised form several times (the rules, someone_else.py, the
    # sentences); a small cache of recent texts makes that one pass. Long texts are not kept.
    return _normalise_recent(text) if len(text) <= _NORMALISE_CACHE_CHARS else _normalise(text)


_NORMALISE_CACHE_CHARS = 4000


@lru_cache(maxsize=64)
def _normalise_recent(text: str) -> str:
    return _normalise(text)


def _normalise(text: str) -> str:
    text = deconfuse(text).lower()
    text = _EMOJI_RX.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    text = _kys(text)
    for pat, rep in _SUBS:
        text = pat.sub(rep, text)
    return text.strip()


_SPLIT = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:but|although|though|however)\s+|\s*[-–—]{1,2}\s+")


def clauses(norm: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(norm) if c and c.strip()]


# --------------------------------------------------------------------------------------------------------------
# Pattern vocabulary

SELF = r"(?:i|i am|i have|i had|i will|i would|me|my|myself)"
METHOD_NOUN = (r"(?:pills?|tablets?|meds|medication|paracetamol|tylenol|acetaminophen|ibuprofen|sleeping pills|"
               r"painkillers|overdose|rope|noose|belt|cord|blade|razor|knife|gun|pistol|rifle|bullets?|poison|bleach|"
               r"charcoal|helium)")
PLACE = r"(?:bridge|roof|rooftop|ledge|edge|cliffs?|tracks|train tracks|railway|platform|overpass|balcony|parking garage)"
TIME = (r"(?:tonight|tomorrow|this weekend|this evening|today|(?:at|after|before|by|around) (?:midnight|dark|dawn|"
        r"\d{1,2}(?::\d\d)? ?(?:am|pm)?|(?:\w+ )?o'?clock)|on (?:monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday|my birthday)|next week|when (?:they|everyone|he|she|my \w+) (?:leaves?|is asleep|"
        r"are asleep|goes? out)|in (?:an|one|two|a few) (?:hours?|minutes?))")
DIE_VERB = (r"(?:kill myself|end my life|end it all|end it|take my (?:own )?life|commit suicide|do it|jump|hang myself|"
            r"overdose|od|slit my wrists|cut my wrists|die|go through with it|end things|be gone|go)")


# Spanish, French, German and Portuguese forms of the intent, ideation and abuse signals below (lower case, accents
# dropped, as `normalise` leaves them). Written from the own training writers' posts in those languages; each is a
# common way of saying the thing, not one writer's sentence.
_WEEKDAY_INTL = (r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
                 r"dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|segunda|terca|quarta|quinta|"
                 r"sexta|sabado|domingo)")
_PILLS_INTL = (r"(?:pastillas|pastis|pildoras|cachets|medocs|medicaments|pilules|comprimes|tabletten|pillen|"
               r"schlaftabletten|comprimidos|remedios|pilulas)")
# Most of these only count where nothing follows them in the clause: "las pastillas están listas" is means ready,
# "sus pastillas están listas para recoger" is the pharmacy; "mañana es el día de mi examen" is not a date set.
_CLAUSE_END = r"(?= *(?:[.!…]|$))"
_NOT_FOR = r"(?! (?:para|de|del|do|da|dos|das|contra|pour|du|fur|von))"
MEANS_INTL = (
    rf"(?<!\bno )\b(?:ya )?tengo (?:la soga|las {_PILLS_INTL}|el veneno|la pistola|el arma){_NOT_FOR}{_CLAUSE_END}"
    rf"|\b(?:las |mis )?(?:{_PILLS_INTL}|la soga|la cuerda) (?:ya )?(?:estan|esta) (?:listas?|preparad[ao]s?|"
    rf"separad[ao]s?|contad[ao]s?){_CLAUSE_END}|\b(?:junte|guarde|conte) (?:las |mis |todas las )?{_PILLS_INTL}"
    rf"{_NOT_FOR}{_CLAUSE_END}"
    rf"|\bj'ai (?:(?:les |assez de |tous mes |toutes mes ){_PILLS_INTL}|la corde){_CLAUSE_END}"
    rf"|\b(?:les |mes )?(?:{_PILLS_INTL}|la corde) (?:sont|est) (?:prets?|pretes?|alignes|comptes|accrochee)"
    rf"{_CLAUSE_END}"
    rf"|\b(?:die |meine |alle )?{_PILLS_INTL} (?:liegen|sind|stehen) (?:schon |alle )?(?:bereit|parat|gezahlt|"
    rf"gesammelt){_CLAUSE_END}|\b(?:die |genug )?{_PILLS_INTL} hab(?:e)? ich{_CLAUSE_END}|\bich hab(?:e)? (?:genug |"
    rf"die |alle )?(?:{_PILLS_INTL}|ein seil|den strick) (?:gesammelt|zusammen|bereit){_CLAUSE_END}"
    rf"|\b(?:das seil|der strick) (?:hangt|ist bereit|liegt bereit){_CLAUSE_END}"
    rf"|\b(?:os |meus |as )?{_PILLS_INTL} (?:ja )?(?:estao|tao|ta|sao) (?:separad[oa]s|pront[oa]s|contad[oa]s)"
    rf"{_CLAUSE_END}|\bja (?:separei|juntei|contei) (?:os |meus |as |minhas )?{_PILLS_INTL}{_NOT_FOR}{_CLAUSE_END}"
    rf"|(?<!\bnao )\b(?:ja )?tenho (?:a corda|os {_PILLS_INTL}){_NOT_FOR}{_CLAUSE_END}"
)
TIMING_INTL = (
    rf"\b(?:manana|hoy|esta noche|el {_WEEKDAY_INTL}) (?:es el dia|lo hago|se acaba todo|termina todo){_CLAUSE_END}"
    rf"|\bya (?:tengo|elegi|escogi) (?:la fecha|el dia){_CLAUSE_END}|\bla fecha (?:ya )?esta (?:puesta|decidida)"
    rf"{_CLAUSE_END}"
    rf"|\b(?:demain|ce soir|cette nuit|{_WEEKDAY_INTL}) c'est le (?:jour|grand soir){_CLAUSE_END}"
    rf"|\bj'ai choisi (?:la date|le jour){_CLAUSE_END}"
    rf"|\bheute nacht ist es so weit\b|\b(?:heute?|morgen|{_WEEKDAY_INTL}) nacht mach(?:e)? ich schluss\b"
    rf"|\bmach(?:e)? ich (?:heute nacht |morgen )?schluss fur immer\b"
    rf"|\b(?:amanha|hoje|esta noite|hoje a noite) (?:e o dia|acaba tudo|eu acabo com tudo){_CLAUSE_END}"
    rf"|\bja escolhi (?:a data|o dia){_CLAUSE_END}"
)
GOODBYE_INTL = (
    r"\b(?:gracias|merci|danke|valeu|obrigad[oa]) (?:por|pour|fur) (?:todo|tout|alles|tudo)\b.{0,40}\b(?:adios|"
    r"adieu|lebt wohl|adeus|ihr wart meine)\b"
    r"|\badieu (?:tout le monde|a tous|la gang|les amis|mes amis)\b|\b(?:adios|adieu|adeus) para siempre\b"
    r"|\b(?:me despido|je vous dis adieu|ich verabschiede mich|me despeco) (?:de todos |de vous |von euch |de voces )?"
    r"(?:para siempre|pour toujours|fur immer|para sempre)\b|\besta es mi despedida\b|\bcuiden (?:a |de )?(?:mi|mis) "
    rf"(?:perro|gato|hijos|mama|mascotas){_CLAUSE_END}|\bprenez soin de (?:mon chat|mon chien|mes enfants|maman)"
    rf"{_CLAUSE_END}|\bpasst auf (?:meine katze|meinen hund|mama) auf{_CLAUSE_END}|\bcuidem d[oa] (?:meu|minha) "
    rf"(?:gato|cachorro|filh[oa]|mae){_CLAUSE_END}"
    r"|\b(?:carta|nota) de despedida\b|\blettre d'adieu\b|\babschiedsbrief\w*\b|\bbitte nicht (?:suchen|nach mir "
    r"suchen)\b|\bno me busquen\b|\bne me cherchez pas\b|\bnao me procurem\b"
)
POSSESSIONS_INTL = (
    rf"\b(?:ya )?regale (?:todas )?mis cosas\b|\bya regale (?:mi|mis) \w+(?: y (?:mi|mis) \w+)?{_CLAUSE_END}"
    rf"|\bya no (?:los|las|lo|la) voy a necesitar{_CLAUSE_END}|\bj'ai donne (?:toutes )?mes (?:affaires|choses)\b"
    r"|\bwer (?:mein|meine|meinen) \w+ (?:und (?:mein|meine|meinen) \w+ )?(?:kriegt|bekommt)\b.{0,30}\bwenn ich "
    r"(?:weg|tot|nicht mehr da) bin\b"
    r"|\bja (?:dei|doei) (?:todas )?(?:as )?minhas coisas\b"
)
# The author's own wish, not a shop closing or a stain going away ("el servicio va a dejar de existir").
IDEATION_INTL = (
    r"\bestaria mejor muert[oa]\b|\b(?:quiero|quisiera|me gustaria|ganas de|pienso en) dejar de existir\b"
    r"|\bdesvivir\w*\b|\bquiero desaparecer (?:de verdad|para siempre|ya)\b"
    rf"|\bno quiero (?:despertar|despertarme){_CLAUSE_END}"
    r"|\bje serais mieux mort\w*\b|\b(?:envie de|je veux|je voudrais|j'aimerais) (?:disparaitre pour de bon|arreter "
    rf"d'exister)\b|\b(?:envie de|je veux|je voudrais|j'aimerais) ne plus me reveiller{_CLAUSE_END}"
    r"|\bware (?:lieber|besser) tot\b|\b(?:will|mochte|wurde gern|einfach) (?:nicht mehr (?:aufwachen|existieren)|"
    r"fur immer (?:einschlafen|weg sein))\b|\bs-wort-gedanken\b"
    r"|\bestaria melhor mort[oa]\b|\bvirar estrelinha\b|\b(?:quero|queria|vontade de|penso em) (?:deixar de existir|"
    rf"sumir de vez)\b|\bnao quero (?:mais )?acordar(?: mais)?{_CLAUSE_END}"
)
# Unambiguous orders and threats only: "te voy a buscar al aeropuerto", "ich finde dich toll", "je suis crevé" are not.
ABUSE_INTL = (
    r"\bbring dich (?:doch |einfach |endlich |halt |mal |bitte )*um\b(?! (?:\d|halb|viertel))|\b(?:und|doch) stirb\b"
    r"|\bvete a matarte\b|\b(?:ojala|espero que) te (?:mates|suicides)\b|(?:^|, )(?:stirb|muerete)\b"
    r"|\bte voy a partir la cara\b|\bsi (?:lo|la|te) veo (?:lo|la|te) mato\b|\bje vais te defoncer\b"
)
# Contempt needs its contemptuous half: "people like you" only with "should not", "go back", "are the problem".
INSULT_INTL = (
    r"\b(?:nadie|naide) te (?:extranaria|echaria de menos|quiere aqui|soporta)\b|\bpersonne (?:ne )?(?:te "
    r"regretterait|veut (?:de toi|te voir))\b|\bpersonne ne t'aime\b(?! (?:plus|autant|comme))|\bniemand (?:wurde "
    r"dich vermissen|mag dich)\b(?! (?:mehr|so))|\bninguem (?:sentiria (?:sua|a tua) falta|te aguenta)\b"
    r"|\bninguem gosta de (?:voce|ti)\b(?! (?:mais|tanto|como))"
    r"|\btu familia (?:estaria|seria) (?:mejor|feliz|aliviada) sin ti\b|\bta famille serait (?:soulagee|mieux|plus "
    r"heureuse) sans toi\b|\bdeine (?:familie|eltern|mutter) (?:ware|waren) (?:bestimmt |sicher |echt )?"
    r"(?:erleichtert|froh|besser dran)\b.{0,30}\b(?:ohne dich|wenn du (?:weg|tot|nicht mehr da) (?:warst|bist|ware))"
    r"|\b(?:sua|tua) familia (?:estaria|seria|ficaria) (?:melhor|aliviada|feliz) sem (?:voce|ti)\b"
    r"|\b(?:las )?(?:personas|gente) como tu (?:no deberian?|no merecen?|sobran|son (?:el|la) (?:problema|razon))\b"
    r"|\bles gens comme (?:toi|vous) (?:ne devraient|devraient (?:rentrer|partir|se taire)|sont (?:le probleme|la "
    r"raison))\b|\bleute wie du (?:sollten (?:zuruck|verschwinden|nicht|die klappe)|gehoren nicht|sind (?:das "
    r"problem|schuld)|haben hier nichts)\b|\bgente como (?:voce|tu) (?:nao deveria|deveria (?:voltar|sumir)|e o "
    r"problema)\b"
    r"|\b(?:que se vuelvan|vuelvete|regresate|largate) a (?:su|tu) pais\b|\b(?:rentre|retourne|rentrez|retournez|"
    r"devraient rentrer) (?:dans (?:ton|leur|votre) pays|chez (?:eux|vous) au lieu)\b|\b(?:geh|geht|sollten) zuruck in "
    r"(?:dein|euer|ihr) land\b|\bvolta (?:pro|para o|pra) (?:seu|teu) pais\b"
    r"|\beres (?:la persona|el|la) mas (?:inutil|aburrid[oa]|patetic[oa]|fe[oa]|tont[oa])\b|\beres (?:muy |tan )?"
    r"(?:fea|feo)\b|\bme das asco\b|\btu fais pitie\b|\bt'es rien qu'une? (?:\w+ )?(?:inutile|nul\w*|merde|rate\w*|"
    r"loser|boulet|niais\w*|idiot\w*|con|conne|minable)\b|\bdu bist (?:so |echt )?(?:ein nichts|armselig|peinlich|"
    r"widerlich)\b|\b(?:die|der) langweiligste person\b|\b(?:voce e|vc e|tu es|tu e|es mesmo|es tao) (?:tao |mesmo |"
    r"muito )?(?:chat[oa]|inutil|ridicul[oa])\b|\b(?:gorda|gordo) nojent[oa]\b|(?:^|, )(?:seu|sua) lixo\b"
    r"|\b(?:hijueputa|oaschloch)\b"
)

@dataclass
class Rule:
    name: str
    pattern: re.Pattern
    reason: str  # may contain {m}: the matched text


def _r(name: str, pattern: str, reason: str) -> Rule:
    return Rule(name, re.compile(pattern), reason)


# Strong first-person signals of intent (plan, means, timing, goodbye, possessions, act in progress).
INTENT_RULES = [
    _r("intent_statement",
       rf"\bi (?:am going to|am about to|will|have decided to|decided to|plan to|am planning to|am gonna|want to|"
       rf"am ready to|am finally going to) (?:finally )?(?:kill myself|end my life|take my (?:own )?life|commit suicide|"
       rf"hang myself|overdose|slit my wrists)\b.*\b{TIME}"
       rf"|\bi (?:am going to|am about to|have decided to|decided to|am planning to|am ready to|am finally going to) "
       rf"(?:finally )?(?:kill myself|end my life|take my (?:own )?life|commit suicide|hang myself|overdose|"
       rf"slit my wrists|walk into the (?:sea|river|ocean|lake|traffic))\b"
       # "going to jump" is intent only where it is off somewhere, not into a pool or a car.
       rf"|\bi am (?:going to|about to|gonna|ready to) jump (?:off|from)\b"
       rf"|\b{PLACE}\b.{{0,60}}\bi am (?:going to|about to|gonna|ready to) jump\b(?! (?:in|into) the (?:pool|water|lake)\b)"
       rf"|\b(?:me voy a matar|voy a matarme|me voy a suicidar|je vais (?:me tuer|me suicider|en finir)|"
       rf"(?:bringe ich mich|ich bringe mich) um|ich werde mich umbringen|mi uccido stanotte)"
       # Spanish, French, German, Portuguese (accents are dropped before matching).
       rf"|\b(?:me voy a quitar la vida|voy a quitarme la vida|voy a suicidarme|(?:esta noche|manana|hoy) me mato|"
       rf"me mato (?:esta noche|hoy|manana)|(?:esta noche|manana|hoy) (?:lo hago|termino con todo))\b"
       rf"|\b(?:ce soir|demain|cette nuit),? (?:je me tue|j'en finis|je vais en finir|je me suicide)\b"
       rf"|\bich (?:nehme mir|werde mir) (?:heute |morgen |jetzt )?das leben\b|\bich mache (?:heute nacht |heute "
       rf"|morgen |jetzt )schluss\b|\bheute nacht bringe ich mich um\b"
       rf"|\b(?:vou|vou-me|eu vou) (?:me )?(?:matar|suicidar)\b|\bvou acabar com (?:tudo|a minha vida|minha vida)\b"
       rf"|\b(?:hoje|amanha|esta noite),? (?:eu )?(?:me mato|acabo com tudo|vou me matar)\b",
       "stated intent: '{m}'"),
    _r("timing",
       rf"\b(?:i am|i will|i am going to|going to|gonna) (?:going to )?(?:finally |actually |really |just )?"
       rf"(?:kill myself|end my life|end it|do it|jump|"
       rf"hang myself|overdose|end things|take them all|take them)\b.{{0,40}}\b{TIME}"
       rf"|\b{TIME},? (?:i am|i will|is when i) (?:going to )?(?:kill myself|end my life|end it|do it|jump|"
       rf"hang myself|overdose|end things)\b"
       rf"|\b(?:tonight|today|tomorrow) is the (?:night|day)\b(?!.*\b(?:party|concert|gig|game|show|celebrat|date|"
       rf"exam|interview|premiere|wedding)\w*)"
       rf"|\bit (?:all )?ends (?:tonight|today|tomorrow|now|here)\b|\bit will (?:all )?be over (?:by|before|soon|tonight)"
       rf"|\b(?:picked|chosen|chose|set|decided on) (?:the|a) (?:day|date|time|spot|place)\b"
       rf"|\b(?:going to|gonna) do it (?:when|after|before|at|once|while)\b|\bi am doing it (?:this|tonight|tomorrow|"
       rf"when|after|on)\b|\btaking (?:them|it|everything|all of (?:them|it))\b.{{0,30}}\b{TIME}"
       rf"|\bthe last (?:night|day|time) i (?:will|have to|ever)\b|\b(?:will not|never) change my mind\b"
       rf"|\b(?:everything|it all) is (?:set|ready|planned|arranged) for\b"
       rf"|(?:^|[,.!?] )(?:kill myself|end my life|end it all) (?:\w+ )?{TIME}"
       rf"|\b(?:the )?date is (?:set|picked|chosen)\b|\bit is (?:set|happening|planned) for (?:tonight|tomorrow|"
       rf"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \d+)"
       rf"|\b{TIME}[.,]? (?:that is|is) when\b(?! (?:the|my|our|we|they|you|he|she) )"
       rf"|\b(?:after|past) (?:tonight|today|tomorrow|this weekend|friday|saturday|sunday)\b.{{0,20}}\b(?:no more|"
       rf"it is over|i am done|i am gone|i will be gone|nobody will|no one will)\b|\bcounting down (?:the )?(?:hours|days|"
       rf"minutes) (?:until|till|til) i (?:can )?(?:finally )?(?:go|die|leave|end)|{TIMING_INTL}",
       "timing: '{m}'"),
    _r("plan",
       rf"\b(?:suicide|goodbye|final|last) (?:note|letter)s?\b|\b(?:wrote|written|writing|left|finished) (?:my|the) "
       rf"note\b|\bi have a plan\b|\bmade a plan to\b|\b(?:plan|date) (?:is set|and a date)\b|\bknow (?:exactly )?"
       rf"(?:where|how|when) i am going to do it\b|\bresearch(?:ed|ing) how (?:much|many)\b|"
       rf"\bhow (?:much|many) (?:pills|tablets) it would take\b",
       "explicit plan: '{m}'"),
    _r("means",
       rf"\b(?:i|i have|i am|just) (?:have |got |bought |ordered |collected |saved (?:up )?|been saving (?:up )?|"
       rf"stockpil\w+ |hoard\w* |counted (?:out )?|found |holding |loaded )(?:\w+ ){{0,3}}{METHOD_NOUN}\b"
       rf"|\b{METHOD_NOUN} (?:is|are) (?:ready|loaded|counted|in my hand|next to me|(?:on|in|beside|under) "
       rf"(?:the|my) (?:\w+ )?(?:table|desk|bed|drawer|pocket|bag|car|hand|lap))\b"
       rf"|\btied the (?:knot|noose)\b|\bthe (?:rope|noose) is (?:ready|up|hanging)\b|\bfinally have enough\b"
       rf"|\btied (?:the |a |my )?(?:rope|noose)\b|\b(?:rope|noose)(?: is| are)? (?:up|tied|ready|set)\b"
       rf"|\b{METHOD_NOUN} (?:are |is )?(?:lined up|laid out|counted out|all out|in front of me|ready)\b"
       rf"|\b(?:car|engine) (?:is )?running in the (?:closed )?garage\b|\bhose (?:is )?(?:taped|attached) to\b"
       rf"|\b(?:have|got) enough (?:pills|tablets|meds)\b|\b(?:got|have|brought) everything (?:ready|i need)\b"
       rf"|{MEANS_INTL}",
       "means at hand: '{m}'"),
    _r("act_in_progress",
       rf"\bi (?:just |already |have just |have already |have )?(?:took|taken|swallowed|downed|overdosed|od'?d)\b"
       rf"(?! my (?:meds|medication|pills) (?:on time|today|this morning|as prescribed))(?!.{{0,25}}\bvitamins)"
       rf".{{0,25}}\b(?:all|whole|bottle|load|lot|handful|bunch|everything|\d+|pills|tablets|meds|packet|box)"
       rf"|\bi (?:just |already )?(?:cut|slit|sliced) (?:my wrists?|deep|too deep|my arm open)\b"
       rf"|\b(?:it|the bleeding) (?:will not|can not|does not|is not going to) stop bleeding\b|\bwill not stop bleeding\b"
       rf"|\bi (?:have |just )?(?:taken|took|swallowed) something\b|\bi (?:just |have )?overdosed\b"
       rf"|\bengine running\b|\bi am (?:standing |sitting |up )?(?:on|at|in) (?:the |a |this |top of the )?(?:edge of the )?"
       rf"(?:[a-z]+ ){{0,2}}{PLACE}\b(?!.{{0,40}}\b(?:waiting for|with my|with friends|for (?:lunch|dinner|a walk|a hike|the view)|"
       rf"hike|walk|picnic|photo|view|sunset|pretty|beautiful|family))"
       rf"|\bmy legs over the (?:side|edge)\b|\blocked in the bathroom with\b|\bi am (?:heading|driving|going|walking) "
       rf"(?:to|into) the (?:river|sea|bridge|cliffs?|tracks|ocean|lake)\b(?!.{{0,30}}\b(?:for a|picnic|swim|walk|hike|"
       rf"with (?:my|friends|the)))|\bnext (?:train|one) (?:comes|is due)",
       "act in progress: '{m}'"),
    _r("goodbye",
       rf"\bthis is (?:my )?(?:last|final) (?:post|message|time (?:i|posting))\b(?!.{{0,30}}\b(?:before|until|till|"
       rf"for (?:a while|now|today|tonight|the week|a bit)|of the (?:day|year|week)))"
       rf"|\b(?:will be|this will be) my (?:last|final) (?:post|message)\b(?!.{{0,30}}\b(?:before|until|till|for))"
       rf"|\bgoodbye (?:everyone|all|world|guys|forever|friends)\b|\bthis is goodbye\b(?!.{{0,12}}\bto my (?:old|"
       rf"\w+ )?(?:car|flat|house|job|phone))|\bsaying (?:my )?goodbyes?\b(?!.{{0,20}}\bto (?:my )?(?:old|caffeine|"
       rf"sugar|\w+ (?:habit|job)))|\bsaid my goodbyes\b|\bby the time (?:you|anyone|someone|they) (?:read|find|see)s?"
       rf"\b|\bbefore i go\b|\bi have to go now\b.{{0,20}}\bforever\b|\bnot (?:going to|gonna) (?:be around|wake up|"
       rf"be here)\b(?!.{{0,25}}\b(?:much this|for (?:a|the) (?:few|week|while|bit)|this week|because of|exams?))"
       rf"|\b(?:will not|would not) be (?:a (?:problem|burden)|around|here) (?:for (?:anyone|you|anybody) )?"
       rf"(?:much longer|for much longer|anymore|after (?:tonight|today|this))\b"
       rf"|\b(?:you|none of you|nobody|no one) (?:will not|will never) have to (?:worry|deal|put up) (?:about|with) me\b"
       rf"|\bthank(?:s| you) (?:all |everyone |you all )?(?:for (?:everything|trying)).{{0,40}}\b(?:this is it|"
       rf"goodbye|before i go|last)\b|\bthis is it for me\b|\bi will be gone\b"
       rf"|\b(?:last|final) (?:message|post|words) from me\b|\bend of the (?:road|line) for me\b|\bwill not be "
       rf"coming back\b(?!.{{0,20}}\b(?:to (?:work|this|the)|until|till))|\bnone of you will have to\b"
       rf"|\bi have to go now\b.{{0,10}}\b(?:forever|for good|goodbye|bye)\b|\bi am sorry for everything\b"
       rf"|\bit was (?:nice|good|lovely) knowing (?:you|everyone|all of you)\b|\bsee you (?:all )?on the other side\b"
       rf"|\b(?:this is )?the last (?:you|anyone) will (?:ever )?hear from me\b|\byou will not hear from me again\b"
       rf"|\btake care of (?:my (?:cat|dog|kids?|mum|mom|family|pets?)|them|her|him) for me\b"
       rf"|\blove (?:you|u) all\b.{{0,20}}\b(?:sorry|goodbye|bye forever|forever|for the last time|forgive me)\b"
       rf"|\bsigning off (?:for good|forever|for the last time)\b|\bplease (?:forgive|remember) me\b.{{0,30}}"
       rf"\b(?:goodbye|bye|gone|sorry|last)\b|\b(?:adios a todos|adieu a tous|adeus a todos|lebt (?:alle )?wohl)\b"
       rf"|\b(?:esta es mi ultima|c'est mon dernier|das ist meine letzte|esta e a minha ultima|essa e a minha ultima) "
       rf"(?:mensaje|message|nachricht|mensagem)\b"
       rf"|\bdo not (?:try to )?(?:find|save|look for) me\b|\bdo not blame yourselves\b|\btell my (?:mum|mom|dad|"
       rf"family|sister|brother|kids|wife|husband|partner) i (?:love|loved)\b"
       # A last goodbye to someone who does not know it ("told her i love her for the last time").
       rf"|\b(?:told|telling|said|saying|called|texted) (?:\w+ ){{0,4}}i love (?:him|her|them|you) "
       rf"(?:for the last time|one last time)\b"
       # Being no one's burden after a stated time ("won't be anyone's problem after this weekend").
       rf"|\b(?:will not|would not|am not going to) be (?:anyone's|anybody's|your|their|a) (?:problem|burden)\b"
       rf".{{0,20}}\b(?:after|by|past|from) (?:tonight|today|tomorrow|this|next|the weekend|friday|saturday|sunday|"
       rf"monday)|{GOODBYE_INTL}",
       "goodbye / final message: '{m}'"),
    _r("possessions",
       rf"\bwho (?:gets|will get|should get|should have|can have) my (?:things|stuff|belongings|cat|dog|car|"
       rf"books|room)\b|\b(?:given|gave|giving) (?:away )?(?:most of |all (?:of )?)?my (?:stuff|things|belongings|"
       rf"possessions)\b|\bmy (?:affairs|things|stuff) (?:are|is) (?:in order|sorted)\b|\b(?:rehomed|found a "
       rf"(?:new )?home for) my (?:cat|dog|pets?)\b|\b(?:will not|do not) (?:be )?need(?:ing)? (?:it|them|my \w+) "
       rf"(?:anymore|where i am going|any more)\b|\bnothing left to sort\b|\btying up loose ends\b|\bleft instructions\b"
       rf"|\bso nobody has to clean up\b|\bmy will is (?:written|done)\b.{{0,60}}\b(?:ready|nothing left|rehomed)"
       # Final preparations framed around the author's own death.
       rf"|\bfor (?:when|after) i am (?:dead|gone for good|gone forever|not here anymore)\b|{POSSESSIONS_INTL}",
       "giving away possessions / putting affairs in order: '{m}'"),
]

# Ideation signals (not intent): used as a safety net when the head is unsure.
IDEATION_RULES = [
    _r("ideation",
       rf"\b(?:i|i really|i just|i kinda|i honestly|i seriously) (?:want|wish|need|would like|am going) to (?:die|be "
       rf"dead|kill myself|end my life|end it all|not exist|stop existing|disappear forever)\b"
       rf"|\b(?:thinking|thought|thoughts) (?:about|of) (?:killing myself|suicide|ending (?:it|my life|things)|dying|"
       rf"jumping|overdosing)\b|\bsuicidal (?:thoughts|again|feelings)\b|\bi am (?:feeling )?suicidal\b"
       rf"|\b(?:better off|happier|easier) (?:without me|if i (?:was|were) (?:dead|gone))\b"
       rf"|\b(?:do not|no longer) want to (?:be alive|live|be here|exist|wake up)\b|\bnot wake up\b"
       rf"|\bwish i (?:was|were) dead\b|\bwish i (?:had )?never (?:been born|existed)\b|\btired of (?:being alive|living|"
       rf"existing)\b|\b(?:urge|urges|want|wanting) to (?:cut|burn|hurt) (?:myself|again)\b|\brather be dead\b"
       # Self-harm urges in any word order ("the urge to self harm came back", "sh urges are loud today").
       rf"|\b(?:urge|urges|urging|itch|craving|cravings) (?:to |for )?(?:self[- ]?harm|sh|cut|relapse)\b"
       rf"|\b(?:self[- ]?harm|sh|cutting) (?:urge|urges|cravings?)\b"
       rf"|\bwant to cut\b|\b(?:cut|cutting|burned|burning|hurt|hurting|hit|hitting) myself (?:again|last night|today)\b"
       rf"|\b(?:life|living) (?:is not|is no longer) worth\b|\bno reason to (?:live|keep living|stay)\b"
       rf"|\b(?:brain|head|mind|voice|voices|thoughts)\b.{{0,25}}\b(?:tell|tells|telling|say|says|saying|whisper\w*)"
       rf"\b.{{0,25}}\b(?:die|end (?:it|things|my life)|kill myself|(?:hurt|cut|harm|punish) myself|"
       rf"better off (?:dead|gone|without me)|not be here)\b"
       rf"|\bquiero morir|\bje veux mourir|\bich will (?:nicht mehr leben|sterben)|\bme quiero matar|\bvoglio morire"
       rf"|\b(?:quiero matarme|no quiero (?:vivir|seguir viviendo|existir|estar aqui)|ganas de (?:morir|matarme|"
       rf"desaparecer para siempre|no existir)|pienso en (?:suicidarme|matarme|el suicidio|quitarme la vida)|"
       rf"estarian mejor sin mi|ojala estuviera muert[oa]|quisiera morir(?:me)?)\b"
       rf"|\b(?:j'ai envie de mourir|envie de (?:mourir|me tuer|en finir)|je (?:ne )?veux plus vivre|je n'ai plus "
       rf"envie de vivre|je pense (?:au suicide|a me tuer|a en finir)|je voudrais (?:mourir|etre mort\w*)|pensees "
       rf"suicidaires|je veux en finir)\b"
       rf"|\b(?:ich will (?:tot sein|mich umbringen|nicht mehr da sein)|ich mochte sterben|ich mochte nicht mehr leben|"
       rf"suizidgedanken|selbstmordgedanken|ich denke (?:an|daran) (?:selbstmord|suizid|mich umzubringen)|"
       rf"ware lieber tot|ich bin lebensmude)\b"
       rf"|\b(?:quero morrer|quero me matar|nao quero mais viver|nao quero (?:viver|existir|estar aqui)|vontade de "
       rf"(?:morrer|me matar|sumir para sempre)|penso em (?:me matar|suicidio|morrer)|pensamentos suicidas|"
       rf"queria estar mort[oa]|estariam melhor sem mim)\b"
       # Algospeak already rewritten, and hedged wishes without "i" ("honestly want to die lol").
       rf"|(?:^|[,.!?] )(?:honestly |really |just |kinda |lowkey |literally |so |ngl |tbh )*(?:want|wanna|wish) to "
       rf"(?:die|be dead|kill myself|not exist|stop existing|not be here)\b"
       rf"|(?:^|[,.!?] )(?:going to |about to |ready to |gonna )?(?:kill myself|end my life|end it all)\b"
       rf"|\b(?:want|wanna|going|ready|need) to (?:commit )?suicide\b"
       rf"|\bnot (?:want|wanting) to be here (?:anymore|any more)\b|\b(?:wish|want) (?:i could|to) (?:just )?"
       rf"(?:not be here|disappear) (?:anymore|any more|forever|for good)\b|\bthinking (?:about|of) suicide\b"
       rf"|\bsuicide is the (?:only|best) (?:way|option|answer)\b|{IDEATION_INTL}",
       "suicidal ideation: '{m}'"),
]

# Abuse aimed at someone else ("kill yourself"): toxicity (threat) up, author's self-harm down.
SECOND_PERSON_ABUSE = _r(
    "second_person_abuse",
    r"\b(?:go |just |please |pls |should |could |can |why (?:do not|not) you |do us a favou?r and |"
    r"do the world a favou?r and )?(?:kill|hang|shoot|stab|off|drown|end) yourself\b"
    r"|(?<!to )(?<!i )(?<!i will )\bgo (?:and )?(?:die|jump|hang|drink bleach|kill|rot|choke|drown)\b(?! in a bath)"
    # (a clause opening "die" and a word with a German ending is German's article: "die tabletten sind bereit")
    r"|\bdrink bleach\b|^die\b(?! (?!then\b|when\b|even\b)\w+(?:en|ung|heit|keit|chen|lich|schaft)\b)"
    r"(?! \w+ (?:ist|sind|liegen|liegt|hat|haben|war|waren|wird|werden|kann|muss|steht|stehen)\b)"
    r"|\band die\b(?! of| from| in my)|\bbeat the \w+ out of you\b"
    r"|\byou (?:should|need to|ought to|could) (?:just )?(?:die|end it|kill|jump|hang|do it|stop (?:existing|breathing)|"
    r"finish the job|do us|do everyone)\b|\b(?:i )?(?:hope|wish) (?:you |your (?:\w+ ){1,2})(?:die|dies|get|gets|rot|burn|choke|suffer)\b"
    r"|\byou (?:should |could |need to |can )?(?:just |please )?stop existing\b|\bfinish(?:ed)? the job\b|\b(?:do|does) the world a favou?r\b|\bput you out of your misery\b"
    r"|\bnobody would miss you\b|\bslit your wrists\b|\bdo it already\b|\b(?:kill|killed) yourself\b"
    r"|\bi (?:will|am going to|am gonna) (?:kill|hurt|find|beat|stab|shoot|break) (?:you|your)\b"
    r"|\bi know where you live\b|\bwatch your back\b|\bhope we never meet\b|\byou (?:deserve|earned) (?:to die|it)\b"
    # Spanish, French, German, Portuguese (accents dropped before matching).
    r"|\b(?:matate|suicidate|muerete|ahorcate|vete a morir|ojala (?:te mueras|te murieras|mueras)|te voy a matar)\b"
    r"|\btirate (?:de|por|a) (?:un|el) (?:puente|tren)\b"
    r"|\b(?:tue[- ]toi|suicide[- ]toi|pends[- ]toi|va (?:te tuer|te pendre|crever|mourir)|j'espere que tu (?:meurs|vas "
    r"crever|crevé|creves)|je vais te tuer)\b|^creve\b"
    r"|\b(?:bring dich um|tote dich|hang dich auf|geh sterben|ich (?:bring|bringe) dich um|ich hoffe du stirbst|"
    r"verreck doch)\b|^(?:stirb|verreck)\b"
    r"|\b(?:vai se matar|se mata (?:logo|de uma vez|agora)|mata-te|se enforca|(?:tomara|espero) que (?:voce|tu) morra|"
    r"vou te matar|vai morrer)\b|^(?:se mata|morre)\b|" + ABUSE_INTL,
    "aimed at someone else: '{m}'",
)
# Abuse in polite words or in another language (no "kill yourself", no profanity the model knows).
TARGETED_INSULT = re.compile(
    r"\b(?:eres|sos) (?:un |una |muy |tan )?(?:idiota|estupid[oa]|imbecil|pendej[oa]|gilipollas|puta|basura|inutil|"
    r"asqueros[oa]|retrasad[oa]|una mierda|perdedor[a]?|patetic[oa])\b|\b(?:hij[oa] de puta|vete a la mierda|"
    r"callate (?:la boca|idiota|ya)|cabron|maricon|zorra)\b"
    r"|\b(?:t'es|tu es|t es|espece d[e']) ?(?:qu'une? |un |une |vraiment |trop )?(?:connard|connasse|salope|pute|abruti\w*|debile|"
    r"idiot\w*|imbecile|merde|nul|nulle|ordure|con|conne|cretin\w*|pathetique|minable)\b|\b(?:ta gueule|ferme ta "
    r"gueule|va te faire foutre|fils de pute|encule|sale (?:pute|con|conne|arabe|noir|juif|pd))\b"
    r"|\bdu bist (?:so |ein |eine |echt |total |einfach |nur )*(?:dumm\w*|hasslich\w*|nichts wert|wertlos|idiot|"
    r"arschloch|versager|missgeburt|abschaum|hurensohn|fotze|schlampe|wichser|behindert|ein opfer|dreck|erbarmlich)\b"
    r"|\b(?:halt die fresse|halts maul|fick dich|hurensohn|arschloch|wichser|missgeburt|verpiss dich)\b"
    r"|\b(?:voce e|vc e|tu es|tu e) (?:um |uma |muito |tao )?(?:idiota|burr[oa]|otari[oa]|vagabund[oa]|vadia|puta|"
    r"lixo|inutil|nojent[oa]|imbecil|retardad[oa]|fracassad[oa]|patetic[oa])\b|\b(?:filho da puta|vai se foder|vai "
    r"tomar no cu|cala a boca|arrombad[oa]|desgracad[oa])\b"
    # English abuse with no swear word: contempt for the person, or for a group.
    r"|\byou are (?:such |truly |really |honestly |just |an? )*(?:a |an )?(?:waste of (?:space|air|oxygen|skin)|"
    r"(?:pathetic|worthless|disgusting|useless|subhuman|vile|repulsive|embarrassing) (?:excuse|person|human|creature|"
    r"man|woman|loser|failure)|embarrassment to|disgrace to|mistake|nobody|nothing|joke)\b"
    r"|\b(?:nobody|no one) (?:here )?(?:likes|wants|loves|cares about|would miss|will ever love) you\b"
    r"|\beveryone (?:hates|laughs at|is laughing at) you\b|\b(?:the world|everyone|we) would be better off without you\b"
    r"|\byour (?:parents|mum|mom|mother|family) must (?:be ashamed|hate you|regret)\b|\bno wonder (?:nobody|no one|"
    r"everyone)\b.{0,20}\byou\b|\bpeople like you (?:should|do not deserve|are the reason|are a)\b"
    r"|\b(?:women|immigrants|muslims|jews|gays|trans people|black people|foreigners|refugees) (?:are|should be) "
    r"(?:animals|vermin|parasites|subhuman|inferior|a disease|filth|not (?:people|human))\b"
    r"|\bgo back to (?:your|where you came from|your own) (?:country|kind)?\b|" + INSULT_INTL
)
# Friendly banter: swearing among friends, aimed at no one's harm ("you absolute legend", "love you, you idiot lol").
BANTER = re.compile(
    r"\b(?:legend|king|queen|goat|genius|madman|madlad|icon|champ|hero|bestie)\b|\blove (?:you|ya|u)\b|\bmiss (?:you|ya)\b"
    r"|\bproud of (?:you|ya)\b|\b(?:congrats|congratulations|well done|happy birthday|good luck)\b"
    # tone tags: light-hearted, joking, positive, not mad, genuine
    r"|(?:^|\s)/(?:lh|j|jk|hj|pos|nm|gen|nbh|t)\b"
    # kindness that names a hurt to deny it ("you're not a disappointment"), in the supported languages
    r"|\byou are (?:not|never) (?:a |an )?(?:burden|disappointment|failure|mistake|too much|broken|weak|alone)\b"
    r"|\bno eres (?:una? )?(?:carga|molestia|fracaso|decepcion)\b|\btu n'es pas (?:un |une )?(?:fardeau|poids|"
    r"echec|deception|seule?)\b|\bdu bist (?:keine last|kein versager|keine enttauschung|nicht allein)\b|\b(?:voce|tu) "
    r"nao (?:e|es) (?:um |uma )?(?:peso|fardo|fracasso|decepcao)\b")
_NEGATED_OR_ASKED = re.compile(
    r"(?:\b(?:do not|never|not|please do not|please never|no need to|why would you|would you ever|are you (?:going|"
    r"planning|thinking|trying|about)(?: to| of| about)?|do you (?:want|feel like|think about|plan)(?: to)?|have you "
    r"(?:thought|been thinking|tried)(?: about| of| to)?|thinking (?:about|of)|(?:the )?urge to|stop you from|keep you "
    r"from|help you not|talk you out of|before you|if you (?:want|feel like|are going|ever feel like) to|asking "
    r"(?:someone|them|him|her|if)(?: \w+){0,4}|want you to|not let you|wanting to|want to)\s+(?:\w+\s+){0,2})$")
THREAT_WORDS = words("kill", "hurt", "find", "beat", "stab", "shoot", "break", "die", "dies", "hang", "rot", "burn",
                     "drown", "live", "back", "meet", "misery", "bleach", "jump", "job", "existing")

# Context that means crisis words are not the author's present crisis.
_SPEECH = (r"(?:told|tells|telling|called|calls|calling|said|says|saying|replied|replies|wrote|writes|typed|texted|"
           r"messaged|dm'?d|commented|yelled|shouted|asked|asks|joked|jokes|screamed|posted|sent)")
REPORTED = re.compile(
    rf"\b(?:he|she|they|someone|somebody|people|a guy|a girl|this guy|this girl|some \w+|a user|users?|my \w+|"
    rf"(?:a|the|this) (?:guy|girl|man|woman|kid|user|troll|person|teacher|boss|character)|everyone|nobody|no one)"
    rf"(?: \w+)? {_SPEECH}\b|\b(?:told|tell|telling|called|calling) me\b|\bgot told\b|\"[^\"]{{3,}}\"|"
    rf"\bthe (?:word|phrase)\b|\bin the (?:movie|film|book|song|show|poem|game|lyrics?|news)\b"
    rf"|\b(?:is|means) (?:french|spanish|german|portuguese|italian|slang|code|short) for\b|\bstands for\b"
    rf"|\bthe (?:character|song|lyrics?|poem|news|story)\b|\b(?:reporting|report|reported) (?:a |this |that )?"
    rf"(?:user|someone|post|him|her|them)\b"
)
SUPPORTIVE = re.compile(
    r"\bif (?:you|anyone|someone)(?: are| is|'re)? (?:ever )?(?:feel|feeling|thinking|having|struggling|in crisis|"
    r"need|want|reading)\b|\b(?:call|text|ring|phone|contact|reach out to|talk to) (?:the |a )?(?:988|911|999|112|"
    r"116 ?123|741741|samaritans|lifeline|crisis (?:line|text line|team)|hotline|helpline|someone|your (?:gp|doctor|"
    r"therapist))\b|\bare you safe\b|\bstay with us\b|\bplease stay\b|\byou (?:are not|aren't) (?:a burden|alone)\b"
    r"|\bi am (?:here|the mod)\b|\bproud of you\b|\byou matter\b|\bhow (?:do i|can i|to) (?:help|support)\b"
    r"|\bsigns of suicide\b|\bsuicide prevention\b"
    r"|\bkeep yourself safe\b|\bstay safe\b|\bhere for you\b|\byou are (?:loved|wanted|needed|important)\b"
    r"|\breach out\b|\b(?:the )?(?:thoughts|feelings|urges?|waves?) (?:do )?pass\b|\bit (?:does )?passes?\b"
    r"|\b(?:does not|do not|will not|never) (?:plant|put|give) (?:the|an|that) idea\b|\bsafety plan\b"
    r"|\byou deserve (?:help|support|to (?:be here|live|be safe|feel better))\b|\bwe want you (?:here|around|to stay)\b"
    r"|\bplease (?:do not|never) (?:hurt|kill|harm|end)\b|\bhold on\b|\bwould you like to talk\b|\bi am listening\b"
    r"|\b(?:asking|ask) (?:someone|them|him|her|people|directly|about suicide)\b|\bcrisis (?:line|team|text|number)\b"
    # warning signs listed as safety talk ("warning signs: giving things away, saying goodbye")
    r"|\b(?:warning|early) signs?\b(?= *(?:include|are|like|such as|to (?:watch|look|know)|worth|:))"
    r"|\bsigns (?:to|worth) (?:watch|look|know)\w*\b"
    r"|\b(?:bringt|bringen) (?:niemanden|keinen|niemand) auf die idee\b|\bno (?:le )?(?:da|mete|pone) la idea\b"
    r"|\bne (?:donne|met) pas l'idee\b|\bnao (?:da|coloca|poe) a ideia\b|\b(?:llama|llamen|appelle|appelez|ruf|"
    r"ruft|liga|ligue) (?:al|le|die|a|o|para o) (?:024|3114|112|911|988|188|cvv|telefonseelsorge)\b"
)
RECOVERY = re.compile(
    r"\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many) (?:years?|months?|weeks?|days?) "
    r"(?:ago|since|clean|free|sober|without)\b|\bused to\b|\bback (?:in|when|then)\b|\bi remember when\b"
    r"|\bin (?:19|20)\d\d\b|\bsurvived\b|\bsurvivor\b|\brecovery\b|\brecovered\b|\bi am (?:doing )?(?:ok|okay|"
    r"better|good|fine|safe) now\b|\bclean for\b|\bnever (?:used|went through)\b"
    r"|\bglad i (?:did not|never|am still|stayed)\b|\bit gets better\b|\bwhen i was (?:younger|a teen|\d+|in)\b"
    r"|\blast (?:year|spring|summer|autumn|winter)\b|\bafter my attempt\b|\bi am ok now\b|\bi got through\b"
)
# Everyday posts the heads mistake for help-seeking in a crisis: questions about using the site ("how do I change
# my handle?") and coping techniques shared ("box breathing helps me: in for 4..."). A whole-post damp, never
# applied when a crisis rule fires or the post states distress now.
EVERYDAY = re.compile(
    r"\b(?:change|changing|reset|resetting|update|delete|edit|rename) (?:my|the|your|a) (?:handle|username|user name|"
    r"password|email|e-mail|avatar|profile|display name|account|settings|notifications?|signature|bio)\b"
    r"|\bhow (?:do|can|would|should) (?:i|we|you) (?:change|reset|update|edit|delete|turn off|mute|block|report|"
    r"upload|tag|quote|bookmark|follow)\b"
    r"|\b(?:box|square|deep|belly|4-7-8) breathing\b|\bbreathing (?:exercises?|techniques?)\b"
    r"|\bgrounding (?:exercises?|techniques?)\b|\bin for (?:4|four), hold\b"
    # trying something new that is plainly not a means ("just tried a new ramen place"): the heads learned "tried" from
    # attempt reports
    r"|\btried (?:a|the|out|some|this|that|our|my)? ?(?:new |local |nearby )?(?:ramen|restaurant|place|cafe|café|"
    r"recipe|dish|food|game|show|series|app|class|gym|bar|pub|shop|coffee|tea|podcast|book|film|movie|song|album|"
    r"hike|trail|workout|yoga|meditation|technique|exercise|bakery|pizza|sushi|curry|burger|bike|route)s?\b"
    # everyday sign-offs that say the author will be back ("good night all", "see you tomorrow")
    r"|^(?:good ?night|night|nighty night|morning|good morning),? (?:all|everyone|everybody|folks|guys|friends|"
    r"peeps|lovelies)\W*$|\bsee (?:you|ya|u) (?:all )?(?:tomorrow|tmrw|later|in the morning|next week|on (?:monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday))\b|\b(?:logging off|off to bed|heading to bed) (?:now|for "
    r"the night)\b"
)
# A post that is nothing but a greeting or a sign-off ("good night all", "morning everyone ☀️", "night all, see you
# tomorrow"): no words of risk at all, so the heads' reading of it (they learned terse goodbyes such as "bye everyone,
# thank you for everything" as intent) is capped below every hold. "goodbye" is not here: a bare goodbye stays the
# heads' and the goodbye rule's to judge. Chosen on the training writers' files (their bare sign-offs are all `none`).
# What may follow a greeting for it still to be nothing but one: punctuation, spaces on one line, and a few everyday
# emoji (any other symbol, a trailing "...", a second line or a word leaves the post to the heads: "night all 🕊️",
# "goodnight everyone...", "hi all\n\n🔚").
_GREETING_TAIL = r"(?:[ \t.,!?~*-]|:-?[)D]|\ufe0f|[☀🌞🌙🌛🌜💤😴🛌⭐🌟✨😊🙂😀😃😄👍🤗☕❤🧡💛💚💙💜🤍])*"
GREETING_ONLY = re.compile(
    r"^(?!.*\.\.)(?:(?:good ?night|night night|nighty night|night|nite|gn|good ?morning|morning|good evening|"
    r"evening|hi|hello|hey|hiya)"
    r"(?:,? (?:all|everyone|everybody|folks|guys|friends|peeps|lovelies|fam|you all|all of you))?"
    + _GREETING_TAIL + r")"
    r"(?:(?:see (?:you|ya|u) (?:all )?(?:tomorrow|tmrw|later|in the morning|soon)|sleep well|sweet dreams)"
    + _GREETING_TAIL + r")?$"
)
GREETING_CAP = 0.3
THIRD_PERSON = re.compile(
    r"\b(?:my|our|a|his|her) (?:best )?(?:friend|sister|brother|daughter|son|mum|mom|dad|father|mother|partner|wife|"
    r"husband|girlfriend|boyfriend|cousin|student|classmate|colleague|flatmate|roommate|kid|child|ex)\b(?:'s)?"
    r" (?:\w+ )?(?:wants?|said|says|tried|attempted|is suicidal|self harms|has been (?:self|cutting|suicidal)|keeps "
    r"(?:saying|talking|cutting)|threaten\w*|told me (?:she|he|they))"
    r"|\b(?:she|he|they) (?:wants? to (?:die|kill)|tried to|attempted|is suicidal|self harms?|said (?:she|he|they) "
    r"wants?)"
)
_CLOSE = (r"(?:best )?(?:friend|mate|sister|brother|daughter|son|mum|mom|dad|father|mother|partner|wife|husband|"
          r"girlfriend|boyfriend|gf|bf|cousin|student|classmate|colleague|coworker|flatmate|roommate|kid|child|ex|"
          r"niece|nephew|aunt|uncle|grandma|grandad|grandpa|neighbou?r|bestie|teammate)")
_OTHER_PERSON = (rf"(?:\b(?:my|our|a|his|her|their) (?:\w+ ){{0,2}}{_CLOSE}\b(?:'s)?|\b(?:someone|somebody|a (?:guy|girl|kid|"
                 rf"person|member|user|lad|woman|man)|this (?:guy|girl|person|kid)) (?:in|on|from|at) (?:my|our|the|this) "
                 rf"\w+|\b(?:someone|somebody) i (?:know|love|care about)\b|\b{_CLOSE}'s\b)")
_OTHER_RISK_WORDS = (r"(?:suicid\w*|kill (?:her|him|them)sel\w*|end (?:it|her life|his life|their life|things)|cutting|"
                     r"self harm\w*|an attempt|tried to (?:kill|end|hurt)|better off dead|(?:does not|do not|did not) see "
                     r"the point|wants? to (?:die|disappear|not wake up)|wanna (?:die|ctb|kill myself)|kill myself|"
                     r"(?:a |her |his )?goodbye|giving away|gave away|took something|took (?:pills|a lot|an overdose)|"
                     r"overdos\w*|(?:is|was|am) done|a plan|hurt (?:her|him|them)sel\w*|not (?:safe|okay|ok) right now|"
                     r"threaten\w* to)")
SOMEONE_ELSE = re.compile(
    rf"{_OTHER_PERSON}.{{0,80}}?\b{_OTHER_RISK_WORDS}"
    rf"|\b(?:she|he|they) (?:says?|said|keeps saying|told me) (?:she|he|they) (?:wants? to (?:die|end it)|is going to "
    rf"(?:kill|end|do it)|will (?:kill|end)|does not want to (?:live|be here)|thinks? about suicide)"
    rf"|\b(?:worried|scared|terrified|afraid) (?:about|for|that) (?:my|our) {_CLOSE}\b.{{0,60}}\b(?:die|suicid\w*|"
    rf"kill|end (?:it|her|his|their)|hurt (?:her|him|them)sel\w*|not (?:safe|okay|ok))"
    rf"|\bhow (?:do i|can i|to|should i) (?:help|support|talk to) (?:my|a|someone|somebody) (?:\w+ )?"
    rf"(?:{_CLOSE}\b)?.{{0,40}}\b(?:suicid\w*|self harm\w*|wants? to die|cutting|kill)"
    # A reply to a member in crisis: the author is worried about the person they are answering.
    rf"|\b(?:please (?:stay|do not (?:do this|go|do it))|can you (?:call|text|tell me where)|are you safe|where are you "
    rf"right now|you (?:are not|aren't) a burden|is there anyone who can (?:come|be) with you|(?:call|text) (?:or text )?"
    rf"(?:988|999|911|112|116 ?123|samaritans|a crisis line)|go to (?:a&e|the er|a hospital)|if you (?:feel you )?can not "
    rf"keep (?:yourself )?safe)\b"
    rf"|\b(?:mi|mon|ma|mein|meine|meu|minha) (?:\w+ )?(?:amig[oa]s?|ami|amie|freund\w*|herman[oa]|frere|soeur|bruder|"
    rf"schwester|irma|irmao|hij[oa]|filh[oa]|madre|mere|mutter|mae|padre|pere|vater|pai)\b.{{0,60}}\b(?:quiere (?:morir|"
    rf"matarse|suicidarse|desaparecer)|veut (?:mourir|se suicider|se tuer|en finir)|will (?:sterben|sich umbringen|nicht "
    rf"mehr leben)|quer (?:morrer|se matar|sumir)|verabschiedet|sumir|suicid\w*|umbringen|se matar|matarse|se tuer|"
    rf"no contesta|ne repond plus|geht nicht mehr ans handy|nao atende)"
)
SOMEONE_ELSE_DANGER = re.compile(
    r"\b(?:right now|tonight|just (?:texted|sent|messaged|called|posted)|not (?:answering|picking up|replying|"
    r"responding)|will not (?:answer|pick up|reply|talk|tell me where)|(?:is|was) on (?:the|a) (?:bridge|roof|ledge|"
    r"tracks)|has (?:pills|a gun|a rope|a knife|a blade)|(?:took|taken|swallowed) (?:something|pills|an overdose|a "
    r"bunch|a lot|everything|all)|overdosed|said goodbye|saying goodbye|(?:sent|texted|posted) (?:me )?(?:a )?goodbye|"
    r"goodbye (?:text|message|note)|suicide note|is going to do it|(?:she|he|they) (?:is|are) cutting|what do i do|"
    r"call(?:ed|ing)? (?:911|999|112|the police|an ambulance|for help)|police are|ambulance is|can not reach "
    r"(?:her|him|them)|(?:has|have) a plan|a plan and a date|(?:is|are) planning|where (?:are you|she is|he is|they are)|"
    r"get someone there|do not go|answer them|verabschiedet|ans handy|was genommen|no contesta|ne repond plus|nao "
    r"atende|(?:she|he|they) (?:said|says) (?:she|he|they) (?:is|are|was|were) done)\b"
)

NEGATION = re.compile(
    r"\b(?:i am|i am really|i am honestly) not (?:suicidal|going to (?:hurt|kill) myself|in (?:any )?danger|going "
    r"anywhere|thinking of (?:ending|killing))\b(?! but)|\bnot in danger\b|\b(?:i|i really) do not (?:want to die|have (?:any )?"
    r"(?:thoughts|plans?) (?:of|to|about))\b|\bno thoughts of\b|\bno (?:i )?do not want to die\b"
    r"|\bnot going to (?:hurt|kill) myself\b|\bnot suicidal\b"
)
IDIOM = re.compile(
    r"\b(?:is|are|was|were|it is|that is|you are|they are) (?:absolutely |literally |actually |honestly )?killing me\b"
    r"|\b(?:murder|kill|die) for an? \w+|\bcould (?:murder|kill) (?:a|an|for|some)\b|\b(?:dying|died|dead) "
    r"(?:of|from|with) (?:laughter|laughing|embarrassment|boredom|cringe)\b|\bdying to (?:see|know|try|meet|go|hear|"
    r"watch|get)\b|\bi would (?:kill|die) for\b|\bto die for\b|\bkill me now\b.{0,20}\b(?:lol|jk|joking|haha)|"
    r"\bi am dead\b.{0,6}(?:lol|lmao|😂|🤣|haha)|\b(?:im|i am) dead 😂|\bkilled it\b|\bkill (?:it|this|the)\b"
    r"|\b(?:phone|battery|laptop|wifi|car|plants?|character)\b.{0,12}\b(?:died|dead|dying)\b|\bdeath of me\b"
    r"|\b(?:kill myself|die|kms)\b if (?:i|my|this|the|he|she|they|we|you|it)\b.{0,40}\b(?:exam|test|class|"
    r"game|lose|lost|fail|miss|match|team|meeting|boss|work|song|episode|season|traffic|wifi|queue|bus|train|sees?|"
    r"finds? out|have to|another|one more)\w*"
    r"|\b(?:bringt|bringst) mich (?:noch )?um\b|\b(?:me mata|me matas|me esta matando)\b|\b(?:ca|cela|tu|il|elle) me "
    r"tue\b|\b(?:isso|voce|tu) (?:me mata|esta me matando)\b"
    r"|\bme (?:muero|mori) de (?:risa|verguenza|hambre|ganas)|\bje meurs de (?:rire|faim|honte|envie)|\bmorro de "
    r"(?:rir|vergonha|fome|saudade)|\bich sterbe vor (?:lachen|hunger|scham)|\btotlachen\b"
)
FIRST_PERSON_DISTRESS = re.compile(
    r"\b(?:i|i am|i feel|i have|myself|my life)\b.{0,30}\b(?:die|dead|suicid\w*|kill myself|end (?:it|my life)|"
    r"hate myself|want out|can not (?:do|go on|take)|give up|worthless|hopeless|tired of)\b"
)

PRESENT_DISTRESS = re.compile(
    r"\b(?:i|i still|i really|i just) (?:want|wish|need) to (?:die|cut|hurt|disappear|end|not be|be dead|stop)\b"
    r"|\b(?:again|tonight|right now|these days|lately|anymore|any more)\b.{0,40}\b(?:die|dying|dead|cut|hurt "
    r"myself|end it|kill myself|not be here|give up)\b|\b(?:die|dying|dead|cut|kill myself|end it)\b.{0,30}\b(?:again|"
    r"tonight|right now|anymore)\b|\bbut (?:i|the thoughts|it)\b.{0,40}\b(?:die|dying|want|back|again)\b"
)

INNER_VOICE = re.compile(r"\b(?:brain|head|mind|voice|voices|thoughts|depression|illness|inner critic)\b.{0,25}"
                         r"\b(?:tell|tells|telling|told|say|says|saying|said|whisper\w*|scream\w*)\b")

_SELF_WISH = re.compile(r"\bi (?:really |just |kinda |honestly )?(?:want|wish|would like|need|am going|would rather|"
                        r"feel like i should|should|could) to\b|\bi (?:should|could|might|might as well)\b|\bme\b")

INTENT_FLOOR = 0.85  # P(intent) when a strong intent rule fires in a clean first-person clause


@dataclass
class RuleResult:
    """What the rules layer thinks of one text. Logit deltas are added to the heads' logits."""

    intent_rules: list[str] = field(default_factory=list)
    ideation_rule: bool = False
    second_person_abuse: bool = False
    threat: bool = False
    suppressors: list[str] = field(default_factory=list)  # reported / supportive / recovery / third_person / ...
    reasons: list[str] = field(default_factory=list)
    # adjustments
    intent_floor: float = 0.0
    weak_intent: bool = False  # floor intent only if the heads already read the post as ideation or above
    ideation_floor: float = 0.0
    sh_delta: float = 0.0  # added to concern/ideation/intent logits
    intent_delta: float = 0.0
    tox_floor: float = 0.0
    tox_delta: float = 0.0
    tox_cap: float = 1.0
    sh_cap: float = 1.0  # no self-harm label above this (a bare greeting or sign-off)
    insult: bool = False  # polite or non-English abuse aimed at someone
    banter: bool = False
    someone_else: bool = False  # the author is worried about another person's safety
    someone_else_danger: bool = False  # ... who is in danger now


def _snip(m: re.Match, limit: int = 60) -> str:
    s = m.group(0).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def analyse(text: str) -> RuleResult:
    norm = normalise(text)
    res = RuleResult()
    parts = clauses(norm) or [norm]
    found: dict = {}

    def search(rx: re.Pattern, s: str):
        """rx.search(s), once per (pattern, string): a one-clause post's clause is the whole post, and the
        second-person pattern is read for every clause in three places."""
        key = (id(rx), s)  # a Pattern's own hash reads its whole compiled code every time
        if key not in found:
            found[key] = rx.search(s)
        return found[key]

    inner = bool(search(INNER_VOICE, norm))  # "my brain keeps telling me ..." is the author's own thought
    whole_context = {
        "reported": bool(search(REPORTED, norm)) and not inner,
        "supportive": bool(search(SUPPORTIVE, norm)),
        "recovery": bool(search(RECOVERY, norm)),
        "third_person": bool(search(THIRD_PERSON, norm)),
        "negation": bool(search(NEGATION, norm)),
        "idiom": bool(search(IDIOM, norm)),
        "everyday": bool(search(EVERYDAY, norm)),
    }

    # 1) Second-person abuse (not the author's crisis).
    abuse_clean = False
    german = None
    for c in parts:
        m = search(SECOND_PERSON_ABUSE.pattern, c)
        if not m:
            continue
        if m.group(0) == "die":
            if german is None:
                german = languages.detect(text) == "de" or bool(re.search("[äöüßÄÖÜ]", text))
            if german:
                continue  # German's article ("die hitze bringt mich um"), not "die!" aimed at someone
        if _SELF_WISH.search(c[: m.start()]) and "you" not in m.group(0):
            continue  # "i want to just go die somewhere": the author's own wish, not an order to someone
        before = c[: m.start()]
        if _NEGATED_OR_ASKED.search(before) and not re.search(
                r"\byou (?:should|need to|ought to|could)\b|\bwhy (?:do not|not|would not|will not) you\b", before[-40:]):
            res.suppressors.append("supportive")
            res.reasons.append(f"crisis words negated or asked about with care, not aimed at anyone: '{_snip(m)}'")
            continue
        if search(REPORTED, c) or search(SUPPORTIVE, c) or re.search(r"\b(?:do not|never|should not|stop) (?:say|tell|type)", c):
            res.suppressors.append("reported")
            res.reasons.append(f"crisis words quoted or reported, not aimed at anyone: '{_snip(m)}'")
            continue
        abuse_clean = True
        res.second_person_abuse = True
        res.threat = res.threat or bool(THREAT_WORDS.search(m.group(0)))
        res.reasons.append(SECOND_PERSON_ABUSE.reason.format(m=_snip(m)))
    if abuse_clean:
        res.tox_floor = max(res.tox_floor, 0.90)
        # The author's own crisis language elsewhere in the post (e.g. "you all say kys, fine, i want to die") keeps
        # the self-harm heads in charge; otherwise push self-harm well down.
        own = [c for c in parts if not search(SECOND_PERSON_ABUSE.pattern, c) and search(FIRST_PERSON_DISTRESS, c)]
        if not own:
            res.sh_delta -= 6.0

    # 1b) Abuse without the words the models lean on: polite contempt, identity attacks, other languages.
    m = search(TARGETED_INSULT, norm)
    if m and not abuse_clean and not search(REPORTED, norm):
        res.insult = True
        res.tox_floor = max(res.tox_floor, 0.85)
        res.reasons.append(f"aimed at someone else (insult): '{_snip(m)}'")
    if search(BANTER, norm) and not abuse_clean and not res.insult:
        res.banter = True
        res.tox_delta -= 2.0

    # 1c) Someone else at risk: the author is worried about another person (not the author's own crisis).
    m = search(SOMEONE_ELSE, norm)
    if m:
        res.someone_else = True
        res.someone_else_danger = bool(search(SOMEONE_ELSE_DANGER, norm))
        res.reasons.append(f"someone else at risk{' now' if res.someone_else_danger else ''}: '{_snip(m)}'")

    # 2) Intent and ideation, clause by clause, ignoring clauses with a neutralising context.
    for c in parts:
        if search(SECOND_PERSON_ABUSE.pattern, c):
            continue
        ctx = [name for name, rx in (("reported", REPORTED), ("supportive", SUPPORTIVE), ("recovery", RECOVERY),
                                     ("third_person", THIRD_PERSON), ("negation", NEGATION), ("idiom", IDIOM),
                                     ("someone_else", SOMEONE_ELSE))
               if search(rx, c) and not (name == "reported" and search(INNER_VOICE, c))]
        if "recovery" in ctx and search(PRESENT_DISTRESS, c):
            ctx.remove("recovery")
        for rule in INTENT_RULES:
            m = rule.pattern.search(c)
            if not m:
                continue
            if ctx:
                res.reasons.append(f"{rule.name} words in a {'/'.join(ctx)} context, not counted: '{_snip(m)}'")
                continue
            res.intent_rules.append(rule.name)
            res.reasons.append(rule.reason.format(m=_snip(m)))
        m = IDEATION_RULES[0].pattern.search(c)
        if m and not ctx:
            res.ideation_rule = True
            res.reasons.append(IDEATION_RULES[0].reason.format(m=_snip(m)))

    if res.intent_rules:
        strong = {"intent_statement", "timing", "plan", "act_in_progress", "goodbye", "possessions"}
        if len(set(res.intent_rules)) >= 2 or (set(res.intent_rules) & strong):
            res.intent_floor = INTENT_FLOOR
        else:  # means alone ("bought rope") is only intent when the post is already suicidal by the heads' reading
            res.weak_intent = True
        res.intent_delta += 2.0
        res.ideation_floor = max(res.ideation_floor, 0.9)
    elif res.ideation_rule:
        res.ideation_floor = max(res.ideation_floor, 0.75)

    # 3) Whole-post neutralisers when nothing clean fired: damp the heads a little (they also learned these).
    if not res.intent_rules and not res.ideation_rule:
        damp = 0.0
        present = bool(search(PRESENT_DISTRESS, norm))
        for name in ("supportive", "recovery", "negation", "idiom", "reported", "third_person", "everyday"):
            if whole_context[name] or (name == "third_person" and res.someone_else):
                res.suppressors.append(name)
                if present and name in ("recovery", "reported", "negation", "everyday"):
                    continue  # "8 months clean but i want to cut again" is the author's crisis now
                damp += {"supportive": 1.0, "recovery": 1.0, "negation": 1.5, "idiom": 1.0, "reported": 0.5,
                         "third_person": 1.0, "everyday": 1.5}[name]
        if damp:
            res.sh_delta -= min(damp, 2.0)
            res.intent_delta -= 1.0
            res.reasons.append("context: " + "/".join(res.suppressors) + " (not the author's present crisis)")

    if not res.intent_rules and not res.ideation_rule and search(GREETING_ONLY, norm.strip()):
        res.sh_cap = GREETING_CAP
        res.reasons.append("a greeting or sign-off on its own: no words of risk")

    # 4) Self-directed distress without any abuse at others is never "toxic": cap below the hold threshold.
    if not res.second_person_abuse and (res.intent_rules or res.ideation_rule or search(FIRST_PERSON_DISTRESS, norm)):
        if not re.search(r"\byou\b|\byour\b|\bpeople like\b", norm):
            res.tox_cap = 0.5
    return res
