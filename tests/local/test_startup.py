"""Pool start tasks on the local pool: run as nodes join, retried, waited for, recorded."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from azure.batch import models as m
from azure.batch.models._models import BatchNodeRebootOptions  # not exported by the SDK
from azure.core.exceptions import HttpResponseError

from azure_batch_maya.local.process import start_local_pool
from tests.local.conftest import client_for, code_of, pool_options, py, wait_for


def gated(marker: Path, then: str = "pass") -> str:
    """A command that waits until `marker` exists, then runs `then`."""
    return py(
        "import os, sys, time; [time.sleep(0.05) for _ in range(1200)"
        f" if not os.path.exists(r'{marker}')]; {then}"
    )


def counted(tries: Path, then: str) -> str:
    """A command that marks its run in `tries` (made here), then runs `then`, which sees
    `n`, the number of runs before this one."""
    tries.mkdir()
    return py(
        f"import pathlib, sys; d = pathlib.Path(r'{tries}'); n = len(list(d.iterdir()));"
        f" (d / str(n)).touch(); {then}"
    )


def start_task(command: str, **extra) -> m.BatchStartTask:
    return m.BatchStartTask(command_line=command, **extra)


def node_of(batch, pool_id):
    nodes = list(batch.list_nodes(pool_id))
    return nodes[0] if nodes else None


def node_file(batch, pool_id, node_id, path) -> bytes:
    return b"".join(batch.download_node_file(pool_id, node_id, path))


@pytest.fixture
def served(tmp_path) -> Iterator[str]:
    """A tiny HTTP server for resource files: yields its base URL."""
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "tool.txt").write_text("installer")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_start_task_runs_in_the_node_startup_folder_before_any_task(batch, tmp_path, served):
    go = tmp_path / "go"
    dump = (
        "import json, os; print(json.dumps({'cwd': os.getcwd(), 'tool': open('tool.txt').read(),"
        " 'env': {k: v for k, v in os.environ.items() if k.startswith('AZ_BATCH') or k == 'SITE'}"
        "}))"
    )
    batch.create_pool(
        pool_options(
            "boot",
            nodes=1,
            start_task=start_task(
                gated(go, dump.replace("import json, os; ", "import json; ")),
                resource_files=[m.ResourceFile(http_url=f"{served}/tool.txt")],
                environment_settings=[m.EnvironmentSetting(name="SITE", value="studio")],
                user_identity=m.UserIdentity(
                    auto_user=m.AutoUserSpecification(scope="pool", elevation_level="admin")
                ),
            ),
        )
    )
    batch.create_job(
        m.BatchJobCreateOptions(id="boot-job", pool_info=m.BatchPoolInfo(pool_id="boot"))
    )
    batch.create_task("boot-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    node = wait_for(
        lambda: (n := node_of(batch, "boot")) and n.state == "waitingforstarttask" and n
    )
    assert node.start_task_info.state == "running" and node.start_task_info.retry_count == 0
    assert batch.get_task("boot-job", "t").state == "active"  # no usable node yet

    go.touch()
    node = wait_for(lambda: (n := batch.get_node("boot", node.id)).state == "idle" and n)
    info = node.start_task_info
    assert (info.state, info.result, info.exit_code, info.retry_count) == (
        "completed",
        "success",
        0,
        0,
    )
    assert info.start_time <= info.end_time and info.failure_info is None
    assert node.start_task.command_line.startswith('"')
    out = json.loads(node_file(batch, "boot", node.id, "startup/stdout.txt"))
    env = out["env"]
    startup = Path(env["AZ_BATCH_NODE_STARTUP_DIR"])
    assert startup == Path(env["AZ_BATCH_NODE_ROOT_DIR"]) / "startup"
    assert Path(out["cwd"]) == startup / "wd" == Path(env["AZ_BATCH_TASK_WORKING_DIR"])
    assert out["tool"] == "installer" and env["SITE"] == "studio"
    assert env["AZ_BATCH_TASK_USER_IDENTITY"] == "PoolAdmin"
    assert "AZ_BATCH_JOB_ID" not in env
    done = wait_for(lambda: (t := batch.get_task("boot-job", "t")).state == "completed" and t)
    assert done.execution_info.result == "success"
    assert done.execution_info.start_time >= info.end_time
    counts = next(c for c in batch.list_pool_node_counts() if c.pool_id == "boot")
    assert counts.dedicated.idle == 1 and counts.dedicated.total == 1
    batch.begin_delete_job("boot-job", polling_interval=0.1).result()
    batch.begin_delete_pool("boot", polling_interval=0.1)


def test_a_failed_start_task_leaves_the_node_starttaskfailed_and_tasks_waiting(batch, tmp_path):
    tries = tmp_path / "tries"
    fail = counted(tries, "print('no licence server', file=sys.stderr); sys.exit(3)")
    batch.create_pool(
        pool_options("broken", nodes=1, start_task=start_task(fail, max_task_retry_count=1))
    )
    batch.create_job(
        m.BatchJobCreateOptions(id="broken-job", pool_info=m.BatchPoolInfo(pool_id="broken"))
    )
    batch.create_task("broken-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    node = wait_for(lambda: (n := node_of(batch, "broken")) and n.state == "starttaskfailed" and n)
    info = node.start_task_info
    assert (info.state, info.result, info.exit_code, info.retry_count) == (
        "completed",
        "failure",
        3,
        1,
    )
    assert info.last_retry_time is not None
    assert (info.failure_info.category, info.failure_info.code) == ("usererror", "FailureExitCode")
    assert node_file(batch, "broken", node.id, "startup/stderr.txt").strip() == b"no licence server"
    assert len(list(tries.iterdir())) == 2  # the first run and one retry
    assert batch.get_task("broken-job", "t").state == "active"
    counts = next(c for c in batch.list_pool_node_counts() if c.pool_id == "broken")
    assert counts.dedicated.start_task_failed == 1

    # Fixed at its source, a reboot runs the start task again and the task runs.
    batch.update_pool("broken", m.BatchPoolUpdateOptions(start_task=start_task(py("pass"))))
    batch.begin_reboot_node(
        "broken", node.id, BatchNodeRebootOptions(node_reboot_kind="requeue"), polling_interval=0.1
    ).result()
    node = wait_for(lambda: (n := batch.get_node("broken", node.id)).state == "idle" and n)
    assert node.start_task_info.result == "success" and node.start_task_info.retry_count == 0
    done = wait_for(lambda: (t := batch.get_task("broken-job", "t")).state == "completed" and t)
    assert done.execution_info.result == "success"
    batch.begin_delete_job("broken-job", polling_interval=0.1).result()
    batch.begin_delete_pool("broken", polling_interval=0.1)


def test_start_task_retries_until_it_succeeds(batch, tmp_path):
    tries = tmp_path / "tries"
    flaky = counted(tries, "sys.exit(0 if n == 2 else 1)")
    batch.create_pool(
        pool_options("flaky-boot", nodes=1, start_task=start_task(flaky, max_task_retry_count=5))
    )
    node = wait_for(lambda: (n := node_of(batch, "flaky-boot")) and n.state == "idle" and n)
    info = node.start_task_info
    assert (info.result, info.retry_count, info.exit_code) == ("success", 2, 0)
    assert len(list(tries.iterdir())) == 3
    batch.begin_delete_pool("flaky-boot", polling_interval=0.1)


def test_without_wait_for_success_the_node_takes_tasks_while_its_start_task_runs(batch, tmp_path):
    go = tmp_path / "go"
    batch.create_pool(
        pool_options(
            "eager",
            nodes=1,
            start_task=start_task(gated(go, "sys.exit(4)"), wait_for_success=False),
        )
    )
    batch.create_job(
        m.BatchJobCreateOptions(id="eager-job", pool_info=m.BatchPoolInfo(pool_id="eager"))
    )
    batch.create_task("eager-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    wait_for(lambda: batch.get_task("eager-job", "t").state == "completed")
    node = node_of(batch, "eager")
    assert node.state == "idle" and node.start_task_info.state == "running"
    go.touch()
    node = wait_for(
        lambda: (n := batch.get_node("eager", node.id)).start_task_info.state == "completed" and n
    )
    # A failed start task that was not waited for leaves the node usable.
    assert node.start_task_info.result == "failure" and node.start_task_info.exit_code == 4
    assert node.state == "idle"
    batch.begin_delete_job("eager-job", polling_interval=0.1).result()
    batch.begin_delete_pool("eager", polling_interval=0.1)


def test_a_killed_server_adopts_a_running_start_task_and_keeps_its_result(tmp_path):
    data = tmp_path / "pool"
    runs = tmp_path / "runs"
    go = tmp_path / "go"
    command = gated(go, f"open(r'{runs}', 'a').write('ran\\n')").replace(
        "[time", f"open(r'{runs}', 'a').write('started\\n'); [time"
    )
    first = start_local_pool(data, slots=1)
    try:
        batch = client_for(first)
        batch.create_pool(pool_options("adopt", nodes=1, start_task=start_task(command)))
        wait_for(
            lambda: (
                runs.exists()
                and (n := node_of(batch, "adopt"))
                and n.state == "waitingforstarttask"
            )
        )
    finally:
        first.kill()
    go.touch()
    with start_local_pool(data, port=first.port, slots=1) as second:
        batch = client_for(second)
        node = wait_for(lambda: (n := node_of(batch, "adopt")) and n.state == "idle" and n)
        assert node.start_task_info.result == "success"
    assert runs.read_text().split() == ["started", "ran"]  # run once, not twice


def test_a_named_user_is_refused_since_no_accounts_are_made(batch):
    named = m.UserIdentity(username="render")
    with pytest.raises(HttpResponseError) as refused:
        batch.create_pool(
            pool_options("named", nodes=1, start_task=start_task(py("pass"), user_identity=named))
        )
    assert code_of(refused.value) == "UnsupportedProperty"
    with pytest.raises(HttpResponseError):
        batch.get_pool("named")
