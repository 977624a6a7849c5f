"""Before anything is uploaded: will the pool this job makes fit the account's core quotas?

A new account's quotas can be small, even zero, and a pool over them never gets a node
(`AccountCoreQuotaReached`): better refused here, naming both numbers, than stuck on the farm.
Quotas are readable only with an Entra ID sign-in (management plane); otherwise a notice says
the check was not made. On the local pool the same check counts its free slots.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import QUOTA_PAGE
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.validation import Finding
from azure_batch_maya.render.vmsizes import vm_size
from azure_batch_maya.services import pools
from azure_batch_maya.services.quotas import CoreQuotas, QuotasUnreadable, read_core_quotas
from azure_batch_maya.services.settings import AuthMode, ServiceSettings

log = logging.getLogger(__name__)

SUBSCRIPTION_VARIABLE = "AZURE_SUBSCRIPTION_ID"


def core_findings(
    vm: str, dedicated_nodes: int, spot_nodes: int, quotas: CoreQuotas
) -> list[Finding]:
    """Errors when nodes × cores exceed the account's dedicated, Spot or VM-family quota."""
    size = vm_size(vm)
    if size is None:
        return [
            Finding(
                "notice",
                "QuotasNotChecked",
                f"Core quotas not checked: the cores of {vm} are not in the VM size table.",
            )
        ]
    found = []
    dedicated = dedicated_nodes * size.cores
    spot = spot_nodes * size.cores
    if dedicated > quotas.dedicated:
        found.append(
            Finding(
                "error",
                "CoreQuotaExceeded",
                f"{dedicated_nodes} dedicated {size.name} nodes need {dedicated} cores; Batch "
                f"account {quotas.account} may use {quotas.dedicated} dedicated cores. Ask for "
                f"fewer nodes or a smaller size, or request more ({QUOTA_PAGE}).",
            )
        )
    family = quotas.per_family.get(size.family.lower())
    if quotas.per_family_enforced and family is not None and dedicated > family:
        found.append(
            Finding(
                "error",
                "FamilyCoreQuotaExceeded",
                f"{dedicated_nodes} dedicated {size.name} nodes need {dedicated} cores of the "
                f"{size.family} family; Batch account {quotas.account} may use {family}. Pick "
                f"a size of another family, or request more for {size.family} ({QUOTA_PAGE}).",
            )
        )
    if spot > quotas.spot:
        found.append(
            Finding(
                "error",
                "SpotCoreQuotaExceeded",
                f"{spot_nodes} Spot {size.name} nodes need {spot} cores; Batch account "
                f"{quotas.account} may use {quotas.spot} Spot cores. Ask for fewer, use "
                f"dedicated nodes, or request more ({QUOTA_PAGE}).",
            )
        )
    return found


def slot_findings(asked: int, slots: int, held: Mapping[str, int]) -> list[Finding]:
    """On the local pool nodes are slots of this machine, its slots its quota: an error when
    the job asks for more than there are, a warning when other pools hold too many of them
    (the job would wait with `AccountCoreQuotaReached` until they shrink)."""
    if asked > slots:
        return [
            Finding(
                "error",
                "LocalSlotsExceeded",
                f"The job asks for {_nodes(asked)}; the local pool has {slots} slots in all. Ask "
                "for fewer (--nodes), or restart it with more (`local down`, `local up "
                "--slots N`).",
            )
        ]
    free = slots - sum(held.values())
    if asked <= free:
        return []
    holders = ", ".join(f"{pool} holds {n}" for pool, n in sorted(held.items()) if n)
    return [
        Finding(
            "warning",
            "LocalSlotsTaken",
            f"The job asks for {_nodes(asked)}; {free} of the local pool's {slots} slots are free "
            f"({holders}), so it will wait for them: resize other pools down (`azure-batch-maya "
            "pools resize ID --dedicated 0 --local`).",
        )
    ]


def check_local(settings: SubmitSettings, conn: Connection, slots: int | None) -> list[Finding]:
    """The local pool's slots against the nodes a new pool of this job asks for."""
    if not makes_a_pool(settings):
        return []
    if slots is None:
        return [
            Finding(
                "notice",
                "SlotsNotChecked",
                "Free slots not checked: this local pool was started by an older version; "
                "restart it (`local down`, `local up`) to have them checked.",
            )
        ]
    listed = pools.list_pools(
        conn.batch,
        select=[
            "id",
            "state",
            "currentDedicatedNodes",
            "targetDedicatedNodes",
            "currentLowPriorityNodes",
            "targetLowPriorityNodes",
        ],
    )
    held = held_slots(
        {
            p.id or "": (
                (p.current_dedicated_nodes or 0) + (p.current_low_priority_nodes or 0),
                (p.target_dedicated_nodes or 0) + (p.target_low_priority_nodes or 0),
            )
            for p in listed
            if str(getattr(p.state, "value", p.state)) != "deleting"
        }
    )
    return slot_findings(settings.dedicated_nodes + settings.spot_nodes, slots, held)


def makes_a_pool(settings: SubmitSettings) -> bool:
    """Only a new pool (auto or persistent) asks for nodes; an existing one has its own."""
    return settings.pool.mode in ("auto", "new")


def check_azure(
    settings: SubmitSettings,
    service: ServiceSettings,
    *,
    environ: Mapping[str, str] | None = None,
    base_url: str | None = None,
) -> list[Finding]:
    """Read the account's quotas (Entra ID only) and compare; a notice when they cannot be read."""
    if not makes_a_pool(settings):
        return []
    if service.auth_mode is not AuthMode.ENTRA:
        return [
            Finding(
                "notice",
                "QuotasNotChecked",
                "Core quotas not checked: reading them needs an Entra ID sign-in (the Config "
                "tab), not account keys. A pool over the quota waits with "
                "AccountCoreQuotaReached; see docs/when-a-job-does-not-start.md.",
            )
        ]
    env = os.environ if environ is None else environ
    subscription = service.subscription_id or env.get(SUBSCRIPTION_VARIABLE, "")
    if not subscription:
        return [
            Finding(
                "notice",
                "QuotasNotChecked",
                "Core quotas not checked: the Batch account's subscription is not known; set "
                f"{SUBSCRIPTION_VARIABLE} (or subscription_id in the settings).",
            )
        ]
    from azure_batch_maya.services.credentials import create_token_credential

    try:
        quotas = read_core_quotas(
            create_token_credential(service.sign_in, tenant_id=service.tenant_id),
            subscription_id=subscription,
            account_name=service.batch_account,
            resource_group=service.resource_group,
            base_url=base_url,
        )
    except QuotasUnreadable as exc:
        return [Finding("notice", "QuotasNotChecked", f"Core quotas not checked: {exc}.")]
    return core_findings(settings.vm_size, settings.dedicated_nodes, settings.spot_nodes, quotas)


def held_slots(pools: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    """Slots each pool holds or is about to: the larger of its current and target nodes."""
    return {pool: max(current, target) for pool, (current, target) in pools.items()}


def check_quotas(conn: Connection, settings: SubmitSettings) -> list[Finding]:
    """The check for where `conn` goes: the local pool's slots, or the account's quotas."""
    from azure_batch_maya.app.connect import read_local_state
    from azure_batch_maya.settings.accounts import load_accounts

    if conn.local:
        state = read_local_state()
        return check_local(settings, conn, state.slots if state is not None else None)
    service = load_accounts()
    return check_azure(settings, service) if service is not None else []


def _nodes(count: int) -> str:
    return f"{count} node{'s' if count != 1 else ''}"
