"""Shared fixtures: the shipped models are loaded ONCE per test session, with non-loopback network blocked."""
from __future__ import annotations

import ipaddress
import socket

import pytest

_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(address) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # AF_UNIX paths and the like: local
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    pass


def _guarded(original):
    def connect(self, address, *args, **kwargs):
        if not _is_loopback(address):
            NETWORK_ATTEMPTS.append(address)
            raise NetworkBlocked(f"network access attempted during model load: {address!r}")
        return original(self, address, *args, **kwargs)

    return connect


NETWORK_ATTEMPTS: list = []


@pytest.fixture(scope="session")
def models():
    """(toxicity, self_harm, load_seconds) loaded from the repo's weights with the network blocked."""
    import time

    orig_connect, orig_connect_ex = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = _guarded(orig_connect)
    socket.socket.connect_ex = _guarded(orig_connect_ex)
    try:
        from moderation.classifiers.embedded import load_embedded

        t0 = time.perf_counter()
        toxicity, self_harm = load_embedded()
        toxicity.score(["warm-up"])  # the first forward pass must not reach out either
        elapsed = time.perf_counter() - t0
    finally:
        socket.socket.connect, socket.socket.connect_ex = orig_connect, orig_connect_ex
    return toxicity, self_harm, elapsed


def require(module: str):
    """Import a training-side package (torch, transformers, scikit-learn: requirements-train.txt). Without it the
    test skips with the reason, except under CI=true, where requirements-dev.txt installs it and it must run."""
    import importlib
    import os

    if os.environ.get("CI", "").lower() == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install -r requirements-train.txt)")


@pytest.fixture(scope="session")
def torch_encoder():
    """The PyTorch encoder (training and parity reference), loaded once."""
    require("torch")
    from moderation.classifiers.torch_encoder import TorchEncoder

    return TorchEncoder()
