"""Invented languages at run time: phonology, sound change, translation, grammar, voice.

Owns: the IPA feature table (``features``), segmentation and the phonotactics automaton
(``phonotactics``), the readable pattern and sound-change notation (``notation``, ``soundchange``),
word coinage (``words``), daughter languages (``daughter``), English -> language translation
with Leipzig glosses (``translation``), romanisation (``romanise``), EBNF grammars for
constrained decoding (``grammar``) and speech through espeak-ng (``voice``).
Must not touch: GL, audio devices, language models, or ``generators``. Nothing heavy happens at
import time: ``translate`` and ``synthesise`` are imported on first use, so ``engine.rules`` may
import the pure-data modules here without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.language.translation import Translation, translate
    from engine.language.voice import synthesise

__all__ = ["Translation", "synthesise", "translate"]


def __getattr__(name: str) -> Any:
    if name in ("translate", "Translation"):
        from engine.language import translation

        return getattr(translation, name)
    if name == "synthesise":
        from engine.language.voice import synthesise

        return synthesise
    raise AttributeError(f"module 'engine.language' has no attribute {name!r}")
