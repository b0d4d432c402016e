"""Fetch the official Detoxify checkpoints and their Hugging Face config/tokenizer files for offline use.

Run once on a machine with internet (github.com and huggingface.co); copy `dest_dir` to the server. Layout:

    dest_dir/<model_type>/<official file name>.ckpt   byte-identical to the upstream release, sha256-verified
    dest_dir/<model_type>/hf/                          config.json (num_labels = the checkpoint's classes) and
                                                       tokenizer files of the base model (bert-base-uncased, ...)

after which `load_detoxify(checkpoint=dest_dir/<type>/<file>.ckpt, config_dir=dest_dir/<type>/hf)` works offline
(see `detoxify_backend` for how the checkpoint's hub-name `model_type` is kept off the network).

Nothing half-written is left behind: files are fetched under temporary names in the target directory and renamed
into place only when the checkpoint and its config are both complete; on any error the temporaries (and any
directories this call created) are removed and a DownloadError explains what failed.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

# The base model each official checkpoint was fine-tuned from (also recorded in the checkpoint itself, which wins).
HF_BASE_MODELS = {
    "original": "bert-base-uncased",
    "unbiased": "roberta-base",
    "multilingual": "xlm-roberta-base",
    "original-small": "albert-base-v2",
    "unbiased-small": "albert-base-v2",
}

# torch.hub's convention: "name-<first hex digits of sha256>.ext".
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{6,64})\.")
_CHUNK = 1 << 20
NEEDS_INTERNET = (
    "this command needs internet access to github.com and huggingface.co; run it where there is some "
    "and copy the models directory to this machine"
)


class DownloadError(RuntimeError):
    """A model download failed; the message says what and why. No partial files remain."""


def _model_urls() -> dict[str, str]:
    from detoxify.detoxify import MODEL_URLS  # read at call time (tests point it at a local server)

    return MODEL_URLS


def _mkdirs(path: Path) -> list[Path]:
    """mkdir -p, returning the directories actually created (deepest last)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _fetch(url: str, dest: Path, timeout: float, log: Callable[[str], Any]) -> str:
    """Stream url into dest; return its sha256. Raises DownloadError."""
    request = urllib.request.Request(url, headers={"User-Agent": "haven-moderation-download"})
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
            expected = int(response.headers.get("Content-Length") or 0)
            log(f"downloading {url} ({expected / 1e6:.0f} MB)" if expected else f"downloading {url}")
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                digest.update(block)
                received += len(block)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"Could not download {url}: HTTP {exc.code} {exc.reason}.") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"Could not download {url}: {reason}; {NEEDS_INTERNET}.") from exc
    if expected and received != expected:
        raise DownloadError(f"Download of {url} was cut short ({received} of {expected} bytes); try again.")
    return digest.hexdigest()


@contextmanager
def _hub_online() -> Iterator[None]:
    """Let this explicit download reach the hub even if HF_HUB_OFFLINE was set in this process (huggingface_hub
    reads it once at import, and the app's encoder sets it). Restored afterwards."""
    from huggingface_hub import constants

    previous = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = previous


def save_hf_files(base_model: str, dest: Path, classes: list[str]) -> None:
    """Save the base model's config (with one label per checkpoint class) and tokenizer into dest.

    Uses a throwaway cache dir so nothing is left in ~/.cache/huggingface."""
    from transformers import AutoConfig, AutoTokenizer

    id2label = dict(enumerate(classes))
    with tempfile.TemporaryDirectory(prefix="haven-hf-") as cache, _hub_online():
        config = AutoConfig.from_pretrained(
            base_model, id2label=id2label, label2id={v: k for k, v in id2label.items()}, cache_dir=cache
        )
        tokenizer = AutoTokenizer.from_pretrained(base_model, cache_dir=cache)
        config.save_pretrained(str(dest))
        tokenizer.save_pretrained(str(dest))


