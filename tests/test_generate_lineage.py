"""Lineage, ``heterocosm tree``, batch resumption and the generate commands' bad-input errors.

The family is built from example worlds with lineage written in; the batch runs against a
scripted backend (its answers written here) so a failure in the middle can be placed exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_generate_logic import GOOD, ScriptedBackend

from engine.cli import main
from engine.resources import worlds_dir
from engine.rules import dump_world, load_world
from engine.rules.meta import Lineage
from generators.batch import RESULTS_LOG, read_prompts, run_batch
from generators.lineage import read_family, render_tree
from generators.remix import remix_request, variant_requests
from generators.world import WorldGenerator

pytestmark = pytest.mark.unit


def _child(source: str, name: str, parents: tuple[str, ...], generator: str) -> str:
    world = load_world(worlds_dir() / source)
    meta = world.meta.model_copy(
        update={
            "name": name,
            "lineage": Lineage(parents=parents, generator=f"{generator} 0.1", model="tiny"),
        }
    )
    return dump_world(world.model_copy(update={"meta": meta}))


@pytest.fixture
def family(tmp_path: Path) -> Path:
    (tmp_path / "bells.toml").write_text((worlds_dir() / "backward_bells.toml").read_text())
    (tmp_path / "crawl.toml").write_text((worlds_dir() / "crawling_sound.toml").read_text())
    (tmp_path / "mix.toml").write_text(
        _child(
            "slowlight.toml", "Bell Crawl", ("Backward Bells", "Crawling Sound"), "heterocosm.remix"
        )
    )
    (tmp_path / "branch.toml").write_text(
        _child("slowlight.toml", "Bell Crawl Two", ("Bell Crawl",), "heterocosm.variants")
    )
    (tmp_path / "orphan.toml").write_text(
        _child("sonic_boom.toml", "Lost Child", ("Gone World",), "heterocosm.variants")
    )
    (tmp_path / "broken.toml").write_text("[meta]\nname = 3\n")
    return tmp_path


def test_tree_draws_parents_above_children(family: Path) -> None:
    members, problems = read_family(family)
    assert [member.name for member in members if member.path.stem == "mix"] == ["Bell Crawl"]
    assert len(problems) == 1 and "broken.toml" in problems[0]
    assert render_tree(members, base=family).splitlines() == [
        "Backward Bells (bells.toml) [hand-written]",
        "└── Bell Crawl (mix.toml) [remix]",
        "    └── Bell Crawl Two (branch.toml) [variants]",
        "Crawling Sound (crawl.toml) [hand-written]",
        "└── Bell Crawl (shown above)",
        "Gone World (not in this folder)",
        "└── Lost Child (orphan.toml) [variants]",
    ]


def test_tree_command(family: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tree", str(family)]) == 0
    captured = capsys.readouterr()
    assert "└── Bell Crawl (mix.toml) [remix]" in captured.out
    assert "broken.toml: skipped" in captured.err
    assert main(["tree", str(family / "nowhere")]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_remix_and_variant_requests_record_parents() -> None:
    first = load_world(worlds_dir() / "backward_bells.toml")
    second = load_world(worlds_dir() / "crawling_sound.toml")
    remix = remix_request(first, second, seed=5, note="make it cold")
    assert remix.parents == ("Backward Bells", "Crawling Sound")
    assert "World A:" in remix.instruction and "World B:" in remix.instruction
    assert remix.prompt == "make it cold"
    variants = variant_requests(first, 3, seed=1)
    assert [request.seed for request in variants] == [1, 2, 3]
    assert len({request.instruction for request in variants}) == 3
    assert all(request.parents == ("Backward Bells",) for request in variants)


def test_a_variant_identical_to_its_parent_is_repaired() -> None:
    parent = load_world(worlds_dir() / "crawling_sound.toml")
    request = variant_requests(parent, 1, seed=0)[0]
    same = json.dumps({**request.avoid[0].model_dump(mode="json"), "name": "Other Meadow"})
    backend = ScriptedBackend([same, json.dumps(GOOD)])
    outcome = WorldGenerator(backend, stages=("rules",), examples=[]).generate([request])[0]
    assert outcome.world is not None and outcome.attempts == 2
    assert "same as its parent" in backend.requests[1].messages[-1]["content"]
    assert outcome.world.meta.lineage.parents == ("Crawling Sound",)


def test_batch_logs_every_item_and_resumes(tmp_path: Path) -> None:
    prompts_file = tmp_path / "prompts.txt"
    prompts_file.write_text("# worlds\nbells\n\nslow sound\nmoths\n")
    prompts = read_prompts(prompts_file)
    assert prompts == ["bells", "slow sound", "moths"]
    good = json.dumps(GOOD)
    # The second prompt gets garbage on every attempt (1 + 1 repair) and fails.
    backend = ScriptedBackend([good, "garbage", "garbage", good])
    generator = WorldGenerator(backend, stages=("rules",), examples=[], max_repairs=1)
    out = tmp_path / "gen"
    summary = run_batch(generator, prompts, out, seed=10)
    assert (summary.generated, summary.failed, summary.done_before) == (2, 1, 0)
    log = [json.loads(line) for line in (out / RESULTS_LOG).read_text().splitlines()]
    assert [entry["status"] for entry in log] == ["ok", "failed", "ok"]
    assert "not JSON" in log[1]["error"]
    assert sorted(path.name for path in out.glob("*.toml")) == [
        "0001-bells.toml",
        "0003-moths.toml",
    ]
    assert load_world(out / "0003-moths.toml").meta.seed == 12
    # A second run only retries what failed.
    backend.answers = [good]
    again = run_batch(generator, prompts, out, seed=10)
    assert (again.generated, again.failed, again.done_before) == (1, 0, 2)
    assert (out / "0002-slow-sound.toml").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "   ", "--out", "{tmp}/x.toml", "--server", "http://127.0.0.1:9/v1"], ""),
        (["generate", "bells", "--out", "{tmp}/x.toml", "--server", "ftp://x"], "not an http"),
        (
            [
                "generate",
                "bells",
                "--out",
                "{tmp}/x.toml",
                "--server",
                "http://127.0.0.1:9/v1",
                "--retries",
                "0",
                "--timeout",
                "2",
            ],
            "cannot reach the server",
        ),
        (
            ["generate", "bells", "--out", "{tmp}/x.toml", "--model", "{tmp}/missing.gguf"],
            "does not exist",
        ),
        (
            ["generate", "bells", "--out", "{tmp}/x.toml", "--model", "{tmp}/notes.txt"],
            "not a .gguf",
        ),
        (["generate", "--from-passage", "{tmp}/none.txt", "--out", "{tmp}/x.toml"], "cannot read"),
        (["remix", "{tmp}/none.toml", "{tmp}/none.toml", "--out", "{tmp}/x.toml"], "none.toml"),
        (["variants", "{tmp}/none.toml", "-n", "99"], "between 1 and 32"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    code = main([part.replace("{tmp}", str(tmp_path)) for part in argv])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert message in err
    assert not (tmp_path / "x.toml").exists()


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--out", str(tmp_path / "x.toml")]) == 2
    assert main(["generate", "bells"]) == 2
    assert main(["generate", "--batch", str(tmp_path / "p.txt")]) == 2
    existing = tmp_path / "x.toml"
    existing.write_text("keep me")
    assert main(["generate", "bells", "--out", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "keep me"
