"""Feature extraction shared by training and scoring (so the two can never drift apart).

* `embed`: the MiniLM sentence embedding of `clean_text(text)` (see encoder.py).
* `ngrams`: hashed word 1-2-grams and character 2-5-grams (what sklearn's HashingVectorizer computes, here with the
  `mmh3` MurmurHash3: stateless, so only the linear weights need shipping). These carry the lexical cues (slurs, "@USER" insults, spelling of
  abuse) that a frozen sentence embedding blurs; they lift OLID from ~0.78 to >0.85 ROC-AUC.
"""
from __future__ import annotations

import re

import mmh3
import numpy as np

N_WORD = 2 ** 17
N_CHAR = 2 ** 18
N_EXTRA = 14
HASH_CONFIG = {"word": {"ngram_range": [1, 2], "n_features": N_WORD},
               "char_wb": {"ngram_range": [2, 5], "n_features": N_CHAR},
               "extra": {"n_features": N_EXTRA, "what": "profanity/insult/second-person/@USER/hashtag/emoji/caps counts"}}


_WORD_TOKEN = re.compile(r"(?u)\b\w+\b|[!?]+")
_WHITE_SPACES = re.compile(r"\s\s+")
_INT_MIN = -2147483648


def _word_ngrams(text: str) -> list[str]:
    """Lower-cased word 1- and 2-grams, as sklearn's analyzer="word", ngram_range=(1, 2) with our token_pattern."""
    tokens = _WORD_TOKEN.findall(text.lower())
    return tokens + [" ".join(tokens[i:i + 2]) for i in range(len(tokens) - 1)]


def _char_wb_ngrams(text: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with a space: sklearn's analyzer="char_wb"."""
    out = []
    for w in _WHITE_SPACES.sub(" ", text.lower()).split():
        w = " " + w + " "
        for n in range(min_n, max_n + 1):
            out.extend(w[i:i + n] for i in range(max(1, len(w) - n + 1)))
            if len(w) <= n:  # a short word counts once
                break
    return out


class NgramRows:
    """Sparse rows of n-gram features without scipy (a server does not install it): per row the sorted column
    indices and float32 values. `rows @ w` is the dense (n,) product (what the toxicity head needs); `tocsr()`
    gives the scipy matrix training stacks with the embeddings."""

    def __init__(self, indices: list[np.ndarray], values: list[np.ndarray], n_features: int):
        self.indices, self.values, self.shape = indices, values, (len(indices), n_features)

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        """(n,) for a weight vector, (n, k) for a (n_features, k) weight matrix."""
        w = np.asarray(w)
        if w.ndim == 2:
            return np.array([v @ w[i] for i, v in zip(self.indices, self.values)], dtype=np.float32).reshape(
                len(self.indices), w.shape[1])
        w = w.ravel()
        return np.array([np.dot(v, w[i]) for i, v in zip(self.indices, self.values)], dtype=np.float32)

    def tocsr(self):
        import scipy.sparse as sp  # training only (requirements-train.txt)

        indptr = np.concatenate([[0], np.cumsum([len(i) for i in self.indices])]).astype(np.int64)
        cat = (np.concatenate(self.indices) if self.indices else np.zeros(0, np.int64)).astype(np.int32)
        data = np.concatenate(self.values) if self.values else np.zeros(0, np.float32)
        return sp.csr_matrix((data, cat, indptr), shape=self.shape)


def _hashed(texts: list[str], analyzer, n_features: int, offset: int = 0) -> tuple[list, list]:
    """Per text: (column indices + offset, float64 values) of l2-normalised term counts hashed with signed
    MurmurHash3 (seed 0) to abs(h) % n_features: exactly sklearn's HashingVectorizer(alternate_sign=False,
    norm="l2") (tests/moderation/classifiers/test_features_hashing.py compares them), without scikit-learn (~110 MB, ~2.5 s
    of imports in every server process)."""
    features, lengths = [], []
    for text in texts:
        grams = analyzer(text)
        features.extend(grams)
        lengths.append(len(grams))
    hashes = np.fromiter(map(mmh3.hash, features), dtype=np.int64, count=len(features))  # seed 0, signed
    idx = np.where(hashes == _INT_MIN, (2147483647 - (n_features - 1)) % n_features, np.abs(hashes) % n_features)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keys, counts = np.unique(rows * n_features + idx, return_counts=True)  # sorted by row, then column
    key_rows = keys // n_features
    v = counts.astype(np.float64)
    norms = np.sqrt(np.bincount(key_rows, weights=v * v, minlength=len(texts)))
    norms[norms == 0] = 1.0
    v /= norms[key_rows]
    cuts = np.searchsorted(key_rows, np.arange(1, len(texts)))
    return np.split(keys % n_features + offset, cuts), np.split(v, cuts)


def ngram_rows(cleaned_texts: list[str]) -> NgramRows:
    """Lexical features of already-cleaned texts: hashed word and char n-grams (each block L2-normalised) followed by
    the N_EXTRA dense lexicon cues of `extra_features`; shape (n, N_WORD + N_CHAR + N_EXTRA), float32."""
    wi, wv = _hashed(cleaned_texts, _word_ngrams, N_WORD)
    ci, cv = _hashed(cleaned_texts, _char_wb_ngrams, N_CHAR, offset=N_WORD)
    extra = extra_features(cleaned_texts)
    extra_cols = np.arange(N_EXTRA) + N_WORD + N_CHAR
    indices, values = [], []
    for j in range(len(cleaned_texts)):
        keep = extra[j] != 0
        indices.append(np.concatenate([wi[j], ci[j], extra_cols[keep]]))
        values.append(np.concatenate([wv[j], cv[j], extra[j][keep]]).astype(np.float32))
    return NgramRows(indices, values, N_WORD + N_CHAR + N_EXTRA)


def ngrams(cleaned_texts: list[str]):
    """ngram_rows as a scipy CSR matrix (training: stacked with the embeddings for the linear head)."""
    return ngram_rows(cleaned_texts).tocsr()


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


def embed_posts(encoder, tower, cleaned_posts: list[str], sentence_texts: list[str]):
    """(E, E_s, T) for the embedded engine: the posts' embeddings, their sentences' embeddings and the toxicity
    tower's logits for the posts (None without a tower).

    The sentence rows only feed the self-harm heads, so they go through the trunk alone, in their own call: the tower
    never runs on them, and they are padded to the longest sentence, not to the longest post beside them. Each row
    is masked on its own either way, so a text's scores do not depend on this grouping (to float rounding)."""
    if tower is not None:
        E, T = embed_texts(lambda parts: encoder.encode_with_tower(parts, tower), cleaned_posts)
        plain = lambda parts: encoder.encode(parts, use_cache=False)  # noqa: E731 (the engine caches whole results)
    else:
        E, T = embed_texts(encoder.encode, cleaned_posts), None
        plain = encoder.encode
    E_s = embed_texts(plain, sentence_texts) if sentence_texts else np.zeros((0, E.shape[1]), np.float32)
    return E, E_s, T


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
