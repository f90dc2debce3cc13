"""Deterministic expansion: the intents a model chose + a seed -> a complete ``WorldSpec``.

Owns: turning ``WorldIntent`` (laws, constants, sky, things), the generated language and
``AgentsIntent`` into every field of a world file, with positions, masses, colours and loudness
drawn from ``random.Random(seed)``. The same intents and seed always give the same world.
Must not touch: models or prompts; it never calls a backend.
"""

from __future__ import annotations

import math
import random

from engine.rules import WorldSpec
from engine.rules.acoustics import Acoustics, Reverb
from engine.rules.agents import Agent, Movement, NarrationRule
from engine.rules.bodies import Body, Emitter
from engine.rules.common import Region
from engine.rules.language import LanguageSpec
from engine.rules.light import Light
from engine.rules.meta import Lineage, Meta
from engine.rules.physics import Brownian, Collisions, Drag, Gravity, Physics, UniformField
from engine.rules.scale import Scale, ScaleBand
from engine.rules.time import Time, TimeField, TimeTrigger
from generators.intent import (
    ECHOES,
    FOG_DENSITY,
    LIGHT_SPEEDS,
    SIZE_RANGES,
    SKIES,
    SOUND_PITCHES,
    SOUND_SPEEDS,
    TIME_SPEEDS,
    AgentsIntent,
    WorldIntent,
)

# Uniform "down" for each gravity choice (m/s^2, y up); pairwise kinds add a Gravity law instead.
_DOWNWARD = {"weak": 1.6, "earthlike": 9.81, "strong": 30.0, "upward": -2.0, "inverse_cube": 1.0}
_DRAG = {"air": Drag(kind="drag", quadratic=0.02), "water": Drag(kind="drag", linear=1.0)}
_DRAG["syrup"] = Drag(kind="drag", linear=5.0)


def expand_world(
    intent: WorldIntent,
    seed: int,
    *,
    language: LanguageSpec | None = None,
    agent_names: list[str] | None = None,
    agents: AgentsIntent | None = None,
    lineage: Lineage | None = None,
) -> WorldSpec:
    """A complete world from the chosen intents; raises pydantic's ValidationError if invalid."""
    rng = random.Random(f"heterocosm-world-{seed}")
    sky = SKIES[intent.sky]
    speed_of_light = _pick(rng, LIGHT_SPEEDS[intent.light_speed])
    # Nothing may start as fast as light: keep every initial speed well below it.
    speed_cap = 0.4 * speed_of_light
    echo = _pick(rng, ECHOES[intent.echo])
    bodies = _bodies(intent, rng, sky[5], speed_cap)
    world_agents: list[Agent] = []
    languages: tuple[LanguageSpec, ...] = ()
    if language is not None:
        languages = (language,)
    if language is not None and agents is not None and agent_names:
        world_agents = _agents(agents, agent_names, language.name, bodies, rng, sky[5], speed_cap)
    return WorldSpec(
        meta=Meta(
            name=intent.name,
            description=intent.description,
            seed=seed,
            lineage=lineage or Lineage(),
        ),
        scale=_scale(intent),
        time=_time(intent, rng),
        physics=_physics(intent),
        light=Light(
            speed_of_light=speed_of_light,
            sky_zenith=sky[0],
            sky_horizon=sky[1],
            ground_colour=sky[2],
            fog_colour=sky[3],
            fog_density=FOG_DENSITY[intent.fog],
            sun_colour=sky[4],
            palette=sky[5],
        ),
        acoustics=Acoustics(
            speed_of_sound=_pick(rng, SOUND_SPEEDS[intent.sound_speed]),
            pitch_drift_semitones_per_metre=_pick(rng, SOUND_PITCHES[intent.sound_pitch]),
            reverb=Reverb(decay_seconds=echo, wet=round(0.15 + min(echo, 30.0) / 60.0, 3)),
        ),
        bodies=tuple(bodies),
        languages=languages,
        agents=tuple(world_agents),
    )


