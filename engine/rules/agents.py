"""The ``[[agents]]`` section: scripted creatures that move, perceive and narrate.

Declarative only: behaviours, triggers and conditions are names and small expressions that the
agent runtime parses; nothing in an agent table is ever executed as code. Conditions are parsed
here by the agents' condition language (``engine.agents.conditions``) so a bad one is reported at
load; ``agent_cross_checks`` (called from ``engine.rules.world``) checks what needs the rest of
the world: bodies and time fields named, and lines the agent's language can say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from engine.rules.common import (
    Colour,
    Name,
    NonNegativeReal,
    PositiveReal,
    Prose,
    Real,
    Rules,
    Vec3,
)
from engine.rules.limits import LIMITS

if TYPE_CHECKING:
    from engine.rules.world import CrossCheckError, WorldSpec

Behaviour = Literal["wander", "patrol", "orbit", "follow", "flee", "stay"]
Trigger = Literal[
    "start",
    "periodic",
    "explorer_near",
    "collision",
    "loud_sound",
    "time_reversed",
    "scale_changed",
    "entered_time_field",
]
TRIGGERS: tuple[str, ...] = Trigger.__args__  # type: ignore[attr-defined]

Line = Annotated[str, Field(min_length=1, max_length=LIMITS.text_length)]


class Movement(Rules):
    """How an agent moves (on its own clock: in a slow time field it walks slowly)."""

    behaviour: Behaviour = "wander"
    speed: NonNegativeReal = 1.0
    """Walking speed (m/s) on the agent's own clock."""
    path: tuple[Vec3 | Name, ...] = Field(default=(), max_length=256)
    """patrol: the points visited in turn, looping (m), or names of bodies (where they start)."""
    centre: Vec3 = (0.0, 0.0, 0.0)
    """orbit: the point circled; wander: the centre of the area roamed."""
    around: Name | None = None
    """orbit / wander: a body whose current position is the centre instead (it follows the body)."""
    radius: PositiveReal = 5.0
    """orbit: circle radius; wander: how far from the centre it roams (m)."""
    keep_distance: NonNegativeReal = 2.0
    """follow: distance (m) it stays back from the explorer; flee: it runs while nearer."""

    @model_validator(mode="after")
    def _path_for_patrol(self) -> Movement:
        if self.behaviour == "patrol" and len(self.path) < 2:
            raise ValueError(
                "a patrol needs a path of at least 2 points ([x, y, z] in metres or body names)"
            )
        return self


class NarrationRule(Rules):
    """When something happens, say one of these lines."""

    trigger: Trigger
    condition: Annotated[str, Field(max_length=LIMITS.condition_length)] = ""
    """Optional condition in the agents' condition language, e.g. "distance < 5 and not reversed".

    Names: distance, event_distance, loudness_db, explorer_size, explorer_speed, explorer_rate,
    local_rate, world_rate, age, world_time, said, speed_of_sound, speed_of_light (numbers) and
    reversed, in_time_field, explorer_moving (true/false)."""
    lines: tuple[Line, ...] = Field(default=(), max_length=64)
    """Lines in English, translated into the agent's language when spoken."""
    native_lines: tuple[Line, ...] = Field(default=(), max_length=64)
    """Lines written directly in the agent's language (IPA or its romanisation), optionally
    followed by `` | `` and their English translation."""
    cooldown: NonNegativeReal = 10.0
    """Seconds (agent's own clock) before this rule may speak again."""
    priority: int = Field(default=0, ge=-100, le=100)
    """Higher wins when several rules fire at once."""
    every: PositiveReal = 15.0
    """periodic only: seconds (agent's own clock) between lines."""
    radius: PositiveReal = 6.0
    """explorer_near / loud_sound / collision: how close (m) the event must be."""
    threshold_db: Real = Field(default=75.0, ge=0, le=200)
    """loud_sound only: the least loudness (dB at the reference distance) that counts as loud;
    other agents' voices count (their ``voice.loudness_db``), an agent's own does not."""
    scale_factor: float = Field(default=2.0, gt=1.0, le=1e6)
    """scale_changed only: how many times bigger or smaller the explorer must become."""
    time_field: Name | None = None
    """entered_time_field only: the field to enter (absent: any field)."""

    @field_validator("condition")
    @classmethod
    def _parses(cls, value: str) -> str:
        from engine.agents.conditions import parse_condition

        parse_condition(value)  # ConditionError is a ValueError: reported at the key
        return value

    @model_validator(mode="after")
    def _has_lines(self) -> NarrationRule:
        if not self.lines and not self.native_lines:
            raise ValueError("a narration rule needs at least one line or native_line")
        return self


