"""Pure evaluation helpers for the screening classifiers (no Flask, no database).

    evaluate(rows, task, toxicity, self_harm, thresholds) -> dict
    format_report(report) -> str
    score_lines(texts, toxicity, self_harm, thresholds) -> list[dict]

`rows` are dicts with `text` and `label` (or, for Haven's hand-written format, `tier`/`toxic`). Labels accepted:

* toxicity: hate / offensive / OFF / toxic / abusive / 1 / true / yes -> 1; neither / NOT / non-toxic / clean /
  0 / false / no -> 0.
* self_harm: tier names none / concern / ideation / intent; C-SSRS Supportive / Indicator / Ideation / Behavior /
  Attempt; Suicide_Detection suicide / non-suicide; 0 / 1 (1 = risk, i.e. ideation or above).
  "Risk" (the positive class for ROC-AUC) is ideation or above.
"""
from __future__ import annotations

import collections
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator, Sequence

from moderation.classifiers.base import TIERS, Scores
from moderation.policy import Thresholds, check_scores, decide, self_harm_tier

BATCH = 64


def in_flight() -> int:
    """Chunks scored at once by _batched_scores: one per CPU this process may use (2-4)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    return max(2, min(4, available))

_TOX_POS = {"hate", "offensive", "off", "toxic", "abusive", "abuse", "1", "true", "yes", "y"}
_TOX_NEG = {"neither", "not", "non-toxic", "nontoxic", "clean", "0", "false", "no", "n", "none", "ok"}
_TIER_OF = {
    "none": "none", "concern": "concern", "ideation": "ideation", "intent": "intent", "behavior": "intent",
    "behaviour": "intent", "attempt": "intent", "supportive": "none", "indicator": "concern",
    "non-suicide": "none", "suicide": None, "0": "none", "1": None, "false": "none", "true": None,
}


def parse_label(value, task: str):
    """Return (binary label, tier or None) or (None, None) if the label is not understood."""
    v = str(value).strip().lower()
    if task == "toxicity":
        if v in _TOX_POS:
            return 1, None
        if v in _TOX_NEG:
            return 0, None
        return None, None
    if task != "self_harm":
        raise ValueError("task must be 'toxicity' or 'self_harm'")
    if v not in _TIER_OF:
        return None, None
    tier = _TIER_OF[v]
    if tier is None:  # positive without a known tier (suicide / 1)
        return 1, None
    return int(TIERS.index(tier) >= 2), tier


def _row_label(row: dict, task: str):
    if "label" in row and row["label"] not in (None, ""):
        return parse_label(row["label"], task)
    if task == "toxicity" and row.get("toxic") not in (None, ""):
        return parse_label(row["toxic"], task)
    if task == "self_harm" and row.get("tier") not in (None, ""):
        return parse_label(row["tier"], task)
    return None, None


def _chunk_scores(chunk: list[str], toxicity, self_harm) -> tuple[list[Scores], list[Scores]]:
    t = toxicity.score(chunk)
    s = self_harm.score(chunk)
    if len(t) != len(chunk) or len(s) != len(chunk):
        raise ValueError("a classifier returned the wrong number of Scores")
    return [check_scores(x, "toxicity") for x in t], [check_scores(x, "self_harm") for x in s]


def _chunks(texts: Sequence[str]) -> list[list[int]]:
    """The indices of `texts` in chunks of BATCH, longest texts first: texts of similar lengths pad less in the
    encoder's batches (~10 % of the padded tokens were padding on the bench's short posts, chunked in input
    order), and the heaviest chunks start first, so the chunks in flight finish close together. A text's scores do
    not depend on its chunk (each row is masked on its own; to float rounding, inside the 6-decimal rounding)."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[i:i + BATCH] for i in range(0, len(order), BATCH)]


