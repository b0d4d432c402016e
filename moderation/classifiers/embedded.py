"""Haven's embedded screening classifiers: one MiniLM sentence encoder, small linear heads, a rules layer.

    toxicity, self_harm = load_embedded()          # loads the encoder once, offline
    toxicity.score(["..."]) -> [Scores]            # abuse aimed at others
    self_harm.score(["..."]) -> [Scores]           # the author's own risk

Both classifiers share one `_Engine`: the first call for a text runs the encoder once and computes *both* sets of
scores, which are kept in a small thread-safe LRU keyed by the exact text, so when `screen()` asks toxicity then
self-harm about the same post the transformer runs once.

What the numbers are (honestly):

* Toxicity `score`: P(abuse aimed at others) from the average of two logits: heads on the frozen sentence
  embedding (a logistic regression over the embedding and hashed word/char n-grams, plus an embedding MLP) and the
  toxicity tower (tower.py: the encoder's top two layers fine-tuned on toxicity, run on the same forward pass),
  trained on Davidson (hate/offensive), OLID (OFF) and Haven's own short posts; then rules:
  second-person "kill yourself"/"go die"/threats floor it at 0.90 (held), first-person distress with no one
  addressed caps it at 0.50 (a person in crisis who swears is not abusive).
* `identity_attack`: a Davidson "hate" vs rest head (hate speech about a group; mostly slur-driven) times the
  toxicity score.
* `insult`: an OLID targeted-offence (OFF+TIN) + own abusive posts head, times the toxicity score.
* `threat`: from the rules layer only (0.95 when a threat / "kill yourself" pattern aimed at someone fires, else
  a small fraction of the score); no public set here labels threats.
* `obscene`: a profanity word list (0.9 if present and the post is toxic-ish), not a learned model.

* Self-harm `labels`: ordinal heads P(>=concern), P(>=ideation), P(>=intent) over the embedding (Suicide_Detection,
  dreaddit, C-SSRS posts, own short posts), adjusted by `rules.analyse` (intent floors for plan/means/timing/goodbye/
  possessions/act-in-progress; damping for supportive, recovery, negated, idiomatic, reported or second-person
  text). `score` = P(>=ideation). `reasons` = the rules that fired.
"""
from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from moderation.classifiers.base import SELF_HARM, TOXICITY, Scores
from moderation.classifiers import languages as _languages
from moderation.classifiers import safe_messaging_head
from moderation.classifiers import rules as _rules
from moderation.classifiers.heads import other_logits, sh_logits, tox_logits
from moderation.classifiers.memo import TextMemo
from moderation.classifiers import someone_else as _someone_else

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

_PROFANITY = re.compile(
    r"\b(?:fuck\w*|f\*+k\w*|shit\w*|bitch\w*|cunt\w*|dick\w*|cock\w*|pussy|asshole\w*|arsehole\w*|ass|arse|bastard\w*|"
    r"whore\w*|slut\w*|wank\w*|twat\w*|piss\w*|damn|motherf\w*|stfu|wtf|hoe|hoes|prick\w*|bollocks)\b", re.I)
_ADDRESSED = re.compile(r"\b(?:you|your|u|ur|you're|youre|yourself|people like|your kind|you people)\b", re.I)


# Someone the abuse could be aimed at: a second person, a third person, a group, a handle. Posts with none of these
# ("this fucking printer", "shit week") get their toxicity logit lowered: swearing about life is not abuse.
_TARGET = re.compile(
    r"\b(?:you|your|u|ur|you're|youre|yourself|ya|he|him|his|she|her|they|them|their|people|guys?|girls?|"
    r"wom[ae]n|m[ae]n|boys?|kids?|folks|y'?all|everyone|everybody|idiots?|morons?|losers?|mods?|admins?|"
    r"immigrants?|muslims?|jews?|christians?|gays?|trans|blacks?|whites?|asians?|mexicans?|liberals?|"
    r"conservatives?|democrats?|republicans?|[a-z]+s like)\b|@\w+|\b(?:bitch|bitches|hoe|hoes|nigg\w*|fag\w*|"
    r"retard\w*|cunt|whore|slut|twat|dick|prick|bastard|scum|trash|pig|freak|creep|clown)\b", re.I)
UNTARGETED_DAMP = 1.5


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -40, 40)))


