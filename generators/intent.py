"""What the language model chooses: intent-level parameters, their schemas and their checks.

Owns: the pydantic models of each generation stage's answer (``WorldIntent`` for the rules,
``LanguageIntent`` for the language flavour and concepts, ``AgentsIntent`` for agents and their
lines), the JSON Schemas derived from them (the grammars the decoder obeys: compact, bounded
numbers, patterns on text), the checks for degenerate output (prompt echo, repeated entries,
stutter) and ``summarise_world``, which reads an existing world back into a ``WorldIntent`` (for
few-shot examples, remixes and variants). Must not touch: models, backends, expansion to a
``WorldSpec`` (``generators.expand``) or files.
"""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.rules import WorldSpec
from engine.rules.physics import Drag, Gravity, UniformField

GravityKind = Literal[
    "none", "weak", "earthlike", "strong", "upward", "mutual_pull", "mutual_push", "inverse_cube"
]
DragKind = Literal["none", "air", "water", "syrup"]
SizeRange = Literal["human", "insect", "microbe", "giant", "cosmic"]
Sky = Literal["dusk", "noon", "night", "emerald", "violet", "ember", "ice"]
Fog = Literal["clear", "haze", "thick"]
ThingShape = Literal["sphere", "cube", "cylinder", "cone", "torus", "crystal"]
ThingSound = Literal["silent", "tone", "chime", "drone", "noise", "pulse"]
Behaviour = Literal["wander", "orbit", "follow", "flee", "stay"]
# Constants are chosen by phrases a prompt would use (measured: the 135M model met 1 of 10
# prompts' properties when it wrote numbers, copying the few-shot values); expansion turns each
# phrase into a number within its range.
SoundSpeed = Literal["slower_than_walking", "walking_pace", "slow", "ordinary", "fast"]
LightSpeed = Literal["slower_than_walking", "walking_pace", "slow", "ordinary"]
SoundPitch = Literal["steady", "sinks_as_it_travels", "rises_as_it_travels"]
Echo = Literal["none", "short", "long", "half_a_minute"]
TimeSpeed = Literal["ten_times_slower", "slower", "ordinary", "faster", "ten_times_faster"]

# Range (low, high) each phrase expands to; a world's seed picks the value inside it.
SOUND_SPEEDS = {
    "slower_than_walking": (0.4, 1.2),
    "walking_pace": (1.5, 4.0),
    "slow": (5.0, 40.0),
    "ordinary": (343.0, 343.0),
    "fast": (1000.0, 3000.0),
}
LIGHT_SPEEDS = {
    "slower_than_walking": (0.5, 1.2),
    "walking_pace": (1.5, 4.0),
    "slow": (5.0, 60.0),
    "ordinary": (299792458.0, 299792458.0),
}
SOUND_PITCHES = {
    "steady": (0.0, 0.0),
    "sinks_as_it_travels": (-0.3, -0.05),
    "rises_as_it_travels": (0.05, 0.3),
}
ECHOES = {"none": (0.0, 0.0), "short": (0.5, 1.5), "long": (3.0, 8.0), "half_a_minute": (25, 35)}
TIME_SPEEDS = {
    "ten_times_slower": (0.1, 0.1),
    "slower": (0.3, 0.6),
    "ordinary": (1.0, 1.0),
    "faster": (1.5, 3.0),
    "ten_times_faster": (10.0, 10.0),
}

# Text patterns keep answers short and printable; the bounds are what a person would write.
WORLD_NAME_PATTERN = r"^[A-Z][a-z]{2,14}( [A-Za-z][a-z]{1,14}){0,3}$"
DESCRIPTION_PATTERN = r"^[A-Z][a-z0-9 ,;'-]{15,120}[.]$"  # xgrammar refuses counts above ~128
THING_NAME_PATTERN = r"^[a-z]{3,12}( [a-z]{2,12}){0,2}$"
CONCEPT_PATTERN = r"^[a-z]{3,12}$"


