"""The flags of the MEL commands a Maya ASCII file holds, as Maya's command reference gives them.

Maya writes short flags (`createNode mesh -n "a" -p "b"`) but accepts long ones, in any order,
before or after a command's arguments. Whether a flag takes a value decides what the next word
is, so each command's flags are listed here with their long name, short name and value count.
A flag missing from a table is reported by `parse` instead of guessed silently.

Source: Autodesk Maya 2024 Technical Documentation, MEL command reference (each command's
Synopsis), help.autodesk.com/cloudhelp/2024/ENU/Maya-Tech-Docs/Commands/<command>.html.
In MEL a `boolean` flag takes a value (`-k off`); a flag the synopsis lists with no type
(`[-shared]`) takes none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from azure_batch_maya.scene.mel import Token


@dataclass(frozen=True)
class Flag:
    long: str
    short: str
    values: int = 1


@dataclass(frozen=True)
class Syntax:
    """One command's flags, looked up by `-long` or `-short` name."""

    command: str
    flags: tuple[Flag, ...]

    @cached_property
    def _by_name(self) -> dict[str, Flag]:
        names = {f"-{f.long}": f for f in self.flags}
        names.update({f"-{f.short}": f for f in self.flags})
        return names

    def flag(self, word: str) -> Flag | None:
        return self._by_name.get(word)


@dataclass(frozen=True)
class Parsed:
    """A statement's flags by long name (a repeated flag keeps every value) and its arguments."""

    flags: dict[str, list[Token]]
    args: tuple[Token, ...]
    unknown: tuple[str, ...] = ()

    def has(self, long: str) -> bool:
        return long in self.flags

    def value(self, long: str, default: str = "") -> str:
        values = self.flags.get(long)
        return values[-1].text if values else default

    def values(self, long: str) -> list[str]:
        return [t.text for t in self.flags.get(long, [])]


def is_flag(token: Token) -> bool:
    """A `-flag` word, as opposed to a negative number or a quoted string."""
    text = token.text
    return (
        not token.quoted
        and len(text) > 1
        and text[0] == "-"
        and not (text[1].isdigit() or text[1] == ".")
    )


def parse(tokens: Sequence[Token], syntax: Syntax) -> Parsed:
    """Split a statement's words (after the command) into flags and arguments.

    An unknown flag is taken to have no value and named in `unknown`, so the caller can say
    that this statement may have been misread.
    """
    flags: dict[str, list[Token]] = {}
    args: list[Token] = []
    unknown: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not is_flag(token):
            args.append(token)
            continue
        flag = syntax.flag(token.text)
        if flag is None:
            unknown.append(token.text)
            continue
        taken = list(tokens[index : index + flag.values])
        index += flag.values
        flags.setdefault(flag.long, []).extend(taken or [Token("", quoted=False)])
    return Parsed(flags, tuple(args), tuple(unknown))


def _syntax(command: str, flags: Iterable[tuple[str, str, int]]) -> Syntax:
    return Syntax(command, tuple(Flag(long, short, values) for long, short, values in flags))


CREATE_NODE = _syntax(
    "createNode",
    [("name", "n", 1), ("parent", "p", 1), ("shared", "s", 0), ("skipSelect", "ss", 0)],
)
SET_ATTR = _syntax(
    "setAttr",
    [
        ("alteredValue", "av", 0),
        ("caching", "ca", 1),
        ("capacityHint", "ch", 1),
        ("channelBox", "cb", 1),
        ("clamp", "c", 0),
        ("keyable", "k", 1),
        ("lock", "l", 1),
        ("size", "s", 1),
        ("type", "typ", 1),
    ],
)
ADD_ATTR = _syntax(
    "addAttr",
    [
        ("attributeType", "at", 1),
        ("binaryTag", "bt", 1),
        ("cachedInternally", "ci", 1),
        ("category", "ct", 1),
        ("dataType", "dt", 1),
        ("defaultValue", "dv", 1),
        ("disconnectBehaviour", "dcb", 1),
        ("enumName", "en", 1),
        ("exists", "ex", 0),
        ("fromPlugin", "fp", 1),
        ("hasMaxValue", "hxv", 1),
        ("hasMinValue", "hnv", 1),
        ("hasSoftMaxValue", "hsx", 1),
        ("hasSoftMinValue", "hsn", 1),
        ("hidden", "h", 1),
        ("indexMatters", "im", 1),
        ("internalSet", "is", 1),
        ("keyable", "k", 1),
        ("longName", "ln", 1),
        ("maxValue", "max", 1),
        ("minValue", "min", 1),
        ("multi", "m", 0),
        ("niceName", "nn", 1),
        ("numberOfChildren", "nc", 1),
        ("parent", "p", 1),
        ("proxy", "pxy", 1),
        ("readable", "r", 1),
        ("shortName", "sn", 1),
        ("softMaxValue", "smx", 1),
        ("softMinValue", "smn", 1),
        ("storable", "s", 1),
        ("usedAsColor", "uac", 0),
        ("usedAsFilename", "uaf", 0),
        ("usedAsProxy", "uap", 0),
        ("worldSpace", "ws", 0),
        ("writable", "w", 1),
    ],
)
FILE = _syntax(
    "file",
    [
        ("reference", "r", 0),
        ("referenceDepthInfo", "rdi", 1),
        ("deferReference", "dr", 1),
        ("namespace", "ns", 1),
        ("referenceNode", "rfn", 1),
        ("type", "typ", 1),
        ("options", "op", 1),
        ("renamingPrefix", "rpr", 1),
        ("sharedNodes", "shd", 1),
        ("sharedReferenceFile", "srf", 0),
        ("groupReference", "gr", 0),
        ("groupName", "gn", 1),
        ("groupLocator", "gl", 0),
        ("lockReference", "lck", 0),
        ("mergeNamespacesOnClash", "mnc", 1),
        ("usingNamespaces", "uns", 1),
        ("ignoreVersion", "iv", 0),
        ("loadReferenceDepth", "lrd", 1),
        ("loadNoReferences", "lnr", 0),
        ("loadAllReferences", "lar", 0),
        ("returnNewNodes", "rnn", 0),
        ("force", "f", 0),
        ("prompt", "pmt", 1),
        ("open", "o", 0),
        ("import", "i", 0),
    ],
)
REQUIRES = _syntax("requires", [("nodeType", "nt", 1), ("dataType", "dt", 1)])
FILE_INFO = _syntax("fileInfo", [("referenceNode", "rfn", 1), ("remove", "rm", 1)])
CURRENT_UNIT = _syntax(
    "currentUnit",
    [
        ("angle", "a", 1),
        ("fullName", "f", 0),
        ("linear", "l", 1),
        ("time", "t", 1),
        ("updateAnimation", "ua", 1),
    ],
)
CONNECT_ATTR = _syntax(
    "connectAttr",
    [("force", "f", 0), ("lock", "l", 1), ("nextAvailable", "na", 0), ("referenceDest", "rd", 1)],
)
SELECT = _syntax(
    "select",
    [
        ("add", "add", 0),
        ("addFirst", "af", 0),
        ("all", "all", 0),
        ("allDagObjects", "ado", 0),
        ("allDependencyNodes", "adn", 0),
        ("clear", "cl", 0),
        ("containerCentric", "cc", 0),
        ("deselect", "d", 0),
        ("hierarchy", "hi", 0),
        ("noExpand", "ne", 0),
        ("replace", "r", 0),
        ("symmetry", "sym", 0),
        ("symmetrySide", "sys", 1),
        ("toggle", "tgl", 0),
        ("visible", "vis", 0),
    ],
)