def _submit(pool, texts: Sequence[str], toxicity, self_harm):
    """Start scoring `texts` on `pool` (or here, when it is one chunk and there is no pool): (chunks, futures)."""
    chunks = _chunks(texts)
    if pool is None:
        return chunks, [_chunk_scores([texts[i] for i in c], toxicity, self_harm) for c in chunks]
    return chunks, [pool.submit(_chunk_scores, [texts[i] for i in c], toxicity, self_harm) for c in chunks]


def _gather(n: int, chunks, done) -> tuple[list[Scores], list[Scores]]:
    """The chunks' results (futures or values) back in input order; a chunk's exception is raised here."""
    tox: list = [None] * n
    sh: list = [None] * n
    for idx, got in zip(chunks, done):
        t, s = got.result() if hasattr(got, "result") else got
        for i, a, b in zip(idx, t, s):
            tox[i], sh[i] = a, b
    return tox, sh


def _batched_scores(texts: Sequence[str], toxicity, self_harm) -> tuple[list[Scores], list[Scores]]:
    """Both classifiers' Scores for every text, in order, BATCH texts a call (longest first, _chunks), several calls
    in flight at once (in_flight()): ONNX Runtime releases the GIL while it runs, so one chunk's rules, n-grams and
    heads (Python) run while another is in the transformer, and with the embedded engine side by side (`moderation
    score` and `evaluate`, _Engine.side_by_side) each chunk's model runs on a core of its own. Each text's result is
    its own either way (a classifier scores every text of a call on its own)."""
    if len(texts) <= BATCH:
        return _gather(len(texts), *_submit(None, texts, toxicity, self_harm))
    with ThreadPoolExecutor(max_workers=in_flight(), thread_name_prefix="score-lines") as pool:
        return _gather(len(texts), *_submit(pool, texts, toxicity, self_harm))


def roc_auc(y: Sequence[int], s: Sequence[float]) -> float | None:
    """Mann-Whitney ROC-AUC with ties averaged; None when only one class is present."""
    pairs = sorted(zip(s, y))
    n_pos = sum(1 for _, t in pairs if t)
    n_neg = len(pairs) - n_pos
    if not n_pos or not n_neg:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        avg_rank = (i + j) / 2.0 + 1.0
        rank_sum += avg_rank * sum(1 for k in range(i, j + 1) if pairs[k][1])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def pr_auc(y: Sequence[int], s: Sequence[float]) -> float | None:
    """Average precision (step-wise area under the precision-recall curve); None without positives."""
    n_pos = sum(1 for t in y if t)
    if not n_pos:
        return None
    order = sorted(zip(s, y), key=lambda p: -p[0])
    tp = fp = 0
    ap = 0.0
    i = 0
    while i < len(order):
        j = i
        group_tp = 0
        while j < len(order) and order[j][0] == order[i][0]:
            group_tp += order[j][1]
            j += 1
        tp += group_tp
        fp += (j - i) - group_tp
        ap += (group_tp / n_pos) * (tp / (tp + fp))
        i = j
    return ap