def _third_person(verb: str) -> str:
    if verb.endswith(("o", "s", "sh", "ch", "x")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _verb_forms() -> list[str]:
    # Every line is built around a verb the translator knows, so the world's language can say it.
    from generators.language import CORE_MEANINGS

    verbs = sorted(gloss for gloss, part in CORE_MEANINGS if part == "verb")
    return [form for verb in verbs for form in (verb, _third_person(verb))]


VERB_FORMS = _verb_forms()
# xgrammar's regex accepted strings outside a long alternation pattern (measured with 0.2.8), so a
# line is three parts and the verb is an enum, which the grammar enforces exactly.
# Nested optional groups were also mis-enforced, so these stay flat; ``text`` tidies spaces.
SUBJECT_PATTERN = r"^[A-Z][a-z ]{0,24}$"
REST_PATTERN = r"^[a-z ,]{0,40}$"


class _Intent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThingIntent(_Intent):
    """One kind of thing in the world."""

    name: str = Field(pattern=THING_NAME_PATTERN)
    shape: ThingShape
    count: int = Field(ge=1, le=40)
    sound: ThingSound
    pitch_hz: int = Field(ge=40, le=2000)
    moving: bool


class WorldIntent(_Intent):
    """The rule set at the level a person thinks of it; ``generators.expand`` fills in the rest."""

    name: str = Field(pattern=WORLD_NAME_PATTERN)
    description: str = Field(pattern=DESCRIPTION_PATTERN)
    gravity: GravityKind
    motion: Literal["newtonian", "aristotelian"]
    drag: DragKind
    sound_speed: SoundSpeed
    light_speed: LightSpeed
    sound_pitch: SoundPitch
    echo: Echo
    time_speed: TimeSpeed
    time_direction: Literal["forward", "backward", "oscillating"]
    loud_sound_reverses_time: bool
    slow_time_zone: bool
    size_range: SizeRange
    sky: Sky
    fog: Fog
    things: list[ThingIntent] = Field(min_length=1, max_length=4)


class LanguageIntent(_Intent):
    """Flavour of the world's language and the world's own concepts it must have words for."""

    harshness: float = Field(ge=0, le=1)
    vowels: int = Field(ge=3, le=9)
    tone: bool
    clusters: bool
    concepts: list[Annotated[str, Field(pattern=CONCEPT_PATTERN)]] = Field(
        min_length=2, max_length=5
    )


class LineIntent(_Intent):
    """A simple English clause: subject, verb, rest ("The gong" "sings" "late")."""

    subject: str = Field(pattern=SUBJECT_PATTERN)
    verb: str
    rest: str = Field(pattern=REST_PATTERN)

    @field_validator("verb")
    @classmethod
    def _known_verb(cls, value: str) -> str:
        if value not in VERB_FORMS:
            raise ValueError(f"verb must be one of {VERB_FORMS}, got {value!r}")
        return value

    @property
    def text(self) -> str:
        words = f"{self.subject} {self.verb} {self.rest}".replace(",", " ").split()
        return " ".join(words) + "."


class AgentIntent(_Intent):
    """One creature: how it moves, what it stays near, and two lines it says."""

    behaviour: Behaviour
    near: str
    greeting: LineIntent
    on_loud_sound: LineIntent


class AgentsIntent(_Intent):
    agents: list[AgentIntent] = Field(min_length=1, max_length=2)


def stage_schema(model: type[BaseModel], **enums: list[str]) -> dict[str, Any]:
    """The JSON Schema a stage's answer must match, with ``enums`` narrowing named string fields.

    Titles and descriptions are dropped (they cost nothing to the grammar but clutter server
    requests); every object is closed and every property required (OpenAI strict mode wants both).
    """
    schema = model.model_json_schema()
    _strip(schema)
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for name, values in enums.items():
            if name in definition.get("properties", {}):
                definition["properties"][name] = {"type": "string", "enum": list(values)}
    return schema


def _strip(node: Any) -> None:
    if isinstance(node, dict):
        for key in ("title", "description", "default"):
            # A property may itself be called "description": its schema is a dict, kept.
            if not isinstance(node.get(key), dict):
                node.pop(key, None)
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def repair_schema(schema: dict[str, Any], good: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every property in ``good`` pinned to its value, so a repair regenerates only
    the failing properties and keeps the rest as they were."""
    pinned = copy.deepcopy(schema)
    for name, value in good.items():
        if name in pinned.get("properties", {}):
            pinned["properties"][name] = {"const": value}
    return pinned


def validation_problems(error: ValidationError) -> dict[str, str]:
    """Pydantic errors as {top-level property: message}; "*" for the answer as a whole."""
    problems: dict[str, str] = {}
    for item in error.errors():
        location = item["loc"]
        key = str(location[0]) if location else "*"
        where = ".".join(str(part) for part in location) or "answer"
        problems.setdefault(key, f"{where}: {item['msg']}")
    return problems


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def echoes(text: str, prompt: str) -> bool:
    """Whether ``text`` repeats the prompt: its words (3 or more) run in the prompt verbatim."""
    text_words = _words(text)
    if len(text_words) < 3:
        return False
    return " ".join(text_words) in " ".join(_words(prompt))


def stutters(text: str) -> bool:
    """Degenerate repetition: a word three times in a row, or a short chunk repeated four times."""
    words = _words(text)
    if any(words[i] == words[i + 1] == words[i + 2] for i in range(len(words) - 2)):
        return True
    return re.search(r"(.{2,8})\1{3,}", text) is not None


def world_intent_problems(intent: WorldIntent, prompt: str) -> dict[str, str]:
    """Degenerate content in a rule-set answer, as {property: what is wrong}."""
    problems: dict[str, str] = {}
    if echoes(intent.name, prompt):
        problems["name"] = f"name {intent.name!r} only repeats the prompt; invent a name"
    elif stutters(intent.name):
        problems["name"] = f"name {intent.name!r} repeats itself"
    if echoes(intent.description, prompt) and len(_words(intent.description)) > 6:
        problems["description"] = "description only repeats the prompt; describe the world"
    elif stutters(intent.description):
        problems["description"] = "description repeats the same words"
    names = [thing.name for thing in intent.things]
    entries = [thing.model_dump_json() for thing in intent.things]
    if len(set(names)) != len(names):
        problems["things"] = f"things repeat a name ({names}); give each a different name"
    elif len(set(entries)) != len(entries):
        problems["things"] = "things repeat the same entry"
    elif any(stutters(name) for name in names):
        problems["things"] = "a thing's name repeats itself"
    return problems


def language_intent_problems(intent: LanguageIntent) -> dict[str, str]:
    """Degenerate content in a language answer: fewer than two different concepts.

    A concept named twice among others is only dropped (``world_concepts``); a list that is one
    word over and over is degenerate.
    """
    if len(set(intent.concepts)) < 2:
        return {"concepts": f"concepts repeat ({intent.concepts}); list different ones"}
    return {}


def world_concepts(language: LanguageIntent, world: WorldIntent) -> list[str]:
    """The concepts the language needs words for: the model's, then the world's things (last word
    of each name), each once, in order."""
    things = [thing.name.split()[-1] for thing in world.things]
    return list(dict.fromkeys([*language.concepts, *things]))


def agents_intent_problems(intent: AgentsIntent) -> dict[str, str]:
    """Degenerate content in an agents answer (the language checks translation separately)."""
    lines = [line.text for agent in intent.agents for line in (agent.greeting, agent.on_loud_sound)]
    if len({line.lower() for line in lines}) != len(lines):
        return {"agents": "agents repeat the same line; give each line its own words"}
    if any(stutters(line) for line in lines):
        return {"agents": "a line repeats the same words"}
    return {}


# Sky palettes: zenith, horizon, ground, fog, sun, and three colours for things.
SKIES: dict[str, tuple[str, str, str, str, str, tuple[str, str, str]]] = {
    "dusk": (
        "#1b2a4a",
        "#c9a27e",
        "#3a3f35",
        "#b9a48c",
        "#ffd9a8",
        ("#d1495b", "#edae49", "#00798c"),
    ),
    "noon": (
        "#5e7ea8",
        "#f2d6a2",
        "#6b8f4e",
        "#f2d6a2",
        "#fff1d6",
        ("#e07a5f", "#3d405b", "#81b29a"),
    ),
    "night": (
        "#05070f",
        "#1d2440",
        "#14161c",
        "#1d2440",
        "#c8d4ff",
        ("#f4d35e", "#ee964b", "#5bc0eb"),
    ),
    "emerald": (
        "#0b3d2e",
        "#7fd1a5",
        "#1f4d2b",
        "#7fd1a5",
        "#eaffd0",
        ("#f6ae2d", "#f26419", "#86bbd8"),
    ),
    "violet": (
        "#2a1040",
        "#c77dff",
        "#3c2a4d",
        "#9d4edd",
        "#ffd6ff",
        ("#ffbe0b", "#3a86ff", "#fb5607"),
    ),
    "ember": (
        "#3b0d0c",
        "#f48c06",
        "#2b1d14",
        "#9d0208",
        "#ffba08",
        ("#ffd60a", "#e5e5e5", "#4cc9f0"),
    ),
    "ice": (
        "#a9d6e5",
        "#e8f7ff",
        "#d8e2dc",
        "#e8f7ff",
        "#ffffff",
        ("#014f86", "#89c2d9", "#c9184a"),
    ),
}
FOG_DENSITY = {"clear": 0.0, "haze": 0.01, "thick": 0.05}
SIZE_RANGES: dict[str, tuple[float, float]] = {
    "human": (0.1, 100.0),
    "insect": (1e-3, 10.0),
    "microbe": (1e-6, 10.0),
    "giant": (0.5, 1e4),
    "cosmic": (1.0, 1e7),
}


def summarise_world(world: WorldSpec) -> WorldIntent:
    """A world read back into the intent a model would have chosen for it (approximately).

    Used for few-shot examples and as the starting point of remixes and variants.
    """
    laws = world.physics.laws
    gravity: GravityKind = "none"
    pairwise = [law for law in laws if isinstance(law, Gravity)]
    uniform = [law for law in laws if isinstance(law, UniformField) and law.region is None]
    if pairwise:
        pull = pairwise[0]
        if pull.exponent <= -2.5:
            gravity = "inverse_cube"
        else:
            gravity = "mutual_pull" if pull.strength > 0 else "mutual_push"
    elif uniform:
        down = -uniform[0].acceleration[1]
        if down < 0:
            gravity = "upward"
        elif down < 4:
            gravity = "weak"
        elif down < 15:
            gravity = "earthlike"
        else:
            gravity = "strong"
    drag: DragKind = "none"
    for law in laws:
        if isinstance(law, Drag):
            drag = "syrup" if law.linear >= 3 else "water" if law.linear > 0 else "air"
    sky = min(SKIES, key=lambda name: _colour_distance(SKIES[name][0], world.light.sky_zenith))
    fog = min(FOG_DENSITY, key=lambda name: abs(FOG_DENSITY[name] - world.light.fog_density))
    size = min(
        SIZE_RANGES,
        key=lambda name: (
            abs(SIZE_RANGES[name][0] - world.scale.min_explorer_size) / SIZE_RANGES[name][0]
        ),
    )
    things = []
    for body in world.bodies[:4]:
        name = re.sub(r"[^a-z ]", "", body.name.lower()).strip() or "thing"
        name = " ".join(word[:12] for word in name.split()[:3] if len(word) >= 2) or "thing"
        if len(name.split()[0]) < 3:
            name = "the " + name
        things.append(
            ThingIntent(
                name=name,
                shape=body.shape,
                count=min(body.count, 40),
                sound=body.sound.kind if body.sound else "silent",
                pitch_hz=int(min(max(body.sound.frequency_hz if body.sound else 220, 40), 2000)),
                moving=any(body.velocity) or body.velocity_spread > 0,
            )
        )
    if not things:
        things.append(
            ThingIntent(
                name="stone", shape="sphere", count=1, sound="silent", pitch_hz=220, moving=False
            )
        )
    name = " ".join(re.findall(r"[A-Za-z]{2,}", world.meta.name)[:4]).title() or "Unnamed World"
    description = re.sub(r"[^A-Za-z0-9 ,;'-]", " ", world.meta.description or world.meta.name)
    description = re.sub(r" +", " ", description).strip()[:118].rstrip(" ,;-")
    description = (description[:1].upper() + description[1:]).ljust(16, ".")
    description = description.rstrip(".") + "."
    return WorldIntent(
        name=name if re.match(WORLD_NAME_PATTERN, name) else "Unnamed World",
        description=description
        if re.match(DESCRIPTION_PATTERN, description)
        else "A world whose rules differ from ours.",
        gravity=gravity,
        motion=world.physics.motion,
        drag=drag,
        sound_speed=_nearest(SOUND_SPEEDS, world.acoustics.speed_of_sound),
        light_speed=_nearest(LIGHT_SPEEDS, world.light.speed_of_light),
        sound_pitch=_nearest(SOUND_PITCHES, world.acoustics.pitch_drift_semitones_per_metre),
        echo=_nearest(ECHOES, world.acoustics.reverb.decay_seconds),
        time_speed=_nearest(TIME_SPEEDS, world.time.rate),
        time_direction=world.time.direction,
        loud_sound_reverses_time=any(
            trigger.event == "loud_sound" and trigger.effect == "reverse"
            for trigger in world.time.triggers
        ),
        slow_time_zone=any(0 <= field.rate < 1 for field in world.time.fields),
        size_range=size,
        sky=sky,
        fog=fog,
        things=things,
    )


def _colour_distance(first: str, second: str) -> int:
    return sum(abs(int(first[i : i + 2], 16) - int(second[i : i + 2], 16)) for i in (1, 3, 5))


def _nearest(ranges: dict[str, tuple[float, float]], value: float) -> Any:
    """The phrase whose range holds ``value``, else the one whose range is nearest."""

    def distance(bounds: tuple[float, float]) -> float:
        low, high = bounds
        return 0.0 if low <= value <= high else min(abs(value - low), abs(value - high))

    return min(ranges, key=lambda phrase: distance(ranges[phrase]))
