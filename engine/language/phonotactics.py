"""Which words a language allows: segmentation, syllable templates and forbidden sequences.

Owns: ``Phonotactics``, a deterministic automaton over a language's phonemes built from its
syllable templates (a word is one or more syllables, each matching a template) and its forbidden
sequences (no part of ``#word#`` may match one). The same automaton checks words, drives word
coinage and is compiled to an EBNF grammar, so all three agree. Built from plain data so the
world model (``engine.rules.language``) can use it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.language.features import Sound, has_features, nfd, sound_of, split_segments, strip_tone
from engine.language.notation import Token, parse_pattern

MAX_STATES = 20_000
"""Most automaton states a language may need; a hostile file cannot make the loader churn."""
MAX_PATTERN_TOKENS = 6
"""Longest forbidden sequence, in tokens."""

# A history item: a phoneme group id, or one of these.
_BOUNDARY = -1
_NOTHING = -2


def token_matches(
    token: Token, segment: str, classes: Mapping[str, frozenset[str]], sounds: Mapping[str, Sound]
) -> bool:
    """Whether one (non-boundary) token matches a segment (tone marks ignored except by bundles)."""
    toneless, _ = strip_tone(segment)
    if token.kind == "phoneme":
        return strip_tone(token.value)[0] == toneless
    if token.kind == "class":
        if token.value in ("C", "V"):
            # C and V mean any consonant / vowel, so a rule reads the same in every descendant.
            sound = sounds.get(toneless) or sound_of(toneless)
            kind = "consonant" if token.value == "C" else "vowel"
            return toneless in classes[token.value] or (sound is not None and sound.kind == kind)
        return toneless in classes[token.value]
    if token.kind == "bundle":
        sound = sounds.get(segment) or sound_of(segment)
        return sound is not None and has_features(sound, token.bundle)
    return False


@dataclass
class Phonotactics:
    """The phonotactics of one language as a DFA over groups of interchangeable phonemes."""

    inventory: tuple[str, ...]
    classes: dict[str, frozenset[str]]
    templates: tuple[str, ...]
    forbidden: tuple[str, ...]
    tones: tuple[str, ...]
    extra_sounds: dict[str, Sound]
    groups: list[tuple[str, ...]] = field(default_factory=list)
    """Phonemes that behave identically everywhere in the automaton."""
    group_of: dict[str, int] = field(default_factory=dict)
    transitions: list[dict[int, int]] = field(default_factory=list)
    """State -> group -> next state; state 0 is the start."""
    accepting: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        class_names = frozenset(self.classes)
        known = frozenset(self.inventory)
        self._templates = [parse_pattern(t, class_names, known) for t in self.templates]
        self._forbidden = [parse_pattern(f, class_names, known) for f in self.forbidden]
        for text, pattern in zip(self.forbidden, self._forbidden, strict=True):
            if len(pattern) > MAX_PATTERN_TOKENS:
                raise ValueError(
                    f"forbidden sequence {text!r} is {len(pattern)} tokens long; "
                    f"at most {MAX_PATTERN_TOKENS} are accepted"
                )
        self._build()

    # -- building ---------------------------------------------------------------------------

    def _matches(self, token: Token, phoneme: str) -> bool:
        return token_matches(token, phoneme, self.classes, self.extra_sounds)

    def _build(self) -> None:
        tokens: list[Token] = [t for template in self._templates for t in template]
        tokens += [t for pattern in self._forbidden for t in pattern if t.kind != "boundary"]
        signature_to_group: dict[tuple[bool, ...], int] = {}
        for phoneme in self.inventory:
            signature = tuple(self._matches(t, phoneme) for t in tokens)
            if signature not in signature_to_group:
                signature_to_group[signature] = len(self.groups)
                self.groups.append(())
            group = signature_to_group[signature]
            self.groups[group] += (phoneme,)
            self.group_of[phoneme] = group
        representative = [group[0] for group in self.groups]
        history_length = max((len(p) for p in self._forbidden), default=1) - 1

        def item_matches(token: Token, item: int) -> bool:
            if token.kind == "boundary":
                return item == _BOUNDARY
            return item >= 0 and self._matches(token, representative[item])

        def violates(history: tuple[int, ...]) -> bool:
            for pattern in self._forbidden:
                if len(pattern) <= len(history) and all(
                    item_matches(t, h)
                    for t, h in zip(pattern, history[len(history) - len(pattern) :], strict=True)
                ):
                    return True
            return False

        start_positions = frozenset((index, 0) for index in range(len(self._templates)))
        start_history = (_NOTHING,) * (history_length - 1) + (_BOUNDARY,) if history_length else ()
        start = (start_positions, False, start_history)
        state_ids = {start: 0}
        queue = [start]
        self.transitions = [{}]
        while queue:
            positions, _, history = queue.pop()
            state_id = state_ids[(positions, _, history)]
            for group, phoneme in enumerate(representative):
                moved: set[tuple[int, int]] = set()
                syllable_done = False
                for template_index, position in positions:
                    template = self._templates[template_index]
                    if self._matches(template[position], phoneme):
                        if position + 1 == len(template):
                            syllable_done = True
                        else:
                            moved.add((template_index, position + 1))
                if syllable_done:
                    moved |= start_positions
                if not moved:
                    continue
                full_history = history + (group,)
                if violates(full_history):
                    continue
                next_history = full_history[1:] if history_length else ()
                next_state = (frozenset(moved), syllable_done, next_history)
                if next_state not in state_ids:
                    if len(state_ids) >= MAX_STATES:
                        raise ValueError(
                            f"the syllables and forbidden sequences are too intricate (over "
                            f"{MAX_STATES} automaton states); use fewer or shorter patterns"
                        )
                    state_ids[next_state] = len(self.transitions)
                    self.transitions.append({})
                    queue.append(next_state)
                self.transitions[state_id][group] = state_ids[next_state]
        for (_positions, done, history), state_id in state_ids.items():
            if done and not violates(history + (_BOUNDARY,)):
                self.accepting.add(state_id)
        self._prune_dead_states()

    def _prune_dead_states(self) -> None:
        """Drop transitions into states from which no word can be finished."""
        alive = set(self.accepting)
        changed = True
        while changed:
            changed = False
            for state, moves in enumerate(self.transitions):
                if state not in alive and any(target in alive for target in moves.values()):
                    alive.add(state)
                    changed = True
        for moves in self.transitions:
            for group in [g for g, target in moves.items() if target not in alive]:
                del moves[group]
        self.alive = alive

    # -- checking ---------------------------------------------------------------------------

    def segments(self, word: str) -> list[str]:
        """The word's segments; ValueError if one is not in the inventory or has a bad tone."""
        segments = split_segments(nfd(word))
        if not segments:
            raise ValueError("the form is empty")
        for segment in segments:
            toneless, tone = strip_tone(segment)
            if toneless not in self.group_of:
                raise ValueError(
                    f"{segment!r} is not in the inventory ({' '.join(self.inventory)})"
                )
            if tone is not None and tone not in self.tones:
                accepted = (
                    ", ".join(self.tones) if self.tones else "none (the language has no tone)"
                )
                raise ValueError(f"{segment!r} carries the tone {tone!r}; tones: {accepted}")
        return segments

    def is_legal(self, word: str) -> bool:
        """Whether a word obeys the phonotactics."""
        return self.problem(word) is None

    def problem(self, word: str) -> str | None:
        """None if the word is legal, else a sentence saying what is wrong with it."""
        try:
            segments = self.segments(word)
        except ValueError as error:
            return str(error)
        state = 0
        for segment in segments:
            next_state = self.transitions[state].get(self.group_of[strip_tone(segment)[0]])
            if next_state is None:
                return self._explain(segments)
            state = next_state
        if state not in self.accepting:
            return self._explain(segments)
        return None

    def _explain(self, segments: list[str]) -> str:
        padded = ["#", *segments, "#"]
        for text, pattern in zip(self.forbidden, self._forbidden, strict=True):
            for start in range(len(padded) - len(pattern) + 1):
                window = padded[start : start + len(pattern)]
                if all(
                    (seg == "#") if t.kind == "boundary" else (seg != "#" and self._matches(t, seg))
                    for t, seg in zip(pattern, window, strict=True)
                ):
                    return f"it contains the forbidden sequence {text!r}"
        return (
            "it cannot be split into syllables of the shapes "
            + ", ".join(self.templates)
            + (" (classes: " + self._class_summary() + ")")
        )

    def _class_summary(self) -> str:
        return "; ".join(
            f"{name} = {' '.join(sorted(members))}"
            for name, members in sorted(self.classes.items())
        )
