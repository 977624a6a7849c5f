"""How many cores a VM size has and which quota family it counts against.

Batch enforces dedicated core quotas per account and per VM family (`AccountCoreQuotaReached`,
`AccountVMSeriesCoreQuotaReached`), so both the quota check before upload and the remedy for a
stuck pool need the family's name as the portal's Quotas page spells it. Entered by hand for
the sizes the price table knows; a size missing here is never guessed: callers say they cannot
check it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VmSize:
    name: str
    cores: int
    family: str  # the quota family, e.g. "standardDSv5Family"


_SIZES = (
    VmSize("Standard_D4s_v5", 4, "standardDSv5Family"),
    VmSize("Standard_D8s_v5", 8, "standardDSv5Family"),
    VmSize("Standard_D16s_v5", 16, "standardDSv5Family"),
    VmSize("Standard_D32s_v5", 32, "standardDSv5Family"),
    VmSize("Standard_F8s_v2", 8, "standardFSv2Family"),
    VmSize("Standard_F16s_v2", 16, "standardFSv2Family"),
    VmSize("Standard_F32s_v2", 32, "standardFSv2Family"),
    VmSize("Standard_E8s_v5", 8, "standardESv5Family"),
    VmSize("Standard_E16s_v5", 16, "standardESv5Family"),
    VmSize("Standard_NC4as_T4_v3", 4, "standardNCASv3_T4Family"),
    VmSize("Standard_NC8as_T4_v3", 8, "standardNCASv3_T4Family"),
    VmSize("Standard_NC16as_T4_v3", 16, "standardNCASv3_T4Family"),
)
VM_SIZES = {size.name.lower(): size for size in _SIZES}


def vm_size(name: str) -> VmSize | None:
    """The size's cores and family, or None when the table does not know it."""
    return VM_SIZES.get(name.strip().lower())
