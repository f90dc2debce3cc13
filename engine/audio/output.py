"""Where the mixer's stereo goes: a live device through pyglet, a null sink, or a file.

Owns: ``open_sink`` (pyglet streaming with a buffer of at most 50 ms, or a null sink and one line
saying so when there is no sound device; never a crash), and ``write_audio`` (WAV with the
standard library; OGG and MP3 through pydub when ffmpeg is installed), always written atomically.
Does not mix, and never touches the world or the simulation.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import wave
from pathlib import Path

import numpy as np

from engine.fsutil import write_atomic, write_atomic_from

LIVE_BUFFER_SECONDS = 0.04
"""Audio queued ahead of the device in live play (must stay at or below 50 ms)."""

FORMATS = ("wav", "ogg", "mp3")


def to_pcm16(stereo: np.ndarray) -> bytes:
    """Interleaved little-endian 16-bit PCM from float samples in [-1, 1]."""
    clipped = np.clip(np.asarray(stereo, dtype=np.float64), -1.0, 1.0)
    return np.round(clipped * 32767.0).astype("<i2").tobytes()


def wav_bytes(stereo: np.ndarray, sample_rate: int) -> bytes:
    """A complete 16-bit PCM WAV file holding ``stereo`` (frames, channels)."""
    stereo = np.atleast_2d(np.asarray(stereo))
    if stereo.shape[0] < stereo.shape[1] and stereo.shape[1] > 2:
        raise ValueError(f"expected samples as (frames, channels), got shape {stereo.shape}")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(stereo.shape[1])
        handle.setsampwidth(2)
        handle.setframerate(int(sample_rate))
        handle.writeframes(to_pcm16(stereo))
    return buffer.getvalue()


def write_audio(path: str | Path, stereo: np.ndarray, sample_rate: int) -> Path:
    """Write stereo samples to ``path``; the suffix picks the format (.wav, .ogg, .mp3)."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path.name!r}: accepted suffixes are .wav, .ogg and .mp3")
    data = wav_bytes(stereo, sample_rate)
    if suffix == "wav":
        return write_atomic(path, data)
    if shutil.which("ffmpeg") is None:
        raise RuntimeError(f"writing .{suffix} needs ffmpeg, which is not installed; write .wav")
    from pydub import AudioSegment

    segment = AudioSegment.from_wav(io.BytesIO(data))
    codec = {"ogg": "libvorbis", "mp3": "libmp3lame"}[suffix]

    def produce(temporary: Path) -> None:
        segment.export(temporary, format=suffix, codec=codec)

    return write_atomic_from(path, produce)


class NullSink:
    """Takes blocks and drops them: play with no sound device."""

    live = False

    def __init__(self, reason: str = "no sound device") -> None:
        self.reason = reason
        self.frames_played = 0

    def play(self, stereo: np.ndarray) -> None:
        self.frames_played += len(stereo)

    def close(self) -> None:
        pass


class PygletSink:
    """Streams the mixer to pyglet's audio driver, at most ``LIVE_BUFFER_SECONDS`` queued."""

    live = True

    def __init__(self, mixer, player) -> None:
        self.mixer = mixer
        self.player = player

    def play(self, stereo: np.ndarray) -> None:  # pyglet pulls from the mixer itself
        pass

    def close(self) -> None:
        self.player.pause()
        self.player.delete()


def _mixer_stream(mixer):
    from pyglet.media.codecs.base import AudioData, AudioFormat, StreamingSource

    class MixerStream(StreamingSource):
        def __init__(self) -> None:
            super().__init__()
            self.audio_format = AudioFormat(  # type: ignore[assignment]  # pyglet's stub: None
                channels=2, sample_size=16, sample_rate=mixer.sample_rate
            )
            self._duration = None
            self._timestamp = 0.0

        def get_audio_data(self, num_bytes: int, compensation_time: float = 0.0) -> AudioData:
            limit = int(LIVE_BUFFER_SECONDS * mixer.sample_rate)
            frames = max(1, min(num_bytes // 4, limit))
            data = to_pcm16(mixer.render(frames))
            duration = frames / mixer.sample_rate
            chunk = AudioData(data, len(data), self._timestamp, duration)
            self._timestamp += duration
            return chunk

    return MixerStream()


def _device_may_exist() -> bool:
    """Whether any sound device or sound server could be reached (cheap, no library loaded)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    servers = [Path(runtime) / "pulse" / "native", Path(runtime) / "pipewire-0"] if runtime else []
    return (
        Path("/dev/snd").is_dir()
        or bool(os.environ.get("PULSE_SERVER"))
        or any(server.exists() for server in servers)
        or sys.platform in ("win32", "darwin")
    )


def open_sink(mixer, announce=print):
    """A live sink for the mixer when a sound device exists, else a null sink (one line said)."""
    try:
        if not _device_may_exist():
            raise RuntimeError("no /dev/snd and no PulseAudio or PipeWire server")
        import pyglet

        if not os.environ.get("DISPLAY") and not pyglet.options["headless"]:
            pyglet.options["headless"] = True  # pyglet.media imports its GL module; no X here
        import pyglet.media
        from pyglet.media.drivers.silent import SilentDriver

        driver = pyglet.media.get_audio_driver()
        if driver is None or isinstance(driver, SilentDriver):
            raise RuntimeError("pyglet found no sound device")
        player = pyglet.media.Player()
        player.queue(_mixer_stream(mixer))
        player.play()
        return PygletSink(mixer, player)
    except Exception as error:  # any failure to open a device means: play silently
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        announce(f"audio: no sound device ({reason}); playing silently", file=sys.stderr)
        return NullSink(reason)
