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

from typing import Iterable, Sequence

from moderation.classifiers.base import TIERS, Scores
from moderation.policy import Thresholds, check_scores, decide, self_harm_tier

BATCH = 64

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


def _batched_scores(texts: Sequence[str], toxicity, self_harm) -> tuple[list[Scores], list[Scores]]:
    tox, sh = [], []
    for i in range(0, len(texts), BATCH):
        chunk = list(texts[i:i + BATCH])
        t = toxicity.score(chunk)
        s = self_harm.score(chunk)
        if len(t) != len(chunk) or len(s) != len(chunk):
            raise ValueError("a classifier returned the wrong number of Scores")
        tox += [check_scores(x, "toxicity") for x in t]
        sh += [check_scores(x, "self_harm") for x in s]
    return tox, sh


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


def score_lines(texts: Sequence[str], toxicity, self_harm, thresholds: Thresholds | None = None) -> list[dict]:
    """One JSON-ready dict per text, batched: scores, self-harm tier and the policy decision."""
    t = (thresholds or Thresholds()).validated()
    texts = list(texts)
    tox, sh = _batched_scores(texts, toxicity, self_harm)
    out = []
    for a, b in zip(tox, sh):
        d = decide(a, b, t)
        out.append({
            "toxicity": float(a.score),
            "toxicity_labels": {k: float(v) for k, v in a.labels.items()},
            "self_harm": {"tier": self_harm_tier(b, t), "score": float(b.score)},
            "decision": {"status": d.status, "reasons": list(d.reasons)},
        })
    return out
