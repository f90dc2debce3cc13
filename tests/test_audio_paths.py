"""The mixer's packed path knots (``mixer._KnotPack``): edited as paths come, change and leave,
always equal to the knots packed afresh (``_pack_knots`` here), and the output with them equal
to the output with a fresh pack every block."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio import Mixer, Trajectory
from engine.audio import mixer as mixer_module
from engine.rules.acoustics import Acoustics, Reverb

pytestmark = pytest.mark.unit

RATE = 48_000
BLOCK = 1024


def _pack_knots(paths: list[Trajectory]) -> tuple[np.ndarray, ...]:
    """The reference: every path's knots packed afresh, a path shared by sources once."""
    rows: dict[int, tuple[int, int]] = {}
    unique: list[Trajectory] = []
    ranges = []
    held = 0
    for path in paths:
        span = rows.get(id(path))
        if span is None:
            span = rows[id(path)] = (held, held + len(path))
            held += len(path)
            unique.append(path)
        ranges.append(span)
    return (
        np.concatenate([path.times for path in unique]),
        np.concatenate([path.positions for path in unique]),
        np.concatenate([path.velocities for path in unique]),
        np.array(ranges, dtype=np.int64),
    )


def _rows(knots: tuple[np.ndarray, ...]) -> list[tuple[np.ndarray, ...]]:
    """Each path's (times, positions, velocities) as the packed knots' ranges give them."""
    times, positions, velocities, ranges = knots
    return [(times[a:b], positions[a:b], velocities[a:b]) for a, b in ranges]


def _assert_same_knots(edited: tuple[np.ndarray, ...], paths: list[Trajectory]) -> None:
    fresh = _pack_knots(paths)
    assert len(edited[3]) == len(fresh[3]) == len(paths)
    for mine, theirs, path in zip(_rows(edited), _rows(fresh), paths, strict=True):
        for got, want in zip(mine, theirs, strict=True):
            assert np.array_equal(got, want)
        assert np.array_equal(mine[0], path.times)
    # Sources on one path share its rows, as in a fresh pack, and no rows are shared otherwise.
    spans = [tuple(span) for span in edited[3].tolist()]
    rows_of = {id(path): span for path, span in zip(paths, spans, strict=True)}
    assert [rows_of[id(path)] for path in paths] == spans
    assert len(set(rows_of.values())) == len(rows_of)


def _wandering(rng: np.random.Generator, knots: int) -> Trajectory:
    path = Trajectory()
    for index in range(knots):
        path.add(0.1 * index, rng.normal(0.0, 5.0, size=3), rng.normal(0.0, 2.0, size=3))
    return path


def test_packed_knots_edited_as_paths_come_change_and_leave_equal_a_fresh_pack():
    rng = np.random.default_rng(11)
    pack = mixer_module._KnotPack()
    paths = [_wandering(rng, int(rng.integers(1, 6))) for _ in range(6)]
    paths.append(paths[2])  # two sources on one path (a body's)
    repacked = 0
    for step in range(240):
        kind = step % 6
        if kind == 0:  # new sources at the end
            paths += [_wandering(rng, int(rng.integers(1, 4))) for _ in range(2)]
        elif kind == 1 and len(paths) > 4:  # some leave, from anywhere
            for _ in range(2):
                del paths[int(rng.integers(len(paths)))]
        elif kind == 2:  # a path gains a knot (a moving source, once a block)
            path = paths[int(rng.integers(len(paths)))]
            path.add(path.times[-1] + 0.1, rng.normal(0.0, 5.0, size=3))
        elif kind == 3:  # a path forgets its old knots
            path = paths[int(rng.integers(len(paths)))]
            path.forget_before(path.times[-1] - 0.15)
        elif kind == 4:  # the order changes
            rng.shuffle(paths)
        held = pack.held
        knots = pack.update(paths)
        repacked += pack.held < held
        _assert_same_knots(knots, paths)
        live = sum(len(path) for path in {id(path): path for path in paths}.values())
        assert pack.held <= 2 * live + mixer_module.KNOT_PACK_SLACK
    assert repacked >= 2  # dead rows were dropped by packing afresh
    assert len(pack.times) < 10 * (live + mixer_module.KNOT_PACK_SLACK)


def _mixed(fresh_pack_every_block: bool) -> np.ndarray:
    """Strikes at fixed points come and go (each added the block before it sounds) around two
    sources that follow functions of time (their paths change every block)."""
    rng = np.random.default_rng(4)
    acoustics = Acoustics(speed_of_sound=343.0, reverb=Reverb(room_size=8.0, wet=0.2))
    mixer = Mixer(acoustics, sample_rate=RATE, block_size=BLOCK, seed=1)
    mixer.set_listener(0.0, (0.0, 1.6, 0.0))
    for index in range(2):
        tone = np.sin(2 * np.pi * (220.0 + 110.0 * index) * np.arange(2 * RATE) / RATE)
        mixer.add_source(
            tone, position=lambda t, k=index: (8.0 * np.cos(t + k), 1.0, 8.0 * np.sin(t + k))
        )
    strikes = []
    for index in range(24):
        time_axis = np.arange(int(rng.uniform(0.05, 0.3) * RATE)) / RATE
        strikes.append((0.05 * index, np.sin(2 * np.pi * rng.uniform(300, 900) * time_axis)))
    blocks = []
    for _ in range(int(1.6 * RATE) // BLOCK):
        ends = (mixer._output_sample + BLOCK) / RATE
        while strikes and strikes[0][0] < ends:
            when, samples = strikes.pop(0)
            where = (rng.uniform(-6, 6), 1.0, rng.uniform(2, 6))
            mixer.add_source(samples, position=where, start_world_time=when, gain=0.3)
        if fresh_pack_every_block:
            mixer._table_set.packed = mixer_module._KnotPack()
        blocks.append(mixer.render(BLOCK))
    return np.concatenate(blocks)


def test_output_with_edited_knots_equals_output_with_knots_packed_afresh():
    assert np.array_equal(_mixed(fresh_pack_every_block=False), _mixed(True))
