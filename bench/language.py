"""Benchmark of the language runtime: word coinage rate and voice real-time factor.

Run: ``.venv/bin/python bench/language.py``. Prints absolute figures and ratios against baselines
measured in the same run (these machines are noisy):
- coinage: ``coin_word`` (template sampling checked by the phonotactics automaton) against
  unconstrained generate-and-retry (random phoneme strings kept only when legal);
- voice: ``synthesise`` (espeak-ng + reshaping to the world's voice, 48 kHz) against bare
  espeak-ng synthesis of the same phonemes at 22050 Hz; target: 100x real time or more.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.language.translation import translate  # noqa: E402
from engine.language.voice import _engine, espeak_pitch_for, synthesise, text_to_espeak  # noqa: E402
from engine.language.words import coin_word  # noqa: E402
from generators.language import LanguageFlavour, generate_language  # noqa: E402


def _rate(function, minimum_seconds: float = 1.0) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """(calls per second, calls) of ``function`` run for at least ``minimum_seconds``."""
    calls = 0
    started = time.perf_counter()
    while True:
        function()
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= minimum_seconds:
            return calls / elapsed, calls


def bench_coinage() -> None:
    print("word coinage (words per second)")
    print(f"  {'language':<28} {'coin_word':>10} {'retry':>10} {'ratio':>7}")
    for seed, flavour in (
        (7, LanguageFlavour()),
        (3, LanguageFlavour(harshness=0.9)),
        (12, LanguageFlavour(tone=True, clusters=False)),
    ):
        spec = generate_language(seed, flavour)
        phonotactics = spec.phonotactics()
        inventory = list(spec.consonants + spec.vowels)
        rng = random.Random(0)
        ours, _ = _rate(lambda: coin_word(spec, rng))  # noqa: B023

        def retry() -> str:
            while True:
                word = "".join(rng.choice(inventory) for _ in range(rng.randint(2, 7)))  # noqa: B023
                if phonotactics.is_legal(word):  # noqa: B023
                    return word

        baseline, _ = _rate(retry)
        label = f"{spec.name} (seed {seed})"
        print(f"  {label:<28} {ours:>10.0f} {baseline:>10.0f} {ours / baseline:>6.2f}x")
    languages_per_second, _ = _rate(lambda: generate_language(random.randint(0, 10**6)), 2.0)
    print(f"  whole languages generated: {languages_per_second:.1f} per second")


def bench_voice() -> None:
    spec = generate_language(7)
    text = translate(
        spec, "the small birds sang in the old tree. the river remembers the stone"
    ).text
    phonemes = text_to_espeak(spec, text)
    synthesise(text, spec)  # load espeak-ng once, outside the timing
    print("voice (real-time factor = seconds of speech per second of compute)")
    print(f"  {'voice':<28} {'ours':>8} {'bare espeak':>12} {'ratio':>7}")
    for label, size in (("human (size 1)", 1.0), ("tiny (size 0.1)", 0.1), ("giant (size 4)", 4.0)):
        samples = synthesise(text, spec, 48000, speaker_size=size)
        seconds = len(samples) / 48000
        rate, _ = _rate(lambda: synthesise(text, spec, 48000, speaker_size=size))  # noqa: B023
        setting, _ = espeak_pitch_for(spec.voice.pitch_hz)
        bare_samples = _engine().synthesise(phonemes, setting, 175)
        bare_seconds = len(bare_samples) / 22050
        bare_rate, _ = _rate(lambda: _engine().synthesise(phonemes, setting, 175))  # noqa: B023
        ours_rtf, bare_rtf = seconds * rate, bare_seconds * bare_rate
        print(f"  {label:<28} {ours_rtf:>7.0f}x {bare_rtf:>11.0f}x {ours_rtf / bare_rtf:>6.2f}x")


if __name__ == "__main__":
    bench_coinage()
    print()
    bench_voice()
