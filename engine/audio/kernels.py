"""The mixer's per-sample loops, compiled with numba: retarded time, branch tracking, reading.

Owns the inner loops that numpy cannot batch without a call per source and per sample: solving
the arrival condition on a trajectory's straight pieces for a grid of reception times, pairing
the emission-time branches between neighbouring reception times (including pairs born or dying
at a Mach cone, solved sample by sample there), and reading a source's emission through its
running sum into the output or distance buses. Plain arrays in, arrays out: knows nothing of
``Source``, ``Signal``, rules or snapshots, and never allocates per sample. Compiled on first use
and cached on disk (``cache=True``); nothing is compiled at import time.

Shapes: G grid points (reception times) per block, F frames, R = ``MAX_ROOTS`` emission times
at most per reception time, K trajectory knots, J straight pieces, B distance buses.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_ROOTS = 16
"""Most emission times kept for one reception time (a Mach cone gives two or three)."""

ROOT_FIELDS = 6
"""Per emission time: time, gain, interaural delay, left gain, right gain, path length."""

TIME, GAIN, ITD, LEFT, RIGHT, LENGTH = range(ROOT_FIELDS)

PIECE_SLACK = 1e-9
"""Seconds pieces overlap so a root on a knot is never lost (duplicates are merged)."""

MERGE_SECONDS = 1e-7
"""Emission times closer than this at one reception time are one root."""

SHADOW_NEPERS = -6.0 / 20.0 * math.log(10.0)
"""The far ear's level straight to one side, -6 dB, as a natural-log amplitude factor."""

REPORT_SIZE = 5
"""Solve report: earliest and latest emission time, last path length, Doppler anchor, roots."""


@njit(cache=True, inline="always")
def _position_at(knot_times, knot_positions, knot_velocities, time):
    """Trajectory position (x, y, z) at one time: linear between knots, extrapolated beyond."""
    count = knot_times.shape[0]
    if time <= knot_times[0]:
        span = time - knot_times[0]
        return (
            knot_positions[0, 0] + span * knot_velocities[0, 0],
            knot_positions[0, 1] + span * knot_velocities[0, 1],
            knot_positions[0, 2] + span * knot_velocities[0, 2],
        )
    last = count - 1
    if time >= knot_times[last]:
        span = time - knot_times[last]
        return (
            knot_positions[last, 0] + span * knot_velocities[last, 0],
            knot_positions[last, 1] + span * knot_velocities[last, 1],
            knot_positions[last, 2] + span * knot_velocities[last, 2],
        )
    index = np.searchsorted(knot_times, time, side="right") - 1
    width = knot_times[index + 1] - knot_times[index]
    fraction = (time - knot_times[index]) / width if width > 0 else 0.0
    return (
        knot_positions[index, 0]
        + fraction * (knot_positions[index + 1, 0] - knot_positions[index, 0]),
        knot_positions[index, 1]
        + fraction * (knot_positions[index + 1, 1] - knot_positions[index, 1]),
        knot_positions[index, 2]
        + fraction * (knot_positions[index + 1, 2] - knot_positions[index, 2]),
    )


@njit(cache=True)
def trajectory_pieces(knot_times, knot_positions, knot_velocities, start, end):
    """Straight pieces covering [start, end] (as ``Trajectory.segments``).

    Returns begins (J,), lengths (J,) (the last is inf), positions (J, 3), velocities (J, 3).
    """
    count = knot_times.shape[0]
    # Knots strictly inside (start, end), found by bisection: a body's path gains a knot per
    # snapshot for as long as it sounds.
    first = np.searchsorted(knot_times, start, side="right")
    stop = max(np.searchsorted(knot_times, end, side="left"), first)
    pieces = stop - first + 1
    begins = np.empty(pieces)
    begins[0] = start
    begins[1:] = knot_times[first:stop]
    lengths = np.empty(pieces)
    for j in range(pieces - 1):
        lengths[j] = begins[j + 1] - begins[j]
    lengths[pieces - 1] = np.inf
    positions = np.empty((pieces, 3))
    velocities = np.empty((pieces, 3))
    for j in range(pieces):
        x, y, z = _position_at(knot_times, knot_positions, knot_velocities, begins[j])
        positions[j, 0] = x
        positions[j, 1] = y
        positions[j, 2] = z
        index = np.searchsorted(knot_times, begins[j], side="right") - 1
        if index < 0:
            velocities[j] = knot_velocities[0]
        elif index >= count - 1:
            velocities[j] = knot_velocities[count - 1]
        else:
            width = knot_times[index + 1] - knot_times[index]
            for axis in range(3):
                velocities[j, axis] = (
                    knot_positions[index + 1, axis] - knot_positions[index, axis]
                ) / width
    return begins, lengths, positions, velocities


@njit(cache=True)
def listeners_sphere(listeners):
    """A sphere (x, y, z, radius) holding every listener position (G, 3) of a block."""
    count = listeners.shape[0]
    x = 0.0
    y = 0.0
    z = 0.0
    for g in range(count):
        x += listeners[g, 0] / count
        y += listeners[g, 1] / count
        z += listeners[g, 2] / count
    radius = 0.0
    for g in range(count):
        distance = (listeners[g, 0] - x) ** 2 + (listeners[g, 1] - y) ** 2
        radius = max(radius, math.sqrt(distance + (listeners[g, 2] - z) ** 2))
    return x, y, z, radius


@njit(cache=True)
def relevant_pieces(begins, lengths, positions, velocities, sphere, first_time, last_time, speed):
    """Mask (J,) of the pieces that can hold an arrival for any listener and reception time here.

    A piece's points lie between its nearest and farthest distance from the listeners' bounding
    ``sphere`` (``listeners_sphere``), so their sound arrives within a known window after
    emission; pieces whose times cannot fall in that window for reception in
    [first_time, last_time] are skipped.
    """
    centre = (sphere[0], sphere[1], sphere[2])
    radius = sphere[3]
    pieces = begins.shape[0]
    keep = np.zeros(pieces, dtype=np.bool_)
    for j in range(pieces):
        # Emission on this piece happens no later than the last reception time.
        duration = min(lengths[j], last_time - begins[j])
        if duration < 0:
            continue
        speed_squared = 0.0
        along = 0.0
        for axis in range(3):
            speed_squared += velocities[j, axis] ** 2
            along += (positions[j, axis] - centre[axis]) * velocities[j, axis]
        # Nearest point of the piece to the centre, and the farther of its two ends.
        nearest_time = 0.0
        if speed_squared > 0:
            nearest_time = min(max(-along / speed_squared, 0.0), duration)
        near = 0.0
        start_distance = 0.0
        end_distance = 0.0
        for axis in range(3):
            offset = positions[j, axis] - centre[axis]
            near += (offset + nearest_time * velocities[j, axis]) ** 2
            start_distance += offset**2
            end_distance += (offset + duration * velocities[j, axis]) ** 2
        nearest = max(math.sqrt(near) - radius, 0.0)
        farthest = math.sqrt(max(start_distance, end_distance)) + radius
        earliest_emission = first_time - farthest / speed
        latest_emission = last_time - nearest / speed
        piece_end = begins[j] + duration
        keep[j] = (
            piece_end >= earliest_emission - PIECE_SLACK
            and begins[j] <= latest_emission + PIECE_SLACK
        )
    return keep


