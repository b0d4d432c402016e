"""Build a few-KB Detoxify-format checkpoint for tests (no network, no real weights).

The checkpoint has exactly the layout of Detoxify's released `.ckpt` files -- a torch pickle with
`config.arch.args` (model_type / model_name / tokenizer_name / num_classes), `config.dataset.args.classes` and a
`state_dict` -- around a randomly initialised (seeded) 1-layer BERT with hidden size 8 and a 30-odd word vocabulary.
Its scores are meaningless; it exists so the real `detoxify.Detoxify(checkpoint=..., huggingface_config_path=...)`
loading path can run offline in milliseconds.
"""
from __future__ import annotations

from pathlib import Path

# The original Jigsaw class names, as in Detoxify's "original" checkpoint (Detoxify renames some on load).
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "you", "are", "a", "an", "the", "i", "we", "it", "is", "and", "to",
    "idiot", "stupid", "hate", "kill", "love", "thanks", "hello", "friend", "today", "feel", "better",
    ".", ",", "!", "?",
]

# Small on purpose: tests feed longer texts than this to prove the backend truncates.
MAX_POSITIONS = 32


def build_tiny_checkpoint(dest_dir: Path, *, model_type: str | None = None, seed: int = 0) -> tuple[Path, Path]:
    """Write `dest_dir/hf/` (config.json + tokenizer files) and `dest_dir/tiny-detoxify.ckpt`.

    model_type: what the checkpoint records in `config.arch.args.model_type`. Default: the absolute path of the hf
    dir (loads offline with plain Detoxify). Pass "bert-base-uncased" to mimic the official checkpoints, where plain
    Detoxify would try to fetch that config from the Hugging Face hub even when given `huggingface_config_path`.

    Returns (checkpoint_path, config_dir).
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    dest_dir = Path(dest_dir)
    config_dir = dest_dir / "hf"
    config_dir.mkdir(parents=True, exist_ok=True)

    vocab_file = config_dir / "vocab.txt"
    vocab_file.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    # Deliberately no model_max_length: the backend must cap sequence length itself.
    # transformers 5's BertTokenizer takes the vocabulary itself (a `vocab_file=` keyword would be silently ignored).
    vocab = {token: i for i, token in enumerate(VOCAB)}
    BertTokenizer(vocab=vocab, do_lower_case=True).save_pretrained(str(config_dir))

    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=MAX_POSITIONS,
        num_labels=len(CLASSES),
        # Wide random init so different texts get visibly different scores (tests check ordering).
        initializer_range=1.0,
    )
    config.save_pretrained(str(config_dir))

    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    state_dict = {k: v.detach().clone() for k, v in model.state_dict().items()}

    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": model_type if model_type is not None else str(config_dir.resolve()),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(CLASSES),
                }
            },
            "dataset": {"args": {"classes": list(CLASSES)}},
        },
        "state_dict": state_dict,
    }
    checkpoint_path = dest_dir / "tiny-detoxify.ckpt"
    torch.save(checkpoint, str(checkpoint_path))
    return checkpoint_path, config_dir
