"""Keys stay with the user: a local task sees what a Batch node's task sees, files holding SAS
tokens are private, and failure messages never show a SAS.

Fault: the shell that starts the local pool holds the product's keys (as a user's does when
they use environment variables instead of the keyring).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from azure.batch import models as m

from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.local.process import start_local_pool
from azure_batch_maya.local.runner import PROCESS_VARIABLES_POSIX, PROCESS_VARIABLES_WINDOWS
from tests.local.conftest import client_for, pool_options, py, wait_for

SECRET = "key-that-must-not-leak"


def test_a_local_task_gets_a_batch_nodes_environment_and_none_of_the_users_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, azurite: AzuriteProcess
):
    monkeypatch.setenv("AZURE_BATCH_MAYA_BATCH_KEY", SECRET)
    monkeypatch.setenv("AZURE_BATCH_MAYA_STORAGE_KEY", SECRET)
    monkeypatch.setenv("SOME_SHELL_SETTING", "shell")
    with start_local_pool(tmp_path / "pool", slots=1) as pool:
        batch = client_for(pool)
        batch.create_pool(pool_options("p", nodes=1))
        batch.create_job(
            m.BatchJobCreateOptions(
                id="j",
                pool_info=m.BatchPoolInfo(pool_id="p"),
                common_environment_settings=[m.EnvironmentSetting(name="SHOW", value="demo")],
            )
        )
        sas = f"{azurite.blob_endpoint}/nothing/x.txt?sv=2021-08-06&sr=b&sp=r&sig={SECRET}"
        batch.create_task(
            "j",
            m.BatchTaskCreateOptions(
                id="env",
                command_line=py("import json, os; print(json.dumps(dict(os.environ)))"),
                environment_settings=[m.EnvironmentSetting(name="STORE", value=sas)],
            ),
        )
        batch.create_task(
            "j",
            m.BatchTaskCreateOptions(
                id="fetch",
                command_line=py("print(1)"),
                resource_files=[m.ResourceFile(http_url=sas, file_path="x.txt")],
            ),
        )
        wait_for(lambda: batch.get_task("j", "env").state == "completed")
        wait_for(lambda: batch.get_task("j", "fetch").state == "completed")
        env = json.loads(b"".join(batch.download_task_file("j", "env", "stdout.txt")))
        fetch_info = batch.get_task("j", "fetch").execution_info
        assert fetch_info is not None
        failure = fetch_info.failure_info
        data = pool.data_dir
        specs = list((data / "hosts").rglob("spec.json"))
        modes = {oct(spec.stat().st_mode & 0o777) for spec in specs}
        folder_mode = oct(data.stat().st_mode & 0o777)
    machine = PROCESS_VARIABLES_WINDOWS if os.name == "nt" else PROCESS_VARIABLES_POSIX
    extra = {k for k in env if not k.startswith("AZ_BATCH_")} - set(machine)
    # LC_CTYPE: Python itself sets it when it coerces a C locale (PEP 538).
    assert extra - {"LC_CTYPE"} == {"SHOW", "STORE"}
    assert SECRET not in json.dumps({k: v for k, v in env.items() if k != "STORE"})
    assert env["AZ_BATCH_TASK_ID"] == "env" and env["SHOW"] == "demo"
    assert failure is not None and failure.code == "ResourceFileDownloadFailed"
    message = str(failure.message)
    assert SECRET not in message and "sig=" not in message
    assert "/nothing/x.txt" in message  # it still says which file
    if sys.platform != "win32":
        assert specs and modes == {"0o600"}
        assert folder_mode == "0o700"