@njit(cache=True, inline="always")
def _arrivals(reception, listener, begins, lengths, positions, velocities, keep, speed, found):
    """Sorted, merged emission times whose sound reaches ``listener`` at ``reception``.

    Writes them into ``found`` (R,) and returns how many. On each straight piece the arrival
    condition |S(t_e) - L| = c (t_r - t_e) is a quadratic in t_e, solved exactly.
    """
    total = 0
    speed_squared = speed * speed
    capacity = found.shape[0]
    for j in range(begins.shape[0]):
        if not keep[j]:
            continue
        lead = reception - begins[j]
        if lead < -PIECE_SLACK:
            continue
        a = -speed_squared
        half_b = speed_squared * lead
        c = -speed_squared * lead * lead
        for axis in range(3):
            offset = positions[j, axis] - listener[axis]
            a += velocities[j, axis] * velocities[j, axis]
            half_b += offset * velocities[j, axis]
            c += offset * offset
        b = 2.0 * half_b
        first_root = np.nan
        second_root = np.nan
        if abs(a) < 1e-12 * max(speed_squared, 1e-300):
            if b != 0:
                first_root = -c / b
        else:
            discriminant = b * b - 4.0 * a * c
            if discriminant >= 0:
                root = math.sqrt(discriminant)
                q = -0.5 * (b + root) if b >= 0 else -0.5 * (b - root)
                first_root = q / a
                if q != 0:
                    second_root = c / q
        for r in range(2):
            u = first_root if r == 0 else second_root
            if np.isnan(u):
                continue
            if u >= -PIECE_SLACK and u < lengths[j] + PIECE_SLACK and u <= lead + 1e-12:
                if total < capacity:
                    found[total] = u + begins[j]
                    total += 1
    # Insertion sort (a handful of roots), then merge near-duplicates (pieces overlap a hair).
    for i in range(1, total):
        value = found[i]
        k = i - 1
        while k >= 0 and found[k] > value:
            found[k + 1] = found[k]
            k -= 1
        found[k + 1] = value
    kept = 0
    for i in range(total):
        if kept > 0 and found[i] - found[kept - 1] < MERGE_SECONDS:
            continue
        found[kept] = found[i]
        kept += 1
    return kept


@njit(cache=True, inline="always")
def _describe(
    knot_times,
    knot_positions,
    knot_velocities,
    reception,
    listener_x,
    listener_y,
    listener_z,
    time,
    strength,
    anchor,
    amplitude,
    reference_distance,
    exponent,
    right_x,
    right_z,
    head_seconds,
):
    """One root's fields: (time after Doppler strength, gain, ITD, left gain, right gain, length).

    Scalars in, a tuple out: no array views are made per root.
    """
    if strength != 1.0:
        delay = max(anchor + strength * ((reception - time) - anchor), 0.0)
        time = reception - delay
    x, y, z = _position_at(knot_times, knot_positions, knot_velocities, time)
    dx = x - listener_x
    dy = y - listener_y
    dz = z - listener_z
    length = math.sqrt(dx * dx + dy * dy + dz * dz)
    floor = 0.1 * reference_distance
    ratio = reference_distance / max(length, floor)
    # Spherical (1) and plane-wave-energy (2) laws are the common ones; pow is slow.
    if exponent == 1.0:
        gain = amplitude * ratio
    elif exponent == 2.0:
        gain = amplitude * ratio * ratio
    else:
        gain = amplitude * ratio**exponent
    lateral = (dx * right_x + dz * right_z) / max(length, 1e-9)
    lateral = min(max(lateral, -1.0), 1.0)
    # Woodworth's interaural delay (positive: the right ear first); the far ear is shadowed.
    itd = head_seconds * (math.asin(lateral) + lateral)
    shadow = math.exp(SHADOW_NEPERS * abs(lateral))
    left = shadow if lateral > 0 else 1.0
    right = shadow if lateral < 0 else 1.0
    return time, gain, itd, left, right, length


@njit(cache=True)
def solve_grid(
    knot_times,
    knot_positions,
    knot_velocities,
    search_start,
    reception,
    listeners,
    speed,
    use_given,
    strength,
    anchor,
    amplitude,
    reference_distance,
    exponent,
    right_x,
    right_z,
    head_seconds,
    counts,
    roots,
    report,
):
    """Every emission time heard at each grid reception time, with what the listener gets of it.

    Fills ``counts`` (G,) and ``roots`` (G, R, ROOT_FIELDS); with ``use_given`` the times are
    already in ``roots[:, :, TIME]`` (a medium with regions, solved by ``emission_times``) and only
    the fields are computed. ``report`` gets earliest and latest emission time, the last path
    length, the Doppler anchor delay (set from the first root when ``anchor`` is nan) and the
    number of roots.
    """
    _solve_grid(
        knot_times, knot_positions, knot_velocities, search_start, reception, listeners,
        listeners_sphere(listeners), speed, use_given, strength, anchor, amplitude,
        reference_distance, exponent, right_x, right_z, head_seconds, counts, roots, report,
        np.empty(MAX_ROOTS),
    )  # fmt: skip


@njit(cache=True)
def _solve_grid(
    knot_times, knot_positions, knot_velocities, search_start, reception, listeners, sphere,
    speed, use_given, strength, anchor, amplitude, reference_distance, exponent, right_x,
    right_z, head_seconds, counts, roots, report, found,
):  # fmt: skip
    """``solve_grid`` given the listeners' ``sphere`` (``listeners_sphere``) and work space
    ``found`` (R,): ``mix_sources`` works them out once a block, not once a source."""
    grid_count = reception.shape[0]
    if not use_given:
        begins, lengths, positions, velocities = trajectory_pieces(
            knot_times, knot_positions, knot_velocities, search_start, reception.max()
        )
        keep = relevant_pieces(
            begins, lengths, positions, velocities, sphere, reception.min(), reception.max(),
            speed,
        )  # fmt: skip
        for g in range(grid_count):
            if reception[g] < search_start:
                counts[g] = 0
                continue
            count = _arrivals(
                reception[g],
                listeners[g],
                begins,
                lengths,
                positions,
                velocities,
                keep,
                speed,
                found,
            )
            counts[g] = count
            for r in range(count):
                roots[g, r, TIME] = found[r]
    earliest = np.inf
    latest = -np.inf
    total = 0
    last_length = np.nan
    for g in range(grid_count):
        for r in range(counts[g]):
            if np.isnan(anchor):
                anchor = reception[g] - roots[g, r, TIME]
            fields = _describe(
                knot_times, knot_positions, knot_velocities, reception[g], listeners[g, 0],
                listeners[g, 1], listeners[g, 2], roots[g, r, TIME], strength, anchor, amplitude,
                reference_distance, exponent, right_x, right_z, head_seconds,
            )  # fmt: skip
            for field in range(ROOT_FIELDS):
                roots[g, r, field] = fields[field]
            earliest = min(earliest, roots[g, r, TIME])
            latest = max(latest, roots[g, r, TIME])
            last_length = roots[g, r, LENGTH]
            total += 1
    report[0] = earliest
    report[1] = latest
    report[2] = last_length
    report[3] = anchor
    report[4] = total