def _p(x: float) -> float:
    return float(min(1.0, max(0.0, round(float(x), 6))))


# Logits taken off the self-harm heads' ideation/intent for es/fr/de/pt text with no rule firing: the heads over-read
# ordinary distress and idioms there. 2.0 when no training writer wrote in those languages; 1.0 since the
# mixed-language writer's posts are trained on (chosen on leave-one-writer-out own posts: 0 held more crisis posts
# but falsely held a quarter of the ordinary non-English ones). Weights calibrated since 2026-12-06 carry their own
# (`sh_foreign_damp`, chosen with the shifts on writer-fold out-of-fold posts); this is the value for older ones.
FOREIGN_DAMP = 1.0
SENTENCE_MARGIN = 0.5  # a sentence's self-harm logit counts for the post when it exceeds the post's by this much
UNSUPPORTED_CONCERN = 0.6  # P(concern) for text in a language screening cannot read: a moderator check-in
SOMEONE_ELSE_RULE = 0.9


def sentence_max(sent_logits, sent_texts, whole) -> np.ndarray | None:
    """The riskiest sentence's self-harm logits (each sentence's own rules context applied), or None.

    Only sentences whose raw logits could lift the post's (above `whole` + SENTENCE_MARGIN somewhere) are read by
    the rules: the rules can only lower a sentence's self-harm logits (an intent rule in a sentence also fires on
    the whole post), so the others cannot count."""
    if sent_logits is None or not len(sent_logits):
        return None
    whole = np.asarray(whole, np.float64)
    rows = []
    for lg, t in zip(np.asarray(sent_logits, np.float64), sent_texts):
        if not np.any(lg - SENTENCE_MARGIN > whole):
            continue
        r = _rules.analyse(t)
        rows.append(lg + min(r.sh_delta, 0.0))
    return np.max(np.stack(rows), axis=0) if rows else None


def text_analysis(text: str) -> tuple:
    """What combine reads of a text besides the logits (rules, language, worry for someone else): calibration
    computes it once per post and passes it to each of its many combine calls."""
    return _rules.analyse(text), _languages.detect(text), _someone_else.detect(text)


