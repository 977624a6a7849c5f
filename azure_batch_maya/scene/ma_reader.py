"""The offline reader: a `SceneInfo` from a Maya ASCII (.ma) file, without Maya.

Big scenes are mostly numeric data in mesh nodes. The reader finds the top-level
`createNode` / `select` statements and the `"string` setAttrs by `find`ing a byte numbers never
hold (see ma_source), tokenizes whole only the blocks it uses (node types in the file-attribute
table, cameras, layers, render globals), and of any other block only the string setAttrs that
may name a file (a warning) and the addAttrs before them. So a 200 MB scene costs little more
than reading it, and a mesh's vertex and face data is never tokenized.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from azure_batch_maya.scene import melflags
from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.file_attributes import (
    ASSET_SUFFIXES,
    FILE_ATTRIBUTES,
    SHARED_NODE_TYPES,
    file_attribute,
)
from azure_batch_maya.scene.ma_source import Decoder, MaSource, Positions, detect_codeset
from azure_batch_maya.scene.mel import Statement, statements
from azure_batch_maya.scene.model import (
    Camera,
    FileRef,
    FrameRange,
    PluginRequirement,
    RenderLayer,
    SceneInfo,
)
from azure_batch_maya.scene.project import find_project_root

# Maya writes top-level statements at column 0. Each search finds a character numbers never
# hold (`N`, `l`, `g`), so the bulk of a big scene is leapt over (see ma_source).
_CREATE_NODE = ("\ncreateNode ", "\ncreateNode\t")
_SELECT = ("\nselect ", "\nselect\t")
_STRING = ('"string',)  # `-type "string"`: the setAttr of a string attribute
# A connection from a legacy layer's `.msg` to its Render Setup layer, flags anywhere.
_LEGACY_LINK = r"\n(connectAttr[ \t][^;\n]*\.(?:lrl|legacyRenderLayer)\b[^;\n]*)"
_TRUE = {"yes", "on", "true", "1"}
_MAX_WARNINGS = 50

_TRACKED_TYPES = frozenset(FILE_ATTRIBUTES) | {
    "camera",
    "renderLayer",
    "renderSetupLayer",
    "aiAOVDriver",
}
_UNTRACKED_STRING_TYPES = frozenset({"reference", "script", "renderSetup", "simpleSelector"})
# Nodes of untracked types that `_scene_info` still reads whole, by name.
_READ_BY_NAME = frozenset({"vraySettings"})
_NAMED = _READ_BY_NAME | frozenset(SHARED_NODE_TYPES)
_GLOBALS = {
    "ren": "currentRenderer",
    "fs": "startFrame",
    "ef": "endFrame",
    "bfs": "byFrameStep",
    "an": "animation",
    "ifp": "imageFilePrefix",
    "imfkey": "imfPluginKey",
    "me": "modifyExtension",
}


@dataclass
class _Node:
    name: str
    node_type: str
    parent: str = ""
    attrs: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Scan:
    """What the reader collects while walking the file; turned into a SceneInfo at the end."""

    decode: Decoder
    maya_version: str | None = None
    file_format_version: str | None = None
    plugins: list[PluginRequirement] = field(default_factory=list)
    references: list[FileRef] = field(default_factory=list)
    nodes: list[_Node] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_flags: set[tuple[str, str]] = field(default_factory=set)

    def warn(self, message: str) -> None:
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == _MAX_WARNINGS:
            self.warnings.append("more warnings were left out")

    def flags(self, stmt: Statement, syntax: melflags.Syntax) -> melflags.Parsed:
        """The statement's flags and arguments; a flag this reader does not know is said once."""
        parsed = melflags.parse(stmt.tokens[1:], syntax)
        for flag in parsed.unknown:
            if (syntax.command, flag) not in self.unknown_flags:
                self.unknown_flags.add((syntax.command, flag))
                self.warn(
                    f"`{syntax.command} {flag}` is a flag this reader does not know; "
                    f"the {syntax.command} statements using it may be misread"
                )
        return parsed


