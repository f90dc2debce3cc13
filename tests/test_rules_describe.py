"""The plain-English summary of a world's strangeness names what departs from our physics."""

from __future__ import annotations

import pytest
from conftest import REPO

from engine.rules import load_world, loads_world
from engine.rules.describe import describe_strangeness

pytestmark = pytest.mark.unit


def test_our_own_physics_has_nothing_strange():
    assert describe_strangeness(loads_world('[meta]\nname = "Earth"\n')) == []


def test_slow_light_and_scale_bands_are_described():
    slowlight = describe_strangeness(load_world(REPO / "worlds" / "slowlight.toml"))
    assert slowlight[0].startswith(
        "Light travels at 3 m/s (1/9.99e+07 of ours) - slower than walking"
    )
    nested = describe_strangeness(load_world(REPO / "worlds" / "nested_scales.toml"))
    assert (
        "You can scale yourself from 1e-09 m to 100000 m; 4 bands of size have their own laws."
        in nested
    )


def test_time_fields_and_triggers_are_described():
    tidal = describe_strangeness(load_world(REPO / "worlds" / "tidal_time.toml"))
    assert tidal[:4] == [
        "The world clock swings forward and back every 30 s.",
        "In 'slow well' clocks run at 0.5x.",
        "In 'fast well' clocks run at 2x.",
        "In 'stillpool' clocks run not at all (frozen).",
    ]
    bells = describe_strangeness(load_world(REPO / "worlds" / "backward_bells.toml"))
    assert bells[0] == (
        "'bell reversal': a sound louder than 85 dB runs time backward within 12 m for 3 s."
    )
