"""Acoustics: how a world sounds, from its own rules, heard at the explorer's (or headset's) ears.

Owns everything under ``engine/audio/``. Reads ``engine.rules`` values and simulation Snapshots
(never the simulation's internals); touches a sound device only in ``output.open_sink`` and files
only through ``engine.fsutil``. Nothing happens at import time.

Public API::

    from engine.audio import Mixer, Trajectory, render_world_audio, write_audio, open_sink

    # Offline: drive the simulation and hear it (what ``heterocosm listen`` and the video use).
    stereo, rate = render_world_audio(world, seconds=10.0, listener_at=(0, 1.6, 5), seed=7)
    write_audio("out.wav", stereo, rate)           # .ogg / .mp3 too when ffmpeg exists

    # Live or custom: a mixer fed with snapshots and arbitrary sources.
    mixer = Mixer.for_world(world, sample_rate=48_000, block_size=1024)
    mixer.consume(sim.snapshot())                  # listener, bodies, emitters, struck sounds
    mixer.add_source(samples, 22_050, position=lambda t: agent_position(t),
                     start_world_time=t0, loudness_db=65.0)   # e.g. an agent's voice
    mixer.add_source(samples, 48_000, body=row, start_world_time=t0)  # carried by a body
    block = mixer.render(1024)                     # (1024, 2) float32, peak <= 0 dBFS
    sink = open_sink(mixer)                        # pyglet (<= 50 ms queued) or a null sink

What a listener hears: every source's emission read at its retarded time (sources may outrun their
sound: Mach cones and booms; a supersonic listener hears events in reverse order), with Doppler
scaled by ``doppler_strength``, loudness falling as distance^-attenuation_exponent, absorption
per band and spectral tilt growing with the path, pitch drift per metre, media regions with their
own speed of sound (path-integrated), sources' local clocks (backward time plays reversed; with
``pitch_follows_local_time`` slow time sounds lower and slower), the explorer's hearing range at
their size, interaural time and level differences, and the world's reverb.
"""

from __future__ import annotations

from engine.audio.mixer import Mixer, Source, limit
from engine.audio.output import NullSink, open_sink, write_audio
from engine.audio.retarded import Trajectory, emission_times
from engine.audio.world import render_world_audio

__all__ = [
    "Mixer",
    "NullSink",
    "Source",
    "Trajectory",
    "emission_times",
    "limit",
    "open_sink",
    "render_world_audio",
    "write_audio",
]
