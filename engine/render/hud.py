"""The HUD, subtitles, help and error overlays, drawn on the CPU into one RGBA image.

Owns: what the overlay says and where: the world's name and scale band, the clock (world time,
rate and direction, the local clock rate where the explorer stands), a scale bar in metres,
subtitles (native text, romanisation, gloss, translation), the F1 help and the hot-reload error.
Text is set with Pillow into our own image (DejaVu Sans where installed, Pillow's bundled font
otherwise); the renderer uploads the image as a texture. Must not touch GL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.render.views import Subtitle, subtitles_in

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
HELP_LINES = (
    ("W A S D", "walk"),
    ("mouse", "look (click to capture, Esc to release)"),
    ("Space / C", "rise / sink"),
    ("scroll, + / -", "grow / shrink"),
    ("P", "pause"),
    ("[ / ]", "slow time / speed time"),
    ("R", "reverse time"),
    (", / .", "scrub time back / forward"),
    ("T", "subtitles on / off"),
    ("H", "HUD on / off"),
    ("F1", "this help"),
    ("Q", "quit"),
)
SI_PREFIXES = (
    (1e3, "km"),
    (1.0, "m"),
    (1e-2, "cm"),
    (1e-3, "mm"),
    (1e-6, "µm"),
    (1e-9, "nm"),
    (1e-12, "pm"),
)


@dataclass(frozen=True)
class HudState:
    """Everything the overlay shows for one frame."""

    world_name: str = ""
    band: str | None = None
    world_time: float = 0.0  # shown to 0.1 s; round it so unchanged overlays can be reused
    time_rate: float = 1.0  # world seconds per real second (signed; 0 paused)
    local_rate: float = 1.0  # clock rate where the explorer stands (signed)
    paused: bool = False
    explorer_size: float = 1.7
    metres_per_pixel: float = 0.01  # at the scale bar's reference distance
    subtitles: tuple[Subtitle, ...] = ()
    show_hud: bool = True
    show_subtitles: bool = True
    show_help: bool = False
    error: str | None = None
    notice: str | None = None
    extra_lines: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def format_length(metres: float) -> str:
    """'2 µm', '500 m', '20 km' for a nice round length."""
    for unit, name in SI_PREFIXES:
        if metres >= unit * 0.999:
            value = metres / unit
            return f"{value:.3g} {name}"
    return f"{metres:.1e} m"


def nice_length(target: float) -> float:
    """The 1, 2 or 5 x 10^k at or below ``target``."""
    if target <= 0 or not math.isfinite(target):
        return 1.0
    exponent = math.floor(math.log10(target))
    for mantissa in (5.0, 2.0, 1.0):
        if mantissa * 10.0**exponent <= target:
            return mantissa * 10.0**exponent
    return 10.0**exponent


def format_rate(rate: float) -> str:
    if rate == 0:
        return "stopped"
    arrow = "▶" if rate > 0 else "◀"
    return f"{arrow} ×{abs(rate):.3g}"


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], alpha: int = 120) -> None:
    draw.rounded_rectangle(box, radius=8, fill=(8, 10, 16, alpha))


def _text(draw, position, text, size, colour=(240, 236, 226), anchor="la") -> None:  # noqa: ANN001
    x, y = position
    draw.text((x + 1, y + 1), text, font=font(size), fill=(0, 0, 0, 160), anchor=anchor)
    draw.text((x, y), text, font=font(size), fill=(*colour, 255), anchor=anchor)


def draw_overlay(state: HudState, width: int, height: int) -> np.ndarray:
    """(height, width, 4) uint8 premultiplied RGBA, top row first."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = max(10, int(height / 48))  # text size follows the frame height
    margin = unit
    if state.show_hud:
        _draw_status(draw, state, width, height, unit, margin)
        _draw_scale_bar(draw, state, height, unit, margin)
    if state.show_subtitles and state.subtitles:
        _draw_subtitles(draw, state.subtitles[-1], width, height, unit)
    if state.show_help:
        _draw_help(draw, width, height, unit)
    if state.error:
        _draw_error(draw, state.error, width, unit)
    return np.asarray(image.convert("RGBa"))  # "RGBa" is Pillow's premultiplied RGBA