@njit(cache=True)
def _pairing_cost(left, right, left_used, right_used):
    """Sum of |left - right| pairing the still-unused roots on each side in order."""
    cost = 0.0
    i = 0
    j = 0
    while True:
        while i < left.shape[0] and left_used[i]:
            i += 1
        while j < right.shape[0] and right_used[j]:
            j += 1
        if i >= left.shape[0] or j >= right.shape[0]:
            return cost
        cost += abs(left[i] - right[j])
        i += 1
        j += 1


@njit(cache=True)
def match_branches(left, right, partner):
    """Pair emission times at two neighbouring reception times; ``partner`` gets the pairing.

    ``left`` (n,) and ``right`` (m,) are sorted. ``partner`` (n + m,) receives, for each left root,
    the index of its right partner and, after them, for each right root its left partner; -1 for
    a root with none. Equal counts pair in order. Otherwise roots are set aside until the counts
    agree: two neighbouring roots at once where the counts differ by two or more (a pair born or
    dying at a Mach cone), a single one otherwise (a branch entering or leaving the searched
    span), each time the choice that leaves the closest in-order pairing.
    """
    n = left.shape[0]
    m = right.shape[0]
    left_aside = np.zeros(n, dtype=np.bool_)
    right_aside = np.zeros(m, dtype=np.bool_)
    remaining_left = n
    remaining_right = m
    while remaining_left != remaining_right:
        on_left = remaining_left > remaining_right
        side = left if on_left else right
        aside = left_aside if on_left else right_aside
        group = 2 if abs(remaining_left - remaining_right) >= 2 else 1
        best_cost = np.inf
        best = -1
        best_second = -1
        for i in range(side.shape[0]):
            if aside[i]:
                continue
            second = -1
            if group == 2:
                second = i + 1
                while second < side.shape[0] and aside[second]:
                    second += 1
                if second >= side.shape[0]:
                    continue
                aside[second] = True
            aside[i] = True
            cost = _pairing_cost(left, right, left_aside, right_aside)
            aside[i] = False
            if second >= 0:
                aside[second] = False
            if cost < best_cost:
                best_cost, best, best_second = cost, i, second
        aside[best] = True
        if best_second >= 0:
            aside[best_second] = True
        if on_left:
            remaining_left -= group
        else:
            remaining_right -= group
    for k in range(n + m):
        partner[k] = -1
    i = 0
    j = 0
    while True:
        while i < n and left_aside[i]:
            i += 1
        while j < m and right_aside[j]:
            j += 1
        if i >= n or j >= m:
            break
        partner[i] = j
        partner[n + j] = i
        i += 1
        j += 1


@njit(cache=True, inline="always")
def _running_sum(sums, window, position):
    """C at a fractional emission sample position, from the ring ``sums``.

    ``window`` is (mask, first, last): the ring holds C at indices first .. last (index & mask);
    positions before them read the first (silence before the start), after them the last.
    """
    mask, first, last = window
    if position <= first:
        return sums[first & mask]
    if position >= last:
        return sums[last & mask]
    index = int(position)
    below = sums[index & mask]
    return below + (position - index) * (sums[(index + 1) & mask] - below)


@njit(cache=True, inline="always")
def _sum_at(sums, window, position, inside):
    """The running sum at a fractional position; ``inside``: known to lie within the window."""
    if not inside:
        return _running_sum(sums, window, position)
    mask = window[0]
    index = int(position)
    below = sums[index & mask]
    return below + (position - index) * (sums[(index + 1) & mask] - below)


@njit(cache=True, fastmath=True, inline="always")
def _read_linear(
    sums, mask, left_start, left_step, right_start, right_step, inverse_steps, first_sample,
    samples, gain, gain_step, left_gain, left_gain_step, right_gain, right_gain_step, share,
    share_step, out, lower, upper,
):  # fmt: skip
    """Both ears' reads at linear positions inside the ring's window, weighted into a bus pair.

    Output sample ``first_sample + k`` (k < ``samples``) is the running-sum difference over
    [k, k + 1] times 1 / dt, the gain and the ear's gain; ``share`` of it goes to bus ``lower``
    of ``out`` (B, 2, F) and the rest to bus ``upper`` (the same bus when there is one, the
    shares then summing to one). Whole arrays and offsets, no views: this runs per grid span.

    The gains and the share are stepped by addition rather than worked out as
    ``start + k * step`` (which needs k converted to a float every sample); the two differ by
    rounding only, about 1e-15 over a span. The read positions are still ``start + k * step``,
    with k kept as an exact float: a position off by a rounding reads another ring value.
    """
    index = int(left_start)
    below = sums[index & mask]
    left_before = below + (left_start - index) * (sums[(index + 1) & mask] - below)
    index = int(right_start)
    below = sums[index & mask]
    right_before = below + (right_start - index) * (sums[(index + 1) & mask] - below)
    step = 1.0  # k + 1
    for k in range(samples):
        position = left_start + step * left_step
        index = int(position)
        below = sums[index & mask]
        left_after = below + (position - index) * (sums[(index + 1) & mask] - below)
        position = right_start + step * right_step
        index = int(position)
        below = sums[index & mask]
        right_after = below + (position - index) * (sums[(index + 1) & mask] - below)
        sample = first_sample + k
        scale = inverse_steps[sample] * gain
        left_value = (left_after - left_before) * scale * left_gain
        right_value = (right_after - right_before) * scale * right_gain
        left_before = left_after
        right_before = right_after
        out[lower, 0, sample] += share * left_value
        out[lower, 1, sample] += share * right_value
        out[upper, 0, sample] += (1.0 - share) * left_value
        out[upper, 1, sample] += (1.0 - share) * right_value
        step += 1.0
        gain += gain_step
        left_gain += left_gain_step
        right_gain += right_gain_step
        share += share_step


@njit(cache=True, inline="always")
def _fields(row):
    """A root's fields (a row of ``ROOT_FIELDS``) as a tuple."""
    return (row[0], row[1], row[2], row[3], row[4], row[5])


@njit(cache=True, inline="always")
def _grid_fields(roots, g, r):
    """Root r at grid point g as a tuple (no array view)."""
    return (roots[g, r, 0], roots[g, r, 1], roots[g, r, 2], roots[g, r, 3], roots[g, r, 4],
            roots[g, r, 5])  # fmt: skip