def read_ma(path: str | Path, *, project: str | Path | None = None) -> SceneInfo:
    """Read a .ma scene; `project` overrides the `workspace.mel` search."""
    scene = Path(path)
    if scene.suffix.lower() == ".mb":
        raise SceneError(
            f"{scene} is a Maya binary scene; headless scanning needs Maya ASCII (.ma). "
            "Save it as .ma, or scan it from inside Maya with the plug-in."
        )
    try:
        if scene.exists() and not scene.is_dir() and not scene.is_file():
            raise SceneError(f"{scene} is not a regular file (a pipe or a device), not a scene")
        data = scene.read_bytes()
    except IsADirectoryError:
        raise SceneError(f"{scene} is a folder, not a Maya scene file") from None
    except FileNotFoundError:
        raise SceneError(f"{scene} does not exist") from None
    except OSError as exc:
        raise SceneError(f"cannot read {scene}: {exc.strerror or exc}") from None
    root = Path(project) if project is not None else find_project_root(scene)
    return parse_ma(
        data,
        scene=str(scene.resolve()),
        project_root=str(root.resolve()) if root is not None else None,
    )


def parse_ma(data: bytes, *, scene: str, project_root: str | None = None) -> SceneInfo:
    """The pure part of `read_ma`: bytes in, SceneInfo out."""
    _check_header(data, scene)
    codeset, codec = detect_codeset(data)
    source = MaSource(data, codec)
    scan = _Scan(decode=Decoder(codec, recode=source.data is not None))
    if codeset is None:
        scan.warn("no //Codeset: line; strings were read as UTF-8")

    created, selected, string_set = source.find_each(
        [(_CREATE_NODE, "N"), (_SELECT, "l"), (_STRING, "g")]
    )
    starts = sorted(created + selected)
    strings = Positions(string_set)
    ends = [*starts[1:], source.size]
    _read_header(source.region(0, starts[0] if starts else source.size), scan)
    for index, start in enumerate(starts):
        _read_block(source, start, ends[index], scan, strings)
    if scan.decode.failed:
        scan.warn(f"some strings are not valid {codec}; undecodable bytes were replaced")
    if b"// End of " not in data[-4096:]:
        scan.warn(
            "the file does not end with Maya's `// End of` line: it may be truncated (a full "
            "disk, an interrupted copy), so settings and files after the cut are missing and "
            "defaults (e.g. mayaSoftware, frames 1-10) stand in; save the scene again"
        )
    return _scene_info(source, scene, codeset, project_root, scan)


def _check_header(data: bytes, scene: str) -> None:
    if not data or data.isspace():
        raise SceneError(f"{scene} is empty; it is not a Maya scene")
    if data[:4] in (b"FOR4", b"FOR8") or data[:3] == b"CAT":
        raise SceneError(
            f"{scene} is a Maya binary scene; headless scanning needs Maya ASCII (.ma). "
            "Save it as .ma, or scan it from inside Maya with the plug-in."
        )
    if not data[:64].lstrip(b"\xef\xbb\xbf").startswith(b"//Maya ASCII"):
        raise SceneError(f"{scene} is not a Maya ASCII scene (no '//Maya ASCII' first line)")
    if b"\x00" in data[:65536]:
        raise SceneError(f"{scene} holds binary data; it is not a readable Maya ASCII scene")


def _read_header(text: str, scan: _Scan) -> None:
    seen: set[str] = set()
    for stmt in statements(text):
        if stmt.command == "file" and stmt.complete:
            _read_file_statement(scan.flags(stmt, melflags.FILE), scan, seen)
        elif stmt.command == "requires":
            _read_requires(scan.flags(stmt, melflags.REQUIRES), scan)
        elif stmt.command == "fileInfo":
            args = scan.flags(stmt, melflags.FILE_INFO).args
            if len(args) >= 2 and args[0].text == "version":
                scan.maya_version = scan.decode(args[1].text)
        elif stmt.command == "currentUnit":
            scan.flags(stmt, melflags.CURRENT_UNIT)
        if not stmt.complete:
            scan.warn("the scene header ends inside a statement; the file may be truncated")


def _read_file_statement(parsed: melflags.Parsed, scan: _Scan, seen: set[str]) -> None:
    if not parsed.has("reference") and not parsed.has("referenceDepthInfo"):
        return
    path = next((t.text for t in reversed(parsed.args) if t.quoted), None)
    if path is None:
        return
    node = parsed.value("referenceNode") or (parsed.value("namespace") + "RN")
    if node in seen:
        return
    seen.add(node)
    scan.references.append(
        FileRef(scan.decode(node), "reference", "file", scan.decode(path)),
    )


