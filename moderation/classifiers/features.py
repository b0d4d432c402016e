"""Feature extraction shared by training and scoring (so the two can never drift apart).

* `embed`: the MiniLM sentence embedding of `clean_text(text)` (see encoder.py).
* `ngrams`: hashed word 1-2-grams and character 2-5-grams (sklearn's HashingVectorizer: murmurhash3, stateless,
  so only the linear weights need shipping). These carry the lexical cues (slurs, "@USER" insults, spelling of
  abuse) that a frozen sentence embedding blurs; they lift OLID from ~0.78 to >0.85 ROC-AUC.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

N_WORD = 2 ** 17
N_CHAR = 2 ** 18
N_EXTRA = 14
HASH_CONFIG = {"word": {"ngram_range": [1, 2], "n_features": N_WORD},
               "char_wb": {"ngram_range": [2, 5], "n_features": N_CHAR},
               "extra": {"n_features": N_EXTRA, "what": "profanity/insult/second-person/@USER/hashtag/emoji/caps counts"}}


@lru_cache(maxsize=1)
def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer

    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=N_WORD, alternate_sign=False,
                             norm="l2", lowercase=True, token_pattern=r"(?u)\b\w+\b|[!?]+")
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=N_CHAR, alternate_sign=False,
                             norm="l2", lowercase=True)
    return word, char


def ngrams(cleaned_texts: list[str]) -> sp.csr_matrix:
    """Lexical features of already-cleaned texts: hashed word and char n-grams (each block L2-normalised) followed by
    the N_EXTRA dense lexicon cues of `extra_features`; shape (n, N_WORD + N_CHAR + N_EXTRA)."""
    word, char = _vectorizers()
    return sp.hstack([word.transform(cleaned_texts), char.transform(cleaned_texts),
                      sp.csr_matrix(extra_features(cleaned_texts))], format="csr", dtype=np.float32)


_PROF = re.compile(
    r"\b(?:fuck\w*|f\*+k\w*|shit\w*|bitch\w*|cunt\w*|dick\w*|cock\w*|pussy|asshole\w*|arsehole\w*|ass|arse|bastard\w*|"
    r"whore\w*|slut\w*|wank\w*|twat\w*|piss\w*|damn\w*|motherf\w*|stfu|wtf|hoe|hoes|prick\w*|bollocks|crap\w*|"
    r"dumbass\w*|jackass\w*|bullshit\w*|goddamn\w*|hell)\b", re.I)
_INSULT = re.compile(
    r"\b(?:idiot\w*|stupid\w*|moron\w*|dumb\w*|loser\w*|liar\w*|lying|pathetic|disgusting|disgrace\w*|scum\w*|trash|garbage|"
    r"racist\w*|fascist\w*|nazi\w*|hypocrit\w*|clown\w*|fool\w*|coward\w*|traitor\w*|evil|sick|crazy|insane|ugly|"
    r"fat|retard\w*|nut\w*|creep\w*|pig\w*|shut up|ignorant|incompetent|corrupt|worthless|useless|hate\w*|"
    r"kill\w*|die|dead|jail|treason\w*|bigot\w*|sexist\w*|snowflake\w*|commie\w*|libtard\w*|trump\w*tard\w*|"
    r"pedo\w*|rapist\w*|thug\w*|terrorist\w*|criminal\w*|hag|witch|freak\w*|psycho\w*|whiny|lunatic\w*)\b", re.I)
_YOU = re.compile(r"\b(?:you|your|u|ur|you're|youre|yourself|ya|y'all)\b", re.I)
_YOU_ARE = re.compile(r"\b(?:you(?:'re| are| r)|ur|youre|u r)\s+(?:\w+\s+){0,3}?", re.I)
_THIRD = re.compile(r"\b(?:he|she|they|him|her|them|his|their)\b", re.I)
_USER = re.compile(r"@USER")
_HASH = re.compile(r"#(\w+)")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

def segment_hashtags(text: str) -> str:
    """CamelCase hashtags split into lower-case words ('#LiberalsAreIdiots' -> 'liberals are idiots')."""
    tags = _HASH.findall(text)
    words = []
    for t in tags:
        parts = _CAMEL.findall(t)
        if len(parts) > 1:
            words += parts
    return " ".join(w.lower() for w in words)

def extra_features(cleaned_texts: list[str]) -> np.ndarray:
    """A few dense cues OLID's offensive class leans on (profanity / insult-word counts, second person, @USER,
    hashtags incl. their segmented words, emoji, shouting, '!', length): (n, N_EXTRA) float32."""
    texts = cleaned_texts
    out = np.zeros((len(texts), N_EXTRA), np.float32)
    for i, t in enumerate(texts):
        prof = len(_PROF.findall(t)); ins = len(_INSULT.findall(t)); you = len(_YOU.findall(t))
        users = len(_USER.findall(t)); tags = len(_HASH.findall(t)); emo = len(_EMOJI.findall(t))
        letters = [c for c in t if c.isalpha()]
        caps = sum(c.isupper() for c in letters) / max(1, len(letters))
        seg = segment_hashtags(t)
        out[i] = [np.log1p(prof), prof > 0, np.log1p(ins), ins > 0, np.log1p(you),
                  (you > 0 or users > 0) and (prof + ins) > 0, you > 0 and ins > 0,
                  np.log1p(users), np.log1p(tags), np.log1p(emo), caps,
                  np.log1p(t.count("!")), len(_PROF.findall(seg)) + len(_INSULT.findall(seg)) > 0,
                  np.log1p(len(t)) / 5.0]
    return out


LONG_CHARS = 1200  # texts longer than this are embedded as the mean of ~CHUNK_CHARS chunks (MiniLM reads 256 tokens)
CHUNK_CHARS = 900
MAX_CHUNKS = 24
_SENT_END = __import__("re").compile(r"(?<=[.!?\n])\s+")


def chunks(cleaned: str) -> list[str]:
    """Split a long text into sentence-aligned chunks of about CHUNK_CHARS (at most MAX_CHUNKS, evenly sampled)."""
    if len(cleaned) <= LONG_CHARS:
        return [cleaned]
    out, cur = [], ""
    for sent in _SENT_END.split(cleaned):
        while len(sent) > CHUNK_CHARS:  # a run-on "sentence"
            head, sent = sent[:CHUNK_CHARS], sent[CHUNK_CHARS:]
            if cur:
                out.append(cur)
                cur = ""
            out.append(head)
        if cur and len(cur) + len(sent) + 1 > CHUNK_CHARS:
            out.append(cur)
            cur = sent
        else:
            cur = f"{cur} {sent}".strip()
    if cur:
        out.append(cur)
    if len(out) > MAX_CHUNKS:
        step = len(out) / MAX_CHUNKS
        out = [out[int(i * step)] for i in range(MAX_CHUNKS)]
    return out


def embed_texts(get, cleaned_texts: list[str]):
    """Embed cleaned texts with `get(list[str]) -> (n, 384) array`; long texts become their chunks' mean.

    If `get` returns `(vectors, logits)` (the encoder with the toxicity tower), returns `(embeddings, logits)`
    where a long text's logit is its *highest* chunk's: abuse in one paragraph of a long post is still abuse."""
    parts, owner = [], []
    for i, t in enumerate(cleaned_texts):
        for c in chunks(t):
            parts.append(c)
            owner.append(i)
    got = get(parts) if parts else np.zeros((0, 384), np.float32)
    V, L = got if isinstance(got, tuple) else (got, None)
    V = np.asarray(V, dtype=np.float32)
    owner = np.asarray(owner, dtype=int)
    if len(parts) == len(cleaned_texts):
        return V if L is None else (V, np.asarray(L, np.float64))
    out = np.zeros((len(cleaned_texts), V.shape[1]), np.float32)
    np.add.at(out, owner, V)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    E = out / np.maximum(norms, 1e-8)
    if L is None:
        return E
    best = np.full(len(cleaned_texts), -np.inf)
    np.maximum.at(best, owner, np.asarray(L, np.float64))
    return E, best


MAX_SENTENCES = 8  # sentences scored on their own per post (evenly sampled beyond that)
SENTENCE_MIN_CHARS = 160  # shorter posts are read whole: one embedding does not average much away in 160 characters
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+|\s*\n+\s*")


def sentences(cleaned: str) -> list[str]:
    """The sentences of a post worth scoring on their own: [] for a one-sentence or short post. Fragments of fewer than four
    words join the next sentence ("ok. so. i have decided." is one unit); at most MAX_SENTENCES, evenly sampled."""
    if len(cleaned) < SENTENCE_MIN_CHARS:
        return []
    parts = [p.strip() for p in _SENTENCE.split(cleaned) if p and p.strip()]
    out: list[str] = []
    carry = ""
    for p in parts:
        cur = f"{carry} {p}".strip()
        if len(cur.split()) < 4:
            carry = cur
            continue
        out.append(cur)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    if len(out) < 2:
        return []
    if len(out) > MAX_SENTENCES:
        step = len(out) / MAX_SENTENCES
        out = [out[int(i * step)] for i in range(MAX_SENTENCES)]
    return [t[:CHUNK_CHARS] for t in out]
