"""The mixer's output as a whole: silence, no clipping, determinism, worlds, files, sinks, CLI."""

from __future__ import annotations

import shutil
import wave

import numpy as np
import pytest

from engine.audio import Mixer, NullSink, open_sink, render_world_audio, write_audio
from engine.audio.medium import loudness_to_amplitude
from engine.audio.mixer import CEILING
from engine.audio.reverb import shoebox_impulse_response, world_impulse_response
from engine.audio.synthesis import struck
from engine.cli import main
from engine.rules import loads_world
from engine.rules.acoustics import Acoustics, Reverb

pytestmark = pytest.mark.unit

RATE = 48_000

BACKWARD_GARDEN = """
[meta]
name = "Backward Garden"
seed = 5

[scale]
explorer_position = [0.0, 0.0, 0.0]

[time]
pitch_follows_local_time = true

[[time.fields]]
name = "unwinding"
region = { shape = "sphere", centre = [0.0, 0.0, -10.0], radius = 3.0 }
rate = -1.0

[acoustics]
attenuation_exponent = 0.0
reverb = { decay_seconds = 0.0 }

[[bodies]]
name = "bell"
position = [0.0, 1.0, -10.0]
fixed = true
sound = { kind = "chime", frequency_hz = 523.0, loudness_db = 80.0 }
"""

QUIET = """
[meta]
name = "Quiet"

[[bodies]]
name = "stone"
position = [0.0, 1.0, -3.0]
fixed = true
"""


def test_silence_when_there_is_no_source():
    mixer = Mixer(Acoustics(), sample_rate=RATE)  # reverb and limiter on
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    assert np.all(mixer.render(RATE) == 0.0)
    stereo, _ = render_world_audio(loads_world(QUIET, "quiet.toml"), 1.0)
    assert stereo.shape == (RATE, 2) and np.all(stereo == 0.0)


def test_no_clipping_with_64_loud_sources():
    rng = np.random.default_rng(1)
    mixer = Mixer(Acoustics(reverb=Reverb(decay_seconds=1.0, wet=0.5)), sample_rate=RATE, seed=2)
    mixer.set_listener(0.0, (0.0, 0.0, 0.0))
    for _ in range(64):
        samples = rng.uniform(-1, 1, size=RATE // 2)
        mixer.add_source(samples, RATE, position=tuple(rng.uniform(-3, 3, size=3)), loudness_db=130)
    out = mixer.render(RATE)
    assert np.abs(out).max() <= CEILING
    assert np.abs(out).max() > 0.5  # loud, just not clipped


def test_the_same_seed_gives_the_same_samples():
    world = loads_world(BACKWARD_GARDEN.replace("decay_seconds = 0.0", "decay_seconds = 1.0"), "g")
    first, rate = render_world_audio(world, 1.5, seed=11)
    again, _ = render_world_audio(world, 1.5, seed=11)
    assert rate == RATE
    assert np.abs(first).max() > 0
    np.testing.assert_array_equal(first, again)


def test_a_backward_time_field_plays_the_bell_reversed():
    world = loads_world(BACKWARD_GARDEN, "backward_garden.toml")
    stereo, _ = render_world_audio(world, 4.5)
    heard = stereo[:, 0].astype(np.float64)
    chime = struck("chime", 523.0, RATE, 0).read(np.arange(4 * RATE, dtype=np.float64))
    start = int(np.argmax(np.abs(heard) > 1e-4))
    segment = heard[start : start + 4 * RATE]

    def correlation(a: np.ndarray, b: np.ndarray) -> float:
        # Best normalised match within a few samples (the strike is not sample-aligned).
        best = 0.0
        for shift in range(-4, 5):
            x = a[max(shift, 0) : len(a) + min(shift, 0)]
            y = b[max(-shift, 0) : len(b) + min(-shift, 0)]
            best = max(best, abs(float(x @ y)) / float(np.linalg.norm(x) * np.linalg.norm(y)))
        return best

    # The struck sound's partial phases depend on its seed: compare envelopes.
    envelope = np.abs(segment)
    reversed_envelope = np.abs(chime[::-1])
    forward_envelope = np.abs(chime)
    window = np.ones(480) / 480
    smooth = np.convolve(envelope, window, "same")
    assert correlation(smooth, np.convolve(reversed_envelope, window, "same")) > 0.95
    assert correlation(smooth, np.convolve(forward_envelope, window, "same")) < 0.8
    # It swells toward the end, as a struck bell played backward does.
    assert rms(segment[-RATE // 4 :]) > 3 * rms(segment[: RATE // 4])
    assert np.abs(stereo).max() == pytest.approx(loudness_to_amplitude(80.0), rel=0.1)


def rms(signal: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(signal))))


def test_wav_round_trip_and_ogg_through_ffmpeg(tmp_path):
    t = np.arange(RATE) / RATE
    stereo = 0.5 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], axis=1)
    path = write_audio(tmp_path / "tone.wav", stereo, RATE)
    with wave.open(str(path)) as handle:
        assert (handle.getnchannels(), handle.getframerate(), handle.getnframes()) == (
            2,
            RATE,
            RATE,
        )
        frames = np.frombuffer(handle.readframes(RATE), dtype="<i2").reshape(-1, 2) / 32767.0
    np.testing.assert_allclose(frames, stereo, atol=1.0 / 32767)
    assert shutil.which("ffmpeg"), "ffmpeg is required for OGG/MP3 (apt-get install ffmpeg)"
    ogg = write_audio(tmp_path / "tone.ogg", stereo, RATE)
    from pydub import AudioSegment

    assert AudioSegment.from_file(ogg).duration_seconds == pytest.approx(1.0, abs=0.05)
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave no temporaries
    with pytest.raises(ValueError, match=r"\.wav, \.ogg and \.mp3"):
        write_audio(tmp_path / "tone.flac", stereo, RATE)


