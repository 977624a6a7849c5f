"""The job's path mapping as the node applies it, with the node's real asset root put in.

Jobs are built before anyone knows where a node keeps the job's files (the job preparation
folder differs per node and per OS), so every node-side path in the plan's `NodeMapping`
starts with `ROOT_TOKEN`; `rooted` swaps in the real root. `map_written` does what `dirmap`
does to a path the scene writes; `value_for` adds the explicit remaps set after the scene opens.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT_TOKEN = "@AZBM_ROOT@"


class PlanError(ValueError):
    """A plan file this script cannot use (written by another version, or damaged)."""


@dataclass(frozen=True)
class NodeMapping:
    """Folder prefixes, exact files, attribute remaps and the OCIO config, with real paths."""

    workspace: str | None
    dirs: tuple[tuple[str, str], ...]  # written prefix ending `/` → node prefix; longest first
    files: tuple[tuple[str, str], ...] = ()
    remaps: tuple[tuple[str, str], ...] = ()  # plug → value
    ocio: str | None = None

    def rooted(self, root: str) -> NodeMapping:
        """This mapping (as the plan holds it) with every node path rooted at `root`."""
        root = root.replace("\\", "/").rstrip("/")

        def node(path: str) -> str:
            if not path.startswith(ROOT_TOKEN):
                raise PlanError(f"node path {path!r} in the plan does not start with {ROOT_TOKEN}")
            return root + path[len(ROOT_TOKEN) :]

        return NodeMapping(
            workspace=node(self.workspace) if self.workspace else None,
            dirs=tuple((s, node(n)) for s, n in self.dirs),
            files=tuple((s, node(n)) for s, n in self.files),
            remaps=tuple((p, node(v)) for p, v in self.remaps),
            ocio=node(self.ocio) if self.ocio else None,
        )

    def map_written(self, path: str) -> str:
        """Where the path a scene writes points on the node, as `dirmap` maps it.

        Backslashes count as `/`; a relative path is taken against the workspace; an
        unmapped absolute path is returned as written (normalised).
        """
        text = _normalise(path)
        for source, target in self.files:
            if _normalise(source) == text:
                return target
        if not _is_absolute(text):
            return f"{self.workspace}/{text}" if self.workspace else text
        for source, target in self.dirs:
            if text.startswith(source) or text + "/" == source:
                return target + text[len(source) :]
        return text

    def value_for(self, plug: str, written: str) -> str:
        """The value the attribute holds on the node: its explicit remap, else `map_written`."""
        for remap_plug, value in self.remaps:
            if remap_plug == plug:
                return value
        return self.map_written(written)


def _normalise(path: str) -> str:
    text = path.strip().replace("\\", "/")
    head = "//" if text.startswith("//") else ""
    body = "/".join(p for p in text[len(head) :].split("/") if p not in ("", "."))
    if text[len(head) :].startswith("/") and not head:
        return "/" + body
    return head + body


def _is_absolute(text: str) -> bool:
    return text.startswith("/") or (len(text) >= 2 and text[1] == ":" and text[0].isalpha())
