"""Detoxify toxicity backend: `DetoxifyToxicity` scores texts with a Detoxify checkpoint.

Two ways to load it:

* A named model (`original`, `unbiased`, `multilingual`, `original-small`, `unbiased-small`): Detoxify downloads
  the checkpoint from github.com (torch hub cache) and the base config/tokenizer from huggingface.co on first use.
  Only works online, or when both caches are already warm.
* A local checkpoint file plus a local Hugging Face config directory, as written by
  `moderation.classifiers.download.download_models` (`<dest>/<type>/<file>.ckpt` and `<dest>/<type>/hf/`). They are
  passed through Detoxify's own `Detoxify(checkpoint=..., huggingface_config_path=...)`, so this is the real
  Detoxify loading code, and it never touches the network.

The `model_type` quirk and how it is solved
-------------------------------------------
`detoxify.detoxify.get_model_and_tokenizer` always runs `config_class.from_pretrained(model_type)`, with
`model_type` taken from the checkpoint's `config.arch.args.model_type`. Official checkpoints record a hub name
("bert-base-uncased", "roberta-base", "xlm-roberta-base", "albert-base-v2"), so even with `huggingface_config_path`
Detoxify tries huggingface.co (and retries for ~25 s before failing) -- although the config it fetches is then
thrown away in favour of `huggingface_config_path`.

Before handing the checkpoint to Detoxify we read its config (memory-mapped, so cheap). If `model_type` already
names a local directory, the checkpoint *file path* is passed through untouched. Otherwise we point `model_type` at
the local config dir in memory, re-serialise the checkpoint into a `BytesIO` and pass that buffer as
`checkpoint=` (Detoxify just calls `torch.load` on it). The checkpoint file on disk stays byte-identical to the
upstream release (its sha256 is in `version` and was verified at download), nothing is written at load time, no
process-wide environment variable or library global is changed, and no Detoxify function is monkeypatched. The cost
is one transient in-memory copy of the checkpoint at startup (~440 MB for `original`, ~1.1 GB for `multilingual`).

Trust: Detoxify checkpoints are pickles (`torch.load(weights_only=False)`, as Detoxify itself does). Only load files
you fetched with the download command or otherwise trust.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from .base import TOXICITY, TOXICITY_LABELS, Scores

log = logging.getLogger(__name__)

DOWNLOAD_HINT = (
    "run `flask --app wsgi moderation download-models` on a machine with internet "
    "and copy the models directory here"
)

BATCH_SIZE = 32
# The models read at most 512 tokens. Cut absurdly long posts before tokenising so a megabyte paste can't stall the
# tokenizer; 20k characters is far more than 512 tokens of any real text.
MAX_TOKENS = 512
MAX_CHARS = 20_000

# Detoxify already renames these on load; repeated here so a checkpoint with raw Jigsaw names still maps.
_ALIASES = {"toxic": "toxicity", "severe_toxic": "severe_toxicity", "identity_hate": "identity_attack"}


class DetoxifyUnavailable(Exception):
    """The Detoxify model can't be used here; the message is a sentence an operator can act on."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _detoxify_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("detoxify")
    except PackageNotFoundError:  # pragma: no cover - detoxify imported but not installed as a dist
        return "unknown"


def _model_urls() -> dict[str, str]:
    from detoxify.detoxify import MODEL_URLS

    return MODEL_URLS


def _read_checkpoint(path: Path) -> dict[str, Any]:
    import torch

    try:  # zip-format checkpoints: tensors stay on disk until touched
        return torch.load(str(path), map_location="cpu", weights_only=False, mmap=True)
    except RuntimeError:  # legacy (non-zip) format can't be memory-mapped
        return torch.load(str(path), map_location="cpu", weights_only=False)


def _config_labels(config_dir: Path) -> int:
    data = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
    if isinstance(data.get("id2label"), dict):
        return len(data["id2label"])
    return int(data.get("num_labels", 2))  # transformers' default


def _max_tokens(model: Any, tokenizer: Any) -> int:
    """Longest input the model accepts: min of 512, the tokenizer's limit and the position-embedding table."""
    cfg = model.config
    limit = int(getattr(cfg, "max_position_embeddings", None) or MAX_TOKENS)
    if "roberta" in str(getattr(cfg, "model_type", "")):
        # RoBERTa-style position ids start after the padding index (512 usable of 514).
        limit -= int(getattr(cfg, "pad_token_id", None) or 1) + 1
    tok_limit = getattr(tokenizer, "model_max_length", None) or MAX_TOKENS
    return max(8, min(MAX_TOKENS, limit, int(min(tok_limit, 10**9))))