def test_no_sound_device_gives_a_null_sink_and_one_line():
    lines = []
    sink = open_sink(Mixer(sample_rate=RATE), announce=lambda *args, **kwargs: lines.append(args))
    assert isinstance(sink, NullSink)
    assert len(lines) == 1 and "no sound device" in lines[0][0]
    sink.play(np.zeros((1024, 2), dtype=np.float32))
    assert sink.frames_played == 1024


def test_listen_command_writes_what_the_listener_hears(tmp_path, capsys):
    world = tmp_path / "garden.toml"
    world.write_text(BACKWARD_GARDEN)
    out = tmp_path / "heard.wav"
    assert main(["listen", str(world), "--seconds", "1", "--out", str(out), "--at", "0,0,2"]) == 0
    with wave.open(str(out)) as handle:
        assert handle.getnframes() == RATE and handle.getnchannels() == 2
    assert main(["listen", str(tmp_path / "missing.toml"), "--out", str(out)]) == 1
    assert "error:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["listen", str(world), "--out", str(out), "--at", "1,2"])
    assert usage.value.code == 2


def test_shoebox_direct_sound_arrives_at_distance_over_speed():
    response = shoebox_impulse_response((6, 5, 3), (1, 1, 1), (4, 3, 1.5), 3, 0.3, 343.0, RATE)
    distance = float(np.linalg.norm(np.subtract((1, 1, 1), (4, 3, 1.5))))
    direct = round(distance / 343.0 * RATE + 81 // 2)
    # Silent until the direct sound's kernel begins; then the direct sound's full weight.
    assert np.all(response[: direct - 41] == 0.0)
    arrival = float(np.sum(response[direct - 2 : direct + 3]))
    assert arrival == pytest.approx(1 / (4 * np.pi * distance), rel=0.15)


def test_world_reverb_waits_for_the_walls_at_a_slow_speed_of_sound():
    response = world_impulse_response(Reverb(room_size=12, decay_seconds=2, wet=0.3), 6.0, 8000)
    assert response is not None
    first = int(np.argmax(np.abs(response[:, 0]) > 1e-6)) / 8000
    # Listener in the middle: no wall is nearer than 6 m, so no echo before 6 m / (6 m/s).
    assert first >= 0.9
    assert np.sum(response**2, axis=0) == pytest.approx([1.0, 1.0])
