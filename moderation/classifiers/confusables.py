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
  more joined by single spaces ("k i l l"), become one word. Two spaces or more still separate words.
"""
from __future__ import annotations

import json
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


def _foreign(word: str) -> bool:
    """A word with a letter that has no Latin twin: genuine text in another script."""
    table = _table()
    return any(c.isalpha() and not c.isascii() and c not in table for c in word)


def _latinise_word(m: re.Match, mixed_only: bool = False) -> str:
    word = m.group(0)
    if word.isascii() or (mixed_only and not any(c.isascii() and c.isalpha() for c in word)):
        return word
    table = _table()
    out = []
    for c in word:
        if c.isascii() or not c.isalpha():
            out.append(c)
        elif c in table:
            out.append(table[c])
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


def _join(m: re.Match) -> str:
    return re.sub(r"[ .\-_*]", "", m.group(0))


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
        mixed_only = any(_foreign(w) for w in _WORD.findall(text))
        text = _WORD.sub(lambda m: _latinise_word(m, mixed_only), text)
    for pattern, letters in _SYMBOL_LETTERS:
        text = pattern.sub(lambda m: letters[m.group(0)], text)
    text = _BANG_WORD.sub(lambda m: "i" + m.group(1), text)
    text = _TOKEN.sub(_unleet, text)
    text = _DOTTED.sub(_join, text)
    text = _SPACED.sub(_join, text)
    return text