class AgentVoice(Rules):
    """Overrides of the language's voice for one agent."""

    pitch_hz: PositiveReal | None = Field(default=None, le=2000)
    rate: PositiveReal | None = Field(default=None, le=4)
    size: PositiveReal | None = Field(default=None, le=100)
    loudness_db: Real = Field(default=65.0, ge=0, le=140)
    """How loud it speaks: dB SPL at the world's reference distance (65 = conversation)."""


class Agent(Rules):
    """A creature that lives in the world."""

    name: Name
    language: Name | None = None
    """Name of the language it speaks (one of the world's [[languages]]); absent: English."""
    shape: Literal["walker", "floater", "crawler", "flyer"] = "walker"
    """Silhouette drawn for it; walkers and crawlers keep their height, the others fly."""
    colour: Colour = "#f2c14e"
    size: PositiveReal = 1.0
    """Height (m)."""
    position: Vec3 = (0.0, 0.0, 0.0)
    """Where it starts (m)."""
    movement: Movement = Movement()
    perception_radius: PositiveReal = 12.0
    """How far (m) it notices sounds and collisions at all (each rule's radius also applies)."""
    narration: tuple[NarrationRule, ...] = Field(default=(), max_length=LIMITS.narration_rules)
    voice: AgentVoice = AgentVoice()
    improvise: bool = False
    """Let a language model write new lines about events (falls back to scripted lines)."""
    description: Prose = ""

    @model_validator(mode="after")
    def _language_needed(self) -> Agent:
        if self.language is None:
            if self.improvise:
                raise ValueError(
                    "improvise needs a language: name one of the world's [[languages]]"
                )
            if any(rule.native_lines for rule in self.narration):
                raise ValueError(
                    "native_lines are written in the agent's language; name one with language = ..."
                )
        return self


def agent_cross_checks(world: WorldSpec) -> list[CrossCheckError]:
    """Agent problems that need the rest of the world, each at the key path to report it at.

    Bodies named by a movement exist (single bodies where a position is needed), time fields named
    by a rule exist, native lines use only words the language can form, English lines can be
    translated.
    """
    from engine.agents.native import read_native_line
    from engine.language.translation import translate
    from engine.rules.world import CrossCheckError

    problems: list[CrossCheckError] = []
    body_names = [body.name for body in world.bodies]
    field_names = [time_field.name for time_field in world.time.fields]

    def body_problem(name: str) -> str | None:
        body = world.body(name)
        if body is None:
            return f"no body named {name!r}; bodies are {body_names}"
        if body.count != 1:
            return f"{name!r} is a group of {body.count}; name a single body"
        return None

    for index, agent in enumerate(world.agents):
        where: tuple[str | int, ...] = ("agents", index)
        movement = agent.movement
        if movement.around is not None:
            problem = body_problem(movement.around)
            if problem:
                problems.append(CrossCheckError((*where, "movement", "around"), problem))
        for point_index, point in enumerate(movement.path):
            if isinstance(point, str):
                problem = body_problem(point)
                if problem:
                    problems.append(
                        CrossCheckError((*where, "movement", "path", point_index), problem)
                    )
        language = world.language(agent.language) if agent.language else None
        for rule_index, rule in enumerate(agent.narration):
            rule_where = (*where, "narration", rule_index)
            if rule.time_field is not None and rule.time_field not in field_names:
                problems.append(
                    CrossCheckError(
                        (*rule_where, "time_field"),
                        f"no time field named {rule.time_field!r}; time fields are {field_names}",
                    )
                )
            if language is None:
                continue  # a missing language is reported by the world's own checks
            for line_index, line in enumerate(rule.native_lines):
                try:
                    read_native_line(language, line)
                except ValueError as error:
                    problems.append(
                        CrossCheckError((*rule_where, "native_lines", line_index), str(error))
                    )
            for line_index, line in enumerate(rule.lines):
                try:
                    translate(language, line)
                except ValueError as error:
                    problems.append(
                        CrossCheckError(
                            (*rule_where, "lines", line_index),
                            f"cannot translate {line!r} into {language.name}: {error}",
                        )
                    )
    return problems
