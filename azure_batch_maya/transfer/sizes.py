"""Sizes for people, as the CLI and the panel show uploads and downloads."""

from __future__ import annotations


def size_text(n: int) -> str:
    """Bytes in the unit that shows them (`512 B`, `48.2 kB`, `40.0 MB`, `1.05 GB`): the
    example's textures are kilobytes, a shot's caches gigabytes, and `0.0 MB` says neither."""
    if n < 1000:
        return f"{n} B"
    for unit, scale in (("kB", 1e3), ("MB", 1e6)):
        if n < scale * 1000:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e9:.2f} GB" if n < 1e12 else f"{n / 1e12:.2f} TB"