@njit(cache=True, fastmath=True, inline="always")
def _read_branch(
    start_fields,
    end_fields,
    first_sample,
    samples,
    inverse_steps,
    sums,
    window,
    emission_offset,
    sample_rate,
    out,
    buses_per_metre,
    bus_used,
):
    """Read one branch over ``samples`` output samples, its fields linear from start to end.

    The output sample between reception times t and t + dt is (C(e(t + dt)) - C(e(t))) / dt,
    C the running sum of the emission and e the emission time heard, per ear (the later ear reads
    earlier emission). ``inverse_steps`` (F,) holds 1 / dt per output sample in emission samples;
    ``emission_offset`` turns emission seconds * rate into a ring index (``window``: see
    ``_running_sum``). Gains and path length
    are taken in the middle of each output sample. One pass: both ears read, weighted and added
    to the one or two distance buses the path length falls between.
    """
    per_step = 1.0 / samples
    base = start_fields[TIME] * sample_rate + emission_offset
    base_step = (end_fields[TIME] - start_fields[TIME]) * sample_rate * per_step
    itd = start_fields[ITD] * sample_rate
    itd_step = (end_fields[ITD] - start_fields[ITD]) * sample_rate * per_step
    # The ear the sound reaches later reads earlier emission. Positions are linear over the
    # span, so when the interaural delay keeps its sign and both ends lie inside the emission
    # each ear's read position is linear too and needs no clamping.
    lowest = min(base - max(itd, 0.0), base + min(itd, 0.0))
    end = base + samples * base_step
    end_itd = itd + samples * itd_step
    lowest = min(lowest, end - max(end_itd, 0.0), end + min(end_itd, 0.0))
    highest = max(base, end)
    inside = itd * end_itd >= 0 and lowest > window[1] and highest < window[2]
    left_delay = max(itd, 0.0)
    left_delay_step = (max(end_itd, 0.0) - left_delay) * per_step
    right_delay = max(-itd, 0.0)
    right_delay_step = (max(-end_itd, 0.0) - right_delay) * per_step
    gain_step = (end_fields[GAIN] - start_fields[GAIN]) * per_step
    left_step = (end_fields[LEFT] - start_fields[LEFT]) * per_step
    right_step = (end_fields[RIGHT] - start_fields[RIGHT]) * per_step
    gain = start_fields[GAIN] + 0.5 * gain_step
    left_gain = start_fields[LEFT] + 0.5 * left_step
    right_gain = start_fields[RIGHT] + 0.5 * right_step
    buses = out.shape[0]
    bus_step = 0.0
    bus_position = 0.0
    lower = 0
    uniform = True
    if buses > 1:
        length_step = (end_fields[LENGTH] - start_fields[LENGTH]) * per_step
        bus_position = (start_fields[LENGTH] + 0.5 * length_step) * buses_per_metre
        bus_step = length_step * buses_per_metre
        first_bus = min(int(start_fields[LENGTH] * buses_per_metre), buses - 1)
        last_bus = min(int(end_fields[LENGTH] * buses_per_metre), buses - 1)
        # The path length is linear over the span: mark every bus it passes.
        for bus in range(min(first_bus, last_bus), min(max(first_bus, last_bus) + 2, buses)):
            bus_used[bus] = True
        lower = min(int(bus_position), buses - 1)
        last_position = bus_position + (samples - 1) * bus_step
        uniform = lower == min(int(last_position), buses - 1) and lower < buses - 1
    upper = min(lower + 1, buses - 1)

    if inside and (buses == 1 or uniform):
        # The common case: linear reads, one bus pair for the whole span.
        weight = bus_position - lower if buses > 1 else 0.0
        _read_linear(
            sums, window[0], base - left_delay, base_step - left_delay_step, base - right_delay,
            base_step - right_delay_step, inverse_steps, first_sample, samples, gain, gain_step,
            left_gain, left_step, right_gain, right_step, 1.0 - weight,
            -bus_step if buses > 1 else 0.0, out, lower, upper,
        )  # fmt: skip
        return
    # Otherwise each ear's delay and the bus pair are worked out sample by sample.
    left_before = 0.0
    right_before = 0.0
    for step in range(samples + 1):
        if inside:
            left = base - left_delay + step * (base_step - left_delay_step)
            right = base - right_delay + step * (base_step - right_delay_step)
        else:
            position = base + step * base_step
            delay = itd + step * itd_step
            left = position - max(delay, 0.0)
            right = position + min(delay, 0.0)
        left_after = _sum_at(sums, window, left, inside)
        right_after = _sum_at(sums, window, right, inside)
        if step > 0:
            k = first_sample + step - 1
            scale = inverse_steps[k] * (gain + (step - 1) * gain_step)
            left_value = (left_after - left_before) * scale * (left_gain + (step - 1) * left_step)
            right_value = (
                (right_after - right_before) * scale * (right_gain + (step - 1) * right_step)
            )
            if buses == 1:
                out[0, 0, k] += left_value
                out[0, 1, k] += right_value
            else:
                bus_at = bus_position + (step - 1) * bus_step
                if not uniform:
                    lower = min(max(int(bus_at), 0), buses - 1)
                    upper = min(lower + 1, buses - 1)
                weight = min(bus_at - lower, 1.0) if upper != lower else 0.0
                out[lower, 0, k] += (1.0 - weight) * left_value
                out[lower, 1, k] += (1.0 - weight) * right_value
                out[upper, 0, k] += weight * left_value
                out[upper, 1, k] += weight * right_value
        left_before = left_after
        right_before = right_after


@njit(cache=True, fastmath=True)
def _read_span(
    start_fields, end_fields, first_sample, samples, inverse_steps, sums, window,
    emission_offset, sample_rate, out, buses_per_metre, bus_used,
):  # fmt: skip
    """``_read_branch`` as a call of its own (the spans ``_read_spans`` leaves)."""
    _read_branch(
        start_fields, end_fields, first_sample, samples, inverse_steps, sums, window,
        emission_offset, sample_rate, out, buses_per_metre, bus_used,
    )  # fmt: skip


@njit(cache=True, fastmath=True)
def _read_spans(
    spans, grid_offsets, counts, roots, inverse_steps, sums, window, emission_offset,
    sample_rate, out, buses_per_metre, bus_used,
):  # fmt: skip
    """The common spans of ``_render_span`` (the same number of roots at both grid points,
    paired in order) of the first ``spans`` spans, in one call; ``_render_span`` reads the others.

    With ``_read_branch`` inlined into this one fast-math loop there is no call per span and
    branch (its arguments cost more than the set-up itself). Spans cover disjoint output
    samples and each span's branches are read in order, so every output sample sums the same
    terms in the same order as span by span.
    """
    for g in range(spans):
        first = grid_offsets[g]
        samples = grid_offsets[g + 1] - first
        if samples <= 0 or counts[g] != counts[g + 1]:
            continue
        for r in range(counts[g]):
            _read_branch(
                _grid_fields(roots, g, r), _grid_fields(roots, g + 1, r), first, samples,
                inverse_steps, sums, window, emission_offset, sample_rate, out,
                buses_per_metre, bus_used,
            )  # fmt: skip


@njit(cache=True)
def _read_between(
    left_roots,
    left_count,
    right_roots,
    right_count,
    first_sample,
    samples,
    inverse_steps,
    sums,
    window,
    emission_offset,
    sample_rate,
    out,
    buses_per_metre,
    bus_used,
):
    """Pair the roots at two reception times and read every branch between them.

    A pair born between them (two neighbouring roots on the right with no partners) starts at
    their common emission time, the middle of the two; a dying pair ends there. A lone root
    without a partner reads no emission (it enters or leaves the searched span).
    """
    left_times = np.empty(left_count)
    right_times = np.empty(right_count)
    for r in range(left_count):
        left_times[r] = left_roots[r, TIME]
    for r in range(right_count):
        right_times[r] = right_roots[r, TIME]
    partner = np.empty(left_count + right_count, dtype=np.int64)
    match_branches(left_times, right_times, partner)
    other = np.empty(ROOT_FIELDS)
    for r in range(left_count):
        j = partner[r]
        if j >= 0:
            _read_span(
                _fields(left_roots[r]), _fields(right_roots[j]), first_sample, samples,
                inverse_steps, sums, window, emission_offset, sample_rate, out, buses_per_metre,
                bus_used,
            )  # fmt: skip
        else:
            # Dying: meets its unpartnered neighbour halfway (alone, it stays where it is).
            other[:] = left_roots[r]
            for q in (r - 1, r + 1):
                if 0 <= q < left_count and partner[q] < 0:
                    other[TIME] = 0.5 * (left_roots[r, TIME] + left_roots[q, TIME])
                    break
            _read_span(
                _fields(left_roots[r]), _fields(other), first_sample, samples, inverse_steps,
                sums, window, emission_offset, sample_rate, out, buses_per_metre, bus_used,
            )  # fmt: skip
    for r in range(right_count):
        if partner[left_count + r] >= 0:
            continue
        other[:] = right_roots[r]
        for q in (r - 1, r + 1):
            if 0 <= q < right_count and partner[left_count + q] < 0:
                other[TIME] = 0.5 * (right_roots[r, TIME] + right_roots[q, TIME])
                break
        _read_span(
            _fields(other), _fields(right_roots[r]), first_sample, samples, inverse_steps, sums,
            window, emission_offset, sample_rate, out, buses_per_metre, bus_used,
        )  # fmt: skip