def _read_requires(parsed: melflags.Parsed, scan: _Scan) -> None:
    node_types = parsed.values("nodeType")
    positional = [scan.decode(t.text) for t in parsed.args]
    if len(positional) < 2:
        return
    name, version = positional[0], positional[1]
    if name == "maya":
        scan.file_format_version = version
    elif all((p.name, p.version) != (name, version) for p in scan.plugins):
        scan.plugins.append(PluginRequirement(name, version, tuple(node_types)))


def _read_block(source: MaSource, start: int, end: int, scan: _Scan, strings: Positions) -> None:
    opening = source.region(start, min(end, start + 256))
    words = opening.split(None, 2)
    created = len(words) >= 2 and words[0] == "createNode"
    node_type = words[1] if created and words[1][:1] != "-" else None  # None: read the head
    if node_type in _TRACKED_TYPES:  # read whole: tokenize it once, head included
        rest = statements(source.region(start, end))
        head = next(rest, None)
        if head is not None:
            _read_node(head, [chain([head], rest)], scan, end == source.size)
        return
    has_string = strings.any_in(start, end)
    if node_type is not None and not has_string:
        return  # the bulk of a big scene: meshes, transforms, curves
    semicolon = opening.find(";")
    if node_type is not None and semicolon != -1 and not _names_read(opening[:semicolon]):
        # A node the reader does not use: only what can make a warning is tokenized.
        texts = _untracked_texts(source, start, end, node_type, strings)
        if texts:
            head = next(statements(_head_text(source, start, end)), None)
            if head is not None:
                _read_node(head, [statements(t) for t in texts], scan, end == source.size)
        return
    head = next(statements(_head_text(source, start, end)), None)
    node = _block_node(head, scan) if head is not None else None
    if head is None or node is None:
        return
    tracked = node.node_type in _TRACKED_TYPES or node.name in SHARED_NODE_TYPES
    if not tracked and not created and not has_string:
        return
    if tracked or node.name in _READ_BY_NAME:
        texts = [source.region(start, end)]
    else:
        texts = _untracked_texts(source, start, end, node.node_type, strings)
    _read_node(head, [statements(t) for t in texts], scan, end == source.size, node)


def _names_read(head: str) -> bool:
    """Whether a createNode statement may name a node `_scene_info` reads by name."""
    return any(name in head for name in _NAMED)


def _head_text(source: MaSource, start: int, end: int) -> str:
    """The block's first statement (`createNode …;`), so only it is tokenized for the node."""
    return source.region(start, source.first_statement_end(start, min(end, start + 4096)))


def _read_node(
    head: Statement,
    texts: list[Iterable[Statement]],
    scan: _Scan,
    at_end: bool,
    node: _Node | None = None,
) -> None:
    """Read a node's statements (from `texts`), then keep its files and settings."""
    node = node or _block_node(head, scan)
    if node is None:
        return
    custom: set[str] = set()
    for stmts in texts:
        if not _read_statements(stmts, node, scan, custom, at_end=at_end):
            break
    sequence, tiling = _hints(node)  # after the whole block: `.ufe` may follow `.dso`
    for attr, path in node.files:
        scan.references.append(FileRef(node.name, node.node_type, attr, path, sequence, tiling))
    tracked = node.node_type in _TRACKED_TYPES or node.name in SHARED_NODE_TYPES
    if tracked or node.attrs:
        scan.nodes.append(node)


def _untracked_texts(
    source: MaSource, start: int, end: int, node_type: str, strings: Positions
) -> list[str]:
    """What to tokenize of a node the reader does not use: only what can make a warning, that
    is a string setAttr whose value may be a file name, the addAttrs before it (custom
    attributes do not warn), and a string that never ends; so a mesh's vertex and face data,
    and the `"map1"` strings beside it, are never tokenized."""
    if node_type in _UNTRACKED_STRING_TYPES:  # never warns about its strings
        spans: list[tuple[int, int]] = []
        resume = start
    else:
        split = source.statement_spans(start, end, until=strings.last_before(end))
        if split is None:
            return [source.region(start, end)]
        spans, resume = split
    chosen = {bisect_right(spans, (at, end + 1)) - 1 for at in strings.between(start, resume)}
    if spans and source.holds("addAttr", start, resume):
        chosen.update(i for i, (b, e) in enumerate(spans) if source.starts_with("addAttr", b, e))
    texts = [
        source.region(*spans[i])
        for i in sorted(chosen)
        if source.starts_with("addAttr", *spans[i])
        or source.holds_dot_after_first_string(*spans[i])
    ]
    if resume < end and (
        end == source.size  # a cut file: say where it ends
        or not source.strings_end(resume, end)  # say which string never ends
        or _may_name_a_file(source, resume, end, strings)  # a statement without its `;`
    ):
        texts.append(source.region(resume, end))
    return texts


