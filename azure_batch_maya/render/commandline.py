"""Task command lines for Linux (`/bin/bash -c '…'`) and Windows (`cmd /c "…"`) nodes.

Batch runs a command line without a shell, so we invoke one to expand the node's variables
(`NodeVar`); every other argument must reach the program byte for byte, whatever it holds:
spaces, quotes, `$`, `;`, `%`, `!`, `&`, backslashes, non-ASCII.

Linux: each argument single-quoted for bash, and the script single-quoted again for the
outer word split. Windows: each argument quoted by the MSVCRT rules that `subprocess.
list2cmdline` follows (what `CommandLineToArgvW` and Python parse), every `%` moved outside
the quotes so that no `%…%` pair can name a variable, and cmd's own metacharacters caret-
escaped wherever cmd itself is outside quotes; `/v:off` keeps `!` literal and `/s` makes cmd
strip exactly the outer pair of quotes.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

NodeOS = Literal["linux", "windows"]
_CMD_SPECIAL = frozenset("&|<>()^")


@dataclass(frozen=True)
class NodeVar:
    """A node environment variable, expanded on the node, followed by a literal path tail."""

    name: str
    tail: str = ""  # appended as written; `/` is turned into `\\` on Windows

    def __post_init__(self) -> None:
        if not self.name.replace("_", "").isalnum() or not self.name.isascii():
            raise ValueError(f"{self.name!r} is not an environment variable name")


Arg = str | NodeVar


class CommandLineError(ValueError):
    """An argument that cannot be passed safely to the node's shell."""


def command_line(args: Sequence[Arg], node_os: NodeOS) -> str:
    """One command line that runs `args` on a node of `node_os`."""
    if not args:
        raise ValueError("a command line needs at least a program")
    for arg in args:
        text = arg if isinstance(arg, str) else arg.tail
        if "\0" in text or (node_os == "windows" and ("\n" in text or "\r" in text)):
            # cmd ends a command at a line break; no program takes a NUL in an argument
            raise CommandLineError(
                f"argument {text!r} holds a line break or NUL, which a {node_os} node's "
                "command line cannot carry; rename the file"
            )
    if node_os == "linux":
        return linux_command_line(args)
    return windows_command_line(args)


def linux_command_line(args: Sequence[Arg]) -> str:
    script = "exec " + " ".join(_bash_word(a) for a in args)
    return "/bin/bash -c " + shlex.quote(script)


def windows_command_line(args: Sequence[Arg]) -> str:
    last_var = max((i for i, a in enumerate(args) if isinstance(a, NodeVar)), default=-1)
    for arg in args[:last_var]:
        if isinstance(arg, str) and "%" in arg:
            # unverified: whether cmd resumes after an undefined `%…%` pair or inside it;
            # refuse rather than risk the variable not being expanded
            raise CommandLineError(
                f"argument {arg!r} holds a % before a node variable, which cmd cannot be "
                "trusted to pass; move the file to a path without %"
            )
    inner = " ".join(_msvcrt_word(a) for a in args)
    return 'cmd /d /v:off /s /c "' + cmd_escape(inner) + '"'


def _bash_word(arg: Arg) -> str:
    if isinstance(arg, NodeVar):
        return f'"${{{arg.name}}}"' + (shlex.quote(arg.tail) if arg.tail else "")
    return shlex.quote(arg)


def _msvcrt_word(arg: Arg) -> str:
    if isinstance(arg, NodeVar):
        tail = arg.tail.replace("/", "\\")
        return msvcrt_quote(f"%{arg.name}%" + tail, expand=True)
    return msvcrt_quote(arg)


def msvcrt_quote(arg: str, *, expand: bool = False) -> str:
    """`arg` as one word for `CommandLineToArgvW`, always in quotes; with `expand` False each
    `%` stands outside the quotes followed by a quote, so cmd never sees a `%name%` pair."""
    out = ['"']
    backslashes = 0
    for char in arg:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        elif char == "%" and not expand:
            out.append("\\" * (2 * backslashes) + '"%"')
        else:
            out.append("\\" * backslashes + char)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def cmd_escape(text: str) -> str:
    """Caret-escape cmd's metacharacters wherever cmd's own quote state is outside quotes."""
    out = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in _CMD_SPECIAL:
            out.append("^")
        out.append(char)
    return "".join(out)
