"""Procedural meshes: the six body shapes and the four agent silhouettes.

Owns: geometry as numpy arrays of interleaved ``(position xyz, normal xyz)`` float32 triangles,
unit sized (bodies: radius 1 about the origin; agents: 1 m tall standing on y = 0, facing -z).
Pure numpy; must not touch GL (the renderer uploads these once per context).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.sim.snapshot import SHAPE_CODES

AGENT_SHAPES = ("walker", "floater", "crawler", "flyer")


def _lathe(profile: list[tuple[float, float]], segments: int) -> np.ndarray:
    """Revolve a (radius, height) profile about +y: a smooth surface of revolution."""
    profile_array = np.asarray(profile, dtype=np.float64)
    # Normals of the profile in the (r, y) plane, averaged at shared points.
    tangents = np.gradient(profile_array, axis=0)
    normals_2d = np.stack([tangents[:, 1], -tangents[:, 0]], axis=1)
    normals_2d /= np.maximum(np.linalg.norm(normals_2d, axis=1, keepdims=True), 1e-12)
    triangles: list[np.ndarray] = []
    for segment in range(segments):
        angles = (2 * math.pi * segment / segments, 2 * math.pi * (segment + 1) / segments)
        ring = []
        for angle in angles:
            cos_a, sin_a = math.cos(angle), math.sin(angle)
            points = np.stack(
                [profile_array[:, 0] * cos_a, profile_array[:, 1], profile_array[:, 0] * sin_a], 1
            )
            normals = np.stack(
                [normals_2d[:, 0] * cos_a, normals_2d[:, 1], normals_2d[:, 0] * sin_a], 1
            )
            ring.append(np.concatenate([points, normals], axis=1))
        first, second = ring
        for i in range(len(profile) - 1):
            a, b, c, d = first[i], first[i + 1], second[i], second[i + 1]
            triangles.append(np.stack([a, c, b]))
            triangles.append(np.stack([b, c, d]))
    return np.concatenate(triangles).astype(np.float32)


def _flat(vertices: np.ndarray, faces: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Faceted mesh: polygons (fanned into triangles) with one normal per face."""
    out = []
    centre = vertices.mean(axis=0)
    for face in faces:
        points = vertices[list(face)]
        normal = np.cross(points[1] - points[0], points[2] - points[0])
        if np.dot(normal, points.mean(axis=0) - centre) < 0:  # keep normals pointing outward
            points = points[::-1]
            normal = -normal
        normal /= np.linalg.norm(normal)
        for i in range(1, len(points) - 1):
            for point in (points[0], points[i], points[i + 1]):
                out.append(np.concatenate([point, normal]))
    return np.asarray(out, dtype=np.float32)


def sphere(segments: int = 32, rings: int = 16) -> np.ndarray:
    profile = [
        (math.sin(math.pi * i / rings), -math.cos(math.pi * i / rings)) for i in range(rings + 1)
    ]
    return _lathe(profile, segments)


def cube() -> np.ndarray:
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return _flat(corners, faces)


def cylinder(segments: int = 32) -> np.ndarray:
    side = _lathe([(1.0, -1.0), (1.0, 1.0)], segments)
    return np.concatenate([side, _disc(1.0, segments, up=True), _disc(-1.0, segments, up=False)])


def cone(segments: int = 32) -> np.ndarray:
    side = _lathe([(1.0, -1.0), (0.5, 0.0), (0.0, 1.0)], segments)
    return np.concatenate([side, _disc(-1.0, segments, up=False)])


def _disc(height: float, segments: int, up: bool, radius: float = 1.0) -> np.ndarray:
    normal = [0.0, 1.0 if up else -1.0, 0.0]
    out: list[list[float]] = []
    for segment in range(segments):
        a0 = 2 * math.pi * segment / segments
        a1 = 2 * math.pi * (segment + 1) / segments
        rim0 = [radius * math.cos(a0), height, radius * math.sin(a0)]
        rim1 = [radius * math.cos(a1), height, radius * math.sin(a1)]
        tri = [[0.0, height, 0.0], rim1, rim0] if up else [[0.0, height, 0.0], rim0, rim1]
        out.extend(point + normal for point in tri)
    return np.asarray(out, dtype=np.float32)


def torus(segments: int = 40, tube_segments: int = 16, tube: float = 0.35) -> np.ndarray:
    profile = [
        (
            1.0 - tube + tube * math.cos(2 * math.pi * i / tube_segments),
            tube * math.sin(2 * math.pi * i / tube_segments),
        )
        for i in range(tube_segments + 1)
    ]
    return _lathe(profile, segments)


def crystal() -> np.ndarray:
    """A six-sided bipyramid, taller than wide: faceted, catches the light."""
    ring = [
        [0.55 * math.cos(2 * math.pi * i / 6), 0.15, 0.55 * math.sin(2 * math.pi * i / 6)]
        for i in range(6)
    ]
    vertices = np.array([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0], *ring])
    faces = [(0, 2 + i, 2 + (i + 1) % 6) for i in range(6)]
    faces += [(1, 2 + (i + 1) % 6, 2 + i) for i in range(6)]
    return _flat(vertices, faces)