@njit(cache=True)
def render_grid(
    knot_times,
    knot_positions,
    knot_velocities,
    search_start,
    grid_offsets,
    reception,
    listeners,
    boundaries,
    inverse_steps,
    speed,
    refine,
    strength,
    anchor,
    amplitude,
    reference_distance,
    exponent,
    right_x,
    right_z,
    head_seconds,
    counts,
    roots,
    sums,
    window,
    emission_offset,
    sample_rate,
    out,
    buses_per_metre,
    bus_used,
):
    """Read a source into ``out`` (B, 2, F) from the roots ``solve_grid`` found on the grid.

    ``boundaries`` (F + 1,) are the world times of the output samples' edges and
    ``inverse_steps`` (F,) one over each sample's length in emission samples. ``sums`` is the
    source's running sum, a ring read through ``window`` (see ``_running_sum``). Each span
    between grid points is read by ``_read_spans`` (all the common ones, in one call) or, where
    roots are born or die, by ``_render_span``.
    """
    work = _span_work()
    spans = reception.shape[0] - 1
    _read_spans(
        spans, grid_offsets, counts, roots, inverse_steps, sums, window, emission_offset,
        sample_rate, out, buses_per_metre, bus_used,
    )  # fmt: skip
    for g in range(spans):
        if counts[g] == counts[g + 1]:
            continue  # read above
        _render_span(
            g, knot_times, knot_positions, knot_velocities, search_start, grid_offsets,
            reception, listeners, boundaries, inverse_steps, speed, refine, strength, anchor,
            amplitude, reference_distance, exponent, right_x, right_z, head_seconds, counts,
            roots, sums, window, emission_offset, sample_rate, out, buses_per_metre, bus_used,
            work,
        )  # fmt: skip


@njit(cache=True, inline="always")
def _span_work():
    """Work arrays of ``_render_span``: found roots (R,), left and right roots (R, ROOT_FIELDS)
    and the listener (3,)."""
    return (np.empty(MAX_ROOTS), np.empty((MAX_ROOTS, ROOT_FIELDS)),
            np.empty((MAX_ROOTS, ROOT_FIELDS)), np.empty(3))  # fmt: skip


@njit(cache=True, inline="always")
def _render_span(
    g, knot_times, knot_positions, knot_velocities, search_start, grid_offsets, reception,
    listeners, boundaries, inverse_steps, speed, refine, strength, anchor, amplitude,
    reference_distance, exponent, right_x, right_z, head_seconds, counts, roots, sums, window,
    emission_offset, sample_rate, out, buses_per_metre, bus_used, work,
):  # fmt: skip
    """Read a source's branches between grid points g and g + 1 where the number of roots
    changes (a Mach cone sweeping the listener); ``_read_spans`` reads the spans where it does
    not (each branch's fields linear between the two points, paired in order).

    With ``refine`` the arrival condition is solved again at every sample boundary in between so
    pairs are born and die on the right sample, and nothing falls silent for a grid interval.
    """
    first = grid_offsets[g]
    samples = grid_offsets[g + 1] - first
    if samples <= 0:
        return
    if not refine or samples == 1:
        _read_between(
            roots[g], counts[g], roots[g + 1], counts[g + 1], first, samples, inverse_steps,
            sums, window, emission_offset, sample_rate, out, buses_per_metre, bus_used,
        )  # fmt: skip
        return
    found, left, right, listener = work
    # The pieces over the whole block (as the solve saw them), for the roots sample by sample.
    begins, lengths, positions, velocities = trajectory_pieces(
        knot_times, knot_positions, knot_velocities, search_start, reception.max()
    )
    keep = relevant_pieces(
        begins, lengths, positions, velocities, listeners_sphere(listeners), reception.min(),
        reception.max(), speed,
    )  # fmt: skip
    left[: counts[g]] = roots[g, : counts[g]]
    left_count = counts[g]
    for step in range(1, samples + 1):
        if step == samples:
            right[: counts[g + 1]] = roots[g + 1, : counts[g + 1]]
            right_count = counts[g + 1]
        else:
            fraction = step / samples
            for axis in range(3):
                listener[axis] = listeners[g, axis] + fraction * (
                    listeners[g + 1, axis] - listeners[g, axis]
                )
            time = boundaries[first + step]
            right_count = 0
            if time >= search_start:
                right_count = _arrivals(
                    time, listener, begins, lengths, positions, velocities, keep, speed, found
                )
            for r in range(right_count):
                fields = _describe(
                    knot_times, knot_positions, knot_velocities, time, listener[0],
                    listener[1], listener[2], found[r], strength, anchor, amplitude,
                    reference_distance, exponent, right_x, right_z, head_seconds,
                )  # fmt: skip
                for field in range(ROOT_FIELDS):
                    right[r, field] = fields[field]
        _read_between(
            left, left_count, right, right_count, first + step - 1, 1, inverse_steps, sums,
            window, emission_offset, sample_rate, out, buses_per_metre, bus_used,
        )  # fmt: skip
        left[:right_count] = right[:right_count]
        left_count = right_count


@njit(cache=True)
def accumulate(sums, start, values):
    """sums[start + k] = sums[start - 1] + values[0] + ... + values[k] (the running sum)."""
    total = sums[start - 1]
    for k in range(values.shape[0]):
        total += values[k]
        sums[start + k] = total


@njit(cache=True)
def filter_sum(spectra, filters, rows, out):
    """out (C, F) = sum over u of spectra[u] (C, F) * filters[rows[u]] (F,): buses through their
    filters."""
    for c in range(spectra.shape[1]):
        for f in range(spectra.shape[2]):
            out[c, f] = 0.0
    for u in range(spectra.shape[0]):
        row = rows[u]
        for c in range(spectra.shape[1]):
            for f in range(spectra.shape[2]):
                out[c, f] += spectra[u, c, f] * filters[row, f]


@njit(cache=True)
def add_bus(out, bus, offset):
    """out[:, offset + n] += bus[:, n] (summed in double precision, then rounded to out's), and
    ``bus`` (C, N) left zero."""
    for c in range(bus.shape[0]):
        for n in range(bus.shape[1]):
            out[c, offset + n] += bus[c, n]
            bus[c, n] = 0.0


@njit(cache=True)
def take_buses(buses, rows, out):
    """Move buses ``rows`` (U,) of ``buses`` (B, C, N) into ``out`` (U, C, >= N), in out's
    precision, leaving them zero in ``buses``; out's entries past N are left as they are."""
    for u in range(rows.shape[0]):
        row = rows[u]
        for c in range(buses.shape[1]):
            for n in range(buses.shape[2]):
                out[u, c, n] = buses[row, c, n]
                buses[row, c, n] = 0.0


