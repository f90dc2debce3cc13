"""The local backend's decoding loop: one sequence at a time, built for a small model on a CPU.

Owns: prefilling a prompt through a cache of recent prompts' keys and values (a shared system
prompt and few-shot examples are computed once), grammar-masked sampling with jump-forward (text
the grammar forces is fed in one forward pass instead of sampled token by token), computing
logits only for the tokens the grammar allows, and scoring given continuations of a prompt by
their log-likelihood in one batched forward. Counts where the time goes. It sees token ids and a
compiled grammar only. Must not touch: prompts, schemas or validation (the generators own those),
model loading (``generators.backends.local``).
"""

from __future__ import annotations

import copy
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
import xgrammar

# Allowed tokens below this share of the vocabulary get their logits from the matching rows of the
# output matrix only; above it the whole matrix product is cheaper than gathering rows.
SPARSE_LOGITS_SHARE = 0.125


@dataclass
class DecodeStats:
    """Where decoding time went, summed over calls (the bench reports these per stage)."""

    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    """Prompt tokens whose keys and values came from the prefix cache (not computed again)."""
    generated_tokens: int = 0
    jumped_tokens: int = 0
    """Generated tokens the grammar forced, fed without sampling (part of generated_tokens)."""
    forward_passes: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    mask_seconds: float = 0.0
    mask_calls: int = 0
    scored_tokens: int = 0
    score_seconds: float = 0.0

    def minus(self, earlier: DecodeStats) -> DecodeStats:
        """The counts accumulated since ``earlier`` (a copy taken before)."""
        return DecodeStats(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)}
        )


@dataclass
class Decoded:
    """One decoded answer: its token ids (stop token excluded) and whether it ended by itself."""

    token_ids: list[int]
    finished: bool


class PrefixCache:
    """Keys and values of recently prefilled prompts; a new prompt reuses its longest shared
    prefix with one of them and computes only the rest."""

    def __init__(self, capacity: int = 6) -> None:
        self.capacity = capacity
        self._entries: list[tuple[tuple[int, ...], Any]] = []  # oldest first

    def lookup(self, ids: list[int]) -> tuple[int, Any | None]:
        """(number of leading ids covered, a private copy of the cache cut to them), or (0, None).

        At least one id is left uncovered, so the caller's forward pass yields the next logits.
        """
        best_length, best_cache = 0, None
        for key, cache in self._entries:
            length = _shared_prefix_length(key, ids)
            if length > best_length:
                best_length, best_cache = length, cache
        best_length = min(best_length, len(ids) - 1)
        if best_cache is None or best_length <= 0:
            return 0, None
        cache = copy.deepcopy(best_cache)
        extra = cache.get_seq_length() - best_length
        if extra > 0:
            cache.crop(-extra)
        return best_length, cache

    def store(self, ids: list[int], cache: Any) -> None:
        """Remember ``cache`` (which holds exactly ``ids``) as a copy, evicting the oldest."""
        key = tuple(ids)
        self._entries = [entry for entry in self._entries if entry[0] != key]
        self._entries.append((key, copy.deepcopy(cache)))
        del self._entries[: -self.capacity]


def _shared_prefix_length(first: tuple[int, ...], second: list[int]) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


