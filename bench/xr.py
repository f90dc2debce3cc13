"""Benchmark: one stereo frame in the headset, against the same two eyes rendered offscreen.

Runs a world through ``engine.xr`` under the OpenXR runtime named by XR_RUNTIME_JSON (default:
the cached Monado build from scripts/build_monado.sh, with its null compositor and simulated HMD)
at the runtime's recommended per-eye resolution, and prints, per stereo frame:

- our work: from xrBeginFrame's return to xrEndFrame's return (simulation step, both eyes drawn
  with ``engine.render`` and finished on the GPU, submission),
- total: the frame period, which includes waiting on the runtime's pacing (Monado's null
  compositor paces at 20 Hz),
- baseline (same run, same context): the same renderer drawing the same two eye views into
  plain offscreen framebuffers, no OpenXR, and the ratio of our XR work to it.

Usage: python bench/xr.py [WORLD] [--frames N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# Python put bench/ first on the path, where this file would shadow pyopenxr's module ``xr``.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]
sys.path.insert(0, str(REPOSITORY))


def monado_defaults() -> None:
    cache = Path(os.environ.get("HETEROCOSM_CI_CACHE", Path.home() / ".cache" / "heterocosm-ci"))
    manifest = cache / "monado" / "openxr_monado.json"
    if "XR_RUNTIME_JSON" not in os.environ:
        if not manifest.is_file():
            sys.exit(f"error: {manifest} is missing; run scripts/build_monado.sh first")
        os.environ["XR_RUNTIME_JSON"] = str(manifest)
    os.environ.setdefault("XRT_COMPOSITOR_NULL", "1")
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    os.environ.setdefault("XRT_LOG", "error")


def milliseconds(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e3:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", nargs="?", default=str(REPOSITORY / "worlds" / "slowlight.toml"))
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    monado_defaults()

    from engine.xr.run import run_xr

    captured: dict = {"sessions": [], "eyes": []}

    def after_eye(drawn) -> None:
        drawn.renderer.ctx.finish()  # llvmpipe draws on the CPU: count it in our work
        if len(captured["eyes"]) < 2 * 10:
            captured["eyes"].append(drawn)

    started = time.perf_counter()
    exit_code = run_xr(
        args.world,
        frame_limit=args.frames,
        after_eye=after_eye,
        on_session=captured["sessions"].append,
    )
    elapsed = time.perf_counter() - started
    if exit_code != 0:
        sys.exit(exit_code)
    session = captured["sessions"][0]
    timings = [timing for timing in session.timings if timing.rendered][5:]  # skip warm-up
    working = [timing.working for timing in timings]
    periods = [timing.waiting + timing.working for timing in timings]

    # Baseline, same process: the same renderer and eye views, offscreen, no OpenXR.
    baseline = offscreen_baseline(captured["eyes"])
    width, height = session.recommended_sizes[0]
    print(f"runtime: {session.runtime_name} / {session.system_name}")
    print(f"world: {Path(args.world).name}, {width}x{height} per eye, {len(timings)} frames timed")
    print(f"our work per stereo frame (median): {milliseconds(working)}")
    print(f"total per stereo frame (median):    {milliseconds(periods)}")
    print(f"offscreen stereo baseline (median): {baseline * 1e3:8.2f} ms")
    print(f"ratio XR work / offscreen stereo:   {statistics.median(working) / baseline:8.2f}")
    print(f"whole run incl. session start/stop: {elapsed:8.2f} s for {session.frames_submitted}")


def offscreen_baseline(eyes: list) -> float:
    """Median seconds to draw the recorded eye pairs into offscreen framebuffers (no OpenXR)."""
    import moderngl

    from engine.render.renderer import Renderer
    from engine.xr.egl import create_egl_context

    egl = create_egl_context()
    ctx = moderngl.create_context(require=330)
    renderer = Renderer(ctx, eyes[0].renderer.world)
    width, height = eyes[0].target.size
    targets = [ctx.simple_framebuffer((width, height), components=4) for _ in range(2)]
    samples = []
    for repeat in range(3):
        for pair in range(0, len(eyes) - 1, 2):
            start = time.perf_counter()
            for offset in (0, 1):
                drawn = eyes[pair + offset]
                renderer.draw(drawn.snapshot, targets[offset], drawn.eye)
            ctx.finish()
            if repeat > 0:
                samples.append(time.perf_counter() - start)
    for target in targets:
        target.release()
    renderer.release()
    ctx.release()
    egl.release()
    return statistics.median(samples)


if __name__ == "__main__":
    main()
