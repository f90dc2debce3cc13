"""What the mixer keeps between blocks (``engine.audio.mixer``): the grouped and heard sources,
the table sources' clock rates and silent rows, the hearing range. Kept state must sound like
state worked out afresh every block: sources added mid-render, rates under the sign rule,
sources that start later, a listener who changes size."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from engine.audio import Mixer, Trajectory
from engine.audio.synthesis import continuous, struck
from engine.rules.acoustics import AbsorptionBand, Acoustics
from engine.rules.time import Time

pytestmark = pytest.mark.unit

RATE = 16_000


def _render_with_late_sources(with_tables: bool) -> tuple[np.ndarray, int]:
    """Sources with number, function and backward rates (clocks reduced to their sign), one
    starting later, two more added mid-render; tables or not (the per-source path)."""
    acoustics = Acoustics(absorption=(AbsorptionBand(frequency_hz=3000, db_per_metre=0.05),))
    mixer = Mixer(
        acoustics,
        Time(pitch_follows_local_time=False),
        sample_rate=RATE,
        block_size=512,
        reverb=False,
        limiter=False,
    )
    mixer.set_listener(0.0, (0.0, 1.6, 0.0), (0.5, 0.0, 0.0))

    def add(signal, place, rate, start=0.0):
        if not with_tables:
            signal = replace(signal, table=None)
        mixer.add_source(signal, position=place, gain=0.3, local_rate=rate, start_world_time=start)

    add(continuous("tone", 330.0, RATE), Trajectory.linear((15.0, 1.0, -4.0), (-9.0, 0, 2.0)), 0.5)
    add(continuous("drone", 120.0, RATE, seed=2), (4.0, 0.0, 3.0), lambda t: 0.8 + math.sin(t))
    add(struck("chime", 610.0, RATE, seed=3), (-5.0, 1.0, -2.0), -2.0, start=0.7)  # backward
    first = mixer.render(RATE)
    add(continuous("noise", 700.0, RATE, seed=4), (2.0, 0.0, -6.0), 3.0, start=1.0)
    add(struck("pulse", 220.0, RATE, seed=5), (-3.0, 0.0, 3.0), -0.25, start=1.3)
    second = mixer.render(2 * RATE)
    return np.concatenate([first, second]).astype(np.float64), len(mixer.sources)


def test_sources_kept_between_blocks_sound_as_sources_mixed_one_by_one():
    """Table sources (one call, their groups, heard lists, clock rates and silent rows kept
    between blocks) against the same signals without tables (worked out per block)."""
    with_tables, left_with = _render_with_late_sources(True)
    without, left_without = _render_with_late_sources(False)
    late = with_tables[int(1.35 * RATE) :]
    assert np.abs(late).max() > 0.01  # the sources added mid-render are heard
    np.testing.assert_allclose(with_tables, without, atol=1e-6)
    assert left_with == left_without


def test_hearing_follows_the_listener_size_between_blocks():
    """A listener shrunk to hear only above the output's range hears nothing from then on;
    grown back, hears again (the hearing range is kept only while the size is unchanged)."""
    mixer = Mixer(sample_rate=RATE, block_size=512, reverb=False, limiter=False)
    mixer.set_listener(0.0, (0.0, 1.6, 0.0), size=1.7)
    mixer.add_source(continuous("tone", 440.0, RATE), position=(3.0, 1.6, 0.0))
    heard = mixer.render(RATE // 2)
    mixer.set_listener(0.5, (0.0, 1.6, 0.0), size=1.7 / 4000)  # hearing from 80 kHz up
    shrunk = mixer.render(RATE // 2)
    mixer.set_listener(1.0, (0.0, 1.6, 0.0), size=1.7)
    grown = mixer.render(RATE // 2)
    assert np.abs(heard[RATE // 4 :]).max() > 0.01
    assert np.abs(shrunk[512:]).max() == 0.0  # after the block that was already rendered
    assert np.abs(grown[RATE // 4 :]).max() > 0.01
