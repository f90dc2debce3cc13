"""Degradation, not failure: no sound device. Play goes to a null sink with one line said.

Owns: a test that opens the live audio path (``engine.audio.open_sink``) in a child process that
has no sound server and pyglet's silent driver forced, then keeps mixing a world into the sink.
Touches no engine module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from engine.audio import Mixer, NullSink, open_sink
    from engine.rules import load_world
    from engine.sim import Simulation

    world = load_world(sys.argv[1])
    simulation = Simulation.from_world(world, seed=1)
    mixer = Mixer.for_world(world, sample_rate=22_050, block_size=512)
    said = []
    sink = open_sink(mixer, announce=lambda *args, **kwargs: said.append(" ".join(args)))
    finite = True
    for _ in range(20):
        simulation.step(512 / 22_050)
        mixer.consume(simulation.snapshot())
        block = mixer.render(512)
        finite = finite and bool(np.isfinite(block).all())
        sink.play(block)
    sink.close()
    print(json.dumps({"null": isinstance(sink, NullSink), "said": said,
                      "frames": sink.frames_played, "finite": finite}))
    """
)


def test_no_sound_device_plays_silently_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    env |= {"PYGLET_AUDIO": "silent", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(REPO / "worlds" / "speakers.toml")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["null"] is True
    assert len(report["said"]) == 1, report["said"]
    assert report["said"][0].startswith("audio: no sound device (")
    assert report["said"][0].endswith("playing silently")
    assert report["frames"] == 20 * 512  # the world kept playing into the null sink
    assert report["finite"] is True