def combine(text: str, tox_logit: float, sh_logits, heads: dict, ident_logit: float | None = None,
            insult_logit: float | None = None, sent_logits=None, sent_texts=(), other_logits=None,
            analysis: tuple | None = None) -> tuple[Scores, Scores]:
    """Turn one text's head logits into (toxicity Scores, self-harm Scores) through the rules layer.

    `sent_logits` / `sent_texts`: the self-harm logits of the post's sentences (posts of two sentences or more), so
    one sentence that carries the risk is not averaged away by the rest of the post. `other_logits`: the
    someone-else heads' (worried, danger) logits when the weights have them. `analysis`: text_analysis(text), when
    the caller has it already."""
    r, lang, other = analysis if analysis is not None else text_analysis(text)
    sh = np.asarray(sh_logits, dtype=np.float64).copy()
    best = sentence_max(sent_logits, sent_texts, sh)
    if best is not None:
        sh = np.maximum(sh, best - SENTENCE_MARGIN)
    rule_fired = bool(r.intent_rules or r.ideation_rule)
    if lang in _languages.RULES_ONLY and not rule_fired:
        # the heads over-read ordinary distress and idioms in other languages
        sh[1:] -= float(heads.get("sh_foreign_damp", FOREIGN_DAMP))
    if r.someone_else and not rule_fired:
        sh -= 1.0  # the worry is about someone else: the author's own risk is not what the words describe
    sh += r.sh_delta
    sh[2] += r.intent_delta
    p_con, p_id, p_int = (float(v) for v in _sigmoid(sh))
    p_int = min(p_int, p_id)  # the intent head alone never outranks the ideation head; rules may
    p_id = max(p_id, r.ideation_floor)
    if r.intent_floor:
        p_int = max(p_int, r.intent_floor)
    elif r.weak_intent and p_id >= 0.5:
        p_int = max(p_int, 0.7)
    p_id = max(p_id, p_int)
    p_con = max(p_con, p_id)
    p_con, p_id, p_int = min(p_con, r.sh_cap), min(p_id, r.sh_cap), min(p_int, r.sh_cap)
    if not (r.intent_rules or r.ideation_rule) and _someone_else.about_someone_else_only(text, other):
        # Worry about another person ("my sister said goodbye"), no risk words of the author's own: the policy's
        # someone_else path (published, a queue item, guidance) rather than the author's own crisis hold.
        p_id, p_int = min(p_id, _someone_else.OWN_CAP), min(p_int, _someone_else.OWN_CAP)
    sh_reasons = [x for x in r.reasons if not x.startswith("aimed at someone else")] + other.reasons
    if p_id >= 0.5 and not (r.intent_rules or r.ideation_rule):
        sh_reasons.append(f"model: wording close to {'intent' if p_int >= 0.5 else 'ideation'} examples "
                          f"(p={p_int if p_int >= 0.5 else p_id:.2f}); no explicit rule matched")
    if r.second_person_abuse and p_id < 0.5:
        sh_reasons.append("crisis words aimed at someone else, not the author's own risk")
    if lang == "other" and not (rule_fired or r.second_person_abuse or r.insult):
        # The models cannot read this language: neither guess a crisis from noise nor call it safe.
        p_id, p_int = min(p_id, 0.45), min(p_int, 0.3)
        p_con = max(p_con, UNSUPPORTED_CONCERN)
        sh_reasons.append("written in a language screening does not support: a moderator check-in, not a judgement")
    p_se = p_sed = 0.0
    if other_logits is not None:
        p_se, p_sed = (float(v) for v in _sigmoid(np.asarray(other_logits, np.float64)))
        p_sed = min(p_sed, p_se)
    if r.someone_else:
        p_se = max(p_se, SOMEONE_ELSE_RULE)
        if r.someone_else_danger:
            p_sed = max(p_sed, SOMEONE_ELSE_RULE)
    # The two detectors of worry for someone else (rules.py's and someone_else.py's) and the heads: the highest counts.
    p_se = max(p_se, other.worried)
    p_sed = max(p_sed, other.danger)
    self_harm = Scores(score=_p(p_id), labels={"concern": _p(p_con), "ideation": _p(p_id), "intent": _p(p_int),
                                               "someone_else": _p(p_se), "someone_else_danger": _p(p_sed)},
                       reasons=sh_reasons)

    untargeted = not r.second_person_abuse and not r.insult and not _TARGET.search(text)
    p_tox = float(_sigmoid(tox_logit + r.tox_delta - (UNTARGETED_DAMP if untargeted else 0.0)))
    if r.tox_floor:
        p_tox = max(p_tox, r.tox_floor)
    addressed = bool(_ADDRESSED.search(text))
    if not r.second_person_abuse:
        p_tox = min(p_tox, r.tox_cap)
        if p_id >= 0.5 and not addressed:
            p_tox = min(p_tox, 0.5)
    elif p_id >= 0.5 and (r.intent_rules or r.ideation_rule):
        # The author states their own crisis in the first person *and* the text has "kill yourself"-style words:
        # in long posts that is nearly always what someone said to them, or talking to themselves ("you could just
        # hang"), not abuse. Never score the author's crisis as abuse above 0.5; the self-harm hold already stops
        # publication, and the "aimed at someone else" reason stays for the moderator.
        p_tox = min(p_tox, 0.5)
    ident = float(_sigmoid(ident_logit)) if ident_logit is not None else 0.0
    insult = float(_sigmoid(insult_logit)) if insult_logit is not None else 0.0
    labels = {
        "insult": _p(insult * p_tox),
        "identity_attack": _p(ident * p_tox),
        "threat": _p(0.95 if r.threat else 0.05 * p_tox),
        "obscene": _p(max(0.9 * p_tox, 0.5) if _PROFANITY.search(text) and p_tox >= 0.3 else 0.1 * p_tox),
    }
    tox_reasons = [x for x in r.reasons if x.startswith("aimed at someone else")]
    return Scores(score=_p(p_tox), labels=labels, reasons=tox_reasons), self_harm


