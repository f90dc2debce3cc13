"""Constrained decoding: a JSON Schema or EBNF grammar becomes a token mask during generation.

Owns: compiling schemas and grammars with xgrammar for one tokenizer (compiled grammars cached),
and the logits processor that masks every token the grammar forbids during ``model.generate``,
timing the mask work. Must not touch: models, prompts or validation; xgrammar ignores some JSON
Schema keywords, so callers validate every result fully afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, cast

import torch
import transformers
import xgrammar

# Compact JSON: free whitespace lets a small model pad until it runs out of tokens.
COMPACT_SEPARATORS = (",", ":")


class GrammarCompiler:
    """Compiles JSON Schemas and EBNF grammars for one tokenizer, caching the results."""

    def __init__(self, tokenizer: Any, vocab_size: int, stop_token_ids: list[int]) -> None:
        self.tokenizer_info = xgrammar.TokenizerInfo.from_huggingface(
            tokenizer, vocab_size=vocab_size, stop_token_ids=stop_token_ids
        )
        self._compiler = xgrammar.GrammarCompiler(self.tokenizer_info, max_threads=2)
        self._cache: dict[str, xgrammar.CompiledGrammar] = {}

    def json_schema(self, schema: dict[str, Any]) -> xgrammar.CompiledGrammar:
        """Grammar for compact JSON (no free whitespace) matching ``schema``."""
        key = "schema:" + json.dumps(schema, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = self._compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False, separators=COMPACT_SEPARATORS
            )
        return self._cache[key]

    def ebnf(self, grammar: str, root_rule: str = "root") -> xgrammar.CompiledGrammar:
        """Grammar from EBNF text (xgrammar's GBNF dialect)."""
        key = f"ebnf:{root_rule}:{grammar}"
        if key not in self._cache:
            self._cache[key] = self._compiler.compile_grammar(grammar, root_rule_name=root_rule)
        return self._cache[key]


class GrammarLogitsProcessor(transformers.LogitsProcessor):
    """Masks logits to the tokens a grammar allows, one matcher per batch row.

    Single use: make a new one for each ``generate`` call. ``on_step`` (if given) is called once per
    generated token position, which drives progress bars. ``mask_seconds`` and ``mask_calls``
    measure the grammar's cost per token.
    """

    def __init__(
        self,
        grammar: xgrammar.CompiledGrammar,
        batch_size: int,
        on_step: Callable[[], None] | None = None,
    ) -> None:
        self.matchers = [xgrammar.GrammarMatcher(grammar) for _ in range(batch_size)]
        self.bitmask = xgrammar.allocate_token_bitmask(
            batch_size, grammar.tokenizer_info.vocab_size
        )
        self.on_step = on_step
        self.mask_seconds = 0.0
        self.mask_calls = 0
        self._first_call = True

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        started = time.perf_counter()
        if self._first_call:
            self._first_call = False
        else:
            # The token sampled last step is the last column of input_ids: (B, T).
            for row, matcher in enumerate(self.matchers):
                if not matcher.is_terminated():
                    token = int(input_ids[row, -1])
                    if not matcher.accept_token(token):
                        raise RuntimeError(f"grammar refused token {token} it had allowed")
        for row, matcher in enumerate(self.matchers):
            if not matcher.is_terminated():
                matcher.fill_next_token_bitmask(self.bitmask, row)
        # scores: (B, V) where V may exceed the tokenizer's vocabulary (padding rows).
        masked = scores.to("cpu") if scores.device.type not in ("cpu", "cuda") else scores
        xgrammar.apply_token_bitmask_inplace(masked, self.bitmask.to(masked.device))
        self.mask_seconds += time.perf_counter() - started
        self.mask_calls += 1
        if self.on_step is not None:
            self.on_step()
        return cast(torch.FloatTensor, masked.to(scores.device))

    def all_terminated(self) -> bool:
        """True when every row reached the end of its grammar."""
        return all(matcher.is_terminated() for matcher in self.matchers)


class GumbelSampler(transformers.LogitsProcessor):
    """Sampling by the Gumbel-max trick: argmax(logits / T + Gumbel noise) ~ softmax(logits / T).

    Used with greedy decoding in place of transformers' sampler, whose ``torch.multinomial``
    over the 49k-token vocabulary took longer than the 135M model's forward pass on this CPU.
    The noise comes from a seeded generator, so a run is reproducible.
    """

    def __init__(self, temperature: float, seed: int) -> None:
        self.temperature = temperature
        self.generator = torch.Generator(device="cpu").manual_seed(seed)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        # Noise only where the grammar left a choice: usually a handful of the 49k tokens.
        allowed = torch.isfinite(scores).nonzero(as_tuple=True)  # (rows, tokens) of allowed
        uniform = torch.rand(allowed[0].shape, generator=self.generator, dtype=torch.float32)
        gumbel = -torch.log(-torch.log(uniform.clamp_(1e-10, 1.0 - 1e-7)))
        noisy = torch.full_like(scores, float("-inf"))
        noisy[allowed] = scores[allowed] / self.temperature + gumbel.to(scores.device, scores.dtype)
        return cast(torch.FloatTensor, noisy)