def _placed(
    mesh: np.ndarray,
    scale: tuple[float, float, float],
    offset: tuple[float, float, float],
    yaw: float = 0.0,
    roll: float = 0.0,
) -> np.ndarray:  # noqa: E501
    """Scale, rotate (roll about z, then yaw about y) and move a unit mesh."""
    positions = mesh[:, :3] * np.asarray(scale, np.float32)
    normals = mesh[:, 3:] / np.asarray(scale, np.float32)
    cr, sr, cy, sy = math.cos(roll), math.sin(roll), math.cos(yaw), math.sin(yaw)
    rotation = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]]) @ np.array(
        [[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]]
    )
    positions = positions @ rotation.T.astype(np.float32) + np.asarray(offset, np.float32)
    normals = normals @ rotation.T.astype(np.float32)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    return np.concatenate([positions, normals], axis=1).astype(np.float32)


def walker() -> np.ndarray:
    """Upright: long legs, a tall narrow body and a small head; 1 m tall."""
    ball, rod = sphere(16, 8), cylinder(12)
    return np.concatenate(
        [
            _placed(rod, (0.05, 0.22, 0.05), (-0.09, 0.22, 0.0)),
            _placed(rod, (0.05, 0.22, 0.05), (0.09, 0.22, 0.0)),
            _placed(ball, (0.17, 0.26, 0.13), (0.0, 0.62, 0.0)),
            _placed(rod, (0.035, 0.2, 0.035), (-0.2, 0.62, 0.0), roll=0.35),
            _placed(rod, (0.035, 0.2, 0.035), (0.2, 0.62, 0.0), roll=-0.35),
            _placed(ball, (0.1, 0.1, 0.1), (0.0, 0.93, -0.02)),
        ]
    )


def floater() -> np.ndarray:
    """A jellyfish: a dome over hanging tendrils, drifting above the ground."""
    dome = _lathe(
        [(0.0, 0.95), (0.25, 0.92), (0.38, 0.8), (0.42, 0.62), (0.3, 0.58), (0.0, 0.6)], 24
    )
    tendrils = [
        _placed(cylinder(6), (0.02, 0.22, 0.02), (0.25 * math.cos(a), 0.36, 0.25 * math.sin(a)))
        for a in np.linspace(0, 2 * math.pi, 7)[:-1]
    ]
    return np.concatenate([dome, *tendrils])


def crawler() -> np.ndarray:
    """Low and long: a chain of segments with splayed legs."""
    ball, rod = sphere(14, 7), cylinder(6)
    parts = []
    for index in range(5):
        z = -0.6 + 0.3 * index
        radius = 0.17 - 0.015 * abs(index - 1)
        parts.append(_placed(ball, (radius * 1.2, radius, radius), (0.0, 0.2, z)))
        for side in (-1, 1):
            parts.append(_placed(rod, (0.02, 0.14, 0.02), (side * 0.24, 0.1, z), roll=side * 1.0))
    return np.concatenate(parts)


def flyer() -> np.ndarray:
    """A slender body with broad swept wings, held in the air."""
    ball = sphere(16, 8)
    wing = cube()
    return np.concatenate(
        [
            _placed(ball, (0.09, 0.09, 0.4), (0.0, 0.6, 0.0)),
            _placed(wing, (0.45, 0.012, 0.14), (-0.45, 0.62, 0.05), yaw=0.25, roll=0.12),
            _placed(wing, (0.45, 0.012, 0.14), (0.45, 0.62, 0.05), yaw=-0.25, roll=-0.12),
            _placed(ball, (0.07, 0.07, 0.08), (0.0, 0.64, -0.42)),
        ]
    )


def wound_outward(mesh: np.ndarray) -> np.ndarray:
    """The same triangles, each listed counter-clockwise seen from the side its normals face, so
    a closed mesh can be drawn with back faces culled (half the fragments on a CPU rasteriser)."""
    triangles = mesh.reshape(-1, 3, 6).copy()
    positions = triangles[:, :, :3]
    facing = np.cross(positions[:, 1] - positions[:, 0], positions[:, 2] - positions[:, 0])
    clockwise = (facing * triangles[:, :, 3:].sum(axis=1)).sum(axis=1) < 0.0
    triangles[clockwise, 1], triangles[clockwise, 2] = (
        triangles[clockwise, 2].copy(),
        triangles[clockwise, 1].copy(),
    )
    return triangles.reshape(-1, 6)


BODY_BOUNDING_RADIUS = math.sqrt(3.0)
"""Farthest point of any unit body mesh from its centre (the cube's corners)."""


MESH_DETAILS = ("full", "medium", "coarse")
"""Levels of detail of the body meshes, finest first (``body_meshes``)."""


def body_meshes(detail: str = "full") -> list[np.ndarray]:
    """Body meshes indexed by ``SHAPE_CODES``: closed, wound counter-clockwise outward.

    ``detail`` (one of MESH_DETAILS): "medium" has about a quarter of the full meshes'
    triangles, "coarse" about a tenth, for bodies a few pixels across, where the difference
    cannot show (and every vertex costs a CPU rasteriser).
    """
    segments = {"full": 32, "medium": 16, "coarse": 10}[detail]
    makers = {
        "sphere": lambda: sphere(segments, segments // 2),
        "cube": cube,
        "cylinder": lambda: cylinder(segments),
        "cone": lambda: cone(segments),
        "torus": lambda: torus(segments * 5 // 4, max(6, segments // 2)),
        "crystal": crystal,
    }
    ordered = sorted(SHAPE_CODES.items(), key=lambda item: item[1])
    return [wound_outward(makers[name]()) for name, _ in ordered]


def agent_meshes() -> list[np.ndarray]:
    """Agent silhouettes indexed like ``AGENT_SHAPES``."""
    return [walker(), floater(), crawler(), flyer()]