def _return_freed_memory() -> None:
    """Hand the loader's freed temporaries back to the OS (glibc keeps them otherwise): resident memory after load
    is one of the model's targets, and a server process keeps these models for its whole life."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        pass


class _Engine:
    """Encoder + heads + result cache; shared by the two classifier objects. Thread-safe."""

    def __init__(self, weights_dir: Path, encoder=None, cache_size: int = 2048):
        from moderation.classifiers.encoder import Encoder, clean_text
        from moderation.classifiers.tower_format import PREFIX as TOWER_PREFIX, has_tower

        weights_dir = Path(weights_dir)
        self.manifest = json.loads((weights_dir / "manifest.json").read_text())
        with np.load(weights_dir / "heads.npz") as z:
            self.heads = {k: z[k] for k in z.files}
        self.heads = {k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in self.heads.items()}
        self._clean = clean_text
        self.encoder = encoder if encoder is not None else Encoder()
        self.tower = None  # the fine-tuned toxicity layers (tower.py), when these weights have them
        if has_tower(self.heads):
            self.tower = self.encoder.load_tower(self.heads)  # ONNX session (serving) or torch module (training)
            self.heads = {k: v for k, v in self.heads.items() if not k.startswith(TOWER_PREFIX)}
        self.safe_heads = safe_messaging_head.load(weights_dir)  # None: safe messaging is left to the rules
        self.version = str(self.manifest.get("version", "unknown"))
        if self.safe_heads is not None:
            self.version = f"{self.version}+sm.{self.safe_heads.version}"
        self._results = TextMemo(cache_size)
        self._side_lock = threading.Lock()
        self._side_depth = 0
        self.warm()

    @contextmanager
    def side_by_side(self):
        """Batch scoring (`moderation score` / `evaluate`): threads scoring chunks at once each run the models on a
        core of their own (Encoder.set_side_by_side), warmed again first when their sessions are made again (not
        when they were loaded for it: encoder.loading_for_batch_scoring); afterwards the serving behaviour, the
        sessions remade on their next run (a batch command's process ends there; a server never enters this). A
        text's scores are the same either way."""
        with self._side_lock:
            self._side_depth += 1
            if self._side_depth == 1 and self.encoder.set_side_by_side(True, self.tower):
                self.warm()
        try:
            yield self
        finally:
            with self._side_lock:
                self._side_depth -= 1
                if self._side_depth == 0:
                    self.encoder.set_side_by_side(False, self.tower)

    def warm(self) -> None:
        """One inference through every model (trunk, tower, heads, rules), not cached: the first inference of a
        session allocates its buffers and is several times slower than the rest, so loading includes it and no
        text a person wrote is ever the one timed against MODERATION_TIMEOUT cold. gunicorn workers forked from a
        preloading master call it again (deploy/gunicorn_preload.py): their ONNX sessions are their own."""
        calls = self.encoder.forward_calls
        # (the second text is not ASCII and has a leet word, so the look-alike table and the vocabulary behind
        # deconfuse are built here, not for a post)
        self._compute(["warming up the screening models, one short post", "a second, longer text " * 8 + "Straße th3"])
        # The loader's temporaries (and the sessions' own, made on that first inference) go back to the OS; then one
        # more post, so that its working memory stays in malloc's free lists: otherwise the first post a person
        # writes pays for fresh pages (measured: 3-7 ms more CPU than the second post, now 0-2 ms; ~1 MB resident).
        _return_freed_memory()
        self._compute(["and one more short post, the kind most posts are"])
        self.encoder.forward_calls = calls  # warm-up is not a text anyone asked about

    def _compute(self, texts: list[str]) -> list[tuple[Scores, Scores]]:
        from moderation.classifiers.features import embed_posts, ngram_rows, sentences

        cleaned_of: dict[str, str] = {}  # a one-sentence post's sentence is the post: cleaned once

        def clean(t: str) -> str:
            got = cleaned_of.get(t)
            if got is None:
                got = cleaned_of[t] = self._clean(t)
            return got

        cleaned = [clean(t) for t in texts]
        # The posts go through the encoder (and the tower), the sentences of multi-sentence posts through the encoder
        # alone; a text's own verdict does not depend on what else is in the batch (each row is masked on its own).
        sents = [sentences(c) for c in cleaned]
        flat = [s for ss in sents for s in ss]
        # The safe-messaging heads read the rules' sentences (so a mask covers what was judged); a sentence already
        # in the batch (a one-sentence post, or a sentence the self-harm heads read too) is not encoded twice, and
        # the extra sentences go with the self-harm sentences (the trunk alone, never the tower).
        units = [safe_messaging_head.units(t) if self.safe_heads is not None else [] for t in texts]
        unit_texts = [[clean(t[a:b]) for a, b in u] for t, u in zip(texts, units)]
        row = {}
        for j, t in enumerate([*cleaned, *flat]):
            row.setdefault(t, j)
        extra = []
        for t in (t for ts in unit_texts for t in ts):
            if t not in row:
                row[t] = len(cleaned) + len(flat) + len(extra)
                extra.append(t)
        E, E_rest, T = embed_posts(self.encoder, self.tower, cleaned, [*flat, *extra])
        E_s = E_rest[:len(flat)]
        E_all = np.concatenate([E, E_rest]) if self.safe_heads is not None else None
        h = self.heads
        N = ngram_rows(cleaned)
        tox = tox_logits(h, E, N, T)
        sh = self._sh(E, N)
        sh_s = self._sh(E_s, ngram_rows(flat)) if len(flat) else np.zeros((0, 3))
        ident = E @ h["ident_w"] + float(h["ident_b"])
        insult = E @ h["insult_w"] + float(h["insult_b"])
        other = other_logits(h, E)
        safe_post = self.safe_heads.probabilities(E) if self.safe_heads is not None else None
        out, k = [], 0
        for i, t in enumerate(texts):
            n = len(sents[i])
            tox_scores, sh_scores = combine(t, float(tox[i]), sh[i], h, float(ident[i]), float(insult[i]),
                                            sent_logits=sh_s[k:k + n] if n else None, sent_texts=sents[i],
                                            other_logits=None if other is None else other[i])
            if self.safe_heads is not None:
                per = self.safe_heads.probabilities(E_all[[row[u] for u in unit_texts[i]]]) if units[i] else None
                best, sh_scores.spans = self.safe_heads.judge(t, units[i], safe_post[i], per)
                sh_scores.labels.update({label: _p(p) for label, p in best.items()})
            out.append((tox_scores, sh_scores))
            k += n
        return out

    def _sh(self, E, N):
        return sh_logits(self.heads, E, N)

    def results(self, texts: Sequence[str]) -> list[tuple[Scores, Scores]]:
        return self._results.many([t if isinstance(t, str) else str(t) for t in texts], self._compute)


def _copy(s: Scores) -> Scores:  # callers may mutate what they get; never hand out the cached object
    return Scores(score=s.score, labels=dict(s.labels), reasons=list(s.reasons),
                  spans={k: list(v) for k, v in s.spans.items()})


class _EmbeddedVerdict:
    """One of the engine's two verdicts behind the classifier protocol: the `part`-th of each (toxicity, self-harm)
    result pair. Both share one engine, so a text is computed once for the two."""
    kind: str
    name: str
    part: int

    def __init__(self, engine: _Engine):
        self._engine = engine
        self.version = engine.version

    def score(self, texts: Sequence[str]) -> list[Scores]:
        return [_copy(pair[self.part]) for pair in self._engine.results(texts)]

    def side_by_side(self):
        """Context manager: see _Engine.side_by_side (both verdicts share the engine, so entering it twice is one)."""
        return self._engine.side_by_side()


class EmbeddedToxicity(_EmbeddedVerdict):
    kind, name, part = TOXICITY, "haven-embedded-toxicity", 0


class EmbeddedSelfHarm(_EmbeddedVerdict):
    kind, name, part = SELF_HARM, "haven-embedded-self-harm", 1


def load_embedded(weights_dir: Path | str | None = None, encoder=None) -> tuple[EmbeddedToxicity, EmbeddedSelfHarm]:
    """Load the encoder once (offline) plus the shipped heads; return (toxicity, self_harm) sharing them.

    numpy's BLAS goes to one thread in every process that loads them (the server and `moderation score` alike): the
    heads' products are small, OpenBLAS's threads keep spinning after each one and take the cores ONNX Runtime and
    the requests need, and on some CPUs (AMD EPYC, seen) its threaded products differ in the last bits from its
    one-thread ones, so a text's scores would depend on which command scored it. threadpoolctl sets it at run time,
    since OPENBLAS_NUM_THREADS only counts before numpy is imported."""
    threadpool_limits(limits=1, user_api="blas")
    engine = _Engine(Path(weights_dir) if weights_dir else WEIGHTS_DIR, encoder=encoder)
    return EmbeddedToxicity(engine), EmbeddedSelfHarm(engine)
