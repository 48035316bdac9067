"""C2SP tlog-tiles: the path of a tile or an entry bundle, and which ones a tree size has.

``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, where ``N`` is written in
zero-padded three-digit elements, all but the last prefixed with ``x``
(1234067 is ``x001/x234/067``), and ``.p/<W>`` marks a partial tile of ``W`` hashes.

>>> tile_path(0, 1234067)
'tile/0/x001/x234/067'
>>> tile_path("entries", 5, 17)
'tile/entries/005.p/17'
>>> parse_tile_path("tile/2/x001/067.p/8")
(2, 1067, 8)
>>> [t for t in tiles_for_size(70_000) if t[2] is not None or t[1] == 1]
[(0, 1, None), (0, 273, 112), (1, 1, 17), (2, 0, 1), ('entries', 1, None), ('entries', 273, 112)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ledger.domain.errors import LedgerError

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TilePathError",
    "parse_tile_path",
    "tile_path",
    "tiles_for_size",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_INDEX = re.compile(r"^(?:x\d{3}/)*\d{3}$")


class TilePathError(LedgerError):
    """A tile path that does not follow tlog-tiles' encoding."""


def encode_index(index: int) -> str:
    """``N`` as three-digit path elements, all but the last prefixed with ``x``."""
    if index < 0:
        raise ValueError(f"a tile index is not negative: {index}")
    groups = []
    while True:
        index, group = divmod(index, 1000)
        groups.append(f"{group:03d}")
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, index: int, width: int | None = None) -> str:
    """The path of tile ``index`` at ``level`` (or ``"entries"``), partial when ``width``."""
    suffix = "" if width is None or width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


def parse_index(text: str) -> tuple[int, int | None]:
    """``N[.p/W]`` back to (N, W or None); ``TilePathError`` if it is not that encoding."""
    width: int | None = None
    if ".p/" in text:
        text, width_text = text.split(".p/", 1)
        if not re.fullmatch(r"[1-9]\d*", width_text) or int(width_text) >= TILE_WIDTH:
            raise TilePathError(f"a partial tile's width is 1 to 255, not {width_text!r}")
        width = int(width_text)
    if not _INDEX.match(text):
        raise TilePathError(f"not a tile index: {text!r} (expected e.g. x001/x234/067)")
    groups = text.replace("x", "").split("/")
    if len(groups) > 1 and groups[0] == "000":
        raise TilePathError(f"a tile index has no leading zero elements: {text!r}")
    index = 0
    for group in groups:
        index = index * 1000 + int(group)
    return index, width


def parse_tile_path(path: str) -> tuple[int | str, int, int | None]:
    """``tile/<L>/<N>[.p/<W>]`` back to (level or "entries", N, W or None)."""
    parts = path.split("/", 2)
    if len(parts) != 3 or parts[0] != "tile":
        raise TilePathError(f"not a tile path: {path!r}")
    level_text = parts[1]
    level: int | str
    if level_text == "entries":
        level = level_text
    elif re.fullmatch(r"0|[1-9]\d?", level_text) and int(level_text) <= 63:
        level = int(level_text)
    else:
        raise TilePathError(f"a tile level is 0 to 63 or 'entries', not {level_text!r}")
    index, width = parse_index(parts[2])
    return level, index, width


def tiles_for_size(size: int) -> Iterator[tuple[int | str, int, int | None]]:
    """Every tile and entry bundle of a tree of ``size`` leaves: (level, index, width),
    width None for a full one; levels go up until a level has nothing."""
    level = 0
    while True:
        hashes = size >> (TILE_HEIGHT * level)
        if hashes == 0:
            break
        for index in range(hashes // TILE_WIDTH):
            yield level, index, None
        if hashes % TILE_WIDTH:
            yield level, hashes // TILE_WIDTH, hashes % TILE_WIDTH
        level += 1
    for index in range(size // TILE_WIDTH):
        yield "entries", index, None
    if size % TILE_WIDTH:
        yield "entries", size // TILE_WIDTH, size % TILE_WIDTH
