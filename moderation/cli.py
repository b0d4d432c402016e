"""`flask --app wsgi moderation ...`: model status, training, evaluation, batch scoring and retrying held items."""
from __future__ import annotations

import contextlib
import csv
import json
import sys
from pathlib import Path

import click
import numpy as np
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

moderation_cli = AppGroup("moderation", help="Screening models, evaluation and the moderation queue.")

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _backends():
    from moderation.classifiers.registry import backends
    return backends(current_app)


def _batch_scoring_backends():
    """The backends for a command that scores many texts (numpy's BLAS on one thread, as wherever the embedded
    models load: embedded.load_embedded)."""
    from moderation.classifiers.encoder import loading_for_batch_scoring
    with loading_for_batch_scoring():  # the ONNX sessions are built once, for the batch (not for serving first)
        return _backends()


@contextlib.contextmanager
def _side_by_side(loaded):
    """Each classifier that can (the embedded engine) runs its models side by side, one core per chunk in flight
    (evaluation.score_lines keeps several chunks in flight), while the command scores."""
    with contextlib.ExitStack() as stack:
        for classifier in (loaded.toxicity, loaded.self_harm):
            enter = getattr(classifier, "side_by_side", None)
            if enter is not None:
                stack.enter_context(enter())
        yield loaded


@moderation_cli.command("status")
def status():
    """Which screening backends are active, their versions and load times."""
    loaded = _backends()
    for row in loaded.describe():
        line = f"{row['slot']:<10} {row['name']}  version {row['version']}  loaded in {row['load_seconds']}s"
        if row["error"]:
            line += f"\n           NOT AVAILABLE: {row['error']} (items are held for human review until fixed)"
        click.echo(line)
    from moderation.screen import current_thresholds
    click.echo("thresholds " + json.dumps(current_thresholds().as_dict()))


@moderation_cli.command("retry")
@click.option("--limit", default=100, show_default=True)
def retry(limit):
    """Screen again every item held as 'unscreened' after a classifier failure."""
    from moderation.queue.services import retry_unscreened
    click.echo(json.dumps(retry_unscreened(limit)))


@moderation_cli.command("download-models")
@click.option("--model", "models", multiple=True, default=["original"], show_default=True,
              type=click.Choice(["original", "unbiased", "multilingual"]))
@click.option("--dest", type=click.Path(file_okay=False), default=None, help="Default: MODELS_DIR/detoxify")
def download_models(models, dest):
    """Fetch Detoxify's official checkpoints (needs internet) for offline use later."""
    from moderation.classifiers.download import download_models as fetch
    target = Path(dest or Path(current_app.config["MODELS_DIR"]) / "detoxify")
    try:
        paths = fetch(target, tuple(models), log=click.echo)
    except Exception as exc:  # noqa: BLE001 - explain, don't trace
        raise click.ClickException(str(exc)) from None
    for path in paths:
        click.echo(f"stored {path}")