def _pr(y, pred) -> dict:
    tp = sum(1 for a, b in zip(y, pred) if a and b)
    fp = sum(1 for a, b in zip(y, pred) if not a and b)
    fn = sum(1 for a, b in zip(y, pred) if a and not b)
    return {"precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "tp": tp, "fp": fp, "fn": fn, "flagged": tp + fp}


def evaluate(rows: Iterable[dict], task: str, toxicity, self_harm, thresholds: Thresholds | None = None) -> dict:
    t = (thresholds or Thresholds()).validated()
    if task not in ("toxicity", "self_harm"):
        raise ValueError("task must be 'toxicity' or 'self_harm'")
    texts, ys, tiers, skipped = [], [], [], 0
    for row in rows:
        y, tier = _row_label(row, task)
        if y is None or not str(row.get("text") or "").strip():
            skipped += 1
            continue
        texts.append(str(row["text"]))
        ys.append(y)
        tiers.append(tier)
    tox, sh = _batched_scores(texts, toxicity, self_harm)
    decisions = [decide(a, b, t) for a, b in zip(tox, sh)]
    pred_tiers = [self_harm_tier(b, t) for b in sh]
    report = {"task": task, "n": len(texts), "skipped": skipped, "positives": sum(ys),
              "thresholds": t.as_dict(), "statuses": {}}
    for d in decisions:
        report["statuses"][d.status] = report["statuses"].get(d.status, 0) + 1
    if task == "toxicity":
        scores = [x.score for x in tox]
        report["roc_auc"] = roc_auc(ys, scores)
        report["pr_auc"] = pr_auc(ys, scores)
        report["at_hold"] = _pr(ys, [s >= t.toxicity_hold for s in scores])
        report["at_remove"] = _pr(ys, [s >= t.toxicity_remove for s in scores])
        report["held_or_removed"] = _pr(ys, [d.status != "published" for d in decisions])
        report["self_harm_tier_on_toxic"] = {k: sum(1 for y, p in zip(ys, pred_tiers) if y and p == k) for k in TIERS}
    else:
        scores = [x.score for x in sh]
        report["roc_auc"] = roc_auc(ys, scores)
        report["pr_auc"] = pr_auc(ys, scores)
        report["at_ideation"] = _pr(ys, [p in ("ideation", "intent") for p in pred_tiers])
        report["held_for_self_harm"] = _pr(ys, [d.status == "held" and d.tier in ("ideation", "intent")
                                                for d in decisions])
        report["removed_risk_posts"] = sum(1 for y, d in zip(ys, decisions) if y and d.status == "removed")
        if any(tr is not None for tr in tiers):
            conf = {a: {b: 0 for b in TIERS} for a in TIERS}
            for tr, p in zip(tiers, pred_tiers):
                if tr is not None:
                    conf[tr][p] += 1
            report["tier_confusion"] = conf
            n_int = sum(conf["intent"].values())
            report["intent_ranked_intent"] = conf["intent"]["intent"] / n_int if n_int else None
    return report


def expected_calibration_error(y: Sequence[int], p: Sequence[float], bins: int = 10) -> float | None:
    """ECE: the mean gap between the predicted probability and the observed rate over ten equal-width bins,
    weighted by how many texts fall in each bin (0 = perfectly calibrated)."""
    y, p = list(y), [min(1.0, max(0.0, float(v))) for v in p]
    if not y:
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, v in enumerate(p) if lo <= v < hi or (b == bins - 1 and v == 1.0)]
        if idx:
            total += len(idx) * abs(sum(p[i] for i in idx) / len(idx) - sum(y[i] for i in idx) / len(idx))
    return total / len(y)


OTHER_RISK = ("worried", "danger")


