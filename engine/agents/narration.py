"""Narration: from rules whose trigger fired to one line per agent, with cooldowns and memory.

Owns: ``Narrator``: conditions (parsed once), cooldowns and the "one line at a time" rule on each
agent's own clock, priorities (the highest-priority rule that may speak wins; ties go to the rule
written first), and the memory of what was said (a rule goes through all its lines before
repeating one, and an agent never repeats a line within that rule's cooldown). Line choices use
one seeded generator per agent, so the same seed gives the same transcript.
Must not touch: perception, movement, speech synthesis, the simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from engine.agents.conditions import Condition, parse_condition
from engine.agents.perception import RuleTable
from engine.rules.agents import Agent, NarrationRule


@dataclass(frozen=True)
class ScriptLine:
    """One scripted line: English to translate, or text written in the language."""

    text: str
    native: bool


@dataclass(frozen=True)
class Choice:
    """What a rule chose to say (``line`` is None when the agent improvises)."""

    rule_row: int
    line: ScriptLine


def script_lines(rule: NarrationRule) -> tuple[ScriptLine, ...]:
    return tuple(ScriptLine(text, False) for text in rule.lines) + tuple(
        ScriptLine(text, True) for text in rule.native_lines
    )


class Narrator:
    """Decides who says what among the rules whose trigger fired."""

    def __init__(self, agents: tuple[Agent, ...], table: RuleTable, seed: int) -> None:
        self.table = table
        rules = [
            agent.narration[int(rule)]
            for agent, rule in zip((agents[int(a)] for a in table.agent), table.rule, strict=True)
        ]
        self.lines: list[tuple[ScriptLine, ...]] = [script_lines(rule) for rule in rules]
        self.conditions: list[Condition] = [parse_condition(rule.condition) for rule in rules]
        self.last_spoken = np.full(table.count, -np.inf)  # agent's age when the rule last spoke
        self.said_count = np.zeros(table.count, dtype=np.int64)
        self.history: list[list[int]] = [[] for _ in rules]
        self.agent_memory: list[dict[str, float]] = [{} for _ in agents]
        """Per agent: line text -> the agent's age when it last said it."""
        self.busy_until = np.zeros(len(agents))
        """Per agent: age until which it is still saying its last line."""
        self.random = [
            random.Random(f"heterocosm-agent-{seed}-{index}") for index in range(len(agents))
        ]

    def ready(self, fired: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Rows among ``fired`` whose cooldown has passed and whose agent is not mid-line."""
        rows = np.flatnonzero(fired)
        if rows.size == 0:
            return rows
        agents = self.table.agent[rows]
        cool = age[agents] - self.last_spoken[rows] >= self.table.cooldown[rows]
        free = age[agents] >= self.busy_until[agents]
        return rows[cool & free]

    def choose(self, rows: np.ndarray, environment_of) -> list[int]:
        """The winning rule row per agent among ``rows`` whose condition holds.

        ``environment_of(row)`` gives the names a condition may read for that rule.
        """
        best: dict[int, int] = {}
        for row in rows.tolist():
            condition = self.conditions[row]
            if condition.names and not condition.evaluate(environment_of(row)):
                continue
            agent = int(self.table.agent[row])
            current = best.get(agent)
            if current is None or self.table.priority[row] > self.table.priority[current]:
                best[agent] = row
        return sorted(best.values())

    def pick_line(self, row: int, age: float) -> ScriptLine:
        """A line of rule ``row`` that was not said recently (memory), chosen by the agent's die."""
        lines = self.lines[row]
        agent = int(self.table.agent[row])
        history = self.history[row]
        recent = set(history[-(len(lines) - 1) :]) if len(lines) > 1 else set()
        cooldown = float(self.table.cooldown[row])
        memory = self.agent_memory[agent]
        candidates = [
            index
            for index, line in enumerate(lines)
            if index not in recent and age - memory.get(line.text, -np.inf) >= cooldown
        ]
        if not candidates:  # everything said lately: the one said longest ago
            candidates = [min(range(len(lines)), key=lambda i: memory.get(lines[i].text, -np.inf))]
        index = self.random[agent].choice(candidates)
        return lines[index]

    def record(
        self, row: int, text: str, age: float, duration: float, line: ScriptLine | None
    ) -> None:
        """Remember that rule ``row`` spoke ``text`` at the agent's ``age`` for ``duration`` s."""
        agent = int(self.table.agent[row])
        self.last_spoken[row] = age
        self.said_count[row] += 1
        self.busy_until[agent] = age + duration
        self.agent_memory[agent][text] = age
        if line is not None:
            self.history[row].append(self.lines[row].index(line))
            del self.history[row][:-64]
