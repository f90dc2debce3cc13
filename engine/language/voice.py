"""Speech for invented languages through espeak-ng's phoneme input.

Owns: the IPA -> espeak-ng phoneme table (``ESPEAK_PHONEMES``, approximations marked), stress
placement, the ctypes binding to the libespeak-ng shipped by the PyPI package ``espeakng-loader``
(synchronous mode, samples collected by the synth callback; never the espeak-ng program), and the
reshaping by the world's voice: ``synthesise`` returns float32 mono samples in -1..1 at the sample
rate asked for. Must not touch audio devices or the acoustics: the caller places the signal in the
world. espeak-ng is global state inside one process, so every call holds one lock.

Voice parameters: the pitch heard is ``pitch_hz / speaker_size`` and formants scale by
``1 / speaker_size`` (a tenth-size creature sounds ten times higher in both). This is done by
asking espeak-ng for ``pitch_hz`` (within what it can produce, about 54-157 Hz; outside that the
speed-up below also moves the pitch) at an adjusted rate, then resampling the result faster or
slower by ``pitch heard / pitch asked``. espeak-ng's rate is limited to 80-900 words per minute, so
very small speakers talk faster and very large ones slower than ``rate`` asks.
"""

from __future__ import annotations

import ctypes
import re
import threading
import unicodedata
from fractions import Fraction
from functools import lru_cache

import numpy as np

from engine.language.features import (
    ASPIRATED,
    LABIALISED,
    LONG,
    NASALISED,
    PALATALISED,
    nfd,
    sound_of,
    split_segments,
    strip_tone,
)
from engine.rules.language import LanguageSpec
from engine.rules.limits import LIMITS

ESPEAK_VOICE = "fr"
"""The espeak-ng voice whose phoneme table covers most of the generator's sounds."""
ESPEAK_SAMPLE_RATE = 22050
HUMAN_WORDS_PER_MINUTE = 175.0

# IPA base symbol -> espeak-ng phoneme mnemonic of the "fr" voice. "# approx" marks a stand-in
# chosen because the voice has no such phoneme (checked by tests/test_language_voice.py).
ESPEAK_PHONEMES: dict[str, str] = {
    "p": "p",
    "b": "b",
    "t": "t",
    "d": "d",
    "ʈ": "t",  # approx
    "ɖ": "d",  # approx
    "c": "c",
    "ɟ": "J",
    "k": "k",
    "ɡ": "g",
    "q": "q",
    "ɢ": "g",  # approx
    "ʔ": "?",
    "m": "m",
    "ɱ": "m",  # approx
    "n": "n",
    "ɳ": "n.",
    "ɲ": "n^",
    "ŋ": "N",
    "ɴ": "N",  # approx
    "ʙ": "b",  # approx
    "r": "R",
    "ʀ": "r",  # approx (uvular fricative)
    "ⱱ": "v",  # approx
    "ɾ": "*",
    "ɽ": "*",  # approx
    "ɸ": "f",  # approx
    "β": "B",
    "f": "f",
    "v": "v",
    "θ": "T",
    "ð": "D",
    "s": "s",
    "z": "z",
    "ʃ": "S",
    "ʒ": "Z",
    "ʂ": "s.",
    "ʐ": "z.",
    "ç": "C",
    "ʝ": "J^",
    "x": "x",
    "ɣ": "Q",
    "χ": "X",
    "ʁ": "r",
    "ħ": "X",  # approx
    "ʕ": "Q",  # approx
    "h": "h",
    "ɦ": "h",  # approx
    "ɬ": "l#",
    "ɮ": "l#",  # approx
    "p͡f": "pf",
    "b͡v": "bv",
    "t͡s": "ts",
    "d͡z": "dz",
    "t͡ʃ": "tS",
    "d͡ʒ": "dZ",
    "k͡x": "kx",
    "ʋ": "v#",
    "ɹ": "*",  # approx
    "ɻ": "*",  # approx
    "j": "j",
    "ɰ": "Q",  # approx
    "w": "w",
    "l": "l",
    "ɭ": "l.",
    "ʎ": "l^",
    "ʟ": "L",  # approx (dark l)
    "i": "i",
    "y": "y",
    "ɨ": "i",  # approx
    "ʉ": "y",  # approx
    "ɯ": "u",  # approx
    "u": "u",
    "ɪ": "I",
    "ʏ": "y",  # approx
    "ʊ": "u",  # approx
    "e": "e",
    "ø": "Y",
    "ɘ": "@",  # approx
    "ɵ": "Y",  # approx
    "ɤ": "V",  # approx
    "o": "o",
    "ə": "@",
    "ɛ": "E",
    "œ": "W",
    "ɜ": "@",  # approx
    "ɞ": "W",  # approx
    "ʌ": "V",
    "ɔ": "O",
    "æ": "E",  # approx
    "ɐ": "a#",
    "a": "a",
    "ɶ": "W",  # approx
    "ɑ": "a",  # approx
    "ɒ": "O",  # approx
}
_ESPEAK_OF_BASE = {nfd(symbol): mnemonic for symbol, mnemonic in ESPEAK_PHONEMES.items()}
# Nasalised vowels the voice has; others are spoken oral.
_NASAL_VOWELS = {"E", "a", "O", "W"}
_NASAL_MNEMONIC = {"E": "E~", "a": "A~", "O": "O~", "W": "W~"}

