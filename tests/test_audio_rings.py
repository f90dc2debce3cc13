"""The mixer's pool of running-sum rings: a ring handed from a retired source to a new one."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio import Mixer, kernels
from engine.audio import mixer as mixer_module
from engine.rules.acoustics import Acoustics, Reverb

pytestmark = pytest.mark.unit

RATE = 48_000
BLOCK = 1024


def _struck_sequence(pool_rings: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """Short strikes, each added in the block before it sounds, after one long enough to wrap
    its ring (so index 0 of that ring no longer holds 0), all with a DC offset so that a ring
    handed on without its reset starts the new running sum far from zero; returns the output and
    the ring each strike was given."""
    rng = np.random.default_rng(3)
    acoustics = Acoustics(speed_of_sound=343.0, reverb=Reverb(room_size=8.0, wet=0.2))
    mixer = Mixer(acoustics, sample_rate=RATE, block_size=BLOCK, seed=1)
    if not pool_rings:
        mixer._ring_pool_bytes = 0
    mixer.set_listener(0.0, (0.0, 1.6, 0.0))
    strikes = []
    for index, seconds in enumerate([2.9] + [0.08] * 40):
        time_axis = np.arange(int(seconds * RATE)) / RATE
        tone = 0.3 + np.sin(2 * np.pi * rng.uniform(300, 900) * time_axis)
        strikes.append((0.09 * index + 0.01, tone))
    given, blocks = [], []
    for _ in range(int(3.9 * RATE) // BLOCK):
        ends = (mixer._output_sample + BLOCK) / RATE
        while strikes and strikes[0][0] < ends:
            when, samples = strikes.pop(0)
            where = (rng.uniform(-6, 6), 1.0, rng.uniform(2, 6))
            source = mixer.add_source(samples, position=where, start_world_time=when, gain=0.3)
            given.append(source.sums)
        blocks.append(mixer.render(BLOCK))
    return np.concatenate(blocks), given


def test_reused_rings_render_exactly_what_fresh_rings_render():
    pooled, pooled_rings = _struck_sequence(pool_rings=True)
    fresh, fresh_rings = _struck_sequence(pool_rings=False)
    distinct = {id(ring) for ring in pooled_rings}
    assert len(distinct) < len(pooled_rings) / 2  # most strikes got a retired strike's ring
    assert len({id(ring) for ring in fresh_rings}) == len(fresh_rings)
    assert np.abs(fresh).max() > 1e-3
    assert np.array_equal(pooled, fresh)


def test_table_set_edited_as_sources_come_and_go_equals_one_built_afresh():
    mixer = Mixer(sample_rate=RATE, block_size=BLOCK)
    rng = np.random.default_rng(5)
    sources = [
        mixer.add_source(rng.normal(size=100 + index), position=(index, 0.0, 1.0), gain=index + 1)
        for index in range(8)
    ]
    paths = {id(source): source.trajectory for source in sources}
    steps = [
        sources[:3],
        sources[:4],  # one came
        [sources[0], sources[2], sources[3], sources[4], sources[5]],  # one left, two came
        [sources[3], sources[5], sources[6]],  # the first ones left
        [sources[6], sources[3], sources[7]],  # reordered: built afresh
        [sources[3], sources[7]],
    ]
    edited = mixer_module._TableSet()
    for step, listed in enumerate(steps):
        if step == 5:
            listed[1].sums = np.zeros(2 * len(listed[1].sums))  # a ring that grew
        edited.update(listed, [paths[id(source)] for source in listed])
        fresh = mixer_module._TableSet().update(listed, [paths[id(s)] for s in listed])
        assert np.array_equal(edited.params, fresh.params)
        for name in ("rings", "tables"):
            assert len(getattr(edited, name)) == len(listed)
            for kept, built in zip(getattr(edited, name), getattr(fresh, name), strict=True):
                assert np.array_equal(kept, built)
        assert [id(ring) for ring in edited.ring_arrays] == [id(s.sums) for s in listed]
        assert [row[kernels.AMPLITUDE] for row in edited.params] == [s.amplitude for s in listed]


@pytest.mark.parametrize(
    ("first", "kept", "needed"),
    [
        (0, 5, 20),  # nothing wraps
        (13, 16, 17),  # a whole ring, wrapping in the old ring only
        (29, 16, 17),  # wraps in both rings
        (55, 11, 70),  # several turns in, a four times larger ring
        (16 * 1000 + 9, 7, 33),
    ],
)
def test_a_grown_ring_holds_every_kept_entry_at_its_index(first, kept, needed):
    mixer = Mixer(sample_rate=RATE, block_size=BLOCK, reverb=False)
    source = mixer.add_source(np.zeros(10), position=(1.0, 0.0, 0.0))
    size = 16
    source.sums = np.arange(size) + 0.5  # each entry tells its old index
    source.origin = source.start_sample + first
    source.sums_length = kept
    mixer._grow_ring(source, needed)
    grown = source.sums
    assert len(grown) == max(2 * size, 1 << (needed - 1).bit_length())
    entries = first + np.arange(kept)
    np.testing.assert_array_equal(grown[entries % len(grown)], entries % size + 0.5)


def test_rendering_in_uneven_pieces_gives_the_samples_rendered_at_once():
    """``Mixer.render`` hands out its blocks in any sizes: none (nothing pending or some), less
    than a block, exactly the pending samples, several blocks at once."""
    mixers = [Mixer(Acoustics(), sample_rate=RATE, block_size=BLOCK, seed=2) for _ in "ab"]
    for mixer in mixers:
        mixer.add_source(np.sin(np.arange(RATE) * 0.05), position=(3.0, 1.0, 2.0))
    whole = mixers[0].render(6000)
    pieces = [mixers[1].render(frames) for frames in (0, 1, 1023, 0, 1024, 100, 3852)]
    assert [len(piece) for piece in pieces] == [0, 1, 1023, 0, 1024, 100, 3852]
    assert all(piece.dtype == np.float32 for piece in pieces)
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    assert np.abs(whole).max() > 0.01


def test_table_source_rings_grown_in_the_mixing_call_render_what_large_rings_render(monkeypatch):
    """``kernels.mix_sources`` grows a table source's ring that lacks room (``grown_ring``) and
    the mixer hands the new ring to its source: sources starting with rings far too small must
    render exactly what sources with rings that never grow render."""
    from engine.audio import Trajectory
    from engine.audio.synthesis import continuous

    outputs, rings = [], []
    for start_length in (1 << 17, 1 << 10):
        monkeypatch.setattr(mixer_module, "SUMS_START_LENGTH", start_length)
        mixer = Mixer(Acoustics(), sample_rate=RATE, block_size=BLOCK, seed=4)
        mixer.set_listener(0.0, (0.0, 1.6, 0.0))
        for index in range(3):
            path = Trajectory.linear((10.0 + 30 * index, 1.0, -4.0), (15.0, 0.0, 2.0 * index))
            signal = continuous("tone", 300.0 + 70 * index, RATE, seed=index)
            mixer.add_source(signal, position=path, gain=0.3)
        outputs.append(mixer.render(int(1.5 * RATE)))
        table_set = mixer._table_set
        assert table_set.rings is not None
        for row, source in enumerate(mixer.sources):
            assert table_set.ring_arrays[row] is source.sums
            assert np.shares_memory(table_set.rings[row], source.sums)
        rings.append([len(source.sums) for source in mixer.sources])
    assert rings[0] == [1 << 17] * 3  # these never grew
    assert all(length >= 1 << 16 for length in rings[1])  # these grew several times
    assert np.abs(outputs[0]).max() > 1e-3
    assert np.array_equal(outputs[0], outputs[1])


def test_table_sources_keep_their_emission_state_when_the_set_is_rebuilt():
    """The table set's rows own the sources' emission state between blocks and hand it back to
    the sources when the set is rebuilt (here: the sources reordered mid-render), so the sound
    goes on where it was, backward and not yet started sources included (a source whose clock
    rate changes would otherwise emit its past again at today's rate). Reordering changes only
    the order the sources are summed in (rounding)."""
    from engine.audio import Trajectory
    from engine.audio.synthesis import continuous, struck

    outputs = []
    for reorder in (False, True):
        mixer = Mixer(Acoustics(), sample_rate=RATE, block_size=BLOCK, reverb=False, limiter=False)
        mixer.set_listener(0.0, (0.0, 1.6, 0.0))
        path = Trajectory.linear((12.0, 1.0, -4.0), (-9.0, 0.0, 2.0))
        mixer.add_source(
            continuous("tone", 330.0, RATE), position=path, gain=0.3, local_rate=lambda t: 1 + t
        )
        mixer.add_source(continuous("noise", 700.0, RATE, seed=2), position=(-5.0, 0.0, 3.0))
        chime = struck("chime", 520.0, RATE, seed=4)
        for start in (0.2, 1.5):
            mixer.add_source(chime, position=(3.0, 0.0, 4.0), start_world_time=start, local_rate=-1)
        first = mixer.render(int(RATE))
        if reorder:
            mixer.sources.reverse()
        outputs.append(np.concatenate([first, mixer.render(int(RATE))]))
    assert np.abs(outputs[0][RATE:]).max() > 1e-3
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=0, atol=1e-6)