class DetoxifyToxicity:
    """A `Classifier` (kind "toxicity") backed by a Detoxify model.

    Give either `model_type` alone (named model, needs internet or warm caches) or `checkpoint` (+ `config_dir`,
    defaulting to the `hf/` directory next to the checkpoint, the download command's layout). With a checkpoint,
    `model_type` is only used for the name; if omitted it is inferred from the official file name, else "local".

    Raises DetoxifyUnavailable when files are missing or the model can't be loaded. Attributes: `kind`, `name`
    ("detoxify-original", "detoxify-local", ...), `version` ("<detoxify version>/<checkpoint file>/sha256:<12 hex>"),
    `load_seconds`, `labels` (the TOXICITY_LABELS this checkpoint provides), `max_tokens`, `batch_size`.
    """

    kind = TOXICITY

    def __init__(
        self,
        model_type: str | None = None,
        checkpoint: str | Path | None = None,
        config_dir: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = BATCH_SIZE,
    ) -> None:
        started = time.perf_counter()
        try:
            import detoxify
        except ImportError as exc:
            raise DetoxifyUnavailable(
                f"The detoxify package is not installed ({exc}); install requirements.txt."
            ) from exc

        self.batch_size = max(1, int(batch_size))
        self._lock = threading.Lock()
        urls = _model_urls()

        if checkpoint is not None:
            ckpt = Path(checkpoint).expanduser()
            cfg_dir = self._resolve_config_dir(ckpt, config_dir)
            source = self._checkpoint_source(ckpt, cfg_dir)
            try:
                self._detox = detoxify.Detoxify(checkpoint=source, huggingface_config_path=str(cfg_dir), device=device)
            except Exception as exc:
                raise DetoxifyUnavailable(
                    f"Detoxify could not load checkpoint {ckpt} with config {cfg_dir} "
                    f"({type(exc).__name__}: {exc}); the files may be incomplete or mismatched, {DOWNLOAD_HINT}."
                ) from exc
            by_file = {url.rsplit("/", 1)[-1]: name for name, url in urls.items()}
            label = model_type or by_file.get(ckpt.name, "local")
            self.checkpoint: Path | None = ckpt
            self.config_dir: Path | None = cfg_dir
            ckpt_file, sha = ckpt.name, _sha256(ckpt)
        else:
            label = model_type or "original"
            if label not in urls:
                raise DetoxifyUnavailable(
                    f"Unknown Detoxify model {label!r}; choose one of {', '.join(sorted(urls))}, "
                    "or pass a checkpoint file and config directory."
                )
            try:
                self._detox = detoxify.Detoxify(model_type=label, device=device)
            except Exception as exc:
                raise DetoxifyUnavailable(
                    f"Could not load the Detoxify {label!r} model ({type(exc).__name__}: {exc}). Named models are "
                    f"fetched from github.com and huggingface.co on first use; without internet, {DOWNLOAD_HINT}, "
                    "then load it with checkpoint= and config_dir=."
                ) from exc
            import torch

            self.checkpoint, self.config_dir = None, None
            ckpt_file = urls[label].rsplit("/", 1)[-1]
            cached = Path(torch.hub.get_dir()) / "checkpoints" / ckpt_file
            sha = _sha256(cached) if cached.is_file() else "unknown"

        self.model_type = label
        self.name = f"detoxify-{label}"
        self.version = f"{_detoxify_version()}/{ckpt_file}/sha256:{sha[:12]}"

        # Map Detoxify's class names to ours; the headline is "toxicity".
        self._columns: dict[str, str] = {}
        for cls in self._detox.class_names:
            ours = _ALIASES.get(cls, cls)
            if ours == "toxicity" or ours in TOXICITY_LABELS:
                self._columns.setdefault(ours, cls)
        if "toxicity" not in self._columns:
            raise DetoxifyUnavailable(
                f"Detoxify checkpoint for {self.name} has no toxicity class (classes: {self._detox.class_names})."
            )
        self.labels = tuple(n for n in TOXICITY_LABELS if n in self._columns)

        # Detoxify's predict() tokenises with truncation=True, which truncates to model_max_length; make that the
        # real limit of the model (a config dir without tokenizer limits would otherwise let inputs overflow).
        self.max_tokens = _max_tokens(self._detox.model, self._detox.tokenizer)
        self._detox.tokenizer.model_max_length = self.max_tokens
        self._detox.model.eval()

        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s (%s) in %.1fs", self.name, self.version, self.load_seconds)

    @staticmethod
    def _resolve_config_dir(ckpt: Path, config_dir: str | Path | None) -> Path:
        if not ckpt.is_file():
            raise DetoxifyUnavailable(f"Detoxify checkpoint {ckpt} not found; {DOWNLOAD_HINT}.")
        if config_dir is None:
            cfg_dir = ckpt.parent / "hf"
            if not cfg_dir.is_dir():
                raise DetoxifyUnavailable(
                    f"No Hugging Face config directory given for Detoxify checkpoint {ckpt} and none at {cfg_dir}; "
                    f"{DOWNLOAD_HINT}."
                )
        else:
            cfg_dir = Path(config_dir).expanduser()
        if not (cfg_dir / "config.json").is_file():
            raise DetoxifyUnavailable(
                f"Detoxify config directory {cfg_dir} not found or has no config.json; {DOWNLOAD_HINT}."
            )
        return cfg_dir.resolve()

    @staticmethod
    def _checkpoint_source(ckpt: Path, cfg_dir: Path) -> str | io.BytesIO:
        """The `checkpoint=` argument for Detoxify: the file path, or an in-memory copy whose model_type names the
        local config dir (see the module docstring)."""
        import torch

        try:
            loaded = _read_checkpoint(ckpt)
            args = loaded["config"]["arch"]["args"]
            num_classes = int(args["num_classes"])
            model_type = str(args["model_type"])
            loaded["config"]["dataset"]["args"]["classes"]
            loaded["state_dict"]
        except (KeyError, TypeError, ValueError) as exc:
            raise DetoxifyUnavailable(
                f"{ckpt} is not a Detoxify checkpoint (missing {exc}); {DOWNLOAD_HINT}."
            ) from exc
        except Exception as exc:
            raise DetoxifyUnavailable(
                f"Could not read Detoxify checkpoint {ckpt} ({type(exc).__name__}: {exc}); it may be truncated, "
                f"{DOWNLOAD_HINT}."
            ) from exc

        try:
            declared = _config_labels(cfg_dir)
        except (OSError, ValueError) as exc:
            raise DetoxifyUnavailable(f"Could not read {cfg_dir / 'config.json'} ({exc}); {DOWNLOAD_HINT}.") from exc
        if declared != num_classes:
            raise DetoxifyUnavailable(
                f"{cfg_dir / 'config.json'} declares {declared} labels but checkpoint {ckpt} has {num_classes} "
                f"classes; the config must be saved with num_labels={num_classes}, {DOWNLOAD_HINT}."
            )

        if Path(model_type).is_dir():
            return str(ckpt)
        args["model_type"] = str(cfg_dir)
        buffer = io.BytesIO()
        torch.save(loaded, buffer)
        del loaded
        buffer.seek(0)
        return buffer

    def score(self, texts: Sequence[str]) -> list[Scores]:
        """One Scores per text, same order: score = P(toxicity), labels = the sub-scores this checkpoint has."""
        prepared = [(t if isinstance(t, str) else str(t))[:MAX_CHARS] for t in texts]
        results: list[Scores] = []
        for start in range(0, len(prepared), self.batch_size):
            chunk = prepared[start : start + self.batch_size]
            with self._lock:
                raw = self._detox.predict(chunk)
            # predict() squeezes: a one-text batch comes back as floats rather than one-element lists.
            columns = {
                ours: raw[cls] if isinstance(raw[cls], list) else [raw[cls]] for ours, cls in self._columns.items()
            }
            for i in range(len(chunk)):
                values = {ours: float(col[i]) for ours, col in columns.items()}
                if not all(math.isfinite(v) for v in values.values()):
                    raise ValueError(f"{self.name} produced a non-finite score: {values}")
                headline = values.pop("toxicity")
                results.append(Scores(score=headline, labels=values, reasons=[]))
        return results

    def __repr__(self) -> str:
        return f"<DetoxifyToxicity {self.name} {self.version}>"


def load_detoxify(
    model_type: str | None = None,
    checkpoint: str | None = None,
    config_dir: str | None = None,
    *,
    device: str = "cpu",
    batch_size: int = BATCH_SIZE,
) -> DetoxifyToxicity:
    """Load the Detoxify backend; see DetoxifyToxicity. Raises DetoxifyUnavailable with an actionable message."""
    return DetoxifyToxicity(model_type=model_type, checkpoint=checkpoint, config_dir=config_dir, device=device,
                            batch_size=batch_size)
