"""The studio file applied: locked values put in, defaults where the artist chose nothing.

The studio's keys (settings/studio.py) are mapped here onto the Env tab's saved settings, so
the panel and `submit` enforce the same rules through one function each: `studio_env` for
what the nodes are, `refuse_locked` for CLI flags against a lock, `limit_problems` for the
limits, `spot_split` for the Spot share.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from azure_batch_maya.render.settings import LicenceServers, SubmitSettings
from azure_batch_maya.settings.studio import PresetsError, StudioPresets

if TYPE_CHECKING:
    from azure_batch_maya.settings.env import EnvSettings

# Studio key → the EnvSettings field it sets. spot_share and scout_frames are not Env fields:
# `spot_split` applies the first, the Submit tab's choices carry the second (app/jobchoices.py).
ENV_FIELDS = {
    "image_route": "image_kind",
    "image_id": "custom_image_id",
    "container_image": "container_image",
    "vm_size": "vm_size",
    "licence_servers": "licences",
    "subnet_id": "subnet_id",
    "dedicated_nodes": "dedicated_nodes",
    "spot_nodes": "spot_nodes",
}
# The port RLM (Arnold before 6) listens on by default; other servers are Autodesk's (FlexLM).
RLM_PORT = "5053"


def licences_from(servers: Collection[str]) -> LicenceServers:
    """`port@host` servers as licence variables: 5053 is Arnold's RLM, the first other one is
    Maya's Autodesk server (ADSKFLEX_LICENSE_FILE)."""
    rlm = [s.strip() for s in servers if s.strip().split("@", 1)[0] == RLM_PORT]
    autodesk = [s.strip() for s in servers if s.strip() not in rlm]
    return LicenceServers(
        autodesk=autodesk[0] if autodesk else None, arnold_rlm=rlm[0] if rlm else None
    )


def _env_value(key: str, value: Any) -> Any:
    return licences_from(value) if key == "licence_servers" else value


def studio_env(env: EnvSettings, studio: StudioPresets, chosen: Collection[str]) -> EnvSettings:
    """The Env settings to use: locked values always, a default where the field is not in
    `chosen` (the EnvSettings fields the artist set themselves)."""
    known = {f.name for f in fields(env)}
    changes: dict[str, Any] = {}
    for key, name in ENV_FIELDS.items():
        if name not in known:
            if key in studio.locked:  # a rule this version cannot apply is never dropped quietly
                raise PresetsError(f"{studio.path}: [locked] {key} is not known to this version")
            continue
        if key in studio.locked:
            changes[name] = _env_value(key, studio.locked[key])
        elif key in studio.defaults and name not in chosen:
            changes[name] = _env_value(key, studio.defaults[key])
    return replace(env, **changes) if changes else env


def env_lock_notes(studio: StudioPresets) -> dict[str, str]:
    """EnvSettings field → the note a locked field shows beside it (`nodes` for the Spot share)."""
    notes = {
        name: note
        for key, name in ENV_FIELDS.items()
        if (note := studio.lock_note(key)) is not None
    }
    share = studio.lock_note("spot_share")
    if share is not None:
        notes["spot_share"] = f"{studio.locked['spot_share']:.0%} of the nodes are Spot. {share}"
    return notes


# The CLI flag that sets each Env field, for the message refusing a flag against a lock.
FIELD_FLAGS = {
    "image_kind": "--image-route",
    "custom_image_id": "--image",
    "container_image": "--container-image",
    "vm_size": "--vm-size",
    "licences": "--licence",
    "subnet_id": "--subnet",
    "dedicated_nodes": "--nodes",
    "spot_nodes": "--spot",
}


def refuse_locked(studio: StudioPresets, before: EnvSettings, after: EnvSettings) -> None:
    """Refuse flags that changed a locked field: `before` is the Env settings with the studio's
    rules in, `after` the same with the CLI's flags applied."""
    for key, name in ENV_FIELDS.items():
        if key not in studio.locked or not hasattr(after, name):
            continue
        if getattr(after, name) != getattr(before, name):
            raise PresetsError(
                f"{FIELD_FLAGS[name]} {_shown(getattr(after, name))}: {key} is locked to "
                f"{_shown(getattr(before, name))}. {studio.lock_note(key)}"
            )


def _shown(value: Any) -> str:
    if isinstance(value, LicenceServers):
        return ", ".join(f"{k}={v}" for k, v in vars(value).items() if v) or "none"
    return str(value)


def spot_split(settings: SubmitSettings, studio: StudioPresets, *, chosen: bool) -> SubmitSettings:
    """The nodes split by the studio's Spot share: locked always, a default unless the artist
    chose the Spot count (`chosen`). The total stays the artist's."""
    if "spot_share" in studio.locked:
        share = studio.locked["spot_share"]
    elif "spot_share" in studio.defaults and not chosen:
        share = studio.defaults["spot_share"]
    else:
        return settings
    total = settings.dedicated_nodes + settings.spot_nodes
    spot = round(total * float(share))
    return replace(settings, dedicated_nodes=total - spot, spot_nodes=spot)


def limit_problems(settings: SubmitSettings, studio: StudioPresets) -> list[str]:
    """What these settings break of the studio's limits (allowed VM sizes, max nodes).

    An existing pool's size is not this job's choice, so only new pools are held to them.
    """
    if settings.pool.mode == "existing":
        return []
    return studio.violations(
        vm_size=settings.vm_size,
        dedicated_nodes=settings.dedicated_nodes,
        spot_nodes=settings.spot_nodes,
    )
