"""Studio presets: one TOML file a TD writes, holding defaults, locked values and limits.

Every artist's panel and CLI read the same file, so image, VM size, licence servers and the
cost ceiling are set once for the studio. It is found at `$AZURE_BATCH_MAYA_STUDIO`, else as
`studio.toml` in the Maya module's folder (beside `azure-batch-maya.mod`). A malformed file is
an error that names its line: a studio's rules are never dropped silently.

    reason = "Set by the pipeline team: ask in #render-help"

    [defaults]              # what a new artist starts with; they may change it
    vm_size = "Standard_D16s_v5"
    licence_servers = ["5053@lic.studio.local"]

    [locked]                # what nobody changes (the value is the one used)
    image_route = "custom"

    [limits]
    allowed_vm_sizes = ["Standard_D16s_v5", "Standard_E16s_v5"]
    max_nodes = 50
    cost_ceiling = 250.0    # per job, in the price table's currency
    allow_ceiling_override = false
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

STUDIO_ENV = "AZURE_BATCH_MAYA_STUDIO"
STUDIO_FILE = "studio.toml"
MODULE_FILE = "azure-batch-maya.mod"
# The Env tab's routes to Maya on the nodes (settings/env.py `IMAGE_KINDS`, docs/azure.md).
IMAGE_ROUTES = ("install", "custom", "container")
_LICENCE = re.compile(r"^\d{1,5}@[A-Za-z0-9.\-_]+$")


class PresetsError(Exception):
    """A studio file that cannot be used; the message names the file and the line."""


Check = Callable[[Any], str | None]  # None when the value is fine, else what is wrong


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _count(minimum: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number of at least {minimum}"
        return None

    return check


def _share(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
    return None if ok else "must be a number from 0 to 1 (the share of Spot nodes)"


def _route(value: Any) -> str | None:
    if value in IMAGE_ROUTES:
        return None
    if value == "marketplace":  # the route's name before the routes were named
        return 'must be one of install, custom, container ("marketplace" is now "install")'
    return f"must be one of {', '.join(IMAGE_ROUTES)}"


def _texts(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "must be a list of strings"
    return None


def _licences(value: Any) -> str | None:
    if _texts(value) is not None:
        return 'must be a list of "port@host" strings'
    bad = [v for v in value if not _LICENCE.match(v.strip())]
    return (
        f"{', '.join(bad)}: write each as port@host (e.g. 5053@lic.studio.local)" if bad else None
    )


def _subnet(value: Any) -> str | None:
    if not isinstance(value, str) or "/subnets/" not in value or not value.startswith("/"):
        return "must be a subnet's resource id (/subscriptions/…/virtualNetworks/…/subnets/…)"
    return None


def _money(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    return None if ok else "must be a positive number (the price table's currency)"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


SETTINGS: dict[str, Check] = {
    "image_route": _route,
    "image_id": _text,
    "container_image": _text,
    "vm_size": _text,
    "licence_servers": _licences,
    "subnet_id": _subnet,
    "dedicated_nodes": _count(0),
    "spot_nodes": _count(0),
    "spot_share": _share,
    "scout_frames": _count(0),
}
LIMITS: dict[str, Check] = {
    "allowed_vm_sizes": _texts,
    "max_nodes": _count(1),
    "cost_ceiling": _money,
    "allow_ceiling_override": _flag,
}
TABLES = {"defaults": SETTINGS, "locked": SETTINGS, "limits": LIMITS}


@dataclass(frozen=True)
class StudioPresets:
    """What the studio file says; empty (no rules) when there is no file."""

    path: str | None = None
    reason: str = "set by the studio"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    locked: Mapping[str, Any] = field(default_factory=dict)
    allowed_vm_sizes: tuple[str, ...] = ()
    max_nodes: int | None = None
    cost_ceiling: float | None = None
    allow_ceiling_override: bool = False

    def is_locked(self, name: str) -> bool:
        return name in self.locked

    def lock_note(self, name: str) -> str | None:
        """The text a locked field shows beside it; None when it is the artist's to change."""
        if name not in self.locked:
            return None
        return f"Locked by the studio file {self.path}: {self.reason}"

    def effective(self, name: str, chosen: Any = None) -> Any:
        """The value to use: the locked one, else the artist's choice, else the default."""
        if name in self.locked:
            return self.locked[name]
        return chosen if chosen is not None else self.defaults.get(name)

    def violations(self, *, vm_size: str, dedicated_nodes: int, spot_nodes: int) -> list[str]:
        """What a submission breaks of the studio's limits, each with the limit's number."""
        found: list[str] = []
        allowed = {s.lower() for s in self.allowed_vm_sizes}
        if allowed and vm_size.lower() not in allowed:
            found.append(
                f"VM size {vm_size} is not allowed by the studio file {self.path}; "
                f"pick one of {', '.join(self.allowed_vm_sizes)}"
            )
        nodes = dedicated_nodes + spot_nodes
        if self.max_nodes is not None and nodes > self.max_nodes:
            found.append(
                f"{nodes} nodes asked for; the studio file {self.path} allows at most "
                f"{self.max_nodes}"
            )
        return found

    def over_ceiling(self, estimate: float, currency: str, *, override: bool = False) -> str | None:
        """Why a job estimated at `estimate` may not be submitted, or None when it may."""
        if self.cost_ceiling is None or estimate <= self.cost_ceiling:
            return None
        if override and self.allow_ceiling_override:
            return None
        text = (
            f"the job is estimated at {estimate:.2f} {currency}, over the studio's ceiling of "
            f"{self.cost_ceiling:.2f} {currency} per job ({self.path})"
        )
        if self.allow_ceiling_override:
            return text + "; submit with --over-ceiling to go ahead anyway"
        return text + "; render fewer frames or nodes, or ask your TD to raise it"