@moderation_cli.command("train-safe-messaging")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Default: moderation/data/safe_messaging (one labelled CSV per writer)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Default: the shipped weights folder (moderation/classifiers/weights)")
@click.option("--seed", default=0, show_default=True)
def train_safe_messaging(data_dir, out_dir, seed):
    """Fit the method-details, encouragement and pact heads on the labelled posts (deterministic; no torch)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise click.ClickException("Training needs scikit-learn, which serving does not install: "
                                   "pip install -r requirements-train.txt (README, \"Screening backends\").") from None
    from moderation.classifiers import safe_messaging_training
    from moderation.classifiers.encoder import Encoder
    data = Path(data_dir) if data_dir else safe_messaging_training.DATA
    if not data.is_dir() or not any(data.glob("*.csv")):
        raise click.ClickException(f"No labelled safe-messaging files in {data}. Pass --data with their folder.")
    out = Path(out_dir) if out_dir else Path(safe_messaging_training.__file__).resolve().parent / "weights"
    try:
        report = safe_messaging_training.train(Encoder(), data, out, seed=seed, log=click.echo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, indent=2))


@moderation_cli.command("train")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=str(DEFAULT_DATA), show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Default: the shipped weights folder (moderation/classifiers/weights)")
@click.option("--seed", default=0, show_default=True)
@click.option("--keep-tower", is_flag=True,
              help="Keep the toxicity tower of the weights in --out (or the shipped ones) instead of fine-tuning a "
                   "new one: the heads, calibration and metrics are still refitted; the slow part is skipped.")
def train(data_dir, out_dir, seed, keep_tower):
    """Reproduce the shipped embedded model weights from ../shared/data (deterministic for a seed)."""
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"Training needs {exc.name}, which serving does not install: "
                                   "pip install -r requirements-train.txt (README, \"Screening backends\").") from None
    from moderation.classifiers import training
    data = Path(data_dir)
    if not data.is_dir():
        raise click.ClickException(f"No training data at {data}. Pass --data with the folder of labelled CSVs.")
    out = Path(out_dir) if out_dir else Path(training.__file__).resolve().parent / "weights"
    kept, kept_from = None, None
    if keep_tower:
        source = out if (out / "heads.npz").exists() else Path(training.__file__).resolve().parent / "weights"
        with np.load(source / "heads.npz") as z:
            kept = {k: z[k] for k in z.files if k.startswith("tower.")}
        if not kept:
            raise click.ClickException(f"--keep-tower: the weights in {source} have no toxicity tower.")
        tower = json.loads((source / "manifest.json").read_text()).get("toxicity_tower") or {}
        kept_from = tower.get("kept_from") or json.loads((source / "manifest.json").read_text()).get("version")
    metrics = training.train(data, out, seed=seed, log=click.echo, keep_tower=kept, kept_from=kept_from)
    click.echo(json.dumps(metrics, indent=2, default=str))


def _thresholds():
    """The community's configured thresholds, or the defaults (said on stderr) when there is no database yet:
    evaluating a CSV or scoring lines must work on a fresh checkout before `db upgrade`."""

    from community.extensions import db
    from moderation.policy import Thresholds
    from moderation.screen import current_thresholds

    try:
        return current_thresholds()
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        click.echo(f"note: no moderation settings in the database ({reason}); using the default thresholds. "
                   "Run `flask --app wsgi db upgrade` to use (and configure) your community's own.", err=True)
        return Thresholds()


def _read_rows(path: Path, writer: str | None = None) -> list[dict]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(f"Could not read {path} as UTF-8 CSV: {exc}") from None
    if writer:
        for r in rows:
            r["writer"] = writer
    return rows


@moderation_cli.command("evaluate")
@click.option("--data", "data_file", type=click.Path(), required=True,
              help="A labelled CSV, or a folder of them (each file one writer, e.g. moderation/data)")
@click.option("--task", type=click.Choice(["toxicity", "self_harm"]), required=True)
def evaluate(data_file, task):
    """ROC-AUC, PR-AUC, precision/recall at the thresholds and a tier confusion matrix for a labelled CSV; for
    Haven's own format (tier/toxic columns) also the policy figures per category, per language, per writer (a
    folder: one file per writer) and, for the training folder, the leave-one-writer-out figures."""
    path = Path(data_file)
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise click.ClickException(f"No CSV files in {path}.")
        rows = [r for f in files for r in _read_rows(f, writer=f.stem)]
    elif path.is_file():
        rows = _read_rows(path)
    else:
        raise click.ClickException(f"No file at {path}.")
    own_column = "tier" if task == "self_harm" else "toxic"  # the hand-written set's columns also work
    if not rows or "text" not in rows[0] or ("label" not in rows[0] and own_column not in rows[0]):
        raise click.ClickException(f"The CSV needs a header with 'text' and 'label' (or '{own_column}') columns and "
                                   "at least one row.")
    loaded = _batch_scoring_backends()
    thresholds = _thresholds()
    with _side_by_side(loaded):
        _evaluate(rows, task, loaded, thresholds)


def _evaluate(rows: list[dict], task: str, loaded, thresholds) -> None:
    from moderation.classifiers.evaluation import (by_group, evaluate as run, format_policy_table, format_report,
                                                   policy_figures, score_lines)
    try:
        report = run(rows, task, loaded.toxicity, loaded.self_harm, thresholds)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a classifier that fails is explained, not traced
        raise click.ClickException(_classifier_failed(exc)) from None
    click.echo(format_report(report))
    if "tier" in rows[0] and "toxic" in rows[0] and "label" not in rows[0]:
        # Aggregates only (never the individual texts): these are also run on the frozen evaluation set.
        lines = score_lines([r["text"] for r in rows], loaded.toxicity, loaded.self_harm, thresholds,
                            with_labels=True)
        allf = policy_figures(rows, lines)
        click.echo(format_policy_table({"all": allf}, "policy figures (default or configured thresholds):"))
        click.echo(f"  expected calibration error: self-harm {allf['self_harm_ece']:.3f}, "
                   f"toxicity {allf['toxicity_ece']:.3f}")
        for column, title in (("category", "per category:"), ("lang", "per language:"),
                              ("writer", "per writer (the shipped weights; in-sample for writers they trained on):")):
            if column in rows[0]:
                click.echo(format_policy_table(by_group(rows, lines, column), title))
        if "writer" in rows[0]:
            _echo_lowo()


def _echo_lowo():
    """Leave-one-writer-out figures recorded by `moderation train` (refitting needs the public data, so they are
    computed there and stored in the weights' manifest)."""
    from moderation.classifiers.embedded import WEIGHTS_DIR
    from moderation.classifiers.evaluation import format_policy_table

    try:
        manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text())
    except (OSError, ValueError):
        return
    lowo = manifest.get("metrics", {}).get("leave_one_writer_out")
    if not lowo:
        click.echo("leave-one-writer-out: not recorded for these weights (run `moderation train`).")
        return
    groups = {w: dict(f, n=int(f.get("n", 0))) for w, f in lowo.items()}
    click.echo(format_policy_table(groups, "leave-one-writer-out (each writer scored by heads trained without "
                                           "them; toxicity tower and rules shared):"))


