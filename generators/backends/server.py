"""OpenAI-compatible server backend: vLLM, SGLang, llama.cpp's server, or any endpoint alike.

Owns: chat-completion requests with JSON-Schema structured output (``response_format`` of type
``json_schema``) or an EBNF grammar, a limit on concurrent requests, timeouts, retries with
exponential backoff for transient failures, and reading the API key from an environment
variable. The key is sent only in the Authorization header and never appears in errors, logs
or lineage. Must not touch: prompts, schemas or validation (the generators own those).
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from generators.backends.base import BackendError, GenerationRequest, GenerationResult

DEFAULT_API_KEY_ENV = "HETEROCOSM_API_KEY"
# Status codes worth retrying: rate limits and server-side trouble.
TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class _Refused(BackendError):
    """The server refused the request itself (HTTP 400/422): retrying it unchanged is useless."""


class ServerBackend:
    """Chat completions against ``base_url`` (``.../v1``), several requests at once."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key_env: str = DEFAULT_API_KEY_ENV,
        concurrency: int = 8,
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 1.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BackendError(
                f"server URL {base_url!r} is not an http(s) URL; expected e.g. "
                "http://127.0.0.1:8000/v1"
            )
        self.base_url = base_url.rstrip("/")
        self.api_key = os.environ.get(api_key_env, "")
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.schema_style = "json_schema"
        """How structured output is asked for: OpenAI's "json_schema" (vLLM, SGLang, llama.cpp's
        llama-server) or "json_object" with a schema (llama-cpp-python); switched on refusal."""
        self.model_name = model or self._first_model()

    def describe(self) -> dict[str, Any]:
        return {"backend": "server", "server": self.base_url, "concurrency": self.concurrency}

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self._generate_one, requests))

    def _generate_one(self, request: GenerationRequest) -> GenerationResult:
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        }
        if request.schema is not None:
            body["response_format"] = self._response_format(request.schema)
        elif request.grammar is not None:
            # llama.cpp's server reads "grammar" (GBNF); vLLM reads "guided_grammar".
            body["grammar"] = request.grammar
            body["guided_grammar"] = request.grammar
        started = time.perf_counter()
        try:
            answer = self._post_with_fallback(body, request.schema)
        except BackendError as error:
            return GenerationResult(error=str(error), seconds=time.perf_counter() - started)
        seconds = time.perf_counter() - started
        choices = answer.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = choice.get("message") if isinstance(choice, dict) else None
        text = message.get("content") if isinstance(message, dict) else None
        if not isinstance(text, str):
            return GenerationResult(
                error=f"the server at {self.base_url} answered without a chat completion's text",
                seconds=seconds,
            )
        usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
        tokens = usage.get("completion_tokens") if isinstance(usage, dict) else 0
        result = GenerationResult(
            text=text, tokens=tokens if isinstance(tokens, int) else 0, seconds=seconds
        )
        if isinstance(choice, dict) and choice.get("finish_reason") == "length":
            result.error = f"ran out of tokens ({request.max_tokens}) before the answer ended"
        return result

    def _post_with_fallback(
        self, body: dict[str, Any], schema: dict[str, Any] | None
    ) -> dict[str, Any]:
        try:
            return self._post("/chat/completions", body)
        except _Refused:
            asked_style = body.get("response_format", {}).get("type")
            if schema is None or asked_style != "json_schema":
                raise
        # llama-cpp-python only knows {"type": "json_object", "schema": ...}: switch once, for good.
        self.schema_style = "json_object"
        body["response_format"] = self._response_format(schema)
        return self._post("/chat/completions", body)

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.schema_style == "json_object":
            return {"type": "json_object", "schema": schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema, "strict": True},
        }

    def _first_model(self) -> str:
        answer = self._get("/models")
        try:
            return str(answer["data"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            raise BackendError(
                f"the server at {self.base_url} lists no models at /models; name one with --model"
            ) from error

    def _get(self, path: str) -> dict[str, Any]:
        return self._call(urllib.request.Request(self.base_url + path, method="GET"))

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        return self._call(request)

    def _call(self, request: urllib.request.Request) -> dict[str, Any]:
        if self.api_key:
            request.add_unredirected_header("Authorization", f"Bearer {self.api_key}")
        where = f"{request.get_method()} {request.full_url}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                # Exponential backoff with jitter so concurrent clients do not retry in step.
                time.sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + random.random()))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    raw = response.read()
            except urllib.error.HTTPError as error:
                detail = error.read(2000).decode("utf-8", "replace").strip()
                problem = f"HTTP {error.code} from {where}: {detail[:300]}"
                # llama-cpp-python answers 500 to a request it cannot parse; say so, do not retry.
                if error.code in (400, 422) or "response_format" in detail:
                    raise _Refused(problem) from None
                if error.code in TRANSIENT_STATUS:
                    continue
                raise BackendError(problem) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
                reason = getattr(error, "reason", error)
                problem = f"cannot reach the server ({where}): {reason}"
                continue
            try:
                answer = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise BackendError(
                    f"the server answered {where} with something that is not JSON: {raw[:120]!r}"
                ) from None
            if not isinstance(answer, dict):
                raise BackendError(f"the server answered {where} with JSON that is not an object")
            return answer
        raise BackendError(f"{problem} (gave up after {self.retries + 1} tries)")
