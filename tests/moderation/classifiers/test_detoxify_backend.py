"""Detoxify backend: real Detoxify loading code, a tiny random checkpoint, and no network."""
from __future__ import annotations

import hashlib
import http.server
import ipaddress
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest

from moderation.classifiers import download as dl
from moderation.classifiers.base import TOXICITY, TOXICITY_LABELS, Classifier, Scores
from moderation.classifiers.detoxify_backend import DetoxifyToxicity, DetoxifyUnavailable, load_detoxify

from .tiny_detoxify import CLASSES, MAX_POSITIONS, build_tiny_checkpoint

TEXTS = ["you are an idiot", "hello friend , thanks", "i feel better today !"]


def _is_local(host) -> bool:
    if host in (None, "localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch):
    """Refuse (and record) every DNS lookup or connection that isn't loopback; set the HF offline env vars."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
            attempts.append(f"connect {address}")
            raise OSError(f"network blocked in tests: {address}")
        return real_connect(self, address)

    def connect_ex(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
            attempts.append(f"connect_ex {address}")
            return 111
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host if isinstance(host, str) else None):
            attempts.append(f"resolve {host}")
            raise socket.gaierror(f"network blocked in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return attempts


@pytest.fixture
def tiny(tmp_path):
    return build_tiny_checkpoint(tmp_path / "tiny")


@pytest.fixture
def official_style(tmp_path):
    """Same weights as `tiny`, but model_type is a hub name, as in Detoxify's released checkpoints."""
    return build_tiny_checkpoint(tmp_path / "official", model_type="bert-base-uncased")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_valid(scores, n):
    assert len(scores) == n
    for s in scores:
        assert isinstance(s, Scores)
        assert 0.0 <= s.score <= 1.0
        assert set(s.labels) == set(TOXICITY_LABELS)
        assert all(0.0 <= v <= 1.0 for v in s.labels.values())
        assert s.reasons == []


# --- loading and scoring ------------------------------------------------------------------------------------------


def test_scores_a_batch_in_order_offline(tiny, no_network):
    ckpt, config_dir = tiny
    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))
    assert isinstance(model, Classifier)
    assert (model.kind, model.name) == (TOXICITY, "detoxify-local")
    assert model.load_seconds > 0
    assert model.labels == TOXICITY_LABELS

    batch = model.score(TEXTS)
    _assert_valid(batch, 3)
    # In order: each batch entry equals scoring that text alone; and the texts really score differently.
    for text, got in zip(TEXTS, batch):
        alone = model.score([text])[0]
        assert got.score == pytest.approx(alone.score, abs=1e-5)
        assert got.labels == pytest.approx(alone.labels, abs=1e-5)
    assert len({round(s.score, 4) for s in batch}) == 3
    tokens = model._detox.tokenizer.tokenize(TEXTS[0])
    assert tokens == ["you", "are", "an", "idiot"]  # the tiny vocabulary really is used (no all-[UNK] inputs)
    assert model.score(list(reversed(TEXTS)))[0].score == pytest.approx(batch[2].score, abs=1e-5)
    assert no_network == []


def test_label_names_map_from_detoxify_classes(tiny, no_network):
    """Headline = the checkpoint's "toxic" column; identity_hate -> identity_attack etc., matching raw Detoxify."""
    import detoxify

    ckpt, config_dir = tiny
    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))
    raw = detoxify.Detoxify(checkpoint=str(ckpt), huggingface_config_path=str(config_dir)).predict(TEXTS)
    for i, s in enumerate(model.score(TEXTS)):
        assert s.score == pytest.approx(raw["toxicity"][i], abs=1e-5)
        assert s.labels["identity_attack"] == pytest.approx(raw["identity_attack"][i], abs=1e-5)
        assert s.labels["severe_toxicity"] == pytest.approx(raw["severe_toxicity"][i], abs=1e-5)
        assert s.labels["insult"] == pytest.approx(raw["insult"][i], abs=1e-5)