@moderation_cli.command("score")
@click.option("--batch-size", default=256, show_default=True)
def score(batch_size):
    """Read JSON lines {"text": ...} on stdin; write one JSON line per input, in order, with the decision."""
    from moderation.classifiers.evaluation import score_batches
    loaded = _batch_scoring_backends()
    thresholds = _thresholds()
    failed = []

    def batches():
        batch: list[tuple[int, str | None, str | None]] = []
        for line_no, raw in enumerate(sys.stdin, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                text = item.get("text") if isinstance(item, dict) else None
                error = None if isinstance(text, str) else 'expected an object with a "text" string'
            except json.JSONDecodeError as exc:
                text, error = None, f"not valid JSON: {exc.msg}"
            batch.append((line_no, text, error))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def texts_of(batch):
        return [text for _, text, error in batch if error is None]

    with _side_by_side(loaded):
        # The next batch is already being scored while one is written (evaluation.score_batches).
        for batch, lines, exc in score_batches(batches(), loaded.toxicity, loaded.self_harm, thresholds, texts_of):
            if exc is not None:  # every line of the batch says why, and the command says so at the end
                reason = _classifier_failed(exc)
                failed.append(reason)
                batch = [(line_no, text, error or reason) for line_no, text, error in batch]
            scored = iter(lines or ())
            for line_no, _text, error in batch:
                out = {"error": {"line": line_no, "message": error}} if error else next(scored)
                sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
    if failed:
        raise click.ClickException(f"{len(failed)} batch(es) could not be scored: {failed[0]}")


def _classifier_failed(exc: Exception) -> str:
    return (f"the screening classifiers failed ({type(exc).__name__}: {exc}). "
            "`flask --app wsgi moderation status` shows which backend and why.")