def studio_file(env: Mapping[str, str] | None = None, *, start: Path | None = None) -> Path | None:
    """Where the studio file is, if there is one: the variable, else beside the .mod file.

    The package sits in the module's `site-packages/maya<version>/` (or is the checkout
    itself), so the module folder is the nearest parent holding `azure-batch-maya.mod`.
    """
    env = os.environ if env is None else env
    named = env.get(STUDIO_ENV, "").strip()
    if named:
        return Path(named)
    for folder in (start or Path(__file__)).resolve().parents:
        if (folder / MODULE_FILE).is_file():
            candidate = folder / STUDIO_FILE
            return candidate if candidate.is_file() else None
    return None


def load_studio(env: Mapping[str, str] | None = None) -> StudioPresets:
    """The studio's presets; empty without a file. PresetsError names what is wrong."""
    path = studio_file(env)
    if path is None:
        return StudioPresets()
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe would never end
        raise PresetsError(f"studio file {path} is not a regular file (a pipe or a device)")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise PresetsError(
            f"studio file {path} (from ${STUDIO_ENV}) does not exist; fix the variable or remove it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetsError(f"cannot read the studio file {path}: {exc}") from None
    problems = check_text(text, str(path))
    if problems:
        more = f" (and {len(problems) - 1} more: presets check {path})" if len(problems) > 1 else ""
        raise PresetsError(problems[0] + more)
    return presets_from(_toml().loads(text), str(path))


def check_text(text: str, name: str) -> list[str]:
    """Every problem of a studio file's text, each as `FILE:LINE: what is wrong`."""
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_in_message(str(exc))
        return [f"{name}:{line or 1}: not valid TOML: {_first_sentence(str(exc))}"]
    lines = _key_lines(text)
    problems: list[str] = []

    def report(table: str, key: str, what: str) -> None:
        problems.append(f"{name}:{lines.get((table, key), 1)}: {what}")

    for key, value in data.items():
        if key == "reason":
            if _text(value):
                report("", key, "reason must be a non-empty string")
        elif key in TABLES and isinstance(value, dict):
            known = TABLES[key]
            for inner, inner_value in value.items():
                check = known.get(inner)
                if check is None:
                    report(
                        key, inner, f"[{key}] has no setting {inner!r}{_did_you_mean(inner, known)}"
                    )
                    continue
                wrong = check(inner_value)
                if wrong:
                    report(key, inner, f"[{key}] {inner} {wrong}")
        elif key in TABLES:
            report("", key, f"{key} must be a table ([{key}])")
        else:
            report("", key, f"unknown key {key!r}{_did_you_mean(key, {**TABLES, 'reason': 0})}")
    if not problems:
        problems += _conflicts(data, lines, name)
    return problems


def presets_from(data: Mapping[str, Any], path: str) -> StudioPresets:
    """Checked TOML data (see `check_text`) as presets."""
    limits = data.get("limits", {})
    ceiling = limits.get("cost_ceiling")
    return StudioPresets(
        path=path,
        reason=data.get("reason", StudioPresets.reason),
        defaults=dict(data.get("defaults", {})),
        locked=dict(data.get("locked", {})),
        allowed_vm_sizes=tuple(limits.get("allowed_vm_sizes", ())),
        max_nodes=limits.get("max_nodes"),
        cost_ceiling=float(ceiling) if ceiling is not None else None,
        allow_ceiling_override=bool(limits.get("allow_ceiling_override", False)),
    )


def _conflicts(data: Mapping[str, Any], lines: dict[tuple[str, str], int], name: str) -> list[str]:
    """Rules that contradict each other: a locked or default VM size outside the allowed list."""
    allowed = {s.lower() for s in data.get("limits", {}).get("allowed_vm_sizes", ())}
    problems = []
    for table in ("locked", "defaults"):
        size = data.get(table, {}).get("vm_size")
        if allowed and size is not None and size.lower() not in allowed:
            line = lines.get((table, "vm_size"), 1)
            problems.append(f"{name}:{line}: [{table}] vm_size {size} is not in allowed_vm_sizes")
    if "defaults" in data and "locked" in data:
        both = sorted(set(data["defaults"]) & set(data["locked"]))
        for key in both:
            line = lines.get(("defaults", key), 1)
            problems.append(f"{name}:{line}: {key} is both a default and locked; keep one")
    return problems


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-]+)\s*\]")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(table, key) → line number, for messages; TOML parsers do not say where a key was."""
    table = ""
    found: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = header.group(1)
            found.setdefault(("", table), number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault((table, next(g for g in key.groups() if g)), number)
    return found


def _did_you_mean(key: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"


def _line_in_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _first_sentence(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message)


def _toml() -> ModuleType:
    """The standard library's TOML reader (3.11+), or its backport on Maya 2024's Python 3.10."""
    for name in ("tomllib", "tomli"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise PresetsError(
        "reading the studio file needs Python 3.11+ or the tomli package; "
        "install the plug-in's dependencies again with mayapy (docs/install.md)"
    )