def test_version_carries_package_file_and_checksum(tmp_path, tiny, no_network):
    from importlib.metadata import version

    ckpt, config_dir = tiny
    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))
    assert _sha(ckpt)[:12] in model.version
    assert version("detoxify") in model.version
    assert ckpt.name in model.version
    other_ckpt, other_cfg = build_tiny_checkpoint(tmp_path / "seed1", seed=1)
    assert load_detoxify(checkpoint=str(other_ckpt), config_dir=str(other_cfg)).version != model.version


def test_batches_in_chunks_and_handles_edge_sizes(tiny, no_network):
    ckpt, config_dir = tiny
    model = DetoxifyToxicity(checkpoint=ckpt, config_dir=config_dir, batch_size=2)
    calls = []
    predict = model._detox.predict
    model._detox.predict = lambda chunk: (calls.append(len(chunk)), predict(chunk))[1]
    texts = TEXTS + ["we love it", "the idiot"]
    chunked = model.score(texts)
    assert calls == [2, 2, 1]  # the last chunk has one text: Detoxify squeezes it to floats
    reference = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir)).score(texts)
    assert [s.score for s in chunked] == pytest.approx([s.score for s in reference], abs=1e-5)
    assert model.score([]) == []
    _assert_valid(model.score(["hello"]), 1)


def test_truncates_long_texts(tiny, no_network):
    ckpt, config_dir = tiny
    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))
    assert model.max_tokens == MAX_POSITIONS  # the tiny tokenizer declares no limit; the model's table does
    long = " ".join(["you are an idiot"] * 500)
    scores = model.score([long, "hello", "x" * 100_000])
    _assert_valid(scores, 3)


def test_config_dir_defaults_to_hf_next_to_checkpoint(tiny, no_network):
    ckpt, _ = tiny
    model = load_detoxify(checkpoint=str(ckpt))
    _assert_valid(model.score(TEXTS), 3)


def test_model_type_only_names_a_local_checkpoint(tiny, no_network):
    ckpt, config_dir = tiny
    assert load_detoxify("original", checkpoint=str(ckpt), config_dir=str(config_dir)).name == "detoxify-original"


# --- the model_type quirk -----------------------------------------------------------------------------------------


def test_plain_detoxify_needs_the_hub_for_official_style_checkpoints(official_style, no_network, monkeypatch):
    """Why the workaround exists (and that the network block bites): Detoxify itself resolves model_type
    "bert-base-uncased" on the hub even when given huggingface_config_path."""
    import detoxify
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # fail at once instead of ~25 s of retries
    ckpt, config_dir = official_style
    with pytest.raises(OSError):
        detoxify.Detoxify(checkpoint=str(ckpt), huggingface_config_path=str(config_dir))


def test_official_style_checkpoint_loads_offline(tiny, official_style, no_network):
    ckpt, config_dir = official_style
    before = _sha(ckpt)
    files_before = sorted(p.name for p in ckpt.parent.rglob("*"))

    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))

    assert no_network == []  # not even a DNS lookup of huggingface.co
    _assert_valid(model.score(TEXTS), 3)
    # Same seed, same weights as the local-path variant: the very same model was loaded.
    same = load_detoxify(checkpoint=str(tiny[0]), config_dir=str(tiny[1]))
    assert [s.score for s in model.score(TEXTS)] == pytest.approx([s.score for s in same.score(TEXTS)], abs=1e-6)
    # The checkpoint on disk is untouched and nothing was written next to it.
    assert _sha(ckpt) == before
    assert sorted(p.name for p in ckpt.parent.rglob("*")) == files_before
    assert before[:12] in model.version