def _checkpoint_info(path: Path) -> tuple[str | None, list[str]]:
    """(model_type, classes) recorded in a Detoxify checkpoint."""
    import torch

    try:
        loaded = torch.load(str(path), map_location="cpu", weights_only=False, mmap=True)
    except RuntimeError:
        loaded = torch.load(str(path), map_location="cpu", weights_only=False)
    config = loaded["config"]
    return config["arch"]["args"].get("model_type"), list(config["dataset"]["args"]["classes"])


def _download_one(model_type: str, url: str, dest_dir: Path, timeout: float, log: Callable[[str], Any]) -> Path:
    filename = url.rsplit("/", 1)[-1]
    type_dir = dest_dir / model_type
    final_ckpt, final_hf = type_dir / filename, type_dir / "hf"
    if final_ckpt.is_file() and (final_hf / "config.json").is_file():
        log(f"{model_type}: already present at {final_ckpt}")
        return final_ckpt

    created = _mkdirs(type_dir)
    tag = uuid.uuid4().hex[:8]
    tmp_ckpt, tmp_hf = type_dir / f".{filename}.{tag}.part", type_dir / f".hf.{tag}.part"
    try:
        sha = _fetch(url, tmp_ckpt, timeout, log)
        match = _HASH_IN_NAME.search(filename)
        if match and not sha.startswith(match.group(1)):
            raise DownloadError(
                f"Checksum mismatch for {url}: sha256 {sha[:16]}... does not start with {match.group(1)}; "
                "the download is corrupt or was tampered with."
            )
        try:
            recorded, classes = _checkpoint_info(tmp_ckpt)
        except Exception as exc:
            raise DownloadError(f"{url} is not a readable Detoxify checkpoint ({type(exc).__name__}: {exc}).") from exc

        base = recorded if recorded and not os.path.isabs(recorded) else HF_BASE_MODELS.get(model_type)
        if not base:
            raise DownloadError(f"Don't know which Hugging Face base model the {model_type!r} checkpoint needs.")
        log(f"{model_type}: saving {base} config and tokenizer")
        tmp_hf.mkdir()
        try:
            save_hf_files(base, tmp_hf, classes)
        except DownloadError:
            raise
        except Exception as exc:
            raise DownloadError(
                f"Could not fetch the Hugging Face config/tokenizer {base!r} for the Detoxify {model_type!r} model "
                f"({type(exc).__name__}: {exc}); {NEEDS_INTERNET}."
            ) from exc

        # Commit: config dir first, checkpoint last (the checkpoint's presence marks a complete download).
        if final_hf.exists():
            _remove(final_hf)
        os.replace(tmp_hf, final_hf)
        os.replace(tmp_ckpt, final_ckpt)
    except BaseException:
        _remove(tmp_ckpt)
        _remove(tmp_hf)
        for directory in reversed(created):
            try:
                directory.rmdir()  # only if still empty
            except OSError:
                break
        raise
    log(f"{model_type}: {final_ckpt} (sha256 {sha[:12]})")
    return final_ckpt


def download_models(
    dest_dir: Path,
    model_types: Iterable[str] = ("original",),
    log: Callable[[str], Any] = print,
    *,
    timeout: float = 60.0,
) -> list[Path]:
    """Download each Detoxify model into dest_dir/<model_type>/; return the checkpoint paths, in order.

    The matching config dir is always `<checkpoint>.parent / "hf"`. Already-complete models are skipped.
    Raises DownloadError (unknown type, network failure, checksum mismatch) with nothing half-written left behind;
    models completed before the failure stay.
    """
    dest_dir = Path(dest_dir).expanduser()
    types = [model_types] if isinstance(model_types, str) else list(model_types)
    urls = _model_urls()
    unknown = [t for t in types if t not in urls]
    if unknown:
        raise DownloadError(f"Unknown Detoxify model(s) {', '.join(unknown)}; choose from {', '.join(sorted(urls))}.")
    return [_download_one(t, urls[t], dest_dir, timeout, log) for t in types]