# espeak-ng's pitch parameter (0-100) -> measured f0 in Hz for the "fr" voice, range 0.
_PITCH_TABLE = (
    (0, 53.9),
    (10, 59.3),
    (20, 64.5),
    (30, 72.1),
    (40, 79.6),
    (50, 88.9),
    (60, 99.3),
    (70, 111.4),
    (80, 125.3),
    (90, 141.3),
    (100, 157.5),
)
_INTONATION_RANGE = 25  # espeak-ng pitch range 0-100: a little sentence melody
_MIN_RATE, _MAX_RATE = 80, 900

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 0x1
_PHONEMES = 0x100
_RATE, _PITCH, _RANGE = 1, 3, 4


def segment_to_espeak(segment: str, sound_overrides: dict | None = None) -> str:
    """The espeak-ng mnemonic for one IPA segment (modifiers become espeak suffixes)."""
    toneless, _ = strip_tone(nfd(segment))
    base_end = len(toneless)
    while base_end > 0 and toneless[:base_end] not in _ESPEAK_OF_BASE:
        base_end -= 1
    if base_end == 0:
        sound = (sound_overrides or {}).get(toneless) or sound_of(toneless)
        # A symbol outside the table (declared in extra_phonemes): say a neutral stand-in.
        return "@" if sound is None or sound.kind == "vowel" else "t"
    mnemonic = _ESPEAK_OF_BASE[toneless[:base_end]]
    modifiers = toneless[base_end:]
    if NASALISED in modifiers and mnemonic in _NASAL_VOWELS:
        mnemonic = _NASAL_MNEMONIC[mnemonic]
    if ASPIRATED in modifiers:
        mnemonic += "#"
    if PALATALISED in modifiers:
        mnemonic += ";"
    if LONG in modifiers:
        mnemonic += ":"
    if LABIALISED in modifiers:
        mnemonic += "w"
    return mnemonic


def _stressed_syllable(spec: LanguageSpec, syllable_count: int) -> int | None:
    if spec.stress == "none" or syllable_count < 2:
        return None
    return {
        "initial": 0,
        "second": 1,
        "final": syllable_count - 1,
        "penultimate": syllable_count - 2,
        "antepenultimate": max(0, syllable_count - 3),
    }[spec.stress]


def _syllable_start(vowel_flags: list[bool], nucleus: int, first: bool) -> int:
    """Where the syllable of a nucleus begins: the one consonant before its vowel (or the word
    start for the first syllable)."""
    if first:
        return 0
    return nucleus - 1 if nucleus > 0 and not vowel_flags[nucleus - 1] else nucleus


# Tones approximated by stress, the only pitch control espeak-ng's phoneme input offers.
_TONE_STRESS = {"high": "'", "rising": "'", "falling": ","}