def test_scoring_is_thread_safe(tiny, no_network):
    ckpt, config_dir = tiny
    model = load_detoxify(checkpoint=str(ckpt), config_dir=str(config_dir))
    expected = [s.score for s in model.score(TEXTS)]
    results, errors = [], []

    def worker():
        try:
            for _ in range(5):
                results.append([s.score for s in model.score(TEXTS)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20
    assert all(r == pytest.approx(expected, abs=1e-5) for r in results)


# --- failures -----------------------------------------------------------------------------------------------------


def test_missing_checkpoint_is_unavailable_with_a_hint(tmp_path, tiny):
    missing = tmp_path / "nope" / "toxic_original-c1212f89.ckpt"
    with pytest.raises(DetoxifyUnavailable) as info:
        load_detoxify(checkpoint=str(missing), config_dir=str(tiny[1]))
    message = str(info.value)
    assert str(missing) in message and "not found" in message
    assert "download-models" in message


def test_missing_config_dir_is_unavailable(tmp_path, tiny):
    ckpt, _ = tiny
    with pytest.raises(DetoxifyUnavailable, match="download-models") as info:
        load_detoxify(checkpoint=str(ckpt), config_dir=str(tmp_path / "no-hf"))
    assert str(tmp_path / "no-hf") in str(info.value)
    lonely = tmp_path / "lonely" / "model.ckpt"
    lonely.parent.mkdir()
    shutil.copy(ckpt, lonely)
    with pytest.raises(DetoxifyUnavailable, match="config directory"):
        load_detoxify(checkpoint=str(lonely))


def test_broken_or_foreign_checkpoints_are_unavailable(tmp_path, tiny):
    import torch

    ckpt, config_dir = tiny
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {}}, str(foreign))
    with pytest.raises(DetoxifyUnavailable, match="not a Detoxify checkpoint"):
        load_detoxify(checkpoint=str(foreign), config_dir=str(config_dir))

    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(ckpt.read_bytes()[:3000])
    with pytest.raises(DetoxifyUnavailable, match="truncated.ckpt"):
        load_detoxify(checkpoint=str(truncated), config_dir=str(config_dir))


def test_config_with_wrong_label_count_is_unavailable(tmp_path, tiny):
    ckpt, config_dir = tiny
    wrong = tmp_path / "wrong-hf"
    shutil.copytree(config_dir, wrong)
    data = json.loads((wrong / "config.json").read_text())
    data["id2label"] = {"0": "a", "1": "b"}
    data["label2id"] = {"a": 0, "b": 1}
    (wrong / "config.json").write_text(json.dumps(data))
    with pytest.raises(DetoxifyUnavailable, match="num_labels=6"):
        load_detoxify(checkpoint=str(ckpt), config_dir=str(wrong))


def test_named_model_offline_is_unavailable(tmp_path, no_network):
    import torch

    with pytest.raises(DetoxifyUnavailable, match="Unknown Detoxify model"):
        load_detoxify("nonsense")
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))  # an empty torch hub cache
    try:
        with pytest.raises(DetoxifyUnavailable) as info:
            load_detoxify("original")
    finally:
        torch.hub.set_dir(previous)
    assert "download-models" in str(info.value)
    assert no_network  # it did try (and was refused)


# --- download command -----------------------------------------------------------------------------------------------


@pytest.fixture
def file_server(tmp_path):
    """Serve tmp_path/'served' over http://127.0.0.1:<port>/ ; records request paths."""
    root = tmp_path / "served"
    root.mkdir()
    hits: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            hits.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


