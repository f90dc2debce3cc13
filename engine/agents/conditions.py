"""The agents' condition language: a small, safe expression language for narration rules.

Owns: the tokenizer, the recursive-descent parser (with type checking) and the evaluator of
expressions such as ``distance < 5 and not reversed`` over a fixed set of names (``NAMES``).
Pure Python, no ``eval``: a condition is parsed into a tree of closures when the world loads, so
a bad condition is reported at load with what was wrong and what is accepted. Must not touch:
agent state, the simulation, the world model (``engine.rules.agents`` calls ``parse_condition``).

Grammar (lowest precedence first)::

    expression := disjunction
    disjunction := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not" negation | comparison
    comparison  := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/") unary)*
    unary       := "-" unary | atom
    atom        := NUMBER | NAME | "true" | "false" | "(" expression ")"
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from engine.rules.limits import LIMITS

# Every name a condition may read, with what it means (numbers are SI; booleans are flags).
NUMBER_NAMES: dict[str, str] = {
    "distance": "metres from the agent to the explorer",
    "event_distance": "metres from the agent to what set the rule off (the explorer if nothing)",
    "loudness_db": "loudest sound (dB) the agent noticed this step, 0 if none",
    "explorer_size": "the explorer's height (m)",
    "explorer_speed": "the explorer's speed (m/s)",
    "explorer_rate": "clock rate where the explorer stands (signed)",
    "local_rate": "the agent's clock rate (local seconds per world second, signed)",
    "world_rate": "world seconds per real second (signed, 0 when paused)",
    "age": "seconds the agent has lived on its own clock",
    "world_time": "the world clock (s)",
    "said": "how many times this rule has spoken",
    "speed_of_sound": "speed of sound in effect (m/s)",
    "speed_of_light": "speed of light in effect (m/s)",
}
BOOLEAN_NAMES: dict[str, str] = {
    "reversed": "the agent's clock runs backward",
    "in_time_field": "the agent stands in a time field",
    "explorer_moving": "the explorer moves faster than 0.1 m/s",
}
NAMES: tuple[str, ...] = tuple(NUMBER_NAMES) + tuple(BOOLEAN_NAMES)

_MAX_DEPTH = 32
_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<operator><=|>=|==|!=|[<>+\-*/()]))"
)
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_KEYWORDS = ("and", "or", "not", "true", "false")

Environment = Mapping[str, float | bool]
"""Values of the names, as the agent runtime fills them before evaluating."""


class ConditionError(ValueError):
    """A condition that cannot be parsed; the message names the position and what is accepted."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "operator" or "end"
    text: str
    column: int  # 1-based position in the condition


@dataclass(frozen=True)
class Condition:
    """A parsed condition; call ``evaluate`` with values for the names it reads."""

    source: str
    names: frozenset[str]
    _evaluate: Callable[[Environment], float | bool]

    def evaluate(self, environment: Environment) -> bool:
        """True when the condition holds; a name missing from ``environment`` is a KeyError."""
        return bool(self._evaluate(environment))