def _pick(rng: random.Random, bounds: tuple[float, float]) -> float:
    """A value in [low, high], spread evenly on a log scale for positive ranges; 3 significant
    digits so files stay short."""
    low, high = bounds
    if low == high:
        return float(low)
    if low > 0:
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = rng.uniform(low, high)
    return float(f"{value:.3g}")


def _physics(intent: WorldIntent) -> Physics:
    laws: list = []
    down = _DOWNWARD.get(intent.gravity)
    if down is not None:
        laws.append(UniformField(kind="uniform_field", acceleration=(0.0, -down, 0.0)))
    if intent.gravity == "mutual_pull":
        laws.append(Gravity(kind="gravity", strength=2.0, exponent=-2.0, softening=0.5))
    elif intent.gravity == "mutual_push":
        laws.append(Gravity(kind="gravity", strength=-1.0, exponent=-2.0, softening=0.5))
    elif intent.gravity == "inverse_cube":
        laws.append(Gravity(kind="gravity", strength=20.0, exponent=-3.0, softening=0.5))
    if intent.drag != "none":
        laws.append(_DRAG[intent.drag])
    floating = intent.gravity in ("none", "upward", "mutual_pull", "mutual_push")
    return Physics(
        motion=intent.motion,
        laws=tuple(laws),
        # Worlds without a firm "down" keep their contents inside a box so nothing drifts away.
        collisions=Collisions(ground=True, bounds=60.0 if floating else None),
    )


def _scale(intent: WorldIntent) -> Scale:
    smallest, largest = SIZE_RANGES[intent.size_range]
    bands: list[ScaleBand] = []
    if intent.size_range == "insect":
        bands.append(
            ScaleBand(
                name="underfoot",
                min_size=smallest,
                max_size=0.05,
                extra_laws=(Drag(kind="drag", linear=3.0),),
                hearing_min_hz=200.0,
                hearing_max_hz=40_000.0,
            )
        )
    elif intent.size_range == "microbe":
        bands.append(
            ScaleBand(
                name="microscopic",
                min_size=smallest,
                max_size=1e-3,
                extra_laws=(
                    Brownian(kind="brownian", diffusion=1e-12),
                    Drag(kind="drag", linear=50.0),
                ),
                disabled_laws=("uniform_field",),
                tint="#9fd8cb",
            )
        )
    elif intent.size_range == "giant":
        bands.append(ScaleBand(name="towering", min_size=100.0, max_size=largest, time_rate=0.5))
    elif intent.size_range == "cosmic":
        bands.append(
            ScaleBand(
                name="stellar",
                min_size=1e4,
                max_size=largest,
                time_rate=10.0,
                disabled_laws=("uniform_field",),
            )
        )
    return Scale(min_explorer_size=smallest, max_explorer_size=largest, bands=tuple(bands))


def _time(intent: WorldIntent, rng: random.Random) -> Time:
    fields = []
    if intent.slow_time_zone:
        centre = (round(rng.uniform(-15, 15), 1), 0.0, round(rng.uniform(-15, 5), 1))
        fields.append(
            TimeField(
                name="slow hollow",
                region=Region(shape="sphere", centre=centre, radius=6.0, edge=1.0),
                rate=0.3,
            )
        )
    triggers = []
    if intent.loud_sound_reverses_time:
        triggers.append(
            TimeTrigger(
                name="loud reversal",
                event="loud_sound",
                threshold_db=85.0,
                effect="reverse",
                radius=15.0,
                duration=3.0,
            )
        )
    return Time(
        rate=_pick(rng, TIME_SPEEDS[intent.time_speed]),
        direction=intent.time_direction,
        fields=tuple(fields),
        triggers=tuple(triggers),
    )


EXPLORER_START = Scale().explorer_position
"""Where the explorer starts in a generated world (the scale section's default)."""
VIEW_ARC = math.radians(90)
"""Width of the arc in front of the explorer that generated things stand on."""