def _draw_status(draw, state: HudState, width: int, height: int, unit: int, margin: int) -> None:  # noqa: ANN001
    _text(draw, (margin, margin), state.world_name, int(unit * 1.5))
    if state.band:
        _text(
            draw,
            (margin, margin + int(unit * 2.0)),
            f"scale band: {state.band}",
            unit,
            colour=(200, 210, 230),
        )
    if state.paused:
        clock = "paused"
    else:
        clock = "time " + format_rate(state.time_rate)
    lines = [
        clock,
        f"world clock {state.world_time:,.1f} s",
        f"local clock {format_rate(state.local_rate)}",
        f"you are {format_length(state.explorer_size)} tall",
        *state.extra_lines,
    ]
    line_height = int(unit * 1.35)
    box_width = int(unit * 14)
    left = width - margin - box_width
    _panel(draw, (left, margin, width - margin, margin + line_height * len(lines) + unit // 2))
    reversed_time = state.time_rate < 0 or state.local_rate < 0
    for index, line in enumerate(lines):
        colour = (236, 170, 255) if reversed_time and index < 3 else (238, 234, 224)
        _text(
            draw,
            (left + unit // 2, margin + unit // 4 + index * line_height),
            line,
            int(unit * (1.15 if index == 0 else 0.95)),
            colour=colour,
        )
    if state.notice:
        _text(draw, (width // 2, margin), state.notice, unit, anchor="ma")


def _draw_scale_bar(draw, state: HudState, height: int, unit: int, margin: int) -> None:  # noqa: ANN001
    target_pixels = unit * 12
    length = nice_length(state.metres_per_pixel * target_pixels)
    pixels = max(2, int(round(length / state.metres_per_pixel)))
    x0, y0 = margin, height - margin - unit
    _panel(
        draw, (x0 - unit // 2, y0 - int(unit * 2.0), x0 + pixels + unit // 2, y0 + unit // 2 + 2)
    )
    draw.rectangle((x0, y0 - 2, x0 + pixels, y0 + 2), fill=(240, 236, 226, 255))
    for x in (x0, x0 + pixels // 2, x0 + pixels):
        tick = unit // 2 if x != x0 + pixels // 2 else unit // 3
        draw.rectangle((x - 1, y0 - tick, x + 1, y0 + 2), fill=(240, 236, 226, 255))
    _text(draw, (x0 + pixels // 2, y0 - int(unit * 0.7)), format_length(length), unit, anchor="ms")


def _draw_subtitles(draw, subtitle: Subtitle, width: int, height: int, unit: int) -> None:  # noqa: ANN001
    rows = [(subtitle.native, int(unit * 1.6), (255, 246, 214))]
    if subtitle.romanisation and subtitle.romanisation != subtitle.native:
        rows.append((subtitle.romanisation, int(unit * 1.1), (220, 214, 196)))
    if subtitle.gloss:
        rows.append((subtitle.gloss, int(unit * 0.9), (170, 196, 220)))
    if subtitle.translation:
        rows.append((f"“{subtitle.translation}”", int(unit * 1.15), (240, 240, 240)))
    total = sum(int(size * 1.35) for _, size, _ in rows) + unit
    top = height - int(unit * 3.5) - total
    widest = max(draw.textlength(text, font=font(size)) for text, size, _ in rows)
    half = int(widest / 2 + unit * 1.2)
    _panel(draw, (width // 2 - half, top - unit // 2, width // 2 + half, top + total), alpha=140)
    _text(
        draw,
        (width // 2 - half + unit // 2, top - int(unit * 1.6)),
        subtitle.speaker,
        int(unit * 0.9),
        colour=(255, 214, 140),
    )
    y = top
    for text, size, colour in rows:
        _text(draw, (width // 2, y), text, size, colour=colour, anchor="ma")
        y += int(size * 1.35)


def _draw_help(draw, width: int, height: int, unit: int) -> None:  # noqa: ANN001
    line_height = int(unit * 1.4)
    box_height = line_height * (len(HELP_LINES) + 2)
    box_width = unit * 30
    left, top = (width - box_width) // 2, (height - box_height) // 2
    _panel(draw, (left, top, left + box_width, top + box_height), alpha=190)
    _text(draw, (left + unit, top + unit // 2), "Controls", int(unit * 1.3))
    for index, (keys, action) in enumerate(HELP_LINES):
        y = top + line_height * (index + 1) + unit // 2
        _text(draw, (left + unit, y), keys, unit, colour=(255, 214, 140))
        _text(draw, (left + unit * 10, y), action, unit)


def _draw_error(draw, message: str, width: int, unit: int) -> None:  # noqa: ANN001
    lines = message.strip().splitlines()[:12]
    line_height = int(unit * 1.3)
    top = unit * 9
    box = (unit * 2, top, width - unit * 2, top + line_height * (len(lines) + 2))
    draw.rounded_rectangle(box, radius=8, fill=(90, 10, 16, 215))
    _text(
        draw,
        (box[0] + unit, top + unit // 2),
        "The world file has an error; the last good world keeps running:",
        unit,
        colour=(255, 200, 190),
    )
    for index, line in enumerate(lines):
        _text(
            draw,
            (box[0] + unit, top + line_height * (index + 1) + unit // 2),
            line[:160],
            int(unit * 0.9),
        )


SCALE_BAR_DISTANCE = 5.0
"""The scale bar measures lengths at this many explorer heights in front of the eye."""


def state_for(
    world_name: str,
    snapshot,  # noqa: ANN001 - engine.sim.snapshot.Snapshot
    viewport_height: int,
    vertical_fov: float,
    **flags: object,
) -> HudState:
    """The HUD for a snapshot: clock, band, size and scale bar; ``flags`` set the rest."""
    explorer = snapshot.explorer
    distance = SCALE_BAR_DISTANCE * explorer.size
    metres_per_pixel = 2.0 * distance * math.tan(vertical_fov / 2.0) / max(1, viewport_height)
    subtitles = subtitles_in(snapshot.extras)
    return HudState(
        world_name=world_name,
        band=explorer.band,
        world_time=round(snapshot.world_time, 1),
        time_rate=round(snapshot.time_rate, 3),
        local_rate=round(explorer.local_rate, 3),
        explorer_size=explorer.size,
        metres_per_pixel=metres_per_pixel,
        subtitles=subtitles,
        **flags,  # type: ignore[arg-type]
    )


class OverlayCache:
    """Redraws the overlay only when what it shows has changed."""

    def __init__(self) -> None:
        self._key: tuple[HudState, int, int] | None = None
        self._image: np.ndarray | None = None

    def get(self, state: HudState, width: int, height: int) -> np.ndarray:
        key = (state, width, height)
        if key != self._key or self._image is None:
            self._image = draw_overlay(state, width, height)
            self._key = key
        return self._image