class Decoder:
    """Decodes and scores with one causal LM and its tokenizer, one sequence at a time."""

    def __init__(self, model: Any, tokenizer: Any, stop_token_ids: list[int]) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.stop_token_ids = list(stop_token_ids)
        self.vocab_size = int(model.config.vocab_size)
        self.device = next(model.parameters()).device
        self.prefix_cache = PrefixCache()
        self.stats = DecodeStats()
        self.body = model.base_model
        self.head = model.get_output_embeddings()
        # transformers 5 renamed ``past_key_values`` to ``cache``; older releases know the first.
        parameters = inspect.signature(self.body.forward).parameters
        self._cache_keyword = "cache" if "cache" in parameters else "past_key_values"
        self.split_head = self._head_is_a_plain_projection()

    def _head_is_a_plain_projection(self) -> bool:
        """Whether logits are exactly ``head(body(ids))`` (no soft-capping or scaling), checked on
        a few tokens, so the head can be applied to the allowed tokens' rows only."""
        if not isinstance(self.head, torch.nn.Linear) or self.head.bias is not None:
            return False
        ids = torch.tensor([[1, 2, 3]], device=self.device) % self.vocab_size
        with torch.inference_mode():
            full = self.model(input_ids=ids).logits[0, -1]
            split = self.head(self.body(input_ids=ids).last_hidden_state[0, -1])
        return bool(torch.allclose(full, split, rtol=1e-4, atol=1e-3))

    # Forward passes -----------------------------------------------------------------------

    def _forward(self, ids: list[int] | torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
        """Run ``ids`` (a list, or (B, T) ids) after ``cache``: (hidden or logits (B, T, *), cache).

        Returns hidden states when the head is applied separately, else the model's logits.
        """
        batch = ids if isinstance(ids, torch.Tensor) else torch.tensor([ids], device=self.device)
        self.stats.forward_passes += 1
        if self.split_head:
            out = self.body(input_ids=batch, use_cache=True, **{self._cache_keyword: cache})
            states = out.last_hidden_state
        else:
            out = self.model(input_ids=batch, use_cache=True, **{self._cache_keyword: cache})
            states = out.logits
        new_cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        return states, new_cache

    def _logits(self, state: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        """Logits (V,) of one position, -inf outside ``allowed`` (token ids) when it is given."""
        if not self.split_head:
            logits = state.float()
        elif allowed is not None and allowed.numel() < SPARSE_LOGITS_SHARE * self.vocab_size:
            rows = torch.nn.functional.linear(state, self.head.weight[allowed]).float()  # (K,)
            logits = torch.full((self.vocab_size,), float("-inf"), device=state.device)
            logits[allowed] = rows
            return logits
        else:
            logits = self.head(state).float()
        if allowed is not None:
            masked = torch.full_like(logits, float("-inf"))
            masked[allowed] = logits[allowed]
            return masked
        return logits

    def prefill(self, prompt_ids: list[int]) -> tuple[torch.Tensor, Any]:
        """The last position's state after ``prompt_ids`` and the cache holding them."""
        started = time.perf_counter()
        with torch.inference_mode():
            cached, cache = self.prefix_cache.lookup(prompt_ids)
            states, cache = self._forward(prompt_ids[cached:], cache)
            self.prefix_cache.store(prompt_ids, cache)
        self.stats.prompt_tokens += len(prompt_ids)
        self.stats.cached_prompt_tokens += cached
        self.stats.prefill_seconds += time.perf_counter() - started
        return states[0, -1], cache

    # Generation ---------------------------------------------------------------------------

    def generate(
        self,
        prompt_ids: list[int],
        grammar: xgrammar.CompiledGrammar | None,
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        min_tokens: int = 0,
        on_tokens: Callable[[int], None] | None = None,
    ) -> Decoded:
        """Sample up to ``max_tokens`` tokens after ``prompt_ids``, under ``grammar`` if given.

        Wherever the grammar allows exactly one continuation, that text is tokenized and fed in
        the same forward pass as the token sampled before it; each of its tokens is checked by
        the grammar. When the text ends inside a word or number its last token is held back and
        left to the model, whose next token may join it with what follows (the way the tokenizer
        would have split the finished text); after punctuation (JSON keys, quotes, colons) the
        tokenizer starts a new piece anyway, so all of it is fed.
        Stop tokens are refused until ``min_tokens`` tokens are out (the bench decodes a fixed
        count).
        """
        with torch.inference_mode():
            state, cache = self.prefill(prompt_ids)
            started = time.perf_counter()
            generator = torch.Generator(device="cpu").manual_seed(seed)
            matcher = xgrammar.GrammarMatcher(grammar) if grammar is not None else None
            bitmask = (  # what the grammar allows next (unused without one)
                xgrammar.allocate_token_bitmask(1, grammar.tokenizer_info.vocab_size)
                if grammar is not None
                else torch.empty(0, dtype=torch.int32)
            )
            output: list[int] = []
            finished = False
            while len(output) < max_tokens:
                allowed = None
                if matcher is not None:
                    mask_started = time.perf_counter()
                    matcher.fill_next_token_bitmask(bitmask)
                    allowed = _allowed_ids(bitmask, self.vocab_size).to(state.device)
                    self.stats.mask_seconds += time.perf_counter() - mask_started
                    self.stats.mask_calls += 1
                logits = self._logits(state, allowed)
                if len(output) < min_tokens:
                    logits[self.stop_token_ids] = float("-inf")
                token = _sample(logits, temperature, generator)
                if token in self.stop_token_ids:
                    finished = True
                    break
                if matcher is not None and not matcher.accept_token(token):
                    raise RuntimeError(f"grammar refused token {token} it had allowed")
                output.append(token)
                feed = [token]
                if matcher is not None:
                    if matcher.is_terminated():
                        finished = True
                        break
                    feed += self._jump_forward(matcher, max_tokens - len(output))
                    output += feed[1:]
                    if self._only_stop_follows(matcher, bitmask):
                        finished = True  # no forward pass just to sample the stop token
                        break
                if on_tokens is not None:
                    on_tokens(len(feed))
                if len(output) >= max_tokens:
                    break
                states, cache = self._forward(feed, cache)
                state = states[0, -1]
            self.stats.generated_tokens += len(output)
            self.stats.decode_seconds += time.perf_counter() - started
        return Decoded(output, finished)

    def _only_stop_follows(self, matcher: xgrammar.GrammarMatcher, bitmask: torch.Tensor) -> bool:
        """Whether the grammar is complete and allows nothing but a stop token next."""
        if not matcher.is_completed():
            return False
        matcher.fill_next_token_bitmask(bitmask)
        allowed = _allowed_ids(bitmask, self.vocab_size).tolist()
        return all(token in self.stop_token_ids for token in allowed)

    def _jump_forward(self, matcher: xgrammar.GrammarMatcher, room: int) -> list[int]:
        """Tokens of the forced text next that ``matcher`` accepts (see ``generate``)."""
        try:
            forced = matcher.find_jump_forward_string()
        except UnicodeDecodeError:
            return []  # the forced bytes end inside a character: nothing to jump this time
        if not forced:
            return []
        ids = self.tokenizer.encode(forced, add_special_tokens=False)
        if forced[-1].isalnum() or forced[-1] in " _":
            ids = ids[:-1]
        ids = ids[: max(room - 1, 0)]
        accepted = []
        for token in ids:
            if not matcher.accept_token(token):
                break  # the rest is left to ordinary decoding, which the grammar still guides
            accepted.append(token)
        self.stats.jumped_tokens += len(accepted)
        return accepted

    # Scoring ------------------------------------------------------------------------------

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Log-likelihood of each (start, ending) pair's ending given its start.

        The part all pairs share is prefilled once (through the prefix cache); the rest runs as
        one batch, in bfloat16 where the CPU computes it natively (about twice as fast here, and
        within a few hundredths of a nat of float32 on these short endings). Only the endings'
        positions go through the output layer.
        """
        starts = [self.tokenizer.encode(start, add_special_tokens=False) for start, _ in pairs]
        texts = [self.tokenizer.encode(a + b, add_special_tokens=False) for a, b in pairs]
        # Where each ending's tokens begin (a token may straddle the join: it counts as ending).
        begins = [_shared_prefix_length(tuple(a), b) for a, b in zip(starts, texts, strict=True)]
        shared = min(_shared_prefix_length(tuple(texts[0]), ids) for ids in texts)
        # Every row keeps at least one token before its ending: its output predicts the ending.
        shared = max(1, min(shared, *begins))
        started = time.perf_counter()
        with torch.inference_mode():
            cache = None
            if shared > 1:
                _, cache = self.prefill(texts[0][: shared - 1])  # a private copy
                cache.batch_repeat_interleave(len(texts))
            rows = [ids[shared - 1 :] for ids in texts]
            width = max(len(row) for row in rows)
            pad = self.stop_token_ids[0]
            # Right padding: causal attention never lets a real token see the padding after it.
            batch = torch.tensor([row + [pad] * (width - len(row)) for row in rows])  # (B, T)
            with _fast_autocast(self.device):
                states, _ = self._forward(batch.to(self.device), cache)  # (B, T, H or V)
            # Row position p holds the output that predicts text position shared + p.
            picked, targets, owners = [], [], []
            for index, (ids, begin) in enumerate(zip(texts, begins, strict=True)):
                for position in range(begin, len(ids)):
                    picked.append(states[index, position - shared])
                    targets.append(ids[position])
                    owners.append(index)
            outputs = torch.stack(picked)  # (N, H or V)
            if self.split_head:  # in the head's own dtype (bfloat16 on a GPU, float32 on CPU)
                outputs = self.head(outputs.to(self.head.weight.dtype))
            logits = outputs.float()  # (N, V)
            log_probs = torch.log_softmax(logits, dim=-1)
            chosen = log_probs.gather(1, torch.tensor(targets, device=logits.device)[:, None])
            scores = [0.0] * len(texts)
            for owner, value in zip(owners, chosen[:, 0].tolist(), strict=True):
                scores[owner] += value
        self.stats.scored_tokens += sum(len(row) for row in rows)
        self.stats.score_seconds += time.perf_counter() - started
        return scores


def _fast_autocast(device: torch.device) -> Any:
    """bfloat16 autocast where the CPU has native bfloat16 arithmetic, else nothing."""
    native = device.type == "cpu" and torch.backends.cpu.get_cpu_capability() in (
        "AVX512",
        "AMX",
    )
    bf16 = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=native and bf16)


def _allowed_ids(bitmask: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Token ids whose bit is set in row 0 of an xgrammar bitmask (int32 words, low bit first)."""
    flags = np.unpackbits(bitmask[0].numpy().view(np.uint8), bitorder="little")[:vocab_size]
    return torch.from_numpy(np.flatnonzero(flags))


def _sample(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> int:
    """A token id: argmax at temperature 0, else Gumbel-max sampling (argmax of logits / T plus
    Gumbel noise ~ softmax(logits / T)), with noise only over the allowed (finite) logits."""
    if temperature <= 0:
        return int(logits.argmax())
    allowed = torch.isfinite(logits).nonzero().flatten()
    uniform = torch.rand(allowed.shape, generator=generator, dtype=torch.float32)
    gumbel = -torch.log(-torch.log(uniform.clamp_(1e-10, 1.0 - 1e-7)))
    noisy = logits[allowed].cpu() / temperature + gumbel
    return int(allowed[int(noisy.argmax())])