def word_to_espeak(spec: LanguageSpec, word: str) -> str:
    """One IPA word as espeak-ng phonemes, with ' before the stressed syllable.

    In a tone language high and rising syllables take primary stress and falling ones secondary
    stress (an approximation: espeak-ng's phoneme input has no tone).
    """
    segments = split_segments(nfd(word))
    sounds = spec.sounds()
    vowel_flags = []
    tones = []
    for segment in segments:
        toneless, tone = strip_tone(segment)
        sound = sounds.get(toneless) or sound_of(toneless)
        vowel_flags.append(sound is not None and sound.kind == "vowel")
        tones.append(tone)
    nuclei = [index for index, is_vowel in enumerate(vowel_flags) if is_vowel]
    marks: dict[int, str] = {}
    if spec.tones:
        for number, nucleus in enumerate(nuclei):
            mark = _TONE_STRESS.get(tones[nucleus] or "")
            if mark:
                marks[_syllable_start(vowel_flags, nucleus, number == 0)] = mark
    else:
        stressed = _stressed_syllable(spec, len(nuclei))
        if stressed is not None:
            marks[_syllable_start(vowel_flags, nuclei[stressed], stressed == 0)] = "'"
    parts = []
    for index, segment in enumerate(segments):
        parts.append(marks.get(index, ""))
        parts.append(segment_to_espeak(segment, sounds))
    return "".join(parts)


_TOKEN = re.compile(r"[^\s,.;:!?\"()]+|[,;:]|[.!?]")


def text_to_espeak(spec: LanguageSpec, text: str, script: str = "auto") -> str:
    """Language text as an espeak-ng ``[[...]]`` string.

    ``script``: ``"ipa"``, ``"roman"`` or ``"auto"`` (see ``romanise.to_ipa_word``).
    """
    from engine.language.romanise import to_ipa_word

    if len(text) > LIMITS.text_length:
        raise ValueError(
            f"the text is {len(text)} characters; at most {LIMITS.text_length} are spoken at once"
        )
    pieces = []
    for token in _TOKEN.findall(unicodedata.normalize("NFD", text)):
        if token in ",;:":
            pieces.append("_")
        elif token in ".!?":
            pieces.append("_:")
        else:
            word = token.replace("-", "").replace("~", "")
            pieces.append(word_to_espeak(spec, to_ipa_word(spec, word, script)))
    if not any(piece not in ("_", "_:") for piece in pieces):
        raise ValueError(f"nothing to say in {text!r}")
    return "[[" + " ".join(pieces) + "]]"