def _may_name_a_file(source: MaSource, start: int, end: int, strings: Positions) -> bool:
    """A string setAttr with a `.` past its attribute name: its value may be a file name."""
    return strings.any_in(start, end) and source.holds_dot_after_first_string(start, end)


def _read_statements(
    stmts: Iterable[Statement], node: _Node, scan: _Scan, custom: set[str], *, at_end: bool
) -> bool:
    """Read a node's setAttr and addAttr statements; False when a string never ends."""
    for stmt in stmts:
        if stmt.unterminated_string:
            scan.warn(f"node {node.name}: a string never ends; the rest of that node was skipped")
            return False
        if stmt.command == "setAttr":
            _read_set_attr(stmt, node, scan, custom)
        elif stmt.command == "addAttr":
            added = scan.flags(stmt, melflags.ADD_ATTR)
            custom.update(added.values("shortName") + added.values("longName"))
        if not stmt.complete and at_end:
            scan.warn("the scene ends inside a statement; the file may be truncated")
    return True


def _block_node(head: Statement, scan: _Scan) -> _Node | None:
    if head.command == "createNode":
        parsed = scan.flags(head, melflags.CREATE_NODE)
        if not parsed.args:
            return None
        node_type = parsed.args[0].text
        name = scan.decode(parsed.value("name", node_type))
        return _Node(name, node_type, parent=scan.decode(parsed.value("parent")))
    if head.command == "select":
        names = [t.text for t in scan.flags(head, melflags.SELECT).args]
        if len(names) == 1:
            name = scan.decode(names[0].lstrip(":"))
            return _Node(name, SHARED_NODE_TYPES.get(name, ""))
    return None


def _read_set_attr(stmt: Statement, node: _Node, scan: _Scan, custom: set[str]) -> None:
    parsed = scan.flags(stmt, melflags.SET_ATTR)
    if not parsed.args:
        return  # `setAttr -k off` with no attribute: not a statement Maya writes
    target = parsed.args[0].text
    if not target.startswith("."):
        return  # `setAttr "other.attr"` inside a block: not this node's, and rare
    attr = target[1:]
    rest = parsed.args[1:]
    value_type = parsed.value("type")
    strings = [t.text for t in rest if t.quoted]
    node.attrs[attr] = strings if value_type else [t.text for t in rest]
    entry = file_attribute(node.node_type, attr)
    if entry is not None:
        for value in strings if entry.string_array else strings[:1]:
            if value:
                node.files.append((attr, scan.decode(value)))
        return
    if (
        value_type == "string"
        and strings
        and attr not in custom
        and node.node_type not in _UNTRACKED_STRING_TYPES
        and _looks_like_asset(strings[0])
    ):
        scan.warn(
            f"{node.name}.{attr} ({node.node_type or 'unknown type'}) holds "
            f"{scan.decode(strings[0])!r}, which looks like a file this scan does not track; "
            "check it reaches the render nodes"
        )


def _hints(node: _Node) -> tuple[bool, int]:
    sequence = _first(node.attrs, "ufe", "useFrameExtension") in _TRUE
    try:
        tiling = int(_first(node.attrs, "uvt", "uvTilingMode") or 0)
    except ValueError:
        tiling = 0
    return sequence, tiling


def _first(attrs: dict[str, list[str]], *names: str) -> str:
    for name in names:
        values = attrs.get(name)
        if values:
            return values[0]
    return ""