def policy_figures(rows: Sequence[dict], lines: Sequence[dict]) -> dict:
    """The acceptance figures on rows in Haven's own format (`tier`, `toxic`, optional `other_risk`), from
    `score_lines` output for the same rows, in order:

    held_for_self_harm   share of ideation/intent posts held for self-harm (target >= 0.95)
    false_holds          share of ordinary posts (tier none, not abusive, nobody else at risk) held or removed (<= 0.10)
    intent_ranked_intent share of intent posts ranked intent, i.e. urgent (>= 0.80)
    self_harm_removed    number of concern-or-worse posts removed (0)
    abuse_as_crisis      share of abuse at others (toxic, tier none) given the ideation/intent tier (<= 0.10)
    toxicity_auc         ROC-AUC of the toxicity score for `toxic` (>= 0.95)
    abuse_held           share of abusive posts held or removed at the default thresholds
    someone_else_found   share of posts worried about another person with someone_else >= 0.5
    someone_else_false   share of posts with nobody else at risk given someone_else >= 0.5
    self_harm_ece / toxicity_ece  expected calibration error of P(ideation or worse) and of the toxicity score
    """
    risk = held = ordinary = fh = n_int = ok_int = removed = abuse = abuse_crisis = abuse_held = 0
    se_n = se_ok = nse_n = nse_fp = 0
    tox_y, tox_s, sh_y, sh_s = [], [], [], []
    for r, o in zip(rows, lines):
        tier = str(r.get("tier", "")).strip()
        toxic = str(r.get("toxic", "0")).strip() in ("1", "true", "yes")
        other = str(r.get("other_risk", "none") or "none").strip()
        status, ptier = o["decision"]["status"], o["self_harm"]["tier"]
        se = o["self_harm"].get("labels", {}).get("someone_else", 0.0)
        tox_y.append(int(toxic)); tox_s.append(o["toxicity"])
        if tier in TIERS:
            sh_y.append(int(tier in ("ideation", "intent"))); sh_s.append(o["self_harm"]["score"])
        if tier in ("ideation", "intent"):
            risk += 1
            held += status == "held" and ptier in ("ideation", "intent")
        if tier == "intent":
            n_int += 1
            ok_int += ptier == "intent"
        if tier in ("concern", "ideation", "intent") and status == "removed":
            removed += 1
        if tier == "none" and not toxic and other not in OTHER_RISK:
            ordinary += 1
            fh += status != "published"
        if toxic and tier == "none":
            abuse += 1
            abuse_crisis += ptier in ("ideation", "intent")
        if toxic:
            abuse_held += status != "published"
        if other in OTHER_RISK:
            se_n += 1
            se_ok += se >= 0.5
        else:
            nse_n += 1
            nse_fp += se >= 0.5
    toxic_n = sum(tox_y)

    def rate(a, b):
        return a / b if b else None

    return {"n": len(lines), "held_for_self_harm": rate(held, risk), "false_holds": rate(fh, ordinary),
            "intent_ranked_intent": rate(ok_int, n_int), "self_harm_removed": removed,
            "abuse_as_crisis": rate(abuse_crisis, abuse), "toxicity_auc": roc_auc(tox_y, tox_s),
            "abuse_held": rate(abuse_held, toxic_n), "someone_else_found": rate(se_ok, se_n),
            "someone_else_false": rate(nse_fp, nse_n), "self_harm_ece": expected_calibration_error(sh_y, sh_s),
            "toxicity_ece": expected_calibration_error(tox_y, tox_s),
            "counts": {"risk": risk, "intent": n_int, "ordinary": ordinary, "abuse": abuse, "toxic": toxic_n,
                       "someone_else": se_n}}