@njit(cache=True, inline="always")
def _table_value(table, where, looped, per_entry):
    """Linear interpolation in ``table`` at ``where``; ``per_entry`` is 1 / len(table)."""
    count = table.shape[0]
    if looped:
        where = where - math.floor(where * per_entry) * count
        if where >= count:
            where = 0.0
        elif where < 0.0:
            where += count
    elif where < 0 or where > count - 1:
        return 0.0
    whole = int(where)
    after = whole + 1
    if after >= count:
        after = 0 if looped else count - 1
    return table[whole] + (where - whole) * (table[after] - table[whole])


@njit(cache=True, fastmath=True)
def _sum_looped(table, start, step, per_entry, gate, total, out):
    """out[k] = total + gate * (looped table linearly interpolated at start + j * step, j <= k)."""
    size = table.shape[0]
    if size & (size - 1) == 0:
        # A power-of-two table (tones, drones, noise): the entry is the whole part masked, and the
        # fraction where - floor(where) is the same exact number as below.
        mask = size - 1
        count = 0.0  # k as a float (exact): no int -> float conversion per sample
        for k in range(out.shape[0]):
            where = start + count * step
            count += 1.0
            whole = math.floor(where)
            index = int(whole)
            below = table[index & mask]
            total += (below + (where - whole) * (table[(index + 1) & mask] - below)) * gate
            out[k] = total
        return
    # The whole turns of the table before the read position, kept from sample to sample and
    # worked out again (a floor) only when the position leaves [0, size) less them.
    turns = float(math.floor(start * per_entry))
    count = 0.0  # k as a float (exact): no int -> float conversion per sample
    for k in range(out.shape[0]):
        where = start + count * step
        count += 1.0
        wrapped = where - turns * size
        if not 0.0 <= wrapped < size:
            turns = float(math.floor(where * per_entry))
            wrapped = where - turns * size
        whole = min(max(int(wrapped), 0), size - 1)
        after = whole + 1
        after = 0 if after >= size else after
        total += (table[whole] + (wrapped - whole) * (table[after] - table[whole])) * gate
        out[k] = total


@njit(cache=True)
def emit_from_table(
    sums,
    start,
    count,
    table,
    scale,
    looped,
    wobble_table,
    wobble_scale,
    wobble_depth,
    position,
    speed,
    gate,
):
    """Extend a running sum by ``count`` samples of a table signal read from ``position`` on.

    Emission sample k is the signal at ``position + speed * k`` (``Table`` in synthesis), times
    ``gate``; sums[start + k] = sums[start + k - 1] + that.
    """
    total = sums[start - 1]
    per_entry = 1.0 / max(table.shape[0], 1)
    per_wobble_entry = 1.0 / wobble_table.shape[0]
    size = table.shape[0]
    step = speed * scale
    if looped and wobble_depth == 0.0 and size > 0:
        # A looped table without wobble (tones, drones, noise): one pass.
        _sum_looped(
            table, position * scale, step, per_entry, gate, total, sums[start : start + count]
        )
        return
    for k in range(count):
        where = position + speed * k
        value = _table_value(table, where * scale, looped, per_entry)
        if wobble_depth != 0.0:
            value *= 1.0 + wobble_depth * _table_value(
                wobble_table, where * wobble_scale, True, per_wobble_entry
            )
        total += value * gate
        sums[start + k] = total


@njit(cache=True)
def read_table(table, positions, scale, looped):
    """Linear interpolation in ``table`` at ``positions * scale``; looped, or zero outside it."""
    out = np.empty(positions.shape[0])
    per_entry = 1.0 / max(table.shape[0], 1)
    for k in range(positions.shape[0]):
        out[k] = _table_value(table, positions[k] * scale, looped, per_entry)
    return out


@njit(cache=True)
def limit_block(joined, ceiling, half_window, work, out):
    """The look-ahead limiter on one block: ``out`` (F, C) from ``joined`` (4 H + F, C).

    ``joined`` is the last 4 H input samples followed by the block (H = ``half_window``); the
    output is delayed by 2 H. The gain needed to keep a sample at or below ``ceiling`` is held at
    its minimum over 2 H + 1 samples (van Herk / Gil-Werman: a prefix and a suffix minimum per
    window-long run), then averaged over 2 H + 1 samples, so every averaged gain is at most the
    gain needed at its centre. ``work`` (3, 4 H + F) is work space.
    """
    needed, held, suffix = work[0], work[1], work[2]
    count = joined.shape[0]
    channels = joined.shape[1]
    width = 2 * half_window + 1
    frames = out.shape[0]
    delay = 2 * half_window
    # Nothing above the ceiling (NaN counts as above): every needed gain is 1, so every held
    # and averaged gain is exactly 1 and the output is the input, delayed. The usual case.
    # Counted over the flat array: one loop the compiler vectorises.
    flat = joined.reshape(-1)
    below = 0
    for i in range(flat.shape[0]):
        below += abs(flat[i]) <= ceiling
    if below == flat.shape[0]:
        out[:] = joined[delay : delay + frames]
        return
    for i in range(count):
        peak = 0.0
        for c in range(channels):
            peak = max(peak, abs(joined[i, c]))
        needed[i] = min(1.0, ceiling / max(peak, 1e-30))
    # Prefix and suffix minima within each width-long run.
    for i in range(count):
        held[i] = needed[i] if i % width == 0 else min(held[i - 1], needed[i])
    for i in range(count - 1, -1, -1):
        if i == count - 1 or i % width == width - 1:
            suffix[i] = needed[i]
        else:
            suffix[i] = min(suffix[i + 1], needed[i])
    # The minimum over [j - H, j + H] is min(suffix[j - H], prefix[j + H]); written over the
    # prefix at j, which is read again only at indices above j.
    for j in range(half_window, count - half_window):
        held[j] = min(suffix[j - half_window], held[j + half_window])
    total = 0.0
    for j in range(delay - half_window, delay + half_window + 1):
        total += held[j]
    for step in range(frames):
        i = delay + step
        if step > 0:
            total += held[i + half_window] - held[i - half_window - 1]
        # The average is at most the gain needed here; the clamps only absorb rounding.
        gain = min(total / width, needed[i])
        for c in range(channels):
            out[step, c] = min(max(joined[i, c] * gain, -ceiling), ceiling)


@njit(cache=True, inline="always")
def _image_axis(index, parity, source, size):
    """One axis of a shoebox image: its coordinate and its number of wall reflections."""
    return (1 - 2 * parity) * source + 2 * index * size, abs(index - parity) + abs(index)


