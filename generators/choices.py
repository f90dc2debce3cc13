"""A rule set's categorical fields chosen by the model's likelihood, not sampled after examples.

Owns: a plain-English sentence for every option of every categorical ``WorldIntent`` field, and
the choice among a field's options by pointwise mutual information with the request: each
sentence's log-likelihood after the request minus its log-likelihood after a request that says
nothing ("Design a world."). The difference measures how much the request itself raises an
option, so an option a small model favours anyway ("ordinary", or whatever its few-shot example
showed) does not win by default. All sentences are scored in one batched forward pass. A seeded
draw from ``softmax(PMI / temperature)`` picks each field, so options the request does not
decide still vary from seed to seed. Must not touch: models (it asks a ``ChoiceScorer``), the
rest of the rule set (the model writes names, descriptions and things under the grammar).
"""

from __future__ import annotations

import math
import random
from typing import Any, Protocol

SYSTEM_CHOICES = "You describe worlds that do not obey our physics, one fact at a time."
NEUTRAL_INSTRUCTION = "Design a world."

# Field -> (the start every sentence about it shares, {option: how the sentence ends}).
# Each ending says what the option means in everyday words (as SYSTEM_RULES explains it).
FIELD_SENTENCES: dict[str, tuple[str, dict[Any, str]]] = {
    "gravity": (
        "In this world, gravity",
        {
            "none": "is absent, so everything floats",
            "weak": "is weak, so things fall gently",
            "earthlike": "is like the gravity on Earth",
            "strong": "is very strong, so everything is heavy",
            "upward": "points up, so things fall up",
            "mutual_pull": "makes things attract each other",
            "mutual_push": "makes things repel each other",
            "inverse_cube": "fades away quickly with distance",
        },
    ),
    "motion": (
        "In this world, a moving thing",
        {
            "newtonian": "keeps moving until something stops it",
            "aristotelian": "stops when it is not pushed",
        },
    ),
    "drag": (
        "In this world, the air",
        {
            "none": "is a vacuum that slows nothing",
            "air": "is ordinary air",
            "water": "is like water",
            "syrup": "is thick like syrup",
        },
    ),
    "sound_speed": (
        "In this world, sound moves",
        {
            "slower_than_walking": "slower than walking",
            "walking_pace": "at a walking pace",
            "slow": "slowly, like a car",
            "ordinary": "at its usual speed",
            "fast": "much faster than usual",
        },
    ),
    "light_speed": (
        "In this world, light moves",
        {
            "slower_than_walking": "slower than walking",
            "walking_pace": "at a walking pace",
            "slow": "slowly, like a car",
            "ordinary": "at its usual speed",
        },
    ),
    "sound_pitch": (
        "In this world, the pitch of a sound",
        {
            "steady": "stays the same",
            "sinks_as_it_travels": "sinks as it travels",
            "rises_as_it_travels": "rises as it travels",
        },
    ),
    "echo": (
        "In this world, an echo",
        {
            "none": "never happens",
            "short": "fades within a second",
            "long": "lasts several seconds",
            "half_a_minute": "lasts about half a minute",
        },
    ),
    "time_speed": (
        "In this world, time passes",
        {
            "ten_times_slower": "at a tenth of our pace",
            "slower": "a little slower than ours",
            "ordinary": "at the same pace as ours",
            "faster": "a little faster than ours",
            "ten_times_faster": "ten times as fast as ours",
        },
    ),
    "time_direction": (
        "In this world, time",
        {
            "forward": "flows forward as usual",
            "backward": "flows backward",
            "oscillating": "swings back and forth",
        },
    ),
    "loud_sound_reverses_time": (
        "In this world, a loud sound",
        {True: "reverses time", False: "is only a sound"},
    ),
    "slow_time_zone": (
        "In this world, there is",
        {True: "a zone where time slows down", False: "no zone where time runs differently"},
    ),
    "size_range": (
        "In this world, you can change your size",
        {
            "human": "only a little, staying human sized",
            "insect": "down to an insect",
            "microbe": "down to a microbe",
            "giant": "up to a giant",
            "cosmic": "up to a planet",
        },
    ),
    "sky": (
        "In this world, the sky",
        {
            "dusk": "glows like dusk",
            "noon": "is bright like noon",
            "night": "is dark like night",
            "emerald": "is emerald green",
            "violet": "is violet",
            "ember": "glows red like embers",
            "ice": "is pale and icy",
        },
    ),
    "fog": (
        "In this world, the view",
        {"clear": "is clear", "haze": "is hazy", "thick": "is hidden in thick fog"},
    ),
}


class ChoiceScorer(Protocol):
    """A backend that can score candidate answers by likelihood (the local backend can)."""

    def score_endings(
        self, messages: list[dict[str, str]], pairs: list[tuple[str, str]]
    ) -> list[float]:
        """Log-likelihood of each (start, ending) pair's ending, the answer beginning with start."""
        ...


def _sentences() -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    keys, pairs = [], []
    for name, (start, endings) in FIELD_SENTENCES.items():
        for option, ending in endings.items():
            keys.append((name, option))
            pairs.append((start, f" {ending}."))
    return keys, pairs


def _conversation(instruction: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_CHOICES},
        {"role": "user", "content": instruction},
    ]


class FieldChooser:
    """Chooses categorical fields for requests with one scorer; the neutral scores are computed
    once and reused."""

    def __init__(self, scorer: ChoiceScorer) -> None:
        self.scorer = scorer
        self._neutral: list[float] | None = None

    def information(self, instruction: str) -> dict[str, dict[Any, float]]:
        """PMI of every option with ``instruction``, in nats: {field: {option: score}}."""
        keys, pairs = _sentences()
        if self._neutral is None:
            self._neutral = self.scorer.score_endings(_conversation(NEUTRAL_INSTRUCTION), pairs)
        given = self.scorer.score_endings(_conversation(instruction), pairs)
        table: dict[str, dict[Any, float]] = {}
        for (name, option), with_request, without in zip(keys, given, self._neutral, strict=True):
            table.setdefault(name, {})[option] = with_request - without
        return table

    def choose(self, instruction: str, seed: int, temperature: float) -> dict[str, Any]:
        """{field: option}, drawn from softmax(PMI / temperature) (the best at temperature 0)."""
        chosen: dict[str, Any] = {}
        for name, scores in self.information(instruction).items():
            chosen[name] = pick(scores, random.Random(f"choice-{seed}-{name}"), temperature)
        return chosen


def pick(scores: dict[Any, float], rng: random.Random, temperature: float) -> Any:
    """An option drawn from softmax(scores / temperature) by the Gumbel-max trick."""
    if temperature <= 0:
        return max(scores, key=lambda option: scores[option])

    def noisy(option: Any) -> float:
        uniform = min(max(rng.random(), 1e-12), 1.0 - 1e-12)
        return scores[option] / temperature - math.log(-math.log(uniform))

    return max(scores, key=noisy)
