"""Voices of invented languages through espeak-ng: audible, timed, pitched and sized as asked.

Owns: measurements on real espeak-ng output (the library from ``espeakng-loader``): the signal is
not silent, grows with the text, its measured fundamental follows ``pitch_hz / speaker_size``,
smaller speakers have higher formants, and every IPA symbol of the feature table maps to a
phoneme espeak-ng actually speaks. No audio device is used.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.language import synthesise
from engine.language.features import base_symbols, nfd
from engine.language.voice import ESPEAK_PHONEMES, _engine, espeak_pitch_for, text_to_espeak
from engine.rules.language import LanguageSpec

pytestmark = pytest.mark.unit

RATE = 16000


def _language(**voice: float) -> LanguageSpec:
    return LanguageSpec.model_validate(
        {
            "name": "Hum",
            "consonants": ["m", "n", "l", "t", "k", "s", "ʃ"],
            "vowels": ["a", "e", "o", "u", "i"],
            "syllables": [{"pattern": "CV"}, {"pattern": "V"}],
            "stress": "penultimate",
            "voice": voice,
        }
    )


def _fundamental_hz(signal: np.ndarray, sample_rate: int) -> float:
    """Median f0 over voiced 40 ms frames (normalised autocorrelation peak above 0.6)."""
    frame = int(0.04 * sample_rate)
    lowest_lag, highest_lag = int(sample_rate / 1000), int(sample_rate / 40)
    estimates = []
    for start in range(0, len(signal) - 2 * frame, frame // 2):
        piece = signal[start : start + 2 * frame].astype(np.float64)
        piece = piece - piece.mean()
        if np.sqrt(np.mean(piece**2)) < 0.02:
            continue
        spectrum = np.fft.rfft(piece, 4 * len(piece))
        correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: highest_lag + 1]
        correlation /= correlation[0]
        lag = lowest_lag + int(np.argmax(correlation[lowest_lag:highest_lag]))
        if correlation[lag] > 0.6:
            estimates.append(sample_rate / lag)
    assert len(estimates) >= 5, "too few voiced frames to measure a pitch"
    return float(np.median(estimates))


def _spectral_centroid_hz(signal: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal.astype(np.float64)))
    frequencies = np.fft.rfftfreq(len(signal), 1.0 / sample_rate)
    return float((spectrum * frequencies).sum() / spectrum.sum())


def test_voice_is_float32_mono_and_not_silent() -> None:
    signal = synthesise("mana lome", _language(), RATE)
    assert signal.dtype == np.float32 and signal.ndim == 1
    assert np.sqrt(np.mean(signal**2)) > 0.02
    assert np.abs(signal).max() <= 1.0


def test_duration_grows_with_text_length() -> None:
    spec = _language()
    durations = [
        len(synthesise(text, spec, RATE)) / RATE
        for text in (
            "ma",
            "mana lome",
            "mana lome tuki sane",
            "mana lome tuki sane. mana lome tuki",
        )
    ]
    assert all(a < b for a, b in zip(durations, durations[1:], strict=False)), durations
    assert durations[0] > 0.1


def test_sample_rate_changes_samples_not_duration() -> None:
    spec = _language()
    low = len(synthesise("mana lome", spec, 16000)) / 16000
    high = len(synthesise("mana lome", spec, 48000)) / 48000
    assert high == pytest.approx(low, rel=0.02)


@pytest.mark.parametrize("pitch_hz", [70.0, 100.0, 150.0])
def test_measured_pitch_follows_the_voice_pitch(pitch_hz: float) -> None:
    signal = synthesise("mana lomo nunu", _language(pitch_hz=pitch_hz), RATE)
    assert _fundamental_hz(signal, RATE) == pytest.approx(pitch_hz, rel=0.15)


@pytest.mark.parametrize(("pitch_hz", "speaker_size"), [(100.0, 0.5), (120.0, 0.25), (300.0, 1.0)])
def test_small_speakers_and_high_voices_are_pitched_by_resampling(
    pitch_hz: float, speaker_size: float
) -> None:
    spec = _language(pitch_hz=pitch_hz, speaker_size=speaker_size)
    signal = synthesise("mana lomo nunu", spec, 48000)
    assert _fundamental_hz(signal, 48000) == pytest.approx(pitch_hz / speaker_size, rel=0.15)


def test_smaller_speakers_have_higher_formants() -> None:
    text = "mana lomo nunu"
    human = synthesise(text, _language(), 48000)
    tiny = synthesise(text, _language(speaker_size=0.25), 48000)
    giant = synthesise(text, _language(speaker_size=3.0), 48000)
    assert _spectral_centroid_hz(tiny, 48000) > 2.0 * _spectral_centroid_hz(human, 48000)
    assert _spectral_centroid_hz(giant, 48000) < 0.7 * _spectral_centroid_hz(human, 48000)


def test_overrides_replace_the_language_voice() -> None:
    spec = _language(pitch_hz=150.0)
    signal = synthesise("mana lomo nunu", spec, RATE, pitch_hz=75.0)
    assert _fundamental_hz(signal, RATE) == pytest.approx(75.0, rel=0.15)


def test_espeak_pitch_table_is_monotonic_and_clamped() -> None:
    settings = [espeak_pitch_for(hz)[0] for hz in (20, 60, 90, 120, 150, 5000)]
    assert settings == sorted(settings)
    assert settings[0] == 0 and settings[-1] == 100


def test_every_ipa_symbol_maps_to_a_phoneme_espeak_speaks() -> None:
    assert set(base_symbols()) <= {nfd(symbol) for symbol in ESPEAK_PHONEMES}
    engine = _engine()
    bare = len(engine.synthesise("[[a a]]", 50, 175))
    silent = []
    for symbol, mnemonic in ESPEAK_PHONEMES.items():
        # An unknown mnemonic is dropped by espeak-ng: the word comes out no longer than "a a".
        if len(engine.synthesise(f"[[a{mnemonic}a a]]", 50, 175)) <= bare:
            silent.append((symbol, mnemonic))
    assert silent == []


def test_stress_and_text_forms() -> None:
    spec = _language()
    # Penultimate stress; a one-syllable word gets no mark.
    assert text_to_espeak(spec, "manalo, ʃi.") == "[[ma'nalo _ Si _:]]"
    assert text_to_espeak(spec, "manalo") == text_to_espeak(spec, "ma-na-lo")
    with pytest.raises(ValueError, match="nothing to say"):
        text_to_espeak(spec, " ... ")
    with pytest.raises(ValueError, match="neither IPA of Hum"):
        synthesise("xyzzy", spec)


def test_romanised_text_is_spoken_like_its_ipa() -> None:
    from engine.language import translate
    from generators.language import LanguageFlavour, generate_language

    for seed, tone in ((12, True), (7, False), (3, False)):
        spec = generate_language(seed, LanguageFlavour(tone=tone))
        result = translate(spec, "the small birds sang in the old tree")
        assert text_to_espeak(spec, result.romanised) == text_to_espeak(spec, result.text)


def test_tones_become_stress_and_extra_phonemes_are_spoken() -> None:
    spec = LanguageSpec.model_validate(
        {
            "name": "Click",
            "consonants": ["ǃ", "m", "t"],
            "vowels": ["a", "o"],
            "tones": ["high", "low", "falling"],
            "extra_phonemes": [
                {"ipa": "ǃ", "kind": "consonant", "place": "alveolar", "manner": "stop"}
            ],
            "syllables": [{"pattern": "CV"}],
            "lexicon": [{"form": "ǃámàtô", "gloss": "clicker", "pos": "noun"}],
        }
    )
    assert text_to_espeak(spec, "ǃámàtô") == "[['tama,to]]"
    signal = synthesise("ǃámàtô", spec, RATE)
    assert np.sqrt(np.mean(signal**2)) > 0.02


def test_signal_converts_to_a_pydub_segment() -> None:
    from engine.language.voice import to_audio_segment

    signal = synthesise("mana lome", _language(), RATE)
    segment = to_audio_segment(signal, RATE)
    assert segment.frame_rate == RATE and segment.channels == 1 and segment.sample_width == 2
    assert len(segment) == pytest.approx(1000 * len(signal) / RATE, abs=1)
    assert segment.rms > 300
