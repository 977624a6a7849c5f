"""The "install at node start" route: the start task that installs the user's installers.

`start_task_for_installers` is pure: it takes the installers (from `transfer.installers`), the
URL of the install script and a URL per installer (SAS URLs into the store, made by
`app/pools/install.py`), and returns the service layer's `StartTaskSpec`.
The pool builder puts it on the pool; tasks then start Maya through `MAYAPY_WRAPPER`, which the
script writes below the node's shared folder whatever the installers were. On Azure it also
links it from `/usr/local/bin/mayapy` (so tasks that start `mayapy` by name find it, if the
node's PATH has that folder: unverified); the local pool changes nothing outside Batch's
folders, so there only the wrapper works.

The script runs elevated (pool-scope admin auto-user, so RPMs can install), `waitForSuccess`
keeps tasks off a node until it succeeds, and a failed install retries once before the node is
marked `starttaskfailed` with the script's one-line reason in `startup/stderr.txt`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources

from azure_batch_maya.render.commandline import NodeVar
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.services.batch import ResourceFileSpec, StartTaskSpec
from azure_batch_maya.transfer.installers import Installer

SCRIPT_NAMES: dict[NodeOS, str] = {"linux": "install_linux.sh", "windows": "install_windows.ps1"}
# Where the start task puts the script and the installers, below its working folder.
NODE_SCRIPT = {"linux": "azbm_install.sh", "windows": "azbm_install.ps1"}
INSTALLERS_DIR = "installers"
INSTALL_DIR = "azbm-install"  # below AZ_BATCH_NODE_SHARED_DIR: unpacked archives, markers
SHARED_VAR = "AZ_BATCH_NODE_SHARED_DIR"
# What a task runs as mayapy on a pool of this route (a node variable and a path below it).
MAYAPY_WRAPPER: dict[NodeOS, NodeVar] = {
    "linux": NodeVar(SHARED_VAR, f"/{INSTALL_DIR}/bin/mayapy"),
    "windows": NodeVar(SHARED_VAR, f"/{INSTALL_DIR}/bin/mayapy.cmd"),
}
START_TASK_RETRIES = 1


class InstallRouteError(ValueError):
    """The installers cannot make a start task for this pool; the message says what to change."""


def script_text(node_os: NodeOS) -> bytes:
    """The shipped install script for `node_os` (package data)."""
    files = resources.files("azure_batch_maya.node").joinpath("install")
    return files.joinpath(SCRIPT_NAMES[node_os]).read_bytes()


def command_line_for(node_os: NodeOS) -> str:
    """The start task's command line: Batch runs it without a shell, so one is named."""
    if node_os == "linux":
        return f"/bin/sh -c 'exec /bin/sh \"$AZ_BATCH_TASK_WORKING_DIR/{NODE_SCRIPT['linux']}\"'"
    return (
        "cmd /c powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "
        f'"%AZ_BATCH_TASK_WORKING_DIR%\\{NODE_SCRIPT["windows"]}"'
    )


def install_environment(installers: Sequence[Installer]) -> dict[str, str]:
    """The variables that tell the script what to install, in order (see the script's head)."""
    env = {"AZBM_INSTALL_COUNT": str(len(installers))}
    for index, installer in enumerate(installers, start=1):
        env[f"AZBM_INSTALL_{index}"] = f"{installer.sha256} {installer.kind} {installer.name}"
        if installer.args:
            env[f"AZBM_INSTALL_{index}_ARGS"] = installer.args
    return env


def start_task_for_installers(
    installers: Sequence[Installer],
    *,
    node_os: NodeOS,
    script_url: str,
    installer_urls: Mapping[str, str],
    max_retries: int = START_TASK_RETRIES,
) -> StartTaskSpec:
    """The pool's start task installing `installers` in order on `node_os` nodes.

    `installer_urls` maps each installer's name to a URL the node can read (a SAS URL that
    lasts as long as the pool may add nodes: a node joining after it expires fails its start
    task).
    """
    if not installers:
        raise InstallRouteError(
            "no installers to install at node start: add Maya's with "
            "`azure-batch-maya nodes installers add FILE`"
        )
    wrong = [i.name for i in installers if i.os != node_os]
    if wrong:
        raise InstallRouteError(
            f"{', '.join(wrong)} cannot install on {node_os} nodes; leave them out or use a "
            "pool of the OS they are for"
        )
    missing = [i.name for i in installers if i.name not in installer_urls]
    if missing:
        raise InstallRouteError(f"no URL for {', '.join(missing)}; publish the installers first")
    files = [ResourceFileSpec(file_path=NODE_SCRIPT[node_os], http_url=script_url)]
    files += [
        ResourceFileSpec(file_path=f"{INSTALLERS_DIR}/{i.name}", http_url=installer_urls[i.name])
        for i in installers
    ]
    return StartTaskSpec(
        command_line=command_line_for(node_os),
        environment=install_environment(installers),
        resource_files=tuple(files),
        elevated=True,
        wait_for_success=True,
        max_retries=max_retries,
    )