def _bodies(
    intent: WorldIntent, rng: random.Random, palette: tuple[str, ...], speed_cap: float
) -> list[Body]:
    bodies = []
    count = len(intent.things)
    for index, thing in enumerate(intent.things):
        # Things stand on an arc in front of the explorer (who starts looking toward -z), spread
        # across the field of view with a little jitter, so the first frame shows them all.
        heading = VIEW_ARC * ((index + 0.5 + rng.uniform(-0.2, 0.2)) / count - 0.5)
        distance = rng.uniform(8.0, 18.0)
        radius = round(rng.uniform(0.3, 1.2), 2)
        group = thing.count > 1
        spread = round(2.0 + thing.count * 0.15, 2) if group else 0.0
        height = radius + (spread if group else 0.0) + 0.1
        speed = min(rng.uniform(1.0, 3.0), speed_cap) if thing.moving else 0.0
        velocity = (  # across the view, along the arc
            round(math.cos(heading) * speed, 3),
            0.0,
            round(math.sin(heading) * speed, 3),
        )
        velocity_spread = round(min(0.5, speed_cap * 0.2), 3) if group and thing.moving else 0.0
        sound = None
        if thing.sound != "silent":
            struck = thing.sound in ("chime", "pulse")
            sound = Emitter(
                kind=thing.sound,
                frequency_hz=float(thing.pitch_hz),
                loudness_db=round(rng.uniform(70.0, 88.0), 1),
                interval=round(rng.uniform(4.0, 9.0), 1) if struck else 0.0,
                on_collision=thing.moving,
            )
        bodies.append(
            Body(
                name=thing.name,
                shape=thing.shape,
                radius=radius,
                mass=round(rng.uniform(1.0, 20.0), 2),
                colour=palette[index % len(palette)],
                glow=round(rng.uniform(0.0, 0.6), 2),
                position=(
                    round(EXPLORER_START[0] + math.sin(heading) * distance, 2),
                    round(height, 2),
                    round(EXPLORER_START[2] - math.cos(heading) * distance, 2),
                ),
                velocity=velocity,
                count=thing.count,
                spread=spread,
                velocity_spread=velocity_spread,
                fixed=not thing.moving and not group,
                sound=sound,
            )
        )
    return bodies


def _agents(
    intent: AgentsIntent,
    names: list[str],
    language_name: str,
    bodies: list[Body],
    rng: random.Random,
    palette: tuple[str, ...],
    speed_cap: float,
) -> list[Agent]:
    agents = []
    for index, (agent, name) in enumerate(zip(intent.agents, names, strict=False)):
        body = next((body for body in bodies if body.name == agent.near), bodies[0])
        single = body.count == 1
        behaviour = agent.behaviour
        if behaviour == "orbit" and not single:
            behaviour = "wander"  # an orbit follows one body; a group has no single position
        movement = Movement(
            behaviour=behaviour,
            speed=round(min(1.2, speed_cap), 3),
            centre=body.position if not single else (0.0, 0.0, 0.0),
            around=body.name if single and behaviour in ("orbit", "wander") else None,
            radius=round(rng.uniform(3.0, 6.0), 1),
        )
        position = (
            round(body.position[0] + rng.uniform(-3, 3), 2),
            0.0,
            round(body.position[2] + rng.uniform(-3, 3), 2),
        )
        agents.append(
            Agent(
                name=name,
                language=language_name,
                shape=rng.choice(["walker", "floater", "crawler", "flyer"]),
                colour=palette[(index + 1) % len(palette)],
                size=round(rng.uniform(0.6, 2.0), 2),
                position=position,
                movement=movement,
                narration=(
                    NarrationRule(
                        trigger="explorer_near", lines=(agent.greeting.text,), radius=6.0
                    ),
                    NarrationRule(
                        trigger="loud_sound", lines=(agent.on_loud_sound.text,), radius=15.0
                    ),
                ),
            )
        )
    return agents
