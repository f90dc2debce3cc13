"""The mixer: every sound source, carried through the world's medium to one listener, in blocks.

Owns: sources (arbitrary mono signals, body emitters, struck sounds from ``Snapshot.sounds``),
their emission buffers in world time, the listener's path, and the per-block rendering: retarded
time (``engine.audio.retarded``), delay and Doppler by reading each source's emission at its
emission time, attenuation, absorption and spectral tilt (distance buses filtered once each),
pitch drift and local clock rates (applied where the sound is made), interaural time and level
differences, the explorer's hearing range, reverb and a peak limiter. Reads Snapshots and rule
values only; never the simulation's internals, never a sound device or a file.

The per-sample loops (retarded time on the control grid and, where a Mach cone passes, at every
sample; pairing branches; emission; reading the running sums into the output and buses; the
block's clock; the limiter) are compiled in ``engine.audio.kernels``: all the sources read from
a table (every built-in kind) are mixed in one compiled call per block, with what does not change
between blocks kept ready (``_TableSet``). Each source's running sum lives in a ring, so
forgetting old emission copies nothing. The output clock follows the snapshots' world
time smoothly (see ``Mixer._smoothed_knot``): a fixed-step simulation's quantised clock is not
heard.

Emission is read through its running sum: the output sample between reception times t and t + dt
is (C(e(t + dt)) - C(e(t))) / dt, where C sums the emission and e(t) is the emission time heard
at t. At rest this is the emission itself, delayed; a moving source gets its Doppler shift and its
convective loudness change from the same line, anti-aliased when the sound is compressed, and a
supersonic listener who meets wavefronts in reverse order hears them reversed.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
from numba import njit, typed
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, sosfilt

from engine.audio import kernels, medium
from engine.audio.retarded import Trajectory, emission_times
from engine.audio.reverb import LIVE_IMPULSE_SECONDS, BlockConvolver, world_impulse_response
from engine.audio.synthesis import (
    SINE_TABLE_SAMPLES,
    Signal,
    continuous,
    recorded,
    sine_table,
    struck,
)
from engine.rules.acoustics import Acoustics
from engine.rules.scale import Scale
from engine.rules.time import Time
from engine.sim.snapshot import point3

CONTROL_STEP = 64
"""Samples between the points where retarded time is solved exactly (linear in between)."""

CEILING = 10.0 ** (-0.1 / 20.0)
"""Largest output magnitude the limiter lets through (-0.1 dBFS)."""

LIMITER_HALF_WINDOW = 48
"""Samples of the limiter's smoothing half-window; its look-ahead is twice this."""

BUS_FILTER_TAPS = 511
"""Length of each distance bus's linear-phase filter (absorption and tilt)."""

BUS_STEP_DB = 3.0
"""Largest change in the path response (dB, at any frequency) from one distance bus to the next."""

MAX_BUSES = 48

HUMAN_LOWEST_HZ, HUMAN_HIGHEST_HZ = 20.0, 20_000.0
"""Hearing ranges that cover these need no filter: the output is heard by human ears anyway."""

EMISSION_LEAD_SECONDS = 0.5
"""How far before a source's start the retarded-time search reaches (emission there is silent)."""

CLOCK_FOLLOW = 0.002
"""Share of the gap between the output clock and the snapshots' world time closed per snapshot
(at 120 snapshots a second the clock's rate moves by at most 0.05 % for a 4 ms step jitter)."""

CLOCK_SNAP_SECONDS = 0.1
"""A gap between the output clock and the snapshots' world time beyond which the clock jumps."""

SUMS_START_LENGTH = 1 << 17
"""Entries a source's running-sum ring starts with (a power of two; it grows by doubling)."""

RING_POOL_BYTES = 32 << 20
"""Most bytes of retired sources' rings kept for new sources (``Mixer._take_ring``): a new
ring's pages cost system time when first touched, and struck sounds start many short sources."""

EMISSION_KEPT_SECONDS = 2.0
"""Emission kept from before the earliest time read in a block (branches heard in reverse read
ever earlier emission)."""

KNOT_SLACK_SECONDS = 1.0
"""Path kept from before the earliest time a solve can ask about (``Mixer._forget_old_knots``)."""

NEW_SOURCE_SECONDS = 5.0
"""Path kept behind a body's newest knot for sources not yet added: a struck sound is stamped
within the last snapshot step, and its search reaches ``EMISSION_LEAD_SECONDS`` before that."""

KNOT_PACK_SLACK = 64
"""Dead knot rows (of paths that changed or left) ``_KnotPack`` holds beyond as many as are live
before it packs afresh; also its smallest buffer."""

PositionSource = tuple[float, float, float] | Trajectory | Callable[[float], object]


@dataclass(eq=False)
class Source:
    """One sound in the world: a signal, where it is, and when and how fast its clock runs."""

    ident: int
    signal: Signal
    amplitude: float
    start_sample: int
    trajectory: Trajectory | None = None
    body: int | None = None
    position_fn: Callable[[float], object] | None = None
    local_rate: float | Callable[[float], float] = 1.0
    # Emission state: the running sum of the emission, C before sample ``origin`` .. C before
    # sample ``generated``, is ``sums_length`` entries of a ring (a power of two long, growing
    # by doubling): C before sample n sits at index (n - start_sample) & (len(sums) - 1), so
    # old emission is forgotten by moving ``origin`` on, without copying. While a table source
    # is mixed with the others in one call, the mixer's ``_TableSet`` keeps its emission state
    # (``origin`` .. ``anchor_delay``; ``path_length`` is not kept) and writes it back when the
    # source leaves the set; ``origin`` of a source on a body is copied back every block.
    sums: np.ndarray = field(default_factory=lambda: np.zeros(SUMS_START_LENGTH))
    sums_length: int = 1
    origin: int = 0
    generated: int = 0
    signal_position: float | None = None
    path_length: float = 0.0
    anchor_delay: float | None = None
    quiet_since: float | None = None
    emission_ended: float | None = None

    def __post_init__(self) -> None:
        self.origin = self.start_sample
        self.generated = self.start_sample


