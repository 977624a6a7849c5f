"""Container pools on the local pool: refused without an engine, and the engine commands.

No engine starts containers on the machines these tests run on (a docker client without a
daemon; podman whose runtime may not start containers in a sandbox), so the engine is the one
edge replaced here: a small script that answers as docker does and records each `run`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from azure.batch import models as m

from azure_batch_maya.local.process import start_local_pool
from tests.local.conftest import IMAGE, client_for, pool_options, py, wait_for

FAKE_ENGINE = """#!{python}
import json, os, sys
args = sys.argv[1:]
if args[:1] == ["info"]:
    sys.exit(0)
if args[:2] == ["image", "inspect"]:
    sys.exit(1 if args[2].startswith("missing") else 0)
if args[:1] == ["pull"]:
    print("registry unreachable", file=sys.stderr)
    sys.exit(1)
if args[:1] == ["import"]:
    sys.stdin.buffer.read()
    sys.exit(0)
if args[:1] == ["run"]:
    if args[-1] == "/probe":
        sys.exit(127)
    names = [args[i + 1] for i, a in enumerate(args) if a == "-e"]
    record = {{"argv": args, "env": {{n: os.environ.get(n) for n in names}}}}
    with open(os.path.join(os.path.dirname(sys.argv[0]), "runs.jsonl"), "a") as log:
        log.write(json.dumps(record) + "\\n")
    sys.exit(0)
sys.exit(2)
"""


def container_vm(*images: str) -> m.VirtualMachineConfiguration:
    return m.VirtualMachineConfiguration(
        image_reference=IMAGE.image_reference,
        node_agent_sku_id=IMAGE.node_agent_sku_id,
        container_configuration=m.BatchContainerConfiguration(
            type="dockerCompatible", container_image_names=list(images) or None
        ),
    )


def container_pool(pool_id: str, *images: str) -> m.BatchPoolCreateOptions:
    return m.BatchPoolCreateOptions(
        id=pool_id,
        vm_size="standard_d2s_v3",
        virtual_machine_configuration=container_vm(*images),
        target_dedicated_nodes=1,
    )


def _node(batch, pool_id, state):
    nodes = list(batch.list_nodes(pool_id))
    return nodes[0] if nodes and nodes[0].state == state else None


def _job(batch, job_id, pool_id):
    batch.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))


def _completed(batch, job_id, task_id):
    task = batch.get_task(job_id, task_id)
    return task if task.state == "completed" else None


def test_without_an_engine_container_nodes_are_unusable_and_tasks_wait(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_BATCH_MAYA_CONTAINER_ENGINE", "abm-no-such-engine")
    with start_local_pool(tmp_path / "pool", slots=1) as local:
        batch = client_for(local)
        batch.create_pool(container_pool("boxed"))
        node = wait_for(lambda: _node(batch, "boxed", "unusable"))
        (error,) = node.errors
        assert error.code == "ContainerEngineUnavailable"
        assert "abm-no-such-engine: not found on PATH" in error.message
        assert "Install and start Docker or Podman" in error.message
        _job(batch, "boxed-job", "boxed")
        settings = m.BatchTaskContainerSettings(image_name="maya:2025")
        batch.create_task(
            "boxed-job",
            m.BatchTaskCreateOptions(id="t", command_line="render", container_settings=settings),
        )
        wait_for(lambda: batch.get_pool("boxed").allocation_state == "steady")
        assert batch.get_task("boxed-job", "t").state == "active"
        counts = next(c for c in batch.list_pool_node_counts() if c.pool_id == "boxed")
        assert counts.dedicated is not None and counts.dedicated.unusable == 1


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in engine is a script")


@pytest.fixture
def fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A docker look-alike on this machine; returns the file where it logs each `run`
    (beside itself: a task's engine client gets only a few of this machine's variables)."""
    engine = tmp_path / "fake-docker"
    engine.write_text(FAKE_ENGINE.format(python=sys.executable))
    engine.chmod(0o755)
    monkeypatch.setenv("AZURE_BATCH_MAYA_CONTAINER_ENGINE", str(engine))
    return tmp_path / "runs.jsonl"


