"""The ``[[agents]]`` section: scripted creatures that move, perceive and narrate.

Declarative only: behaviours, triggers and conditions are names and small expressions that the
agent runtime parses; nothing in an agent table is ever executed as code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from engine.rules.common import (
    Colour,
    Name,
    NonNegativeReal,
    PositiveReal,
    Prose,
    Rules,
    Vec3,
)
from engine.rules.limits import LIMITS

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
    """How an agent moves."""

    behaviour: Behaviour = "wander"
    speed: NonNegativeReal = 1.0
    """Walking speed (m/s) on the agent's own clock."""
    path: tuple[Vec3, ...] = Field(default=(), max_length=256)
    """patrol: the points visited in turn (m)."""
    centre: Vec3 = (0.0, 0.0, 0.0)
    """orbit: the point circled; wander: the centre of the area roamed."""
    radius: PositiveReal = 5.0
    """orbit: circle radius; wander: how far from the centre it roams (m)."""
    keep_distance: NonNegativeReal = 2.0
    """follow/flee: distance (m) kept from the explorer."""


class NarrationRule(Rules):
    """When something happens, say one of these lines."""

    trigger: Trigger
    condition: Annotated[str, Field(max_length=LIMITS.condition_length)] = ""
    """Optional condition in the agents' small condition language, e.g. "distance < 5"."""
    lines: tuple[Line, ...] = Field(default=(), max_length=64)
    """Lines in English, translated into the agent's language when spoken."""
    native_lines: tuple[Line, ...] = Field(default=(), max_length=64)
    """Lines written directly in the agent's language (romanised or IPA)."""
    cooldown: NonNegativeReal = 10.0
    """Seconds (agent's own clock) before this rule may speak again."""
    priority: int = Field(default=0, ge=-100, le=100)
    """Higher wins when several rules fire at once."""
    every: PositiveReal = 15.0
    """periodic only: seconds between lines."""
    radius: PositiveReal = 6.0
    """explorer_near / loud_sound / collision: how close (m) the event must be."""

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


class Agent(Rules):
    """A creature that lives in the world."""

    name: Name
    language: Name | None = None
    """Name of the language it speaks (one of the world's [[languages]])."""
    shape: Literal["walker", "floater", "crawler", "flyer"] = "walker"
    """Silhouette drawn for it."""
    colour: Colour = "#f2c14e"
    size: PositiveReal = 1.0
    """Height (m)."""
    position: Vec3 = (0.0, 0.0, 0.0)
    """Where it starts (m)."""
    movement: Movement = Movement()
    perception_radius: PositiveReal = 12.0
    """How far (m) it notices things."""
    narration: tuple[NarrationRule, ...] = Field(default=(), max_length=LIMITS.narration_rules)
    voice: AgentVoice = AgentVoice()
    improvise: bool = False
    """Let a language model write new lines about events (falls back to scripted lines)."""
    description: Prose = ""
