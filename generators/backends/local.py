"""Local transformers backend: any Hugging Face causal LM, on CUDA (bf16) when present, else CPU.

Owns: loading a model by id, local directory or GGUF file (the embedded default when none is
named), chat templating, sampling under an xgrammar mask (one sequence at a time through
``generators.decode`` by default; batched ``model.generate`` on a GPU when a batch size is set),
scoring candidate answers by likelihood, seeds and progress bars.
Must not touch: prompts, schemas or validation (the generators own those). Loads only
safetensors or GGUF weights and never runs code shipped with a model (no ``trust_remote_code``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from generators.backends.base import BackendError, GenerationRequest, GenerationResult
from generators.embedded import EMBEDDED_MODEL_NAME, EmbeddedModelError, converted_gguf_dir

if TYPE_CHECKING:
    from transformers import LogitsProcessor

EMBEDDED_ALIASES = ("", "embedded", EMBEDDED_MODEL_NAME)


class LocalBackend:
    """A transformers causal LM with grammar-constrained sampling."""

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        progress: bool = True,
        threads: int | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from generators.constrained import GrammarCompiler

        self.progress = progress
        self.threads = threads or idle_cpu_count()
        if self.threads:
            torch.set_num_threads(self.threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        on_gpu = self.device.startswith("cuda")
        dtype = torch.bfloat16 if on_gpu else torch.float32
        # One sequence at a time through the decode loop (prefix cache, jump-forward) unless
        # asked: with the embedded model on an H100 it made 10.5 worlds/min against batched
        # ``model.generate``'s 5.5 at 8 at once. Larger models may gain from batching on a GPU.
        self.batch_size = max(1, batch_size or 1)
        model_dir, self.model_name = _resolve_model(model, progress)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
            self.model = AutoModelForCausalLM.from_pretrained(
                model_dir, dtype=dtype, trust_remote_code=False, use_safetensors=True
            ).to(self.device)  # type: ignore[arg-type]  # transformers types .to for modules only
        except (OSError, ValueError, KeyError) as error:
            raise BackendError(
                f"could not load model {self.model_name!r}: {error}. Accepted: a Hugging Face "
                "model id (safetensors weights), a local model directory, a .gguf file, or "
                "nothing for the embedded SmolLM2-135M-Instruct"
            ) from error
        self.model.eval()
        if self.tokenizer.chat_template is None:
            raise BackendError(
                f"model {self.model_name!r} has no chat template; use an instruct/chat model"
            )
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.stop_token_ids = _stop_token_ids(self.model, self.tokenizer)
        self.grammars = GrammarCompiler(
            self.tokenizer, self.model.config.vocab_size, self.stop_token_ids
        )
        self._start_counters()

    @classmethod
    def from_parts(
        cls, model: Any, tokenizer: Any, name: str, progress: bool = False
    ) -> LocalBackend:
        """Wrap an already built model and tokenizer (tests build tiny random ones)."""
        import torch

        from generators.constrained import GrammarCompiler

        backend = cls.__new__(cls)
        backend.progress = progress
        backend.batch_size = 1
        backend.threads = idle_cpu_count()
        torch.set_num_threads(backend.threads)
        backend.device = str(next(model.parameters()).device)
        backend.model_name = name
        backend.model = model.eval()
        backend.tokenizer = tokenizer
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        backend.stop_token_ids = _stop_token_ids(model, tokenizer)
        backend.grammars = GrammarCompiler(
            tokenizer, model.config.vocab_size, backend.stop_token_ids
        )
        backend._start_counters()
        return backend

    def _start_counters(self) -> None:
        from generators.decode import Decoder

        self.decoder = Decoder(self.model, self.tokenizer, self.stop_token_ids)
        # Measured over the backend's life; the bench reads these (and ``decoder.stats``).
        self.generated_tokens = 0
        self.generation_seconds = 0.0
        self.mask_seconds = 0.0
        self.mask_calls = 0

    @property
    def batches(self) -> bool:
        """Whether requests run as batches through ``model.generate``: only on a GPU and when a
        batch size above 1 was asked for (a CPU, and a GPU with a small model, gain more from
        the one-sequence loop's shortcuts)."""
        return self.batch_size > 1 and self.device.startswith("cuda")

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "device": self.device,
            "batch_size": self.batch_size,
            "threads": self.threads,
        }

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        results: list[GenerationResult] = []
        size = self.batch_size if self.batches else 1
        for start in range(0, len(requests), size):
            chunk = requests[start : start + size]
            try:
                if self.batches:
                    results.extend(self._generate_batch(chunk))
                else:
                    results.append(self._generate_one(chunk[0]))
            except Exception as error:  # noqa: BLE001 - one failed batch must not end a run
                # (A chat template that refuses a role, a grammar xgrammar cannot compile, ...)
                message = f"generation failed: {type(error).__name__}: {error}"
                results.extend(GenerationResult(error=message) for _ in chunk)
        return results

    def counters(self) -> dict[str, float]:
        """Running totals of the decoder's work (tokens, forward passes, seconds by phase)."""
        return dataclasses.asdict(self.decoder.stats)

    def score_endings(
        self, messages: list[dict[str, str]], pairs: list[tuple[str, str]]
    ) -> list[float]:
        """Log-likelihood of each (start, ending) pair's ending, where the answer to the chat
        ``messages`` begins with the pair's start."""
        prompt = self.prompt_text(messages)
        return self.decoder.score([(prompt + start, ending) for start, ending in pairs])

    def prompt_text(self, messages: list[dict[str, str]]) -> str:
        """The text the model continues: its chat template applied to ``messages``, or, for a
        tokenizer without one, the messages' contents one per line."""
        if self.tokenizer.chat_template is None:
            return "".join(message["content"] + "\n" for message in messages)
        text = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        return cast(str, text)  # tokenize=False: the template's text

    def _generate_one(self, request: GenerationRequest) -> GenerationResult:
        from tqdm.auto import tqdm

        prompt = self.prompt_text(request.messages)
        prompt_ids = self.tokenizer.encode(prompt, add_special_tokens=False)
        grammar = None
        if request.schema is not None:
            grammar = self.grammars.json_schema(request.schema)
        elif request.grammar is not None:
            grammar = self.grammars.ebnf(request.grammar)
        bar = tqdm(
            total=request.max_tokens,
            desc="generating",
            unit="tok",
            disable=not self.progress,
            leave=False,
        )
        before = dataclasses.replace(self.decoder.stats)
        started = time.perf_counter()
        decoded = self.decoder.generate(
            prompt_ids,
            grammar,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
            on_tokens=bar.update,
        )
        seconds = time.perf_counter() - started
        bar.close()
        spent = self.decoder.stats.minus(before)
        self.generated_tokens += spent.generated_tokens
        self.generation_seconds += seconds
        self.mask_seconds += spent.mask_seconds
        self.mask_calls += spent.mask_calls
        ids = decoded.token_ids
        text = cast(str, self.tokenizer.decode(ids, skip_special_tokens=True))  # one sequence
        result = GenerationResult(
            text=text, tokens=len(ids), seconds=seconds, mask_seconds=spent.mask_seconds
        )
        if not decoded.finished:
            result.error = f"ran out of tokens ({request.max_tokens}) before the answer ended"
        return result

    def _generate_batch(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        import torch
        from tqdm.auto import tqdm

        from generators.constrained import GrammarLogitsProcessor, GumbelSampler

        first = requests[0]
        constraints = [(request.schema, request.grammar) for request in requests]
        if any(constraint != constraints[0] for constraint in constraints):
            # One grammar per batch keeps the mask simple; mixed batches run one by one.
            return [result for request in requests for result in self._generate_batch([request])]
        prompts = [self.prompt_text(request.messages) for request in requests]
        encoded = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        )
        encoded = {key: value.to(self.device) for key, value in encoded.items()}
        max_tokens = max(request.max_tokens for request in requests)
        bar = tqdm(
            total=max_tokens,
            desc=f"generating ({len(requests)} at once)",
            unit="tok",
            disable=not self.progress,
            leave=False,
        )
        processor = None
        grammar = None
        if first.schema is not None:
            grammar = self.grammars.json_schema(first.schema)
        elif first.grammar is not None:
            grammar = self.grammars.ebnf(first.grammar)
        if grammar is not None:
            processor = GrammarLogitsProcessor(
                grammar, len(requests), on_step=lambda: bar.update(1)
            )
        processors: list[LogitsProcessor] = [processor] if processor is not None else []
        if first.temperature > 0:
            processors.append(GumbelSampler(first.temperature, first.seed))
        started = time.perf_counter()
        with torch.inference_mode():
            output = self.model.generate(
                **encoded,
                max_new_tokens=max_tokens,
                logits_processor=processors,
                do_sample=False,
                eos_token_id=self.stop_token_ids,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        seconds = time.perf_counter() - started
        bar.close()
        new_tokens = output[:, encoded["input_ids"].shape[1] :]  # (B, T_new)
        results = []
        for row, request in enumerate(requests):
            ids = new_tokens[row].tolist()
            count = next(
                (index for index, token in enumerate(ids) if token in self.stop_token_ids), len(ids)
            )
            text = cast(str, self.tokenizer.decode(ids[:count], skip_special_tokens=True))
            result = GenerationResult(text=text, tokens=count, seconds=seconds)
            if count >= request.max_tokens:
                result.error = f"ran out of tokens ({request.max_tokens}) before the answer ended"
            results.append(result)
        self.generated_tokens += int(new_tokens.shape[1]) * len(requests)
        self.generation_seconds += seconds
        if processor is not None:
            self.mask_seconds += processor.mask_seconds
            self.mask_calls += processor.mask_calls
            for result in results:
                result.mask_seconds = processor.mask_seconds
        return results


def idle_cpu_count() -> int:
    """CPU cores not busy at start (at least 1).

    Measured here: with 2 threads on 2 cores that other processes also load, decoding ran 4x
    slower than with 1 thread (threads spin waiting for each other), so only idle cores are used.
    """
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return cores
    return max(1, min(cores, round(cores - busy)))


def _resolve_model(model: str | None, progress: bool) -> tuple[str, str]:
    """(directory or hub id to load, name recorded in lineage)."""
    if model is None or model in EMBEDDED_ALIASES:
        try:
            from generators.embedded import embedded_model_dir

            return str(embedded_model_dir(progress=progress)), EMBEDDED_MODEL_NAME
        except EmbeddedModelError as error:
            raise BackendError(str(error)) from error
    path = Path(model)
    if path.suffix == ".gguf":
        if not path.is_file():
            raise BackendError(f"model file {model!r} does not exist")
        try:
            return str(converted_gguf_dir(path, progress=progress)), str(path)
        except EmbeddedModelError as error:
            raise BackendError(str(error)) from error
    if path.is_dir() and not (path / "config.json").is_file():
        raise BackendError(
            f"model folder {model!r} has no config.json; a model folder holds config.json, "
            "tokenizer files and *.safetensors weights"
        )
    if path.exists() and not path.is_dir():
        raise BackendError(
            f"model {model!r} is a file but not a .gguf; accepted: a model directory, a Hugging "
            "Face model id or a .gguf file"
        )
    return model, model


def _stop_token_ids(model: Any, tokenizer: Any) -> list[int]:
    configured = model.generation_config.eos_token_id
    if configured is None:
        configured = tokenizer.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    ids = [int(token) for token in ids if token is not None]
    if not ids:
        raise BackendError("the model names no end-of-sequence token; cannot stop generation")
    return ids
