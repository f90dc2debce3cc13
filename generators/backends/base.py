"""The one interface every language-model backend offers.

Owns: the request and result records and the ``Backend`` protocol. Must not touch: any model,
server or prompt content; backends implement this, generators use only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class BackendError(RuntimeError):
    """A backend could not be opened or could not answer (model will not load, server down)."""


@dataclass(frozen=True)
class GenerationRequest:
    """One chat-style generation whose answer must match ``schema`` (None: unconstrained)."""

    messages: list[dict[str, str]]
    """Chat messages: dicts with "role" (system, user, assistant) and "content"."""
    schema: dict[str, Any] | None
    """JSON Schema the answer must match; None lets the model write freely (or obey ``grammar``)."""
    grammar: str | None = None
    """EBNF grammar (xgrammar/GBNF syntax, start rule ``root``) for a plain-text answer."""
    max_tokens: int = 512
    temperature: float = 0.8
    seed: int = 0


@dataclass
class GenerationResult:
    """A backend's answer to one request; ``error`` is set when that request failed."""

    text: str = ""
    tokens: int = 0
    seconds: float = 0.0
    error: str | None = None
    mask_seconds: float = 0.0
    """Time spent computing and applying the grammar mask (local backend only)."""
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """A language model that answers chat requests, optionally under a JSON Schema."""

    model_name: str
    """What produced the text, recorded in lineage (a model id, path or server model)."""

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Answer every request, in order. One failing request does not stop the others."""
        ...

    def describe(self) -> dict[str, Any]:
        """Settings worth recording in lineage (never secrets)."""
        ...
