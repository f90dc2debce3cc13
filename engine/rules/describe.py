"""Plain-English sentences on what is strange about a world, measured against our own physics.

Used by ``heterocosm demo`` and ``heterocosm info`` to tell a newcomer what to look and listen for.
Only reads the model; says nothing about a rule left at our universe's value.
"""

from __future__ import annotations

from engine.rules.light import SPEED_OF_LIGHT_IN_VACUUM
from engine.rules.physics import Brownian, Drag, Gravity, Spring, UniformField, Vortex
from engine.rules.world import WorldSpec

WALKING_SPEED = 1.4  # m/s
SPEED_OF_SOUND_IN_AIR = 343.0  # m/s
EARTH_GRAVITY = 9.81  # m/s^2


def _ratio(value: float, ours: float) -> str:
    ratio = value / ours
    if ratio >= 1:
        return f"{ratio:.3g} times ours"
    return f"1/{1 / ratio:.3g} of ours"


def describe_strangeness(world: WorldSpec) -> list[str]:
    """One sentence per way the world departs from ours, most striking first."""
    lines: list[str] = []
    light = world.light.speed_of_light
    if light < SPEED_OF_LIGHT_IN_VACUUM * 0.999:
        comparison = (
            " - slower than walking, so you can outrun your own view"
            if (light < WALKING_SPEED * 3)
            else ""
        )
        lines.append(
            f"Light travels at {light:g} m/s ({_ratio(light, SPEED_OF_LIGHT_IN_VACUUM)})"
            f"{comparison}: you see things where they were, colour-shifted by motion."
        )
    sound = world.acoustics.speed_of_sound
    if abs(sound - SPEED_OF_SOUND_IN_AIR) > 1:
        extra = " - slower than a run, so things outrun their own sound" if sound < 6.5 else ""
        lines.append(
            f"Sound travels at {sound:g} m/s ({_ratio(sound, SPEED_OF_SOUND_IN_AIR)}){extra}."
        )
    drift = world.acoustics.pitch_drift_semitones_per_metre
    if drift:
        direction = "rises" if drift > 0 else "sinks"
        lines.append(f"Sound {direction} {abs(drift):g} semitones for every metre it travels.")
    time = world.time
    if time.direction == "backward":
        lines.append("The world clock runs backward.")
    elif time.direction == "oscillating":
        lines.append(f"The world clock swings forward and back every {time.period:g} s.")
    if time.rate != 1:
        lines.append(f"World time runs at {time.rate:g}x real time.")
    for field in time.fields:
        if field.rate < 0:
            how = f"backward at {-field.rate:g}x"
        elif field.rate == 0:
            how = "not at all (frozen)"
        else:
            how = f"at {field.rate:g}x"
        lines.append(f"In '{field.name}' clocks run {how}.")
    for trigger in time.triggers:
        event = {
            "loud_sound": f"a sound louder than {trigger.threshold_db:g} dB",
            "collision": "a collision",
            "explorer_enters": "you arriving",
        }[trigger.event]
        effect = {
            "reverse": "runs time backward",
            "freeze": "freezes time",
            "rate": f"sets time to {trigger.rate:g}x",
        }[trigger.effect]
        lines.append(
            f"'{trigger.name}': {event} {effect} within {trigger.radius:g} m "
            f"for {trigger.duration:g} s."
        )
    if world.physics.motion == "aristotelian":
        lines.append(
            "Motion is Aristotelian: velocity follows force, and whatever is not pushed stops."
        )
    lines.extend(_law_sentence(law) for law in world.physics.laws if _law_sentence(law))
    scale = world.scale
    if scale.bands or scale.max_explorer_size / scale.min_explorer_size > 1e4:
        bands = f"; {len(scale.bands)} bands of size have their own laws" if scale.bands else ""
        lines.append(
            f"You can scale yourself from {scale.min_explorer_size:g} m to "
            f"{scale.max_explorer_size:g} m{bands}."
        )
    for language in world.languages:
        speakers = [agent.name for agent in world.agents if agent.language == language.name]
        who = f", spoken by {', '.join(speakers)}" if speakers else ""
        lines.append(
            f"Its creatures speak {language.name} ({language.word_order} word order, "
            f"{len(language.lexicon)} words){who}."
        )
    return lines


def _law_sentence(law: object) -> str:
    if isinstance(law, Gravity):
        if law.exponent == -2 and law.strength > 0:
            return (
                ""
                if abs(law.strength - 6.674e-11) < 1e-13
                else (
                    f"Gravity is inverse-square but {law.strength / 6.674e-11:.3g} times as strong."
                )
            )
        way = "pulls" if law.strength > 0 else "pushes"
        return f"A gravity that {way} with distance to the power {law.exponent:g}."
    if isinstance(law, UniformField):
        down = -law.acceleration[1]
        if abs(down - EARTH_GRAVITY) < 0.01 and law.region is None:
            return ""
        return (
            f"A uniform field accelerates everything by {list(law.acceleration)} m/s^2"
            f"{' inside a region' if law.region else ''}."
        )
    if isinstance(law, Vortex):
        return f"A vortex swirls things around {list(law.centre)}."
    if isinstance(law, Drag) and law.linear >= 1:
        return f"The air is thick: linear drag {law.linear:g} per second."
    if isinstance(law, Brownian):
        return "Everything trembles with Brownian jitter."
    if isinstance(law, Spring):
        return f"A spring joins {law.between[0]} and {law.between[1]}."
    return ""
