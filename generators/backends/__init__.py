"""Language-model backends behind one interface (``Backend``): local transformers or a server.

Owns: choosing and opening a backend. Importing this package loads neither torch nor a model;
``open_backend`` does, on demand.
"""

from __future__ import annotations

from generators.backends.base import Backend, BackendError, GenerationRequest, GenerationResult


def open_backend(
    model: str | None = None,
    *,
    server: str | None = None,
    api_key_env: str | None = None,
    concurrency: int = 8,
    timeout: float = 120.0,
    retries: int = 3,
    batch_size: int | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> Backend:
    """A server backend when ``server`` (an OpenAI-compatible ``.../v1`` URL) is given, else the
    local transformers backend with ``model`` (None: the embedded SmolLM2-135M-Instruct)."""
    if server:
        from generators.backends.server import DEFAULT_API_KEY_ENV, ServerBackend

        return ServerBackend(
            server,
            model,
            api_key_env=api_key_env or DEFAULT_API_KEY_ENV,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
        )
    from generators.backends.local import LocalBackend

    return LocalBackend(model, batch_size=batch_size, threads=threads, progress=progress)


__all__ = ["Backend", "BackendError", "GenerationRequest", "GenerationResult", "open_backend"]