@posix_only
def test_container_tasks_run_through_the_engine_with_batch_mounts_and_variables(
    tmp_path, fake_engine
):
    with start_local_pool(tmp_path / "pool", slots=2) as local:
        batch = client_for(local)
        batch.create_pool(container_pool("boxed", "maya:2025"))
        node = wait_for(lambda: _node(batch, "boxed", "idle"))
        assert node.errors is None
        _job(batch, "boxed-job", "boxed")
        settings = m.BatchTaskContainerSettings(
            image_name="maya:2025", container_run_options="--gpus all --shm-size 2g"
        )
        batch.create_tasks(
            "boxed-job",
            [
                m.BatchTaskCreateOptions(
                    id="boxed",
                    command_line="mayapy -c 'print(1)'",
                    container_settings=settings,
                    environment_settings=[m.EnvironmentSetting(name="FRAME", value="12")],
                ),
                m.BatchTaskCreateOptions(id="bare", command_line=py("print('on the host')")),
            ],
        )
        boxed = wait_for(lambda: _completed(batch, "boxed-job", "boxed"))
        bare = wait_for(lambda: _completed(batch, "boxed-job", "bare"))
        assert boxed.execution_info.result == "success"
        # As the service does, a task without containerSettings fails on a container node.
        failure = bare.execution_info.failure_info
        assert (failure.code, failure.message) == (
            "ContainerTaskSettingsNotFound",
            "Container-enabled compute node requires task container settings",
        )
        assert bare.execution_info.exit_code is None

        (record,) = [json.loads(line) for line in fake_engine.read_text().splitlines()]
        argv, env = record["argv"], record["env"]
        root = Path(env["AZ_BATCH_NODE_ROOT_DIR"])
        assert argv[:3] == ["run", "--rm", "--name"]
        assert argv[argv.index("-v") + 1] == f"{root}:{root}"
        assert Path(argv[argv.index("-w") + 1]) == Path(env["AZ_BATCH_TASK_WORKING_DIR"])
        assert argv[-6:] == ["--shm-size", "2g", "maya:2025", "mayapy", "-c", "print(1)"]
        assert argv[-8:-6] == ["--gpus", "all"]
        assert env["FRAME"] == "12" and env["AZ_BATCH_TASK_ID"] == "boxed"
        assert "PATH" not in env  # the container gets Batch's variables, not this machine's


@posix_only
def test_an_image_that_cannot_be_fetched_makes_the_node_unusable(tmp_path, fake_engine):
    with start_local_pool(tmp_path / "pool", slots=1) as local:
        batch = client_for(local)
        batch.create_pool(container_pool("unfetched", "missing/maya:2025"))
        node = wait_for(lambda: _node(batch, "unfetched", "unusable"))
        assert node.errors[0].code == "ContainerImageUnavailable"
        assert "missing/maya:2025" in node.errors[0].message
        assert "registry unreachable" in node.errors[0].message


def test_container_settings_on_a_pool_without_containers_fail_the_task(batch):
    batch.create_pool(pool_options("plain-box", nodes=1))
    _job(batch, "plain-box-job", "plain-box")
    batch.create_task(
        "plain-box-job",
        m.BatchTaskCreateOptions(
            id="t",
            command_line=py("print('must not run')"),
            container_settings=m.BatchTaskContainerSettings(image_name="maya:2025"),
        ),
    )
    task = wait_for(lambda: _completed(batch, "plain-box-job", "t"))
    assert task.execution_info.failure_info.code == "ContainerSettingsNotSupported"
    names = {f.name for f in batch.list_task_files("plain-box-job", "t")}
    assert "stdout.txt" not in names  # it never ran
    batch.begin_delete_job("plain-box-job", polling_interval=0.1).result()
    batch.begin_delete_pool("plain-box", polling_interval=0.1)