@njit(cache=True)
def shoebox_images(room, source, listener, max_order, reflection_gain, speed, sample_rate, taps):
    """Image-source impulse response of a shoebox (see ``reverb.shoebox_impulse_response``).

    Walks the lattice of images whose reflection count is at most ``max_order`` (per axis: the
    index n and mirror parity p give the coordinate (1 - 2 p) s + 2 n L and |n - p| + |n|
    reflections), then adds each image's Hann-windowed sinc of ``taps`` samples at its
    fractional delay. The sinc's numerator at integer offsets o is -(-1)^o sin(pi f) and the
    window's cosine splits the same way, so an image costs two sines and two cosines.
    """
    half = taps // 2
    beta = np.pi / (half + 1)
    offset_cos = np.empty(taps)
    offset_sin = np.empty(taps)
    sign = np.empty(taps)
    for t in range(taps):
        offset = t - half
        offset_cos[t] = math.cos(beta * offset)
        offset_sin[t] = math.sin(beta * offset)
        sign[t] = 1.0 if offset % 2 == 0 else -1.0
    # Pass 1: the farthest image sets the length.
    farthest = 0.0
    for pass_number in range(2):
        if pass_number == 1:
            length = int(math.ceil(farthest / speed * sample_rate + half)) + taps + 1
            out = np.zeros(length)
        for nx in range(-max_order, max_order + 1):
            for px in range(2):
                x, order_x = _image_axis(nx, px, source[0], room[0])
                if order_x > max_order:
                    continue
                for ny in range(-max_order, max_order + 1):
                    for py in range(2):
                        y, order_y = _image_axis(ny, py, source[1], room[1])
                        if order_x + order_y > max_order:
                            continue
                        for nz in range(-max_order, max_order + 1):
                            for pz in range(2):
                                z, order_z = _image_axis(nz, pz, source[2], room[2])
                                order = order_x + order_y + order_z
                                if order > max_order:
                                    continue
                                distance = math.sqrt(
                                    (x - listener[0]) ** 2
                                    + (y - listener[1]) ** 2
                                    + (z - listener[2]) ** 2
                                )
                                if pass_number == 0:
                                    farthest = max(farthest, distance)
                                    continue
                                amplitude = reflection_gain**order / (
                                    4.0 * np.pi * max(distance, 1e-3)
                                )
                                delay = distance / speed * sample_rate + half
                                whole = int(math.floor(delay))
                                fraction = delay - whole
                                _add_windowed_sinc(
                                    out, whole - half, fraction, amplitude, beta,
                                    offset_cos, offset_sin, sign,
                                )  # fmt: skip
    return out


@njit(cache=True, inline="always")
def _add_windowed_sinc(out, first, fraction, amplitude, beta, offset_cos, offset_sin, sign):
    """out[first + t] += amplitude * sinc(o - f) * Hann(o - f), o = t - taps // 2."""
    half = offset_cos.shape[0] // 2
    numerator = -math.sin(np.pi * fraction) / np.pi
    window_cos = math.cos(beta * fraction)
    window_sin = math.sin(beta * fraction)
    for t in range(offset_cos.shape[0]):
        argument = (t - half) - fraction
        if argument == 0.0:
            value = 1.0
        else:
            value = sign[t] * numerator / argument
        # cos(beta (o - f)) = cos(beta o) cos(beta f) + sin(beta o) sin(beta f)
        window = 0.5 + 0.5 * (offset_cos[t] * window_cos + offset_sin[t] * window_sin)
        out[first + t] += amplitude * value * window


@njit(cache=True, inline="always")
def _clock_at(knot_real, knot_world, first_rate, last_rate, real):
    """World time at one real time: linear between the clock's knots, at their rates beyond."""
    count = knot_real.shape[0]
    if real < knot_real[0]:
        return knot_world[0] + (real - knot_real[0]) * first_rate
    if real > knot_real[count - 1]:
        return knot_world[count - 1] + (real - knot_real[count - 1]) * last_rate
    if real == knot_real[count - 1]:
        return knot_world[count - 1]
    index = np.searchsorted(knot_real, real, side="right") - 1
    slope = (knot_world[index + 1] - knot_world[index]) / (knot_real[index + 1] - knot_real[index])
    return slope * (real - knot_real[index]) + knot_world[index]


@njit(cache=True)
def block_clock(
    knot_real, knot_world, first_rate, last_rate, first_sample, sample_rate, grid_offsets,
    reception, boundaries, inverse_steps,
):  # fmt: skip
    """A block's world times from the output clock's knots (as ``Mixer.world_time_at``).

    Output sample n of the block spans real times (first_sample + n) / rate to the next.
    Fills ``reception`` (G,) at the grid offsets, ``boundaries`` (F + 1,) at every sample edge
    and ``inverse_steps`` (F,): one over each sample's length in world samples (lengths under
    1e-12 count as 1e-12: a stopped clock).
    """
    frames = inverse_steps.shape[0]
    for n in range(frames + 1):
        real = (first_sample + n) / sample_rate
        boundaries[n] = _clock_at(knot_real, knot_world, first_rate, last_rate, real)
    for g in range(grid_offsets.shape[0]):
        reception[g] = boundaries[grid_offsets[g]]
    for n in range(frames):
        step = (boundaries[n + 1] - boundaries[n]) * sample_rate
        if abs(step) < 1e-12:
            step = 1e-12
        inverse_steps[n] = 1.0 / step


@njit(cache=True)
def path_positions(knot_times, knot_positions, knot_velocities, times, out):
    """``out`` (M, 3): a path's positions at ``times`` (M,), as ``Trajectory.position_at``."""
    for m in range(times.shape[0]):
        x, y, z = _position_at(knot_times, knot_positions, knot_velocities, times[m])
        out[m, 0] = x
        out[m, 1] = y
        out[m, 2] = z


SOURCE_FIELDS = 19
"""Per table source of ``mix_sources`` (a row of ``params``). Its emission state, updated by the
call: the first sample kept of its running sum (``Source.origin``), how many are kept, the next
sample to generate, and its signal's position; then its clock rate and Doppler anchor (nan: set
from the first root); its constants: amplitude, start sample, table scale, looped (1 or 0),
wobble scale and depth; worked out by the call: search start, first kept ring index, gate and
emission offset (``render_grid``); and what it generated: samples and the emission speed; and
whether its ring grew (1 or 0: ``rings[s]`` is then a new array)."""

(ORIGIN, KEPT_LENGTH, NEXT_SAMPLE, SIGNAL_POSITION, CLOCK_RATE, ANCHOR, AMPLITUDE, START_SAMPLE,
 TABLE_SCALE, LOOPED, WOBBLE_SCALE, WOBBLE_DEPTH, SEARCH_START, FIRST_KEPT, GATE,
 EMISSION_OFFSET, GENERATED, EMISSION_SPEED, RING_GREW) = range(SOURCE_FIELDS)  # fmt: skip

STATE_FIELDS = 6
"""The leading fields of a ``params`` row set per block: emission state, clock rate, anchor."""


