"""After Azurite crashed: upload again what tasks delivered since it last saved its index.

Azurite writes blob contents to disk at once but keeps its index in memory and saves it every
5 s (LokiJS autosave; on a graceful stop too). A crash loses the index entries of that last
stretch: outputs a task uploaded just before are gone although the task is recorded done.
The saved index file's modification time is when Azurite last saved, so at the next start
(before Azurite starts and saves again) every task that ended after that moment, minus a
margin, uploads its output files again from its node folder: uploads overwrite, so doing one
twice is harmless, and what a crash lost comes back.
"""

from __future__ import annotations

import logging
from pathlib import Path

from azure_batch_maya.local.formats import parse_iso
from azure_batch_maya.local.layout import NodeLayout
from azure_batch_maya.local.store import Store
from azure_batch_maya.local.transfer import TransferError, upload_output_files

log = logging.getLogger(__name__)

INDEX_FILE = "__azurite_db_blob__.json"  # Azurite's DEFAULT_BLOB_LOKI_DB_PATH
MARGIN_TICKS = 2 * 10_000_000  # 2 s in 100 ns ticks: clock granularity and save duration


def last_saved_ticks(azurite_dir: Path) -> int | None:
    """When Azurite last saved its index here (100 ns ticks), None if it never did."""
    try:
        return (azurite_dir / INDEX_FILE).stat().st_mtime_ns // 100
    except OSError:
        return None


def redeliver_outputs(store: Store, data_dir: Path, saved_ticks: int) -> int:
    """Upload again the outputs of tasks that ended after `saved_ticks`; how many tasks."""
    count = 0
    for job_id, task in store.states_of("completed"):
        info = task.get("executionInfo") or {}
        node = (task.get("nodeInfo") or {}).get("nodeId")
        if not info.get("endTime") or not node or not task.get("outputFiles"):
            continue
        if parse_iso(str(info["endTime"])) < saved_ticks - MARGIN_TICKS:
            continue
        working = NodeLayout(data_dir, str(node)).task_dir(job_id, str(task["id"])) / "wd"
        if not working.is_dir():
            continue
        try:
            upload_output_files(task["outputFiles"], working, info.get("result") == "success")
            count += 1
        except TransferError as error:
            log.warning(
                "could not deliver again the outputs of %s/%s: %s", job_id, task["id"], error
            )
    if count:
        log.info("delivered again the outputs of %d tasks Azurite may have lost", count)
    return count
