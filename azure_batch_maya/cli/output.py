"""What a command shows: one JSON object or aligned columns on stdout, the rest on stderr.

stdout carries the result, so that with `--json` it holds exactly one JSON object a script can
read; messages and progress said along the way go to stderr, and `quiet` (the `--json` flag)
silences them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from azure_batch_maya.transfer.sizes import size_text


def print_json(data: Any, *, ascii_only: bool = True) -> None:
    """The command's one JSON object. Scene paths keep their letters (`ascii_only=False`).

    JSON is UTF-8 whatever the console's code page: a Windows pipe defaults to cp1252, which
    cannot encode a Japanese folder name, so the letters go to the byte stream as UTF-8.
    """
    text = json.dumps(data, ensure_ascii=ascii_only) + "\n"
    buffer = None if ascii_only else getattr(sys.stdout, "buffer", None)
    if buffer is None:  # ASCII, or a text-only stream (a test's capture, Maya's Script Editor)
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def print_result(as_json: bool, data: Mapping[str, Any], text: str) -> None:
    """`data` as JSON with `--json`, else `text` (one or more lines) for a person."""
    if as_json:
        print_json(data)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def columns(rows: Sequence[Sequence[str]]) -> str:
    """A table, each column as wide as its widest cell; the first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() + "\n"
        for r in rows
    )


class Messages:
    """Lines for people on stderr, said as they happen; nothing with `quiet` (`--json`)."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()


class ProgressLine:
    """One line on stderr redrawn in place as `done` of `total` grows; `finish` ends it."""

    def __init__(self, text: Callable[[int, int], str], *, quiet: bool) -> None:
        self._text = text
        self.quiet = quiet
        self._last = ""

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        line = self._text(done, total)
        if line != self._last:
            self._last = line
            sys.stderr.write("\r" + line)
            sys.stderr.flush()

    def finish(self) -> None:
        """Move past the line, if one was drawn (an error then starts a line of its own)."""
        if self._last and not self.quiet:
            sys.stderr.write("\n")
            self._last = ""


BAR_WIDTH = 30


def upload_progress(*, quiet: bool) -> ProgressLine:
    """`Uploading [#####.........] 12.0 MB of 40.0 MB`: `submit` and `nodes installers add`."""

    def text(done: int, total: int) -> str:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        return f"Uploading [{bar}] {size_text(done)} of {size_text(total)}"

    return ProgressLine(text, quiet=quiet)