def tokenize(source: str) -> list[_Token]:
    """Tokens of a condition, ending with an ``end`` token."""
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            column = position + len(source[position:]) - len(source[position:].lstrip()) + 1
            raise ConditionError(
                f"unexpected character {source[column - 1]!r} at column {column}; conditions use "
                "numbers, names, comparisons (< <= > >= == !=), + - * /, and, or, not, brackets"
            )
        kind = match.lastgroup or "operator"
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(source) + 1))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0
        self.names: set[str] = set()

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self, text: str) -> bool:
        if self.current.text == text and self.current.kind != "end":
            self.index += 1
            return True
        return False

    def fail(self, message: str) -> ConditionError:
        token = self.current
        found = "the end" if token.kind == "end" else repr(token.text)
        return ConditionError(f"{message} at column {token.column}, found {found}")

    def parse(self) -> tuple[Callable[[Environment], float | bool], str]:
        evaluate, kind = self.disjunction()
        if self.current.kind != "end":
            raise self.fail("expected and, or, or the end of the condition")
        return evaluate, kind

    def descend(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail(f"condition nests deeper than {_MAX_DEPTH} levels")

    def boolean(self, parsed: tuple[Callable, str], where: str) -> Callable:
        evaluate, kind = parsed
        if kind != "bool":
            raise self.fail(f"{where} needs a true/false operand (a comparison or a flag)")
        return evaluate

    def number(self, parsed: tuple[Callable, str], where: str) -> Callable:
        evaluate, kind = parsed
        if kind != "number":
            raise self.fail(f"{where} needs a number, not a true/false value")
        return evaluate

    def disjunction(self) -> tuple[Callable, str]:
        first = self.conjunction()
        if self.current.text != "or":
            return first
        parts = [self.boolean(first, "'or'")]
        while self.take("or"):
            parts.append(self.boolean(self.conjunction(), "'or'"))
        return (lambda env: any(part(env) for part in parts)), "bool"

    def conjunction(self) -> tuple[Callable, str]:
        first = self.negation()
        if self.current.text != "and":
            return first
        parts = [self.boolean(first, "'and'")]
        while self.take("and"):
            parts.append(self.boolean(self.negation(), "'and'"))
        return (lambda env: all(part(env) for part in parts)), "bool"

    def negation(self) -> tuple[Callable, str]:
        if self.take("not"):
            self.descend()
            inner = self.boolean(self.negation(), "'not'")
            self.depth -= 1
            return (lambda env: not inner(env)), "bool"
        return self.comparison()

    def comparison(self) -> tuple[Callable, str]:
        left = self.sum()
        compare = _COMPARISONS.get(self.current.text)
        if compare is None or self.current.kind != "operator":
            return left
        symbol = self.current.text
        self.index += 1
        left_value = self.number(left, f"'{symbol}'")
        right_value = self.number(self.sum(), f"'{symbol}'")
        if self.current.text in _COMPARISONS:
            raise self.fail("comparisons do not chain; join them with 'and'")
        return (lambda env: compare(left_value(env), right_value(env))), "bool"

    def sum(self) -> tuple[Callable, str]:
        result = self.product()
        while self.current.text in ("+", "-"):
            symbol = self.current.text
            self.index += 1
            left = self.number(result, f"'{symbol}'")
            right = self.number(self.product(), f"'{symbol}'")
            apply = operator.add if symbol == "+" else operator.sub
            result = (lambda env, a=left, b=right, f=apply: f(a(env), b(env))), "number"
        return result

    def product(self) -> tuple[Callable, str]:
        result = self.unary()
        while self.current.text in ("*", "/"):
            symbol = self.current.text
            self.index += 1
            left = self.number(result, f"'{symbol}'")
            right = self.number(self.unary(), f"'{symbol}'")
            if symbol == "*":
                result = (lambda env, a=left, b=right: a(env) * b(env)), "number"
            else:
                result = (lambda env, a=left, b=right: _divide(a(env), b(env))), "number"
        return result

    def unary(self) -> tuple[Callable, str]:
        if self.take("-"):
            self.descend()
            inner = self.number(self.unary(), "'-'")
            self.depth -= 1
            return (lambda env: -inner(env)), "number"
        return self.atom()

    def atom(self) -> tuple[Callable, str]:
        token = self.current
        if token.kind == "number":
            self.index += 1
            value = float(token.text)
            if not math.isfinite(value):
                raise ConditionError(f"number {token.text!r} at column {token.column} is too big")
            return (lambda env: value), "number"
        if token.kind == "name":
            if token.text in ("true", "false"):
                self.index += 1
                flag = token.text == "true"
                return (lambda env: flag), "bool"
            if token.text in _KEYWORDS:
                raise self.fail("expected a number, a name or '('")
            if token.text not in NAMES:
                raise ConditionError(
                    f"unknown name {token.text!r} at column {token.column}; accepted names: "
                    f"{', '.join(NAMES)}"
                )
            self.index += 1
            name = token.text
            self.names.add(name)
            kind = "bool" if name in BOOLEAN_NAMES else "number"
            return (lambda env: env[name]), kind
        if self.take("("):
            self.descend()
            inner = self.disjunction()
            self.depth -= 1
            if not self.take(")"):
                raise self.fail("expected ')'")
            return inner
        raise self.fail("expected a number, a name or '('")


def _divide(numerator: float, denominator: float) -> float:
    # Division by zero gives an infinity of the numerator's sign (0/0 gives 0) instead of failing.
    if denominator == 0:
        return 0.0 if numerator == 0 else math.copysign(math.inf, numerator)
    return numerator / denominator


def parse_condition(source: str) -> Condition:
    """Parse and type-check a condition; it must be true/false valued. ConditionError if not."""
    if len(source) > LIMITS.condition_length:
        raise ConditionError(
            f"condition is {len(source)} characters; at most {LIMITS.condition_length} "
            "(limits.condition_length)"
        )
    if not source.strip():
        return Condition(source, frozenset(), lambda env: True)
    parser = _Parser(source)
    evaluate, kind = parser.parse()
    if kind != "bool":
        raise ConditionError(
            "a condition must be true or false, e.g. 'distance < 5'; this one is a number"
        )
    return Condition(source, frozenset(parser.names), evaluate)