class _Espeak:
    """The loaded libespeak-ng, initialised once per process."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # type: ignore[import-untyped]
        except ImportError as error:  # a missing dependency is an error, not a silent voice
            raise RuntimeError(
                "the voice needs the PyPI package espeakng-loader (pip install espeakng-loader)"
            ) from error
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode("utf-8")
        sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if sample_rate != ESPEAK_SAMPLE_RATE:
            raise RuntimeError(f"espeak-ng failed to start (returned {sample_rate})")
        self._chunks: list[np.ndarray] = []
        callback_type = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
        )

        def collect(wav: ctypes._Pointer, count: int, events: int) -> int:
            if count > 0 and wav:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
            return 0

        self._callback = callback_type(collect)  # kept alive as long as the library uses it
        self.lib.espeak_SetSynthCallback(self._callback)
        if self.lib.espeak_SetVoiceByName(ESPEAK_VOICE.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice {ESPEAK_VOICE!r}")

    def synthesise(self, phonemes: str, pitch: int, words_per_minute: int) -> np.ndarray:
        """int16 samples at 22050 Hz for an espeak ``[[...]]`` phoneme string."""
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        self.lib.espeak_SetParameter(_RANGE, _INTONATION_RANGE, 0)
        self.lib.espeak_SetParameter(_RATE, words_per_minute, 0)
        self._chunks = []
        data = phonemes.encode("utf-8") + b"\0"
        buffer = ctypes.create_string_buffer(data, len(data))
        error = self.lib.espeak_Synth(
            buffer, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _PHONEMES, None, None
        )
        if error != 0:
            raise RuntimeError(f"espeak-ng could not synthesise (error {error})")
        self.lib.espeak_Synchronize()
        if not self._chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._chunks)


_LOCK = threading.Lock()
_ENGINE: _Espeak | None = None


def _engine() -> _Espeak:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Espeak()
    return _ENGINE


@lru_cache(maxsize=32)
def _resampling_filter(up: int, down: int) -> np.ndarray:
    """Anti-aliasing low-pass for resampling by up/down, designed once per ratio.

    Shorter than scipy's default (6 instead of 10 zero crossings each side): ample for speech.
    """
    from scipy.signal import firwin  # type: ignore[import-untyped]

    widest = max(up, down)
    return firwin(2 * 6 * widest + 1, 1.0 / widest, window=("kaiser", 5.0))


def espeak_pitch_for(hz: float) -> tuple[int, float]:
    """The espeak-ng pitch setting nearest to ``hz`` and the f0 it gives (clamped to its range)."""
    settings = np.array([s for s, _ in _PITCH_TABLE], dtype=float)
    log_hz = np.log([h for _, h in _PITCH_TABLE])
    clamped = float(np.clip(hz, _PITCH_TABLE[0][1], _PITCH_TABLE[-1][1]))
    setting = int(round(float(np.interp(np.log(clamped), log_hz, settings))))
    return setting, float(np.exp(np.interp(setting, settings, log_hz)))


def synthesise(
    text: str,
    language: LanguageSpec,
    sample_rate: int = 48000,
    *,
    pitch_hz: float | None = None,
    rate: float | None = None,
    speaker_size: float | None = None,
    script: str = "auto",
) -> np.ndarray:
    """Speak language text in the language's voice.

    ``script`` says how the text is written: ``"ipa"``, ``"roman"`` or ``"auto"`` (a legal IPA
    word is IPA, anything else is read as romanised).

    Returns float32 mono samples in -1..1 at ``sample_rate``. ``pitch_hz``, ``rate`` and
    ``speaker_size`` override the language's voice (an agent's own voice). ValueError if the text
    has no word of the language.
    """
    voice = language.voice
    pitch_hz = voice.pitch_hz if pitch_hz is None else pitch_hz
    rate = voice.rate if rate is None else rate
    speaker_size = voice.speaker_size if speaker_size is None else speaker_size
    if not (pitch_hz > 0 and rate > 0 and speaker_size > 0 and sample_rate >= 8000):
        raise ValueError("pitch_hz, rate and speaker_size must be positive, sample_rate >= 8000")
    phonemes = text_to_espeak(language, text, script)
    heard_pitch = pitch_hz / speaker_size
    setting, espeak_hz = espeak_pitch_for(pitch_hz)
    speed_up = heard_pitch / espeak_hz  # resampling moves pitch and formants together
    words_per_minute = int(np.clip(HUMAN_WORDS_PER_MINUTE * rate / speed_up, _MIN_RATE, _MAX_RATE))
    with _LOCK:
        samples = _engine().synthesise(phonemes, setting, words_per_minute)
    signal = samples.astype(np.float32) / 32768.0
    # Playing espeak's 22050 Hz output speed_up times faster at sample_rate:
    ratio = Fraction(sample_rate, 1) / (Fraction(ESPEAK_SAMPLE_RATE) * Fraction(speed_up))
    ratio = ratio.limit_denominator(400)
    if ratio != 1:
        from scipy.signal import resample_poly  # type: ignore[import-untyped]

        up, down = ratio.numerator, ratio.denominator
        taps = _resampling_filter(up, down)
        signal = resample_poly(signal, up, down, window=taps).astype(np.float32)
    return np.clip(signal, -1.0, 1.0)


def to_audio_segment(signal: np.ndarray, sample_rate: int):  # -> pydub.AudioSegment
    """A float32 mono signal as a 16-bit pydub AudioSegment (for export or mixing)."""
    from pydub import AudioSegment  # type: ignore[import-untyped]

    pcm = (np.clip(signal, -1.0, 1.0) * 32767.0).astype("<i2")
    return AudioSegment(pcm.tobytes(), frame_rate=sample_rate, sample_width=2, channels=1)


def write_wav(path: str, signal: np.ndarray, sample_rate: int) -> None:
    """Write a float32 mono signal as a 16-bit WAV file, atomically."""
    import io
    import wave

    from engine.fsutil import write_atomic

    pcm = (np.clip(signal, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())
    write_atomic(path, buffer.getvalue())
