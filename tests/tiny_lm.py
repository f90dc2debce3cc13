"""A tiny random-initialised Llama with the embedded model's tokenizer, built without a download.

Shared by the tests that need a real model under the grammars whose choices are noise, so only
the grammar, the decoding loop and the validation are under test.
"""

from __future__ import annotations

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from generators.backends.local import LocalBackend
from generators.embedded import embedded_gguf_path


def tiny_random_backend(seed: int) -> LocalBackend:
    """A 2-layer, 64-wide Llama (weights drawn from ``seed``) behind the local backend."""
    gguf = embedded_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return LocalBackend.from_parts(model, tokenizer, "tiny-random-llama")