def _looks_like_asset(value: str) -> bool:
    if "\n" in value or len(value) > 1024 or "." not in value:
        return False
    suffix = value.rsplit(".", 1)[1].lower()
    if suffix not in ASSET_SUFFIXES:
        return False
    folder = re.split(r"[/\\]", value, maxsplit=1)
    if len(folder) == 1:
        return value.count(".") == 1 and " " not in value
    return " " not in folder[0]  # "STRING mayaFile /x.ma" is metadata, not a path


def _scene_info(
    source: MaSource, scene: str, codeset: str | None, project_root: str | None, scan: _Scan
) -> SceneInfo:
    globals_ = _merged(scan.nodes, "defaultRenderGlobals")
    driver = _merged(scan.nodes, "defaultArnoldDriver")

    def setting(short: str, default: str) -> str:
        values = globals_.get(short) or globals_.get(_GLOBALS[short])
        return scan.decode(values[0]) if values else default

    renderer = setting("ren", "mayaSoftware")
    frames = FrameRange(
        start=_number(setting("fs", "1"), 1.0, scan, "startFrame"),
        end=_number(setting("ef", "10"), 10.0, scan, "endFrame"),
        step=_number(setting("bfs", "1"), 1.0, scan, "byFrameStep"),
    )
    image_format = setting("imfkey", "")
    image_prefix = setting("ifp", "")
    if renderer == "arnold" and driver.get("ai_translator"):
        image_format = driver["ai_translator"][0]
    if renderer == "vray":  # V-Ray names and formats images from its own settings node
        vray = _merged(scan.nodes, "vraySettings")
        image_prefix = scan.decode(_first(vray, "fnprx", "fileNamePrefix"))
        image_format = scan.decode(_first(vray, "imgfs", "imageFormatStr")).split(" ")[0]
    return SceneInfo(
        scene=scene,
        maya_version=scan.maya_version or scan.file_format_version,
        codeset=codeset,
        renderer=renderer,
        frames=frames,
        animation=setting("an", "no").lower() in _TRUE,
        image_prefix=image_prefix,
        image_format=image_format,
        layers=_layers(source, scan),
        cameras=tuple(
            Camera(n.name, n.parent or n.name, _first(n.attrs, "rnd", "renderable") not in _FALSE)
            for n in scan.nodes
            if n.node_type == "camera"
        ),
        project_root=project_root,
        plugins=tuple(scan.plugins),
        references=tuple(scan.references),
        renumber_frames=setting("me", "no").lower() in _TRUE,
        warnings=tuple(scan.warnings),
    )


_FALSE = {"no", "off", "false", "0"}


def _merged(nodes: list[_Node], name: str) -> dict[str, list[str]]:
    """All attributes set on a shared node, later `select -ne` blocks winning."""
    merged: dict[str, list[str]] = {}
    for node in nodes:
        if node.name == name:
            merged.update(node.attrs)
    return merged


def _number(value: str, default: float, scan: _Scan, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        scan.warn(f"defaultRenderGlobals.{what} is {value!r}, not a number; using {default:g}")
        return default


def _legacy_link(text: str, scan: _Scan) -> tuple[str, str] | None:
    """(legacy layer, Render Setup layer) of `connectAttr "layer.msg" "setupLayer.lrl"`."""
    stmt = next(statements(text), None)
    if stmt is None:
        return None
    args = [scan.decode(t.text) for t in scan.flags(stmt, melflags.CONNECT_ATTR).args]
    if len(args) != 2 or not args[0].endswith(".msg"):
        return None
    owner, _, attr = args[1].rpartition(".")
    if attr not in ("lrl", "legacyRenderLayer"):
        return None
    return args[0][: -len(".msg")], owner


def _layers(source: MaSource, scan: _Scan) -> tuple[RenderLayer, ...]:
    setup_layers = {n.name for n in scan.nodes if n.node_type == "renderSetupLayer"}
    legacy_of: dict[str, str] = {}
    if setup_layers:
        for _, (text,) in source.matches(_LEGACY_LINK):
            link = _legacy_link(text, scan)
            if link is not None and link[1] in setup_layers:
                legacy_of[link[0]] = link[1]
    return tuple(
        RenderLayer(
            n.name,
            renderable=_first(n.attrs, "rndr", "renderable") not in _FALSE,
            render_setup=legacy_of.get(n.name),
        )
        for n in scan.nodes
        if n.node_type == "renderLayer"
    )
