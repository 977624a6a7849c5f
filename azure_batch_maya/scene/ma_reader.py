"""The offline reader: a `SceneInfo` from a Maya ASCII (.ma) file, without Maya.

Big scenes are mostly numeric data in mesh nodes. The reader finds the top-level
`createNode` / `select` statements with `str.find` and tokenizes only the blocks that can hold
what it needs (node types in the file-attribute table, cameras, layers, render globals, and
any block with a string attribute), so a 200 MB scene costs little more than reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.file_attributes import (
    ASSET_SUFFIXES,
    FILE_ATTRIBUTES,
    SHARED_NODE_TYPES,
    file_attribute,
)
from azure_batch_maya.scene.ma_source import Decoder, MaSource, detect_codeset
from azure_batch_maya.scene.mel import Statement, Token, statements
from azure_batch_maya.scene.model import (
    Camera,
    FileRef,
    FrameRange,
    PluginRequirement,
    RenderLayer,
    SceneInfo,
)
from azure_batch_maya.scene.project import find_project_root

# Maya writes top-level statements at column 0; `str.find` on these is what keeps big files fast.
_BLOCK_STARTS = ("\ncreateNode ", "\nselect ")
_LEGACY_LINK = r'\nconnectAttr "([^"\n]+)\.msg" "([^"\n]+)\.(?:lrl|legacyRenderLayer)"'
_TRUE = {"yes", "on", "true", "1"}
_MAX_WARNINGS = 50

_TRACKED_TYPES = frozenset(FILE_ATTRIBUTES) | {
    "camera",
    "renderLayer",
    "renderSetupLayer",
    "aiAOVDriver",
}
_UNTRACKED_STRING_TYPES = frozenset({"reference", "script", "renderSetup", "simpleSelector"})
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

    def warn(self, message: str) -> None:
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == _MAX_WARNINGS:
            self.warnings.append("more warnings were left out")


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

    starts = sorted(p for needle in _BLOCK_STARTS for p in source.positions(needle))
    ends = [*starts[1:], source.size]
    _read_header(source.region(0, starts[0] if starts else source.size), scan)
    for index, start in enumerate(starts):
        _read_block(source, start, ends[index], scan)
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
    if not data.lstrip(b"\xef\xbb\xbf").startswith(b"//Maya ASCII"):
        raise SceneError(f"{scene} is not a Maya ASCII scene (no '//Maya ASCII' first line)")
    if b"\x00" in data[:65536]:
        raise SceneError(f"{scene} holds binary data; it is not a readable Maya ASCII scene")


def _read_header(text: str, scan: _Scan) -> None:
    seen: set[str] = set()
    for stmt in statements(text):
        words = stmt.tokens
        if stmt.command == "file" and stmt.complete:
            _read_file_statement(words, scan, seen)
        elif stmt.command == "requires":
            _read_requires(words, scan)
        elif stmt.command == "fileInfo" and len(words) >= 3 and words[1].text == "version":
            scan.maya_version = scan.decode(words[2].text)
        if not stmt.complete:
            scan.warn("the scene header ends inside a statement; the file may be truncated")


def _read_file_statement(words: tuple[Token, ...], scan: _Scan, seen: set[str]) -> None:
    flags = _flags(words[1:], arity={"-r": 0, "-rdi": 1, "-dr": 1, "-ns": 1, "-rfn": 1})
    if "-r" not in flags and "-rdi" not in flags:
        return
    path = next((t.text for t in reversed(words) if t.quoted), None)
    if path is None:
        return
    node = flags.get("-rfn") or (flags.get("-ns", "") + "RN")
    if node in seen:
        return
    seen.add(node)
    scan.references.append(
        FileRef(scan.decode(node), "reference", "file", scan.decode(path)),
    )


def _read_requires(words: tuple[Token, ...], scan: _Scan) -> None:
    node_types: list[str] = []
    positional: list[str] = []
    items = iter(words[1:])
    for token in items:
        if not token.quoted and token.text.startswith("-"):
            value = next(items, None)
            if token.text == "-nodeType" and value is not None:
                node_types.append(value.text)
            continue
        positional.append(scan.decode(token.text))
    if len(positional) < 2:
        return
    name, version = positional[0], positional[1]
    if name == "maya":
        scan.file_format_version = version
    elif all((p.name, p.version) != (name, version) for p in scan.plugins):
        scan.plugins.append(PluginRequirement(name, version, tuple(node_types)))


def _flags(words: tuple[Token, ...], arity: dict[str, int]) -> dict[str, str]:
    found: dict[str, str] = {}
    items = iter(words)
    for token in items:
        if token.quoted or not token.text.startswith("-"):
            continue
        if arity.get(token.text, 1) == 0:
            found[token.text] = ""
            continue
        value = next(items, None)
        found[token.text] = value.text if value is not None else ""
    return found


def _read_block(source: MaSource, start: int, end: int, scan: _Scan) -> None:
    head_text = source.region(start, min(end, start + 4096))
    words = head_text.split(None, 2)
    created = len(words) >= 2 and words[0] == "createNode"
    if created and words[1] not in _TRACKED_TYPES and not source.contains('"string', start, end):
        return  # the bulk of a big scene: meshes, transforms, curves
    head = next(statements(head_text), None)
    if head is None:
        return
    node = _block_node(head, scan)
    if node is None:
        return
    tracked = node.node_type in _TRACKED_TYPES or node.name in SHARED_NODE_TYPES
    if not tracked and not created and not source.contains('"string', start, end):
        return
    custom: set[str] = set()
    for stmt in statements(source.region(start, end)):
        if stmt.unterminated_string:
            scan.warn(f"node {node.name}: a string never ends; the rest of that node was skipped")
            break
        if stmt.command == "setAttr":
            _read_set_attr(stmt, node, scan, custom)
        elif stmt.command == "addAttr":
            custom.update(_flags(stmt.tokens[1:], arity={}).get(f, "") for f in ("-sn", "-ln"))
        if not stmt.complete and end == source.size:
            scan.warn("the scene ends inside a statement; the file may be truncated")
    sequence, tiling = _hints(node)  # after the whole block: `.ufe` may follow `.dso`
    for attr, path in node.files:
        scan.references.append(FileRef(node.name, node.node_type, attr, path, sequence, tiling))
    if tracked or node.attrs:
        scan.nodes.append(node)


def _block_node(head: Statement, scan: _Scan) -> _Node | None:
    words = head.tokens
    if head.command == "createNode" and len(words) >= 2:
        flags = _flags(words[2:], arity={"-s": 0, "-ss": 0, "-shared": 0, "-skipSelect": 0})
        name = scan.decode(flags.get("-n", words[1].text))
        return _Node(name, words[1].text, parent=scan.decode(flags.get("-p", "")))
    if head.command == "select":
        names = [t.text for t in words[1:] if not t.text.startswith("-")]
        if len(names) == 1:
            name = scan.decode(names[0].lstrip(":"))
            return _Node(name, SHARED_NODE_TYPES.get(name, ""))
    return None


def _read_set_attr(stmt: Statement, node: _Node, scan: _Scan, custom: set[str]) -> None:
    words = stmt.tokens[1:]
    index = next((i for i, t in enumerate(words) if t.quoted), None)
    if index is None:
        return
    target = words[index].text
    if not target.startswith("."):
        return  # `setAttr "other.attr"` inside a block: not this node's, and rare
    attr = target[1:]
    rest = words[index + 1 :]
    value_type = ""
    if len(rest) >= 2 and rest[0].text in ("-type", "-typ") and not rest[0].quoted:
        value_type = rest[1].text
        rest = rest[2:]
    strings = [t.text for t in rest if t.quoted]
    node.attrs[attr] = strings if value_type else [t.text for t in rest if not _flag(t)]
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


def _flag(token: Token) -> bool:
    """A `-flag` word, as opposed to a negative number."""
    text = token.text
    return (
        not token.quoted
        and len(text) > 1
        and text[0] == "-"
        and not (text[1].isdigit() or text[1] == ".")
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


def _layers(source: MaSource, scan: _Scan) -> tuple[RenderLayer, ...]:
    setup_layers = {n.name for n in scan.nodes if n.node_type == "renderSetupLayer"}
    legacy_of: dict[str, str] = {}
    if setup_layers:
        for _, groups in source.matches(_LEGACY_LINK):
            legacy, owner = (scan.decode(g) for g in groups)
            if owner in setup_layers:
                legacy_of[legacy] = owner
    return tuple(
        RenderLayer(
            n.name,
            renderable=_first(n.attrs, "rndr", "renderable") not in _FALSE,
            render_setup=legacy_of.get(n.name),
        )
        for n in scan.nodes
        if n.node_type == "renderLayer"
    )
