"""Property tests: random valid worlds survive dump -> load unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.rules import WorldSpec, dump_world, loads_world

pytestmark = pytest.mark.unit

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
vec3 = st.tuples(finite, finite, finite)
colour = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs")), min_size=1, max_size=12
)
region = st.fixed_dictionaries(
    {"shape": st.sampled_from(["sphere", "box"]), "centre": vec3, "radius": positive},
    optional={"edge": st.floats(0, 10)},
)
law = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.just("gravity"),
            "strength": finite.filter(bool),
            "exponent": st.floats(-4, 4),
            "softening": st.floats(0, 10),
        }
    ),
    st.fixed_dictionaries({"kind": st.just("uniform_field"), "acceleration": vec3}),
    st.fixed_dictionaries(
        {"kind": st.just("drag"), "linear": st.floats(0, 100), "quadratic": st.floats(0, 10)}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("vortex"),
            "centre": vec3,
            "axis": st.just((0.0, 1.0, 0.0)),
            "strength": finite,
            "core_radius": positive,
        }
    ),
    st.fixed_dictionaries({"kind": st.just("brownian"), "diffusion": positive}),
)
body = st.fixed_dictionaries(
    {"name": names, "radius": positive, "mass": positive, "position": vec3},
    optional={
        "colour": colour,
        "shape": st.sampled_from(["sphere", "cube", "cone", "torus"]),
        "velocity": st.tuples(*[st.floats(-10, 10)] * 3),
        "fixed": st.booleans(),
        "sound": st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["tone", "chime", "noise"]),
                "frequency_hz": st.floats(20, 20000),
                "interval": st.floats(0, 10),
            }
        ),
    },
)
world_data = st.fixed_dictionaries(
    {
        "meta": st.fixed_dictionaries(
            {"name": names, "seed": st.integers(0, 2**63 - 1)},
            optional={"description": st.text(max_size=80)},
        )
    },
    optional={
        "time": st.fixed_dictionaries(
            {
                "rate": st.floats(0.01, 1000),
                "direction": st.sampled_from(["forward", "backward", "oscillating"]),
            },
            optional={
                "fields": st.lists(
                    st.fixed_dictionaries(
                        {"name": names, "region": region, "rate": st.floats(-100, 100)}
                    ),
                    max_size=3,
                    unique_by=lambda item: item["name"],
                )
            },
        ),
        "physics": st.fixed_dictionaries(
            {
                "motion": st.sampled_from(["newtonian", "aristotelian"]),
                "laws": st.lists(law, max_size=4),
            }
        ),
        "light": st.fixed_dictionaries(
            {
                "speed_of_light": st.floats(20, 3e8),
                "fog_colour": colour,
                "palette": st.lists(colour, max_size=4),
            }
        ),
        "acoustics": st.fixed_dictionaries(
            {
                "speed_of_sound": positive,
                "attenuation_exponent": st.floats(0, 4),
                "pitch_drift_semitones_per_metre": st.floats(-1, 1),
            }
        ),
        "bodies": st.lists(body, max_size=4, unique_by=lambda item: item["name"]),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world_data)
def test_random_valid_worlds_round_trip(data):
    try:
        world = WorldSpec.model_validate(data)
    except ValidationError:
        assume(False)
    assert loads_world(dump_world(world), "dumped") == world


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_world_or_a_clear_error(text):
    from engine.rules import WorldError

    try:
        loads_world(text, "fuzz.toml")
    except WorldError as error:
        assert str(error).startswith("fuzz.toml")