@njit(cache=True)
def mix_sources(
    knot_times, knot_positions, knot_velocities, knot_ranges, grid_offsets, reception,
    listeners, boundaries, inverse_steps, speed, strength, reference_distance, exponent,
    right_x, right_z, head_seconds, drift_per_metre, margin, lead_seconds, kept_seconds,
    gate_rate, lookahead, params, rings, tables, wobble_table, counts, roots, reports,
    sample_rate, out, buses_per_metre, bus_used,
):  # fmt: skip
    """Every table-read source for one block, in one call: ``solve_grid``, emission, reading.

    Source s (a row of ``params``, see ``SOURCE_FIELDS``) moves along knots
    ``knot_ranges[s, 0]`` .. ``knot_ranges[s, 1] - 1`` of the knot arrays, keeps its running sum
    in the ring ``rings[s]`` and reads its signal from ``tables[s]``; ``counts`` (G,) and
    ``roots`` (G, R, ROOT_FIELDS) are work space for its solve, and ``reports[s]`` gets the
    solve's report (``solve_grid``). Its emission is generated up
    to ``margin`` samples past the latest emission time heard (as ``Mixer._generate``: at its
    clock rate times the pitch drift over the path just solved), and ``params[s, GENERATED]`` and
    ``params[s, EMISSION_SPEED]`` say what was generated. A ring without room for what it keeps
    and what is generated grows first (``grown_ring``): ``rings[s]`` is replaced and
    ``params[s, RING_GREW]`` set to 1, so the caller can hand the new ring to its source.
    Nothing is generated or read for a source with no emission time heard (``reports[s, 4]``
    = 0).

    Its search starts ``lead_seconds`` before its first kept sample; its emission's gain is its
    clock rate over ``gate_rate`` (at most one); ``lookahead`` is the bus filters' delay in
    samples. After the read its emission state moves on (as ``Mixer._advance_signal`` and
    ``Mixer._forget_old_emission``): what was generated is kept, and what lies more than
    ``kept_seconds`` before the earliest emission time heard is forgotten.

    A source's Doppler anchor is kept in ``params[s, ANCHOR]`` once its solve has set it.

    Each source is solved, emitted and read in turn (its ring's new part is read while it is
    still in the cache), so each output sample sums the sources in order, as one call per
    source did.
    """
    work = _span_work()
    sphere = listeners_sphere(listeners)
    found = np.empty(MAX_ROOTS)
    for s in range(params.shape[0]):
        begin, end = knot_ranges[s, 0], knot_ranges[s, 1]
        origin = params[s, ORIGIN]
        params[s, SEARCH_START] = origin / sample_rate - lead_seconds
        params[s, FIRST_KEPT] = origin - params[s, START_SAMPLE]
        params[s, GATE] = min(1.0, abs(params[s, CLOCK_RATE]) / gate_rate)
        params[s, EMISSION_OFFSET] = lookahead - params[s, START_SAMPLE]
        _solve_grid(
            knot_times[begin:end], knot_positions[begin:end], knot_velocities[begin:end],
            params[s, SEARCH_START], reception, listeners, sphere, speed, False, strength,
            params[s, ANCHOR], params[s, AMPLITUDE], reference_distance, exponent, right_x,
            right_z, head_seconds, counts, roots, reports[s], found,
        )  # fmt: skip
        params[s, GENERATED] = 0.0
        params[s, EMISSION_SPEED] = 0.0
        params[s, RING_GREW] = 0.0
        if reports[s, 4] == 0:
            continue
        params[s, ANCHOR] = reports[s, 3]
        count = int(math.ceil(reports[s, 1] * sample_rate) + margin - params[s, NEXT_SAMPLE])
        sums = rings[s]
        needed = int(params[s, KEPT_LENGTH]) + max(count, 0)
        if needed > sums.shape[0]:
            sums = grown_ring(
                sums, int(params[s, FIRST_KEPT]), int(params[s, KEPT_LENGTH]),
                ring_size(sums.shape[0], needed),
            )  # fmt: skip
            rings[s] = sums
            params[s, RING_GREW] = 1.0
        if count > 0:
            _emit_ring(sums, count, tables[s], wobble_table, drift_per_metre, reports[s], params[s])
        first_kept = int(params[s, FIRST_KEPT])
        last_kept = first_kept + int(params[s, KEPT_LENGTH] + params[s, GENERATED]) - 1
        spans = reception.shape[0] - 1
        _read_spans(
            spans, grid_offsets, counts, roots, inverse_steps, sums,
            (sums.shape[0] - 1, first_kept, last_kept), params[s, EMISSION_OFFSET], sample_rate,
            out, buses_per_metre, bus_used,
        )  # fmt: skip
        for g in range(spans):
            if counts[g] == counts[g + 1]:
                continue  # read above
            _render_span(
                g, knot_times[begin:end], knot_positions[begin:end], knot_velocities[begin:end],
                params[s, SEARCH_START], grid_offsets, reception, listeners, boundaries,
                inverse_steps, speed, True, strength, params[s, ANCHOR], params[s, AMPLITUDE],
                reference_distance, exponent, right_x, right_z, head_seconds, counts, roots,
                sums, (sums.shape[0] - 1, first_kept, last_kept),
                params[s, EMISSION_OFFSET], sample_rate, out, buses_per_metre, bus_used, work,
            )  # fmt: skip
        if count > 0:
            params[s, SIGNAL_POSITION] += params[s, EMISSION_SPEED] * count
            params[s, KEPT_LENGTH] += count
            params[s, NEXT_SAMPLE] += count
        drop = min(
            int(reports[s, 0] * sample_rate) - int(kept_seconds * sample_rate) - origin,
            params[s, KEPT_LENGTH] - 1,
        )
        if drop > 0:
            params[s, KEPT_LENGTH] -= drop
            params[s, ORIGIN] += drop


@njit(cache=True)
def ring_size(size, needed):
    """The size a ring ``size`` long (a power of two) grows to for ``needed`` entries: doubled,
    and doubled again until they fit."""
    grown = 2 * size
    while grown < needed:
        grown *= 2
    return grown


@njit(cache=True)
def grown_ring(sums, first, length, size):
    """A new ring ``size`` long (a power of two, at least ``length``) holding the ``length``
    entries of the ring ``sums`` kept from index ``first`` on, each at its index (i & (size - 1)).

    Entry i sits at i & (len(sums) - 1) and moves to i & (size - 1), copied in runs up to where
    the old index wraps (at most two: the kept entries are at most a ring long); the new index
    wraps only where the old one does (sizes are powers of two).
    """
    grown = np.empty(size)
    old_mask = sums.shape[0] - 1
    index = first
    end = first + length
    while index < end:
        read = index & old_mask
        write = index & (size - 1)
        run = min(end - index, old_mask + 1 - read)
        grown[write : write + run] = sums[read : read + run]
        index += run
    return grown


@njit(cache=True)
def _emit_ring(sums, count, table, wobble_table, drift_per_metre, report, source):
    """A ``mix_sources`` source's next ``count`` emission samples into its ring ``sums``, at its
    clock rate times the pitch drift over the path just solved (``report``, ``solve_grid``'s);
    ``source`` is its row of ``params``, whose ``GENERATED`` and ``EMISSION_SPEED`` are set."""
    mask = sums.shape[0] - 1
    emission_speed = source[CLOCK_RATE] * 2.0 ** (drift_per_metre * report[2] / 12.0)
    index = int(source[FIRST_KEPT] + source[KEPT_LENGTH]) & mask
    first_run = min(count, mask + 1 - index)
    position = source[SIGNAL_POSITION]
    looped = source[LOOPED] != 0.0
    emit_from_table(sums, index, first_run, table, source[TABLE_SCALE], looped, wobble_table,
                    source[WOBBLE_SCALE], source[WOBBLE_DEPTH], position, emission_speed,
                    source[GATE])  # fmt: skip
    if count > first_run:
        # The ring wraps: index 0 follows its last entry (sums[-1]).
        emit_from_table(sums, 0, count - first_run, table, source[TABLE_SCALE], looped,
                        wobble_table, source[WOBBLE_SCALE], source[WOBBLE_DEPTH],
                        position + emission_speed * first_run, emission_speed,
                        source[GATE])  # fmt: skip
    source[GENERATED] = count
    source[EMISSION_SPEED] = emission_speed