def _leftovers(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def test_download_unreachable_url_fails_cleanly(tmp_path, monkeypatch, no_network):
    import detoxify.detoxify

    monkeypatch.setitem(detoxify.detoxify.MODEL_URLS, "original", "http://127.0.0.1:9/toxic_original-c1212f89.ckpt")
    dest = tmp_path / "models"
    lines: list[str] = []
    with pytest.raises(dl.DownloadError) as info:
        dl.download_models(dest, ("original",), log=lines.append, timeout=5)
    message = str(info.value)
    assert "http://127.0.0.1:9/toxic_original-c1212f89.ckpt" in message
    assert "internet" in message
    assert not dest.exists()  # nothing half-written, not even the directories

    dest.mkdir()  # an existing destination stays as it was
    with pytest.raises(dl.DownloadError):
        dl.download_models(dest, ["original"], log=lines.append, timeout=5)
    assert _leftovers(dest) == []


def test_download_unknown_type_fails_before_touching_disk(tmp_path):
    with pytest.raises(dl.DownloadError, match="Unknown Detoxify model"):
        dl.download_models(tmp_path / "models", ("original", "bogus"), log=lambda _: None)
    assert not (tmp_path / "models").exists()


def _serve_official_style(official_style, served: Path, name: str | None = None) -> str:
    ckpt, _ = official_style
    name = name or f"tiny-{_sha(ckpt)[:8]}.ckpt"
    shutil.copy(ckpt, served / name)
    return name


def test_download_then_load_offline(tmp_path, monkeypatch, official_style, file_server, no_network):
    """End to end with a local server standing in for github.com (the hub step is stubbed: no internet here)."""
    import detoxify.detoxify

    served, base_url, hits = file_server
    name = _serve_official_style(official_style, served)
    monkeypatch.setitem(detoxify.detoxify.MODEL_URLS, "original", base_url + name)
    asked = []

    def fake_hf(base_model, dest, classes):
        asked.append((base_model, classes))
        for f in official_style[1].iterdir():
            shutil.copy(f, dest / f.name)

    monkeypatch.setattr(dl, "save_hf_files", fake_hf)
    dest = tmp_path / "models"
    paths = dl.download_models(dest, ("original",), log=lambda _: None)

    assert paths == [dest / "original" / name]
    assert asked == [("bert-base-uncased", CLASSES)]  # the base model recorded in the checkpoint
    assert _sha(paths[0]) == _sha(official_style[0])  # byte-identical to upstream
    assert not [p for p in _leftovers(dest) if ".part" in p]
    model = load_detoxify(checkpoint=str(paths[0]), config_dir=str(paths[0].parent / "hf"))
    _assert_valid(model.score(TEXTS), 3)

    before = len(hits)
    lines: list[str] = []
    assert dl.download_models(dest, ("original",), log=lines.append) == paths
    assert len(hits) == before and "already present" in lines[0]


def test_download_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch, official_style, file_server, no_network):
    import detoxify.detoxify

    served, base_url, _ = file_server
    name = _serve_official_style(official_style, served, "toxic_original-deadbeef.ckpt")
    monkeypatch.setitem(detoxify.detoxify.MODEL_URLS, "original", base_url + name)
    monkeypatch.setattr(dl, "save_hf_files", lambda *a: pytest.fail("must stop before the hub step"))
    dest = tmp_path / "models"
    with pytest.raises(dl.DownloadError, match="Checksum mismatch"):
        dl.download_models(dest, ("original",), log=lambda _: None)
    assert not dest.exists()


def test_download_hub_failure_leaves_nothing(tmp_path, monkeypatch, official_style, file_server, no_network):
    import detoxify.detoxify

    served, base_url, _ = file_server
    name = _serve_official_style(official_style, served)
    monkeypatch.setitem(detoxify.detoxify.MODEL_URLS, "original", base_url + name)

    def offline_hub(base_model, dest, classes):
        (dest / "config.json").write_text("{}")  # half-written, must be cleaned up
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(dl, "save_hf_files", offline_hub)
    dest = tmp_path / "models"
    with pytest.raises(dl.DownloadError, match="bert-base-uncased") as info:
        dl.download_models(dest, ("original",), log=lambda _: None)
    assert "internet" in str(info.value)
    assert not dest.exists()


def test_save_hf_files_writes_a_config_with_the_checkpoint_labels(tmp_path, tiny, no_network):
    """The real hub step, fed a local directory instead of a hub name (no internet here)."""
    from huggingface_hub import constants
    from transformers import AutoConfig, AutoTokenizer

    offline_before = constants.HF_HUB_OFFLINE
    dest = tmp_path / "hf-out"
    dest.mkdir()
    dl.save_hf_files(str(tiny[1]), dest, CLASSES)
    assert constants.HF_HUB_OFFLINE == offline_before  # the temporary online switch is undone
    config = AutoConfig.from_pretrained(str(dest), local_files_only=True)
    assert config.num_labels == 6 and config.id2label[5] == "identity_hate"
    assert AutoTokenizer.from_pretrained(str(dest), local_files_only=True).tokenize("you idiot") == ["you", "idiot"]
