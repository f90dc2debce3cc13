"""``WorldSpec``: a whole world file as one validated, frozen value, and its cross-section checks.

Each section validates itself; this module checks what spans sections: names referred to exist,
nothing starts faster than the world's speed of light, totals stay within the limits.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from engine.rules.acoustics import Acoustics
from engine.rules.agents import Agent, agent_cross_checks
from engine.rules.bodies import Body, ParticleField
from engine.rules.common import Rules
from engine.rules.language import LanguageSpec
from engine.rules.light import Light
from engine.rules.limits import LIMITS
from engine.rules.meta import Meta
from engine.rules.physics import Physics, Spring
from engine.rules.scale import Scale
from engine.rules.time import Time


class CrossCheckError(ValueError):
    """A problem that spans sections; ``location`` is the key path it is reported at."""

    def __init__(self, location: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


class WorldSpec(Rules):
    """A world: its identity, scales, clocks, laws, light, sound, contents, languages and agents."""

    meta: Meta
    scale: Scale = Scale()
    time: Time = Time()
    physics: Physics = Physics()
    light: Light = Light()
    acoustics: Acoustics = Acoustics()
    bodies: tuple[Body, ...] = Field(default=(), max_length=LIMITS.list_length)
    particles: tuple[ParticleField, ...] = Field(default=(), max_length=64)
    languages: tuple[LanguageSpec, ...] = Field(default=(), max_length=LIMITS.languages)
    agents: tuple[Agent, ...] = Field(default=(), max_length=LIMITS.agents)

    @model_validator(mode="after")
    def _cross_checks(self) -> WorldSpec:
        problems = list(cross_check(self))
        if problems:
            # Pydantic reports one error per validator; the loader splits these back out.
            raise ValueError(_join_problems(problems))
        return self

    def body(self, name: str) -> Body | None:
        """The body table with this name, if any."""
        return next((body for body in self.bodies if body.name == name), None)

    def language(self, name: str) -> LanguageSpec | None:
        """The language with this name, if any."""
        return next((language for language in self.languages if language.name == name), None)

    @property
    def body_count(self) -> int:
        """Bodies in the world, counting each member of a group."""
        return sum(body.count for body in self.bodies)


_PROBLEM_SEPARATOR = "\x1e"  # joins problems inside one ValueError; never in a message


def _join_problems(problems: list[CrossCheckError]) -> str:
    return _PROBLEM_SEPARATOR.join(
        ".".join(str(part) for part in problem.location) + "\x1f" + problem.message
        for problem in problems
    )


def split_problems(text: str) -> list[tuple[tuple[str | int, ...], str]]:
    """Undo ``_join_problems``: [(location, message)] from a cross-check error's text."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for chunk in text.split(_PROBLEM_SEPARATOR):
        if "\x1f" not in chunk:
            return []
        path, message = chunk.split("\x1f", 1)
        location = tuple(int(part) if part.isdigit() else part for part in path.split(".") if part)
        found.append((location, message))
    return found


def cross_check(world: WorldSpec) -> list[CrossCheckError]:
    """Every problem that spans sections, each with the key path to report it at."""
    problems: list[CrossCheckError] = []
    body_names = [body.name for body in world.bodies]
    for index, body in enumerate(world.bodies):
        if body_names.count(body.name) > 1 and body_names.index(body.name) != index:
            problems.append(
                CrossCheckError(("bodies", index, "name"), f"body name {body.name!r} is used twice")
            )
        speed = math.sqrt(sum(v * v for v in body.velocity)) + body.velocity_spread
        if speed >= world.light.speed_of_light:
            problems.append(
                CrossCheckError(
                    ("bodies", index, "velocity"),
                    f"starts at up to {speed:g} m/s, not below the world's speed of light "
                    f"({world.light.speed_of_light:g} m/s, light.speed_of_light)",
                )
            )
    if world.body_count > LIMITS.bodies:
        problems.append(
            CrossCheckError(
                ("bodies",),
                f"{world.body_count} bodies in all; at most {LIMITS.bodies} are accepted",
            )
        )
    particle_total = sum(field.count for field in world.particles)
    if particle_total > LIMITS.particles:
        problems.append(
            CrossCheckError(
                ("particles",),
                f"{particle_total} particles in all; at most {LIMITS.particles} are accepted",
            )
        )
    for index, law in enumerate(world.physics.laws):
        if isinstance(law, Spring):
            for end, name in enumerate(law.between):
                joined = world.body(name)
                if joined is None:
                    problems.append(
                        CrossCheckError(
                            ("physics", "laws", index, "between", end),
                            f"no body named {name!r}; bodies are {body_names}",
                        )
                    )
                elif joined.count != 1:
                    problems.append(
                        CrossCheckError(
                            ("physics", "laws", index, "between", end),
                            f"{name!r} is a group of {joined.count}; springs join single bodies",
                        )
                    )
    language_names = [language.name for language in world.languages]
    for index, name in enumerate(language_names):
        if language_names.index(name) != index:
            problems.append(
                CrossCheckError(("languages", index, "name"), f"language {name!r} appears twice")
            )
    agent_names = [agent.name for agent in world.agents]
    for index, agent in enumerate(world.agents):
        if agent_names.index(agent.name) != index:
            problems.append(
                CrossCheckError(("agents", index, "name"), f"agent {agent.name!r} appears twice")
            )
        if agent.language is not None and agent.language not in language_names:
            problems.append(
                CrossCheckError(
                    ("agents", index, "language"),
                    f"no language named {agent.language!r}; languages are {language_names}",
                )
            )
        if agent.movement.speed >= world.light.speed_of_light:
            problems.append(
                CrossCheckError(
                    ("agents", index, "movement", "speed"),
                    f"{agent.movement.speed:g} m/s is not below the world's speed of light "
                    f"({world.light.speed_of_light:g} m/s)",
                )
            )
    problems.extend(agent_cross_checks(world))
    return problems
