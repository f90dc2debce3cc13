"""Local transformers backend: any Hugging Face causal LM, on CUDA (bf16) when present, else CPU.

Owns: loading a model by id, local directory or GGUF file (the embedded default when none is
named), chat templating, batched sampling under an xgrammar mask, seeds and progress bars.
Must not touch: prompts, schemas or validation (the generators own those). Loads only
safetensors or GGUF weights and never runs code shipped with a model (no ``trust_remote_code``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from generators.backends.base import BackendError, GenerationRequest, GenerationResult
from generators.embedded import EMBEDDED_MODEL_NAME, EmbeddedModelError, converted_gguf_dir

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
        # A GPU gains from batching; a small CPU is memory-bound and gains little.
        self.batch_size = max(1, batch_size or (8 if on_gpu else 1))
        model_dir, self.model_name = _resolve_model(model, progress)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
            self.model = AutoModelForCausalLM.from_pretrained(
                model_dir, dtype=dtype, trust_remote_code=False, use_safetensors=True
            ).to(self.device)
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
        # Measured over the backend's life; the bench reads these.
        self.generated_tokens = 0
        self.generation_seconds = 0.0
        self.mask_seconds = 0.0
        self.mask_calls = 0

    @classmethod
    def from_parts(
        cls, model: Any, tokenizer: Any, name: str, progress: bool = False
    ) -> LocalBackend:
        """Wrap an already built model and tokenizer (tests build tiny random ones)."""
        import torch

        from generators.constrained import GrammarCompiler

        backend = cls.__new__(cls)
        backend.progress = progress
        backend.batch_size = 4
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
        backend.generated_tokens = 0
        backend.generation_seconds = 0.0
        backend.mask_seconds = 0.0
        backend.mask_calls = 0
        return backend

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "device": self.device,
            "batch_size": self.batch_size,
            "threads": self.threads,
        }

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        results: list[GenerationResult] = []
        for start in range(0, len(requests), self.batch_size):
            chunk = requests[start : start + self.batch_size]
            try:
                results.extend(self._generate_batch(chunk))
            except Exception as error:  # noqa: BLE001 - one failed batch must not end a run
                # (A chat template that refuses a role, a grammar xgrammar cannot compile, ...)
                message = f"generation failed: {type(error).__name__}: {error}"
                results.extend(GenerationResult(error=message) for _ in chunk)
        return results

    def _generate_batch(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        import torch
        from tqdm.auto import tqdm

        from generators.constrained import GrammarLogitsProcessor, GumbelSampler

        first = requests[0]
        constraints = [(request.schema, request.grammar) for request in requests]
        if any(constraint != constraints[0] for constraint in constraints):
            # One grammar per batch keeps the mask simple; mixed batches run one by one.
            return [result for request in requests for result in self._generate_batch([request])]
        prompts = [
            self.tokenizer.apply_chat_template(
                request.messages, add_generation_prompt=True, tokenize=False
            )
            for request in requests
        ]
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
        processors = [processor] if processor is not None else []
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
            text = self.tokenizer.decode(ids[:count], skip_special_tokens=True)
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
