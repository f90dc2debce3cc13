"""Movement behaviours for many agents at once, on each agent's own clock.

Owns: ``MovementState`` (numpy arrays, one row per agent) and ``move`` (one step of every
behaviour: stay, orbit, patrol, wander, follow, flee). Orbit and patrol are functions of the
agent's signed proper time, so when its clock runs backward it retraces its path exactly; wander,
follow and flee react to the present and advance by the magnitude of the local step. Walkers and
crawlers keep their height; floaters and flyers move in three dimensions.
Must not touch: perception, narration, the simulation's internals, GL, audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.rules.agents import Agent

BEHAVIOUR_CODES = {"stay": 0, "orbit": 1, "patrol": 2, "wander": 3, "follow": 4, "flee": 5}
ARRIVED = 0.05
"""Metres from a wander target at which an agent picks the next one."""


@dataclass
class MovementState:
    """Movement data of N agents; paths of all patrols are concatenated into one array."""

    positions: np.ndarray  # (N, 3) float64
    velocities: np.ndarray  # (N, 3) float64
    headings: np.ndarray  # (N,) float64 radians, 0 faces -z
    behaviour: np.ndarray  # (N,) int8 BEHAVIOUR_CODES
    speed: np.ndarray  # (N,) float64 m/s on the agent's own clock
    radius: np.ndarray  # (N,) float64
    centre: np.ndarray  # (N, 3) float64 orbit / wander centre
    around_row: np.ndarray  # (N,) int64 body row the centre follows, -1 none
    keep_distance: np.ndarray  # (N,) float64
    free_height: np.ndarray  # (N,) bool: floaters and flyers move vertically
    orbit_phase: np.ndarray  # (N,) float64 radians at proper time 0
    wander_target: np.ndarray  # (N, 3) float64
    path_start: np.ndarray  # (N,) float64 offset of the agent's loop in the concatenated arc
    path_length: np.ndarray  # (N,) float64 length of the agent's closed loop (0: no path)
    arc: np.ndarray  # (K,) float64 cumulative arc length of all loops' knots, offsets included
    knots: np.ndarray  # (K, 3) float64 the loops' points (each loop closed)
    rng: np.random.Generator


def build_movement(
    agents: tuple[Agent, ...],
    resolve_path_point: dict[str, tuple[float, float, float]],
    seed: int,
) -> MovementState:
    """Movement state for ``agents``; path entries naming bodies use ``resolve_path_point``."""
    count = len(agents)
    rng = np.random.default_rng(seed)
    positions = np.array([agent.position for agent in agents], dtype=np.float64).reshape(count, 3)
    behaviour = np.array([BEHAVIOUR_CODES[a.movement.behaviour] for a in agents], dtype=np.int8)
    centre = np.array([a.movement.centre for a in agents], dtype=np.float64).reshape(count, 3)
    radius = np.array([a.movement.radius for a in agents], dtype=np.float64)
    # An orbit starts where the agent stands when that is on the circle's plane; else at angle 0.
    offset = positions - centre
    orbit_phase = np.arctan2(offset[:, 2], offset[:, 0])
    knots: list[np.ndarray] = []
    arcs: list[np.ndarray] = []
    path_start = np.zeros(count)
    path_length = np.zeros(count)
    total = 0.0
    for index, agent in enumerate(agents):
        if agent.movement.behaviour != "patrol":
            continue
        points = np.array(
            [
                resolve_path_point[point] if isinstance(point, str) else point
                for point in agent.movement.path
            ],
            dtype=np.float64,
        )
        loop = np.vstack([points, points[:1]])
        steps = np.linalg.norm(np.diff(loop, axis=0), axis=1)
        cumulative = np.concatenate([[0.0], np.cumsum(steps)])
        # A gap of 1 m between loops keeps the concatenated arc strictly increasing.
        path_start[index] = total
        path_length[index] = cumulative[-1]
        knots.append(loop)
        arcs.append(total + cumulative)
        total += cumulative[-1] + 1.0
    state = MovementState(
        positions=positions,
        velocities=np.zeros((count, 3)),
        headings=np.zeros(count),
        behaviour=behaviour,
        speed=np.array([a.movement.speed for a in agents], dtype=np.float64),
        radius=radius,
        centre=centre,
        around_row=np.full(count, -1, dtype=np.int64),
        keep_distance=np.array([a.movement.keep_distance for a in agents], dtype=np.float64),
        free_height=np.array([a.shape in ("floater", "flyer") for a in agents], dtype=bool),
        orbit_phase=orbit_phase,
        wander_target=positions.copy(),
        path_start=path_start,
        path_length=path_length,
        arc=np.concatenate(arcs) if arcs else np.zeros(0),
        knots=np.vstack(knots) if knots else np.zeros((0, 3)),
        rng=rng,
    )
    return state


def move(
    state: MovementState,
    proper_time: np.ndarray,
    local_dt: np.ndarray,
    explorer_position: np.ndarray,
    body_positions: np.ndarray,
    world_dt: float,
) -> None:
    """Advance every agent by its local step ``local_dt`` (N,) (signed); updates ``state``."""
    previous = state.positions.copy()
    positions = state.positions
    behaviour = state.behaviour
    centre = state.centre
    if (state.around_row >= 0).any():
        rows = state.around_row
        followed = rows >= 0
        centre = centre.copy()
        centre[followed] = body_positions[rows[followed]]
    # Orbit: a function of signed proper time (reversible).
    orbiting = np.flatnonzero(behaviour == 1)
    if orbiting.size:
        radius = state.radius[orbiting]
        angle = state.orbit_phase[orbiting] + state.speed[orbiting] / radius * proper_time[orbiting]
        ring = centre[orbiting]
        positions[orbiting, 0] = ring[:, 0] + radius * np.cos(angle)
        positions[orbiting, 2] = ring[:, 2] + radius * np.sin(angle)
        free = state.free_height[orbiting]
        positions[orbiting[free], 1] = ring[free, 1]
    # Patrol: position along the closed loop by arc length (reversible).
    patrolling = np.flatnonzero(behaviour == 2)
    if patrolling.size:
        along = np.mod(
            state.speed[patrolling] * proper_time[patrolling], state.path_length[patrolling]
        )
        target_arc = state.path_start[patrolling] + along
        segment = np.searchsorted(state.arc, target_arc, side="right") - 1
        segment = np.minimum(segment, state.arc.size - 2)
        span = state.arc[segment + 1] - state.arc[segment]
        fraction = np.where(
            span > 0, (target_arc - state.arc[segment]) / np.where(span > 0, span, 1), 0
        )
        positions[patrolling] = state.knots[segment] + fraction[:, None] * (
            state.knots[segment + 1] - state.knots[segment]
        )
    # Wander, follow, flee: reactive; they move by |local step| toward a goal.
    reactive = np.flatnonzero(behaviour >= 3)
    if reactive.size:
        _move_reactive(state, reactive, centre, np.abs(local_dt[reactive]), explorer_position)
    if world_dt != 0:
        state.velocities = (positions - previous) / world_dt
    moved = (
        np.abs(positions[:, 0] - previous[:, 0]) + np.abs(positions[:, 2] - previous[:, 2]) > 1e-9
    )
    if moved.any():
        delta = positions[moved] - previous[moved]
        state.headings[moved] = np.arctan2(delta[:, 0], -delta[:, 2])


def _move_reactive(
    state: MovementState,
    rows: np.ndarray,
    centre: np.ndarray,
    step_time: np.ndarray,
    explorer_position: np.ndarray,
) -> None:
    positions = state.positions
    behaviour = state.behaviour[rows]
    here = positions[rows]
    goal = here.copy()
    wandering = behaviour == 3
    if wandering.any():
        wanderers = rows[wandering]
        arrived = (
            np.linalg.norm(state.wander_target[wanderers] - here[wandering], axis=1) <= ARRIVED
        )
        if arrived.any():
            chosen = wanderers[arrived]
            # A uniform point in the disc (or ball for flyers) around the wander centre.
            direction = state.rng.normal(size=(chosen.size, 3))
            direction[~state.free_height[chosen], 1] = 0.0
            direction /= np.maximum(np.linalg.norm(direction, axis=1), 1e-12)[:, None]
            reach = state.radius[chosen] * np.sqrt(state.rng.uniform(size=chosen.size))
            target = centre[chosen] + direction * reach[:, None]
            target[~state.free_height[chosen], 1] = positions[chosen[~state.free_height[chosen]], 1]
            state.wander_target[chosen] = target
        goal[wandering] = state.wander_target[wanderers]
    chasing = behaviour >= 4
    if chasing.any():
        to_explorer = explorer_position - here[chasing]
        # Walkers and crawlers judge distance along the ground.
        to_explorer[~state.free_height[rows[chasing]], 1] = 0.0
        distance = np.linalg.norm(to_explorer, axis=1)
        unit = to_explorer / np.maximum(distance, 1e-12)[:, None]
        keep = state.keep_distance[rows[chasing]]
        follow = behaviour[chasing] == 4
        # follow: stop keep_distance short of the explorer; flee: run until keep_distance away.
        shortfall = np.where(
            follow, np.maximum(distance - keep, 0.0), -np.maximum(keep - distance, 0.0)
        )
        goal[chasing] = here[chasing] + unit * shortfall[:, None]
    walkers = ~state.free_height[rows]
    goal[walkers, 1] = here[walkers, 1]
    offset = goal - here
    distance = np.linalg.norm(offset, axis=1)
    stride = np.minimum(state.speed[rows] * step_time, distance)
    positions[rows] = here + offset * (stride / np.maximum(distance, 1e-12))[:, None]
