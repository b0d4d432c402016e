"""minilm.py's plain-PyTorch BERT must compute what transformers' BertModel computes for the shipped encoder:
same wordpiece ids, same hidden states at every layer (the embedded heads were trained on these vectors)."""

import numpy as np
import pytest

from .conftest import require

torch = require("torch")
transformers = require("transformers")

from moderation.classifiers.encoder import MAX_SEQ_LENGTH, model_path
from moderation.classifiers.minilm import MiniLM
from tests.support import ROOT

TEXTS = ["Hello there, you idiot!", "a longer sentence so the batch needs padding 🤷 naïve café, ok?",
         "i can't do this anymore " * 80, "", "ünïcödé ЖЖЖ 日本語 #HashTag @USER URL"]


@pytest.fixture(scope="module")
def both():
    path = model_path()
    reference = transformers.BertModel.from_pretrained(path, local_files_only=True).eval()
    tokenizer = transformers.BertTokenizerFast.from_pretrained(path, local_files_only=True)
    return MiniLM(path), reference, tokenizer


def test_tokenizer_matches_transformers(both):
    ours, _, tokenizer = both
    expected = tokenizer(TEXTS, padding=True, truncation=True, max_length=MAX_SEQ_LENGTH, return_tensors="pt")
    ids, mask = ours.tokenize(TEXTS, MAX_SEQ_LENGTH)
    assert torch.equal(ids, expected["input_ids"]) and torch.equal(mask, expected["attention_mask"])
    assert ids.shape[1] == MAX_SEQ_LENGTH  # the long text was truncated, not dropped


def test_every_layer_matches_transformers(both):
    ours, reference, tokenizer = both
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=MAX_SEQ_LENGTH, return_tensors="pt")
    with torch.inference_mode():
        expected = reference(**batch, output_hidden_states=True).hidden_states
        got = ours.forward(batch["input_ids"], batch["attention_mask"])
    assert len(got) == len(expected) == 7
    real = batch["attention_mask"][..., None].bool()
    for mine, theirs in zip(got, expected):
        assert np.allclose(mine.masked_fill(~real, 0).numpy(), theirs.masked_fill(~real, 0).numpy(), atol=1e-5)


def test_serving_imports_no_torch_transformers_or_sklearn():
    """A server process screening with the embedded models runs ONNX Runtime: it never imports torch,
    transformers, sentence-transformers, scikit-learn, scipy, onnx or huggingface_hub (requirements.txt does not
    even install them)."""
    import subprocess
    import sys

    code = ("import sys; from moderation.classifiers.embedded import load_embedded; t, s = load_embedded(); "
            "t.score(['hello']); s.score(['hello']); import wsgi; "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'sklearn', 'scipy', 'detoxify', "
            "'onnx', 'huggingface_hub') if m in sys.modules))")
    root = ROOT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