class Mixer:
    """Sources in, stereo blocks out. See ``engine.audio`` for the public contract."""

    def __init__(
        self,
        acoustics: Acoustics | None = None,
        time: Time | None = None,
        scale: Scale | None = None,
        *,
        sample_rate: int = 48_000,
        block_size: int = 1024,
        seed: int = 0,
        reverb: bool = True,
        limiter: bool = True,
        bodies: tuple = (),
    ) -> None:
        self.acoustics = acoustics or Acoustics()
        self.time = time or Time()
        self.scale = scale or Scale()
        self.sample_rate = int(sample_rate)
        self.block_size = int(block_size)
        self.seed = seed
        self.speed_of_sound = self.acoustics.speed_of_sound
        self._body_rules = bodies
        self._ids = itertools.count()
        self.sources: list[Source] = []
        self._groups = _SourceGroups([], False)  # ``_source_groups``
        self.listener = Trajectory()
        self.listener_yaw = 0.0
        self.listener_size = self.scale.explorer_size
        # Output clock: output sample n is heard at world time from these (real, world, rate) knots.
        self._clock: list[tuple[float, float, float]] = [(0.0, 0.0, 1.0)]
        # The clock's knots as arrays, and the last knot they were built for.
        self._clock_arrays: tuple[object, np.ndarray, np.ndarray] = (None, np.zeros(0), np.zeros(0))
        self._clock_earliest = 0.0  # the earliest world time of the clock's knots, with them
        self._grid_offsets = np.zeros(1, dtype=np.int64)  # grid points in a block (G,)
        self._output_sample = 0
        self._pending = np.zeros((0, 2))
        self._body_trajectories: dict[int, Trajectory] = {}
        self._body_rates = np.ones(0)
        self._emitters_started = False
        # Per-block work arrays shared by all sources: root counts, roots, solve report.
        self._scratch = (np.zeros(0, dtype=np.int64), np.zeros((0, 0, 0)), np.zeros(0))
        # Table sources (``kernels.mix_sources``): their solve reports (grown as needed), and
        # what does not change per block.
        self._table_reports = np.zeros((0, kernels.REPORT_SIZE))
        self._table_set = _TableSet()
        # ``_heard_table_sources``: the table sources the lists are kept for (None: not kept),
        # those with a path and their paths, those with a position function.
        self._heard: tuple[list[Source] | None, list[Source], list[Trajectory], list[Source]] = (
            None, [], [], [],
        )  # fmt: skip
        # Rings of retired sources, handed to new ones (at most ``_ring_pool_bytes`` of them).
        self._ring_pool: list[np.ndarray] = []
        self._ring_pool_bytes = RING_POOL_BYTES
        # Per block: whether media regions bend the paths.
        self._media_regions = False
        # Distance buses for the path's spectrum (absorption, tilt).
        self._first_bus_is_delay = False  # set by ``_design_buses``
        self._bus_spacing, self._bus_spectra = self._design_buses()
        self._bus_tail = np.zeros((2, BUS_FILTER_TAPS - 1))
        # The filters' zero-padded input (``_filter_buses``), for blocks of ``_padded_at`` frames.
        self._bus_padded = np.zeros((0, 2, 0), np.float32)
        self._padded_at = 0
        self._bus_combined = np.zeros((2, 0), np.complex64)  # the filtered buses' spectrum
        # Bus signals of the block being mixed, and which buses it touched (all zero between).
        count = 1 if self._bus_spectra is None else len(self._bus_spectra)
        self._buses = np.zeros((count, 2, 0))
        self._bus_used = np.zeros(count, dtype=np.bool_)
        self._lookahead = BUS_FILTER_TAPS // 2 if self._bus_spectra is not None else 0
        # Hearing range, reverb and limiter state.
        self._hearing: tuple[float, float] | None = None
        # ``medium.hearing_range`` of (acoustics, scale, listener size) as last asked.
        self._hearing_of: tuple[Acoustics, Scale, float] | None = None
        self._hearing_range = (0.0, 0.0)
        self._hearing_sos: np.ndarray | None = None
        self._hearing_state: np.ndarray | None = None
        self._hearing_silent = False
        self.reverb_wet = self.acoustics.reverb.wet
        self._convolver: BlockConvolver | None = None
        if reverb:
            response = world_impulse_response(
                self.acoustics.reverb,
                self.speed_of_sound,
                self.sample_rate,
                seed,
                max_seconds=LIVE_IMPULSE_SECONDS,
            )
            if response is not None:
                # Single precision: the output is float32 anyway, and it halves the memory the
                # partitions' multiply-accumulate moves (-134 dB against float64).
                self._convolver = BlockConvolver(response, self.block_size, np.float32)
        self._limiter = _BlockLimiter() if limiter else None
        self._latency = 2 * LIMITER_HALF_WINDOW if limiter else 0

    @classmethod
    def for_world(cls, world, **options) -> Mixer:
        """A mixer for a ``WorldSpec``: its acoustics, clocks, scale and body emitters."""
        options.setdefault("seed", world.meta.seed)
        return cls(world.acoustics, world.time, world.scale, bodies=world.bodies, **options)

    # ----- sources -------------------------------------------------------------------------

    def add_source(
        self,
        samples: np.ndarray | Signal,
        sample_rate: int | None = None,
        position: PositionSource | None = None,
        *,
        body: int | None = None,
        start_world_time: float = 0.0,
        loudness_db: float | None = None,
        gain: float = 1.0,
        local_rate: float | Callable[[float], float] = 1.0,
    ) -> Source:
        """Place a mono sound in the world; returns its handle.

        ``samples``: a mono array (resampled to the mixer's rate when ``sample_rate`` differs) or a
        ``Signal``. Where it is: ``position`` (a fixed point, a ``Trajectory``, or a function of
        world time giving a point, sampled once per block) or ``body`` (a row of the snapshot's
        bodies). It starts at ``start_world_time``. Loudness: ``loudness_db`` (dB SPL at the
        reference distance) or a plain ``gain`` on full scale. ``local_rate``: the source's clock
        rate (local seconds per world second, negative plays it backward), a number or a function
        of world time; body sources take their body's rate from snapshots instead.
        """
        if isinstance(samples, Signal):
            signal = samples
        else:
            array = np.asarray(samples, dtype=np.float64).reshape(-1)
            if sample_rate is not None and sample_rate != self.sample_rate:
                array = _resample(array, sample_rate, self.sample_rate)
            signal = recorded(array)
        if (position is None) == (body is None):
            raise ValueError("give exactly one of position= or body= for a source")
        trajectory = None
        position_fn = None
        if isinstance(position, Trajectory):
            trajectory = position
        elif callable(position):
            position_fn = position
            trajectory = Trajectory()
            trajectory.add(start_world_time, position(start_world_time))
        elif position is not None:
            trajectory = Trajectory.linear(point3(position))
        elif body is not None:
            self._body_trajectory(body)
        amplitude = gain * (
            medium.loudness_to_amplitude(loudness_db) if loudness_db is not None else 1.0
        )
        source = Source(
            ident=next(self._ids),
            signal=signal,
            amplitude=amplitude,
            start_sample=int(round(start_world_time * self.sample_rate)),
            trajectory=trajectory,
            body=body,
            position_fn=position_fn,
            local_rate=local_rate,
            sums=self._take_ring(),
        )
        self.sources.append(source)
        return source

    def set_listener(
        self,
        world_time: float,
        position,
        velocity=None,
        yaw: float | None = None,
        size: float | None = None,
    ) -> None:
        """Where the listener is at a world time (the path is linear between calls)."""
        self.listener.add(world_time, position, velocity)
        if yaw is not None:
            self.listener_yaw = float(yaw)
        if size is not None:
            self.listener_size = float(size)

    def consume(self, snapshot) -> None:
        """Take one ``engine.sim.snapshot.Snapshot``: clocks, listener, bodies and new sounds."""
        time_now = float(snapshot.world_time)
        self._clock.append(
            self._smoothed_knot(float(snapshot.real_time), time_now, float(snapshot.time_rate))
        )
        if len(self._clock) > 64:
            del self._clock[:-64]
        self.speed_of_sound = float(snapshot.speed_of_sound)
        explorer = snapshot.explorer
        self.set_listener(
            time_now, explorer.position, explorer.velocity, explorer.yaw, explorer.size
        )
        bodies = snapshot.bodies
        self._body_rates = np.asarray(bodies.local_rate, dtype=np.float64)
        for row, trajectory in self._body_trajectories.items():
            if row < len(bodies.positions):
                trajectory.add(time_now, bodies.positions[row], bodies.velocities[row])
        if not self._emitters_started:
            self._emitters_started = True
            self._start_continuous_emitters(snapshot)
        for event in snapshot.sounds:
            self._add_event(event, snapshot)

    def path_knots(self) -> tuple[int, int]:
        """(knots held, knots the buffers have room for) over the listener's and the bodies'
        paths: the memory ``_forget_old_knots`` bounds (7 float64s, 56 bytes, a knot)."""
        paths = (self.listener, *self._body_trajectories.values())
        return sum(len(path) for path in paths), sum(path.capacity for path in paths)

    def _body_trajectory(self, row: int) -> Trajectory:
        if row not in self._body_trajectories:
            self._body_trajectories[row] = Trajectory()
        return self._body_trajectories[row]

    def _start_continuous_emitters(self, snapshot) -> None:
        groups = np.asarray(snapshot.bodies.group)
        for row, group in enumerate(groups.tolist()):
            if group >= len(self._body_rules):
                continue
            emitter = self._body_rules[group].sound
            # Struck kinds (chime, pulse) arrive as the simulation's SoundEvents.
            if emitter is None or emitter.kind not in ("tone", "drone", "noise"):
                continue
            trajectory = self._body_trajectory(row)
            trajectory.add(
                float(snapshot.world_time),
                snapshot.bodies.positions[row],
                snapshot.bodies.velocities[row],
            )
            self.add_source(
                continuous(
                    emitter.kind, emitter.frequency_hz, self.sample_rate, self.seed * 7919 + row
                ),
                body=row,
                start_world_time=float(snapshot.world_time),
                loudness_db=emitter.loudness_db,
            )

    def _add_event(self, event, snapshot) -> None:
        seed = hash((self.seed, event.body, round(event.world_time * 1e6))) & 0xFFFFFFFF
        signal = struck(event.kind, event.frequency_hz, self.sample_rate, seed)
        if event.body >= 0 and event.body < len(snapshot.bodies.positions):
            trajectory = self._body_trajectory(event.body)
            if not len(trajectory):
                trajectory.add(
                    float(snapshot.world_time),
                    snapshot.bodies.positions[event.body],
                    snapshot.bodies.velocities[event.body],
                )
            self.add_source(
                signal,
                body=event.body,
                start_world_time=event.world_time,
                loudness_db=event.loudness_db,
            )
        else:
            rate = float(event.local_rate)
            self.add_source(
                signal,
                position=tuple(event.position),
                start_world_time=event.world_time,
                loudness_db=event.loudness_db,
                local_rate=rate,
            )

    # ----- clocks ----------------------------------------------------------------------------

    def _smoothed_knot(self, real: float, world: float, rate: float) -> tuple[float, float, float]:
        """The output clock's knot for a snapshot taken at (real, world) running at ``rate``.

        A simulation with a fixed step reports world times quantised to its step (4 ms steps
        under 120 snapshots a second lag, then catch up every 0.1 s); heard directly, that jitter
        bends every sound's pitch ten times a second and clicks. The output clock instead runs at
        the reported rate and closes ``CLOCK_FOLLOW`` of its gap to the snapshots' world time per
        snapshot; a gap over ``CLOCK_SNAP_SECONDS`` (a jump, a pause) is taken at once.
        """
        last_real, last_world, _ = self._clock[-1]
        predicted = last_world + (real - last_real) * rate
        gap = world - predicted
        if abs(gap) > CLOCK_SNAP_SECONDS or real <= last_real:
            return (real, world, rate)
        return (real, predicted + CLOCK_FOLLOW * gap, rate)

    def _clock_knots(self) -> tuple[np.ndarray, np.ndarray]:
        """The output clock's knots as arrays (real times, world times), rebuilt when it moves."""
        if self._clock_arrays[0] is not self._clock[-1]:
            knots = self._clock
            self._clock_arrays = (
                knots[-1],
                np.array([knot[0] for knot in knots]),
                np.array([knot[1] for knot in knots]),
            )
            self._clock_earliest = float(self._clock_arrays[2].min())
        return self._clock_arrays[1], self._clock_arrays[2]

    def world_time_at(self, real_times: np.ndarray) -> np.ndarray:
        """World time heard at each real time of the output (from the snapshots' clocks)."""
        real_times = np.asarray(real_times, dtype=np.float64)
        knots = self._clock
        real, world = self._clock_knots()
        result = np.interp(real_times, real, world)
        last_real, last_world, last_rate = knots[-1]
        after = real_times > last_real
        result = np.where(after, last_world + (real_times - last_real) * last_rate, result)
        first_real, first_world, first_rate = knots[0]
        before = real_times < first_real
        return np.where(before, first_world + (real_times - first_real) * first_rate, result)

    # ----- rendering ---------------------------------------------------------------------------

    def render(self, frames: int) -> np.ndarray:
        """The next ``frames`` stereo samples (frames, 2) float32, in internal blocks.

        Each block is written straight into the output (cast as it is copied); what is left of
        the last one is kept for the next call.
        """
        out = np.empty((frames, 2), np.float32)
        ready = min(self._pending.shape[0], frames)
        out[:ready] = self._pending[:ready]
        self._pending = self._pending[ready:]
        while ready < frames:
            block = self._render_block()
            taken = min(block.shape[0], frames - ready)
            out[ready : ready + taken] = block[:taken]
            self._pending = block[taken:]
            ready += taken
        return out

    def _render_block(self) -> np.ndarray:
        frames = self.block_size
        rate = self.sample_rate
        # The limiter delays its output; reception runs that far ahead so nothing arrives late.
        first = self._output_sample + self._latency
        self._output_sample += frames
        if self._grid_offsets[-1] != frames:
            self._grid_offsets = np.unique(
                np.minimum(np.arange(0, frames + CONTROL_STEP, CONTROL_STEP), frames)
            ).astype(np.int64)
        grid_offsets = self._grid_offsets
        grid_count = len(grid_offsets)
        if self._scratch[0].shape[0] != grid_count:
            self._scratch = (
                np.zeros(grid_count, dtype=np.int64),
                np.zeros((grid_count, kernels.MAX_ROOTS, kernels.ROOT_FIELDS)),
                np.zeros(kernels.REPORT_SIZE),
            )
        reception = np.empty(grid_count)  # world time at the grid points (G,)
        boundaries = np.empty(frames + 1)  # world time at every sample edge (frames + 1,)
        self._inverse_steps = np.empty(frames)  # 1 / world samples per output sample
        if type(self).world_time_at is _COMPILED_CLOCK:
            real, world = self._clock_knots()
            kernels.block_clock(
                real, world, self._clock[0][2], self._clock[-1][2], first, float(rate),
                grid_offsets, reception, boundaries, self._inverse_steps,
            )  # fmt: skip
        else:  # a replaced clock (``bench/audio.py`` compares against an ideal one)
            boundaries[:] = self.world_time_at((first + np.arange(frames + 1)) / rate)
            reception[:] = boundaries[grid_offsets]
            steps = np.diff(boundaries) * rate
            steps[np.abs(steps) < 1e-12] = 1e-12
            self._inverse_steps[:] = 1.0 / steps
        if len(self.listener) == 0:
            self.listener.add(float(reception[0]), self.scale.explorer_position)
        listeners = np.empty((grid_count, 3))  # the listener at the grid points (G, 3)
        path = self.listener
        kernels.path_positions(path.times, path.positions, path.velocities, reception, listeners)
        if self._bus_spectra is None:
            out, spacing = np.zeros((1, 2, frames)), math.inf
        else:
            if self._buses.shape[2] != frames:
                self._buses = np.zeros((len(self._bus_spectra), 2, frames))
            out, spacing = self._buses, self._bus_spacing
        # What every source's solve shares this block: the medium and the listener's head.
        self._media_regions = bool(self.acoustics.media)
        self._listening = (
            self.acoustics.doppler_strength,
            self.acoustics.reference_distance,
            self.acoustics.attenuation_exponent,
            math.cos(self.listener_yaw),  # the listener's right: (cos yaw, 0, -sin yaw)
            -math.sin(self.listener_yaw),
            medium.head_radius(self.listener_size) / self.speed_of_sound,
        )
        # Sources read from a table (every built-in kind) are mixed in one compiled call; others
        # (custom signals, media regions) one by one.
        table_sources, other_sources = self._source_groups().split
        if table_sources:
            self._mix_table_sources(
                table_sources, reception, listeners, grid_offsets, boundaries, out, spacing
            )
        for source in other_sources:
            self._render_source(
                source, reception, listeners, grid_offsets, boundaries, out, spacing
            )
        self._forget_old_knots(float(reception.min()))
        dry = out[0] if self._bus_spectra is None else self._filter_buses(out)
        stereo = dry.T  # (frames, 2)
        stereo = self._apply_hearing(stereo)
        if self._convolver is not None and self.reverb_wet > 0:
            stereo = stereo + self.reverb_wet * self._convolver.process(stereo)
        if self._limiter is not None:
            stereo = self._limiter.process(stereo)
        return stereo

    def _trajectory_of(self, source: Source) -> Trajectory:
        if source.body is not None:
            return self._body_trajectory(source.body)
        assert source.trajectory is not None
        return source.trajectory

    def _search_start(self, source: Source) -> float:
        """The earliest emission time a source's solve looks at: emission before the source's
        start (or before what is kept of it) is silent."""
        return source.origin / self.sample_rate - EMISSION_LEAD_SECONDS

    def _forget_old_knots(self, earliest_reception: float) -> None:
        """Drop the knots of the listener's and the bodies' paths that no solve can read again.

        Why this is safe. A source's solve (``kernels.solve_grid``, ``render_grid``,
        ``mix_sources``, and ``emission_times`` through media regions) looks for emission only
        from its search start on (``_search_start``, which ``mix_sources`` works out the same
        way: its kept emission's origin, which only moves forward, less
        ``EMISSION_LEAD_SECONDS``), and the path at a time t depends only on
        the last knot at or before t and the knots after it. So a body's knots before its
        sources' earliest search start (less ``KNOT_SLACK_SECONDS``) are never read, and the
        audio is bit-identical to keeping them. That start already trails the emission being
        heard by the whole travel time, through slower media regions too (the solve found it),
        plus the ``EMISSION_KEPT_SECONDS`` the mixer keeps; reverb works on the mixed output and
        reads no path. Sources added later on a body are struck sounds stamped at about its
        newest knot, covered by ``NEW_SOURCE_SECONDS``; a body source added with a start further
        back than that sees the path before the oldest kept knot extrapolated with its velocity.
        The listener's path is read at reception times only: they never go back past the
        output clock's knots, except by a clock jump backward, which adds a knot there first.

        A clock running backward (``Trajectory.add``) drops the knots after the new time; when
        it goes back past the kept knots the path restarts from the replayed snapshots (the
        simulation replays its exact history), and is extrapolated with the oldest one's
        velocity before it. Emission earlier than the search start is silent either way.
        """
        if not self._body_trajectories:
            self._forget_listener_knots(earliest_reception)
            return
        earliest_search: dict[int, float] = {}
        for body, source in self._source_groups().on_bodies:
            start = self._search_start(source)
            earliest_search[body] = min(earliest_search.get(body, start), start)
        for row, trajectory in self._body_trajectories.items():
            if len(trajectory):
                horizon = float(trajectory.times[-1]) - NEW_SOURCE_SECONDS
                horizon = min(horizon, earliest_search.get(row, horizon))
                trajectory.forget_before(horizon - KNOT_SLACK_SECONDS)
        self._forget_listener_knots(earliest_reception)

    def _forget_listener_knots(self, earliest_reception: float) -> None:
        """Drop the listener's knots before the block's and the clock's earliest world time
        (less ``KNOT_SLACK_SECONDS``); see ``_forget_old_knots``."""
        self._clock_knots()
        clock_earliest = self._clock_earliest
        self.listener.forget_before(min(earliest_reception, clock_earliest) - KNOT_SLACK_SECONDS)

    def _source_groups(self) -> _SourceGroups:
        """``self.sources`` grouped for this block, regrouped only when the sources or the
        presence of media regions changed since the last block."""
        groups = self._groups
        if groups.media_regions != self._media_regions or not _same(self.sources, groups.sources):
            groups = self._groups = _SourceGroups(list(self.sources), self._media_regions)
        return groups

    def _rate_of(self, source: Source, world_time: float) -> float:
        if source.body is not None and source.body < len(self._body_rates):
            rate = float(self._body_rates[source.body])
        elif callable(source.local_rate):
            rate = float(source.local_rate(world_time))
        else:
            rate = float(source.local_rate)
        if not self.time.pitch_follows_local_time:
            rate = float(np.sign(rate))
        return rate

    def _render_source(
        self,
        source: Source,
        reception: np.ndarray,
        listeners: np.ndarray,
        grid_offsets: np.ndarray,
        boundaries: np.ndarray,
        out: np.ndarray,
        bus_spacing: float,
    ) -> None:
        rate = self.sample_rate
        trajectory = self._trajectory_of(source)
        if source.position_fn is not None:
            trajectory.add(float(reception[-1]), source.position_fn(float(reception[-1])))
        if not len(trajectory):
            return
        search_start = self._search_start(source)
        counts, roots, report = self._scratch
        use_given = self._media_regions
        if use_given:
            self._given_roots(trajectory, search_start, reception, listeners, counts, roots)
        anchor = math.nan if source.anchor_delay is None else source.anchor_delay
        knots = (trajectory.times, trajectory.positions, trajectory.velocities)
        strength, reference, exponent, right_x, right_z, head_seconds = self._listening
        shared = (strength, anchor, source.amplitude, reference, exponent, right_x, right_z,
                  head_seconds, counts, roots)  # fmt: skip
        kernels.solve_grid(
            *knots, search_start, reception, listeners, self.speed_of_sound, use_given, *shared,
            report,
        )  # fmt: skip
        if report[4] == 0:
            self._maybe_retire(source, reception, listeners, trajectory)
            return
        earliest, latest = float(report[0]), float(report[1])
        source.path_length = float(report[2])
        source.anchor_delay = float(report[3])
        # Emission needed up to the latest time read (plus the bus filters' look-ahead; one grid
        # step more for the roots solved sample by sample where a Mach cone passes).
        self._generate(source, int(math.ceil(latest * rate)) + self._lookahead + 2 + CONTROL_STEP)
        kernels.render_grid(
            *knots, search_start, grid_offsets, reception, listeners, boundaries,
            self._inverse_steps, self.speed_of_sound, not use_given, *shared,
            source.sums, self._ring_window(source), float(self._lookahead - source.start_sample),
            float(rate), out, 1.0 / bus_spacing, self._bus_used,
        )  # fmt: skip
        self._forget_old_emission(source, earliest)
        if source.emission_ended is not None and earliest > source.emission_ended:
            self._maybe_retire(source, reception, listeners, trajectory)

    def _mix_table_sources(
        self, sources, reception, listeners, grid_offsets, boundaries, out, bus_spacing
    ) -> None:
        """``_render_source`` for every table source at once (``kernels.mix_sources``).

        What does not change between blocks (the sources' constants, their rings and tables as
        typed lists, their paths' knots while no path changes) is kept in ``_TableSet``, and so
        is the sources' emission state, which the call moves on in ``params``: per block only
        the clock rates are set, and only sources with a finite signal or a position function
        need Python after the call (when their emission ends, their paths' old knots).
        """
        rate = self.sample_rate
        margin = self._lookahead + 2 + CONTROL_STEP
        heard, trajectories = self._heard_table_sources(sources, float(reception[-1]))
        if not heard:
            return
        table_set = self._table_set.update(heard, trajectories)
        table_set.take_state()
        params = table_set.params
        # Clock rates: numbers are set once a set (``_TableSet.fixed_rates``), the rest per block.
        clock_rates = params[:, kernels.CLOCK_RATE]
        clock_rates[:] = table_set.fixed_rates
        if not self.time.pitch_follows_local_time:
            np.sign(clock_rates, out=clock_rates)
        for row in table_set.varying_rate_rows:
            next_sample = float(params[row, kernels.NEXT_SAMPLE])
            clock_rates[row] = self._rate_of(heard[row], next_sample / rate)
        # A source that has emitted nothing yet starts where its clock's direction says.
        # Rows silent at the last block; every row when the sources changed since.
        kept = table_set.silent_rows
        candidates = range(len(heard)) if kept is None else kept
        table_set.silent_rows = [
            row
            for row in candidates
            if params[row, kernels.NEXT_SAMPLE] == params[row, kernels.START_SAMPLE]
        ]
        for row in table_set.silent_rows:
            start_rate = float(clock_rates[row])
            params[row, kernels.SIGNAL_POSITION] = _start_position(heard[row], start_rate)
        watched = table_set.watched_rows
        before = params[:, : kernels.SIGNAL_POSITION + 1].tolist() if watched else []
        counts, roots, _ = self._scratch
        if len(self._table_reports) < len(heard):
            self._table_reports = np.zeros((2 * len(heard), kernels.REPORT_SIZE))
        reports = self._table_reports[: len(heard)]
        strength, reference, exponent, right_x, right_z, head_seconds = self._listening
        kernels.mix_sources(
            *table_set.knots, grid_offsets, reception, listeners, boundaries,
            self._inverse_steps, self.speed_of_sound, strength, reference, exponent, right_x,
            right_z, head_seconds, self.acoustics.pitch_drift_semitones_per_metre,
            float(margin), EMISSION_LEAD_SECONDS, EMISSION_KEPT_SECONDS, GATE_RATE,
            float(self._lookahead), params, table_set.rings, table_set.tables, sine_table(),
            counts, roots, reports, float(rate), out, 1.0 / bus_spacing, self._bus_used,
        )  # fmt: skip
        # Rings that had no room grew in the call (``kernels.grown_ring``): hand them on.
        for row in params[:, kernels.RING_GREW].nonzero()[0].tolist():
            assert table_set.rings is not None  # built by ``update``
            table_set.ring_arrays[row] = heard[row].sums = table_set.rings[row]
        for row in table_set.body_rows:  # for ``_forget_old_knots``
            heard[row].origin = int(params[row, kernels.ORIGIN])
        # Finite signals end (``_advance_signal``), and sources with a position function forget
        # the path behind their kept emission (as ``_forget_old_emission``).
        # Whole columns, indexed by row here (picking the rows out costs more).
        after = params[:, _MOVED_FIELDS].tolist() if watched else []
        solved = reports[:, [0, 4]].tolist() if watched else []  # earliest emission time, roots
        for row in watched:
            source = heard[row]
            origin, _, next_sample, position = before[row]
            origin_now, next_now, speed = after[row]
            earliest, roots = solved[row]
            if roots == 0:
                self._maybe_retire(source, reception, listeners, self._trajectory_of(source))
                continue
            count = int(next_now - next_sample)
            if count > 0:
                self._mark_emission_end(source, position + speed * count, int(next_now))
            moved = origin_now != origin
            if moved and source.position_fn is not None and source.trajectory is not None:
                source.trajectory.forget_before(earliest - 1.0)
            if source.emission_ended is not None and earliest > source.emission_ended:
                self._maybe_retire(source, reception, listeners, self._trajectory_of(source))

    def _heard_table_sources(
        self, sources: list[Source], last_reception: float
    ) -> tuple[list[Source], list[Trajectory]]:
        """The table sources that have a path (a body's has none before its first snapshot),
        and their paths; a source with a position function adds its knot at ``last_reception``.

        ``sources`` is the same list from ``_source_groups`` while the sources do not change,
        and a path never loses its last knot: once every source has one, the lists are kept.
        """
        kept_for, heard, trajectories, fed = self._heard
        if sources is not kept_for:
            fed = [source for source in sources if source.position_fn is not None]
        for source in fed:
            assert source.trajectory is not None and source.position_fn is not None
            source.trajectory.add(last_reception, source.position_fn(last_reception))
        if sources is not kept_for:
            heard, trajectories = [], []
            for source in sources:
                trajectory = self._trajectory_of(source)
                if len(trajectory):
                    heard.append(source)
                    trajectories.append(trajectory)
            everyone = len(heard) == len(sources)
            self._heard = (sources if everyone else None, heard, trajectories, fed)
        return heard, trajectories

    def _given_roots(self, trajectory, search_start, reception, listeners, counts, roots) -> None:
        """Emission times through media regions (path-integrated), solved by ``emission_times``."""
        acoustics, speed = self.acoustics, self.speed_of_sound

        def travel(sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
            return medium.travel_time(acoustics, speed, sources, targets)

        grid_index, times = emission_times(
            reception, listeners, trajectory, search_start, speed, travel
        )
        counts[:] = np.bincount(grid_index, minlength=len(reception))
        first_of_grid = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(grid_index)) - first_of_grid[grid_index]
        kept = rank < kernels.MAX_ROOTS
        roots[grid_index[kept], rank[kept], kernels.TIME] = times[kept]
        np.minimum(counts, kernels.MAX_ROOTS, out=counts)

    def _generate(self, source: Source, target: int) -> None:
        """Extend a source's emission (and its running sum) up to sample ``target``."""
        count = target - source.generated
        if count <= 0:
            return
        rate = self._rate_of(source, source.generated / self.sample_rate)
        drift = float(medium.pitch_factor(self.acoustics, source.path_length))
        speed = rate * drift
        gate = _gate(rate)
        position = _signal_position(source, rate)
        self._advance_signal(source, position, speed, count)
        needed = source.sums_length + count
        if needed > len(source.sums):
            self._grow_ring(source, needed)
        # Write at the ring index after the last entry, in at most two runs (the ring wraps).
        size = len(source.sums)
        write_at = (source.origin - source.start_sample + source.sums_length) & (size - 1)
        runs = ((write_at, min(count, size - write_at)), (0, count - min(count, size - write_at)))
        table = source.signal.table
        done = 0
        for start, length in runs:
            if length <= 0:
                continue
            # Ring index 0 follows the ring's last entry: sums[start - 1] is sums[-1] there.
            if table is not None:
                kernels.emit_from_table(
                    source.sums, start, length, table.table, table.scale, table.looped,
                    sine_table(), SINE_TABLE_SAMPLES * table.wobble_cycles, table.wobble_depth,
                    position + speed * done, speed, gate,
                )  # fmt: skip
            else:
                positions = position + speed * np.arange(done, done + length, dtype=np.float64)
                values = np.ascontiguousarray(source.signal.read(positions), dtype=np.float64)
                kernels.accumulate(source.sums, start, values * gate)
            done += length
        source.sums_length = needed
        source.generated = target

    def _advance_signal(self, source: Source, position: float, speed: float, count: int) -> None:
        """Move a source's signal on by ``count`` samples emitted from ``position`` at ``speed``."""
        source.signal_position = position + speed * count
        self._mark_emission_end(source, source.signal_position, source.generated + count)

    def _mark_emission_end(self, source: Source, position: float, end_sample: int) -> None:
        """A finite signal read on to ``position`` with its emission made up to ``end_sample``:
        past either end, its emission ended there (unless it ended before)."""
        if math.isfinite(source.signal.length):
            if 0 <= position < source.signal.length:
                source.emission_ended = None
            elif source.emission_ended is None:
                source.emission_ended = end_sample / self.sample_rate

    def _ring_window(self, source: Source) -> tuple[int, int, int]:
        """(mask, first, last) ring indices of a source's running sum (``kernels._running_sum``)."""
        first = source.origin - source.start_sample
        return (len(source.sums) - 1, first, first + source.sums_length - 1)

    def _grow_ring(self, source: Source, needed: int) -> None:
        """Move a source's running sum into a ring at least ``needed`` long (as ``mix_sources``
        grows a table source's ring)."""
        size = kernels.ring_size(len(source.sums), needed)
        first = source.origin - source.start_sample
        source.sums = kernels.grown_ring(source.sums, first, source.sums_length, size)

    def _forget_old_emission(self, source: Source, earliest_time: float) -> None:
        keep_from = int(earliest_time * self.sample_rate) - int(
            EMISSION_KEPT_SECONDS * self.sample_rate
        )
        drop = min(keep_from - source.origin, source.sums_length - 1)
        if drop > 0:
            source.sums_length -= drop
            source.origin += drop
            if source.trajectory is not None and source.position_fn is not None:
                source.trajectory.forget_before(earliest_time - 1.0)

    def _maybe_retire(self, source, reception, listeners, trajectory) -> None:
        """Drop a source once its last sound has spread past the listener for good."""
        if source.emission_ended is None:
            return
        now = float(reception[-1])
        where = trajectory.position_at(np.array([now]))[0]
        distance = float(np.linalg.norm(where - listeners[-1]))
        slowest = medium.slowest_speed(self.acoustics, self.speed_of_sound)
        if (now - source.emission_ended) * slowest > 1.5 * distance + 10.0:
            self.sources.remove(source)
            self._give_back_ring(source)

    def _take_ring(self) -> np.ndarray:
        """A ring for a new source: a retired source's (the last given back), or a fresh one.

        A new source's running sum is one entry, C before its first sample = 0, at ring index 0;
        the kernels read nothing outside a source's window (``_ring_window``), so that entry is
        all a reused ring needs reset.
        """
        if not self._ring_pool:
            return np.zeros(SUMS_START_LENGTH)
        ring = self._ring_pool.pop()
        ring[0] = 0.0
        return ring

    def _give_back_ring(self, source: Source) -> None:
        """Keep a retired source's ring for a new source while the pool stays within its bytes."""
        ring, source.sums = source.sums, np.zeros(1)
        pooled = sum(kept.nbytes for kept in self._ring_pool)
        if pooled + ring.nbytes <= self._ring_pool_bytes:
            self._ring_pool.append(ring)

    # ----- listener-side processing --------------------------------------------------------

    def _design_buses(self) -> tuple[float, np.ndarray | None]:
        if not medium.shapes_spectrum(self.acoustics):
            return 1.0, None
        frequencies = np.fft.rfftfreq(1024, 1.0 / self.sample_rate)
        per_metre = np.abs(medium.path_response_db(self.acoustics, frequencies, 1.0)).max()
        spacing = BUS_STEP_DB / max(per_metre, 1e-9)
        # Enough buses to reach silence in the most absorbed band, or the cap.
        needed = int(math.ceil(-medium.SILENT_DB / BUS_STEP_DB)) + 2
        count = min(needed, MAX_BUSES)
        if count == MAX_BUSES:
            spacing = -medium.SILENT_DB / max(per_metre, 1e-9) / (MAX_BUSES - 2)
        fft_size = scipy.fft.next_fast_len(self.block_size + BUS_FILTER_TAPS - 1, real=True)
        spectra = []
        # Bus 0 (no distance travelled) is flat: a delay of the filters' latency, no filter.
        flat = medium.path_response_db(self.acoustics, frequencies, 0.0)
        self._first_bus_is_delay = bool(np.all(flat == 0.0))
        for bus in range(count):
            response_db = medium.path_response_db(self.acoustics, frequencies, bus * spacing)
            kernel = _linear_phase(10.0 ** (response_db / 20.0), BUS_FILTER_TAPS)
            spectra.append(np.fft.rfft(kernel, fft_size))
        self._bus_fft_size = fft_size
        # Single precision: the buses' rounding (about -140 dB) is far below anything heard.
        return spacing, np.array(spectra).astype(np.complex64)

    def _filter_buses(self, buses: np.ndarray) -> np.ndarray:
        """The buses through their path filters, summed (2, frames); empties the buses."""
        assert self._bus_spectra is not None  # buses exist only where the path shapes the sound
        frames = buses.shape[2]
        used = self._bus_used.nonzero()[0]
        delayed = self._first_bus_is_delay and len(used) > 0 and used[0] == 0
        filtered = used[1:] if delayed else used
        if len(filtered):
            if frames != self._padded_at:
                # The filters' input: buses as float32, zero past ``frames`` (the padding).
                self._bus_padded = np.zeros((len(buses), 2, self._bus_fft_size), np.float32)
                self._padded_at = frames
                bins = self._bus_fft_size // 2 + 1
                self._bus_combined = np.empty((2, bins), np.complex64)
            signals = self._bus_padded[: len(filtered)]
            kernels.take_buses(buses, filtered, signals)
            spectra = scipy.fft.rfft(signals, axis=2)  # (U, 2, F)
            combined = self._bus_combined  # filled anew by ``filter_sum``
            kernels.filter_sum(spectra, self._bus_spectra, filtered, combined)
            out = scipy.fft.irfft(combined, self._bus_fft_size, axis=1)[
                :, : frames + BUS_FILTER_TAPS - 1
            ]
        else:
            out = np.zeros((2, frames + BUS_FILTER_TAPS - 1))
        if delayed:
            kernels.add_bus(out, buses[0], BUS_FILTER_TAPS // 2)
        self._bus_used[:] = False
        out[:, : BUS_FILTER_TAPS - 1] += self._bus_tail
        self._bus_tail = out[:, frames:].copy()
        return out[:, :frames]

    def _apply_hearing(self, stereo: np.ndarray) -> np.ndarray:
        heard_by = (self.acoustics, self.scale, self.listener_size)
        if heard_by != self._hearing_of:  # the same objects (rules are frozen) hear the same
            self._hearing_of = heard_by
            self._hearing_range = medium.hearing_range(*heard_by)
        low, high = self._hearing_range
        nyquist = 0.5 * self.sample_rate
        if (low, high) != self._hearing:
            self._hearing = (low, high)
            self._hearing_silent = low >= 0.95 * nyquist
            sections = []
            # Output is for human ears: filter only where the explorer hears less than they do.
            if low > HUMAN_LOWEST_HZ and not self._hearing_silent:
                sections.append(butter(2, low, "highpass", fs=self.sample_rate, output="sos"))
            if high < min(HUMAN_HIGHEST_HZ, 0.95 * nyquist):
                sections.append(
                    butter(4, max(high, 1.0), "lowpass", fs=self.sample_rate, output="sos")
                )
            if sections:
                sos = np.concatenate(sections)
                if self._hearing_sos is None or self._hearing_sos.shape != sos.shape:
                    self._hearing_state = np.zeros((sos.shape[0], 2, 2))
                self._hearing_sos = sos
            else:
                self._hearing_sos = None
        if self._hearing_silent:
            return np.zeros_like(stereo)
        if self._hearing_sos is None:
            return stereo
        filtered, self._hearing_state = sosfilt(
            self._hearing_sos, stereo, axis=0, zi=self._hearing_state
        )
        return filtered


GATE_RATE = 0.05
"""Clock rate (local seconds per world second) below which emission fades towards silence."""


def _gate(rate: float) -> float:
    """Emission gain at a clock rate: frozen time is silent, and fades in smoothly."""
    return min(1.0, abs(rate) / GATE_RATE)


def _same(items: list, kept: list) -> bool:
    """Whether two lists hold the very same objects, in order."""
    return len(items) == len(kept) and all(map(operator.is_, items, kept))


class _SourceGroups:
    """The mixer's sources grouped for a block (``Mixer._source_groups``): ``split`` is the
    sources mixed in one call (read from a table, no media regions) and the others, in order;
    ``on_bodies`` the sources on a body, with their body."""

    def __init__(self, sources: list[Source], media_regions: bool) -> None:
        self.sources = sources
        self.media_regions = media_regions
        table_sources: list[Source] = []
        other_sources: list[Source] = []
        for source in sources:
            fast = source.signal.table is not None and not media_regions
            (table_sources if fast else other_sources).append(source)
        self.split = (table_sources, other_sources)
        self.on_bodies = [(source.body, source) for source in sources if source.body is not None]


PackedKnots = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Paths packed for ``kernels.mix_sources``: times (K,), positions (K, 3), velocities (K, 3) and
each source's rows (S, 2); see ``_KnotPack.update``."""

_NO_KNOTS: PackedKnots = (
    np.zeros(0),
    np.zeros((0, 3)),
    np.zeros((0, 3)),
    np.zeros((0, 2), np.int64),
)


_MOVED_FIELDS = np.array([kernels.ORIGIN, kernels.NEXT_SAMPLE, kernels.EMISSION_SPEED])
"""The ``params`` fields ``Mixer._mix_table_sources`` reads after the call for watched rows."""


class _TableSet:
    """What ``kernels.mix_sources`` needs of the table sources, kept between blocks.

    The sources' emission state and constant parameters (``params``: a row a source; the call
    moves the state on, the clock rate is set per block). A source's row owns its emission
    state from when the row is made (read from the ``Source`` by ``take_state``) until the
    source leaves the set (written back, ``_hand_back``). Their rings
    and tables as numba typed lists (building one costs microseconds an entry, passing it
    nothing per entry), and their paths' knots packed into three arrays with each source's
    range of rows. Each part changes only when what it was built from changes: the sources,
    a ring (it grew), or a path (``Trajectory.version``). When sources retire and new ones are
    added at the end (struck sounds, every few blocks), the lists and rows are edited in place
    (``_edit``) rather than rebuilt: a rebuild costs microseconds for every source kept; the
    knots likewise (``_KnotPack``: only new or changed paths are copied).
    """

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.ring_arrays: list[np.ndarray] = []
        self.paths: list[Trajectory] = []
        self.versions: list[int] = []
        self.packed = _KnotPack()
        self.params = np.zeros((0, kernels.SOURCE_FIELDS))
        # Rows of sources with a finite signal or a position function (Python after the call),
        # and of sources on a body.
        self.watched_rows: list[int] = []
        self.new_rows: list[int] = []  # made by ``update``, for ``take_state``
        # Rows that had emitted nothing at the last block (None: not known since the sources
        # changed); a row that has emitted never goes back to silent (its next sample only grows).
        self.silent_rows: list[int] | None = None
        self.body_rows: list[int] = []
        # Clock rates: the numbers given (``_fixed_rate``), and the rows whose rate is read per
        # block (``Mixer._rate_of``: a body's rate, or a function of world time).
        self.fixed_rates = np.zeros(0)
        self.varying_rate_rows: list[int] = []
        self.rings: typed.List | None = None
        self.tables: typed.List | None = None
        self.knots: PackedKnots = _NO_KNOTS

    def update(self, sources: list[Source], paths: list[Trajectory]) -> _TableSet:
        """Bring the set up to date for these sources on these paths (one path per source)."""
        if not _same(sources, self.sources):
            if not self._edit(sources):
                self._hand_back(range(len(self.sources)))
                self.new_rows = list(range(len(sources)))
                self.sources = list(sources)
                self.params = _constant_params(sources)
                self.tables = typed.List([_table_array(source) for source in sources])
                self.ring_arrays = [source.sums for source in sources]
                self.rings = typed.List(self.ring_arrays)
            self.watched_rows = [
                row
                for row, source in enumerate(sources)
                if math.isfinite(source.signal.length) or source.position_fn is not None
            ]
            self.body_rows = [row for row, source in enumerate(sources) if source.body is not None]
            self.silent_rows = None
            self.varying_rate_rows = [
                row
                for row, source in enumerate(sources)
                if source.body is not None or callable(source.local_rate)
            ]
            self.fixed_rates = np.array(
                [_fixed_rate(source) for source in sources], dtype=np.float64
            )
        rings = [source.sums for source in sources]
        if not _same(rings, self.ring_arrays):  # a ring grew
            for index, ring in enumerate(rings):
                if ring is not self.ring_arrays[index]:
                    self.ring_arrays[index] = ring
                    _list_set(self.rings, index, ring)
        versions = [path.version for path in paths]
        if not _same(paths, self.paths) or versions != self.versions:
            self.paths, self.versions = list(paths), versions
            self.knots = self.packed.update(paths)
        return self

    def _edit(self, sources: list[Source]) -> bool:
        """Bring the set to ``sources`` by removing the sources that left and appending those that
        came (the usual change: sources retire, new ones are added at the end); False when
        ``sources`` is not the kept ones in their order followed by new ones."""
        if self.tables is None or self.rings is None:
            return False
        staying = {id(source) for source in sources}
        gone = [row for row, source in enumerate(self.sources) if id(source) not in staying]
        kept = len(self.sources) - len(gone)
        if not _same([s for s in self.sources if id(s) in staying], sources[:kept]):
            return False
        self._hand_back(gone)
        for row in reversed(gone):
            _list_delete(self.tables, row)
            _list_delete(self.rings, row)
            del self.ring_arrays[row]
        added = sources[kept:]
        self.new_rows = list(range(kept, len(sources)))
        for source in added:
            self.tables.append(_table_array(source))
            self.rings.append(source.sums)
            self.ring_arrays.append(source.sums)
        self.params = np.concatenate(
            [np.delete(self.params, gone, axis=0), _constant_params(added)]
        )
        self.sources = list(sources)
        return True

    def take_state(self) -> None:
        """Read the emission state of the sources whose rows ``update`` made into their rows,
        which keep it from now on."""
        for row in self.new_rows:
            source = self.sources[row]
            position, anchor = source.signal_position, source.anchor_delay
            self.params[row, : kernels.STATE_FIELDS] = (
                source.origin,
                source.sums_length,
                source.generated,
                0.0 if position is None else position,  # set per block until it emits
                0.0,  # the clock rate, set per block
                math.nan if anchor is None else anchor,
            )
        self.new_rows = []

    def _hand_back(self, rows: Iterable[int]) -> None:
        """Write these rows' emission state back to their sources (they leave the set)."""
        for row in rows:
            source = self.sources[row]
            state = self.params[row, : kernels.STATE_FIELDS].tolist()
            origin, kept, next_sample, position, _, anchor = state
            source.origin, source.sums_length = int(origin), int(kept)
            started = next_sample != source.start_sample
            source.generated = int(next_sample)
            source.signal_position = position if started else None
            source.anchor_delay = None if math.isnan(anchor) else anchor


@njit(cache=True)
def _list_delete(items, index):
    """Remove entry ``index`` of a typed list (compiled here, so cached on disk)."""
    del items[index]


@njit(cache=True)
def _list_set(items, index, item):
    """Set entry ``index`` of a typed list (compiled here, so cached on disk)."""
    items[index] = item


def _fixed_rate(source: Source) -> float:
    """A source's clock rate when it is a number (``Mixer._rate_of`` before the sign rule);
    0.0 for a source whose rate is read per block."""
    if source.body is not None or callable(source.local_rate):
        return 0.0
    return float(source.local_rate)


def _constant_params(sources: list[Source]) -> np.ndarray:
    """``kernels.mix_sources``' params rows for these sources, with their constants filled in."""
    params = np.zeros((len(sources), kernels.SOURCE_FIELDS))
    for row, source in enumerate(sources):
        table = source.signal.table
        assert table is not None  # only table sources are mixed in one call
        params[row, kernels.AMPLITUDE] = source.amplitude
        params[row, kernels.START_SAMPLE] = source.start_sample
        params[row, kernels.TABLE_SCALE] = table.scale
        params[row, kernels.LOOPED] = float(table.looped)
        params[row, kernels.WOBBLE_SCALE] = SINE_TABLE_SAMPLES * table.wobble_cycles
        params[row, kernels.WOBBLE_DEPTH] = table.wobble_depth
    return params


def _table_array(source: Source) -> np.ndarray:
    table = source.signal.table
    assert table is not None  # only table sources are mixed in one call
    return np.ascontiguousarray(table.table, dtype=np.float64)


class _KnotPack:
    """Paths' knots packed for ``kernels.mix_sources``, kept between changes of the paths.

    The packed arrays are buffers with room to spare; each path's knots are copied in once, at
    the end, and stay in their rows while the path is packed again unchanged (same object, same
    ``Trajectory.version``). A path that changed, or a new one, is appended; the rows of paths
    that changed or left are dead (no range points at them) until dead rows outnumber live ones
    (plus ``KNOT_PACK_SLACK``), when everything is packed afresh (each path once). So a
    change of a few paths costs a few copies, not one for every path, and the buffers stay
    within a few times the live knots.
    """

    def __init__(self) -> None:
        self.times = np.empty(0)
        self.positions = np.empty((0, 3))
        self.velocities = np.empty((0, 3))
        self.held = 0  # rows used, live and dead
        # id(path) -> (path, its version when packed, first row, row after its last)
        self.spans: dict[int, tuple[Trajectory, int, int, int]] = {}

    def update(self, paths: list[Trajectory]) -> PackedKnots:
        """The knots of ``paths``: (times (K,), positions (K, 3), velocities (K, 3), ranges
        (S, 2)), where path s is rows ranges[s, 0] .. ranges[s, 1] - 1; a path shared by several
        sources is packed once."""
        spans: dict[int, tuple[Trajectory, int, int, int]] = {}
        ranges: list[int] = []  # first row, row after the last, for each path in turn
        live = 0
        for path in paths:
            span = spans.get(id(path))
            if span is None:
                span = self.spans.get(id(path))
                if span is None or span[0] is not path or span[1] != path.version:
                    span = self._append(path)
                spans[id(path)] = span
                live += span[3] - span[2]
            ranges += span[2:]
        self.spans = spans
        if self.held - live > live + KNOT_PACK_SLACK:
            self.held, self.spans = 0, {}
            return self.update(paths)
        held = self.held
        return (
            self.times[:held],
            self.positions[:held],
            self.velocities[:held],
            np.array(ranges, dtype=np.int64).reshape(-1, 2),
        )

    def _append(self, path: Trajectory) -> tuple[Trajectory, int, int, int]:
        """Copy a path's knots into the rows after the last held one; returns its span."""
        begin = self.held
        end = begin + len(path)
        if end > len(self.times):
            size = max(2 * end, KNOT_PACK_SLACK)
            times, positions, velocities = np.empty(size), np.empty((size, 3)), np.empty((size, 3))
            times[:begin] = self.times[:begin]
            positions[:begin] = self.positions[:begin]
            velocities[:begin] = self.velocities[:begin]
            self.times, self.positions, self.velocities = times, positions, velocities
        self.times[begin:end] = path.times
        self.positions[begin:end] = path.positions
        self.velocities[begin:end] = path.velocities
        self.held = end
        return (path, path.version, begin, end)


def _signal_position(source: Source, rate: float) -> float:
    """Where a source's signal is read next (``_start_position`` before it has emitted)."""
    if source.signal_position is not None:
        return source.signal_position
    return _start_position(source, rate)


def _start_position(source: Source, rate: float) -> float:
    """Where a source's signal is first read: a finite one played backward starts at its end."""
    finite = math.isfinite(source.signal.length)
    return source.signal.length - 1.0 if (rate < 0 and finite) else 0.0


_COMPILED_CLOCK = Mixer.world_time_at
"""``Mixer.world_time_at`` as defined here, which ``kernels.block_clock`` computes per block."""


def _linear_phase(magnitude: np.ndarray, taps: int) -> np.ndarray:
    """A linear-phase FIR (delay taps // 2) approximating a magnitude response on rfft bins."""
    impulse = np.fft.irfft(magnitude)
    impulse = np.roll(impulse, taps // 2)[:taps]
    return impulse * np.hanning(taps + 2)[1:-1]


def _resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    divisor = math.gcd(int(from_rate), int(to_rate))
    return resample_poly(samples, to_rate // divisor, from_rate // divisor)


class _BlockLimiter:
    """A look-ahead peak limiter: output never exceeds ``CEILING``; adds 2 * half-window latency."""

    def __init__(self, half_window: int = LIMITER_HALF_WINDOW) -> None:
        self.half_window = half_window
        # The last 4 * half_window input samples, then the block being limited.
        self._joined = np.zeros((4 * half_window, 2))
        self._work = np.empty((3, 4 * half_window))

    def process(self, block: np.ndarray) -> np.ndarray:
        frames = block.shape[0]
        kept = 4 * self.half_window
        if self._joined.shape[0] != kept + frames:
            joined = np.zeros((kept + frames, 2))
            joined[:kept] = self._joined[-kept:]
            self._joined = joined
            self._work = np.empty((3, kept + frames))
        else:
            self._joined[:kept] = self._joined[frames:]
        self._joined[kept:] = block
        out = np.empty((frames, 2))
        kernels.limit_block(self._joined, CEILING, self.half_window, self._work, out)
        return out


def limiter_gains(magnitude: np.ndarray, half_window: int = LIMITER_HALF_WINDOW) -> np.ndarray:
    """Smooth gains that keep ``magnitude * gain <= CEILING`` everywhere.

    The needed gain is held at its minimum over a window then averaged over a window no wider,
    so every averaged value is at most the gain needed at the centre sample.
    """
    needed = np.minimum(1.0, CEILING / np.maximum(magnitude, 1e-30))
    held = minimum_filter1d(needed, size=2 * half_window + 1, mode="nearest")
    return uniform_filter1d(held, size=2 * half_window + 1, mode="nearest")


def limit(stereo: np.ndarray) -> np.ndarray:
    """Limit a whole stereo signal (offline): no latency, peak at most ``CEILING``."""
    gains = limiter_gains(np.abs(stereo).max(axis=1))
    return stereo * gains[:, None]