def by_group(rows: Sequence[dict], lines: Sequence[dict], column: str) -> dict[str, dict]:
    """policy_figures for each value of `column` (category, lang, writer...), in name order."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(str(r.get(column) or "?"), []).append(i)
    return {g: policy_figures([rows[i] for i in idx], [lines[i] for i in idx]) for g, idx in sorted(groups.items())}


_POLICY_COLUMNS = (("held_for_self_harm", "held"), ("false_holds", "false hold"), ("intent_ranked_intent", "intent"),
                   ("abuse_held", "abuse held"), ("abuse_as_crisis", "abuse->crisis"), ("toxicity_auc", "tox AUC"),
                   ("someone_else_found", "other found"), ("someone_else_false", "other false"),
                   ("self_harm_removed", "removed"))


def format_policy_table(groups: dict[str, dict], title: str) -> str:
    """One line per group with the policy figures ("-" where a group has no such posts)."""
    lines = [title, f"  {'':18s}{'n':>5s}" + "".join(f"{h:>14s}" for _, h in _POLICY_COLUMNS)]
    for name, f in groups.items():
        cells = []
        for key, _ in _POLICY_COLUMNS:
            v = f.get(key)
            cells.append(f"{'-' if v is None else (f'{v:.3f}' if isinstance(v, float) else str(v)):>14s}")
        lines.append(f"  {name[:18]:18s}{f['n']:>5d}" + "".join(cells))
    return "\n".join(lines)


def _f(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def format_report(report: dict) -> str:
    lines = [f"task: {report['task']}  n={report['n']}  positives={report['positives']}  skipped={report['skipped']}",
             f"ROC-AUC: {_f(report.get('roc_auc'))}   PR-AUC: {_f(report.get('pr_auc'))}"]
    for key in ("at_hold", "at_remove", "held_or_removed", "at_ideation", "held_for_self_harm"):
        if key in report:
            r = report[key]
            lines.append(f"{key:18s} precision {_f(r['precision'])}  recall {_f(r['recall'])}  "
                         f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']})")
    if "removed_risk_posts" in report:
        lines.append(f"risk posts removed: {report['removed_risk_posts']}")
    if "intent_ranked_intent" in report:
        lines.append(f"intent posts ranked intent: {_f(report['intent_ranked_intent'])}")
    if "self_harm_tier_on_toxic" in report:
        lines.append("self-harm tier given to toxic posts: " +
                     ", ".join(f"{k} {v}" for k, v in report["self_harm_tier_on_toxic"].items()))
    if "tier_confusion" in report:
        lines.append("tier confusion (rows = label, columns = predicted):")
        lines.append("             " + "".join(f"{c:>10s}" for c in TIERS))
        for a in TIERS:
            lines.append(f"  {a:10s} " + "".join(f"{report['tier_confusion'][a][b]:>10d}" for b in TIERS))
    lines.append("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(report["statuses"].items())))
    return "\n".join(lines)


def _lines(tox: list[Scores], sh: list[Scores], t: Thresholds, with_labels: bool) -> list[dict]:
    out = []
    for a, b in zip(tox, sh):
        d = decide(a, b, t)
        out.append({
            "toxicity": float(a.score),
            "toxicity_labels": {k: float(v) for k, v in a.labels.items()},
            "self_harm": {"tier": self_harm_tier(b, t), "score": float(b.score),
                          **({"labels": {k: float(v) for k, v in b.labels.items()}} if with_labels else {})},
            "decision": {"status": d.status, "reasons": list(d.reasons)},
        })
    return out


def score_lines(texts: Sequence[str], toxicity, self_harm, thresholds: Thresholds | None = None,
                with_labels: bool = False) -> list[dict]:
    """One JSON-ready dict per text, batched: scores, self-harm tier and the policy decision (the `moderation score`
    output). `with_labels` adds the self-harm labels (someone_else...) for the policy figures."""
    t = (thresholds or Thresholds()).validated()
    return _lines(*_batched_scores(list(texts), toxicity, self_harm), t, with_labels)


AHEAD = 1  # batches score_batches starts beyond the one it is waiting for


def score_batches(batches: Iterable, toxicity, self_harm, thresholds: Thresholds | None = None,
                  texts_of=lambda batch: batch) -> Iterator[tuple[object, list[dict] | None, Exception | None]]:
    """score_lines for a stream of batches (`moderation score`: its --batch-size lines at a time), yielding
    (batch, lines, None) in order, or (batch, None, the exception) for a batch that could not be scored.

    One pool of in_flight() threads for the whole stream, and the next AHEAD batches' chunks are already in it
    while a batch is waited for and written: the cores do not wait at the end of every batch for its last chunk
    (and for the caller's output) as they did with one score_lines call per batch. Each batch's lines are what
    score_lines gives for it."""
    t = (thresholds or Thresholds()).validated()
    pending: collections.deque = collections.deque()
    pool = ThreadPoolExecutor(max_workers=in_flight(), thread_name_prefix="score-lines")

    def finish(item):
        batch, texts, started = item
        try:
            return batch, _lines(*_gather(len(texts), *started), t, False), None
        except Exception as exc:  # noqa: BLE001 - the caller says why for each line of the batch
            return batch, None, exc

    try:
        for batch in batches:
            texts = list(texts_of(batch))
            pending.append((batch, texts, _submit(pool, texts, toxicity, self_harm)))
            if len(pending) > AHEAD:
                yield finish(pending.popleft())
        while pending:
            yield finish(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
