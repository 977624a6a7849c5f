"""Every stuck or failed state named, from plain facts (and from the service's own models)."""

from __future__ import annotations

import pytest
from azure.batch import models

from azure_batch_maya.app.jobs.health import (
    JobFacts,
    NodeFacts,
    PoolFacts,
    ResizeProblem,
    job_verdict,
    node_facts,
    pool_facts,
    pool_problems,
)
from azure_batch_maya.services.tasks import PreparationFailure, TaskCounts

WAITING = TaskCounts(active=3, running=0, completed=0, succeeded=0, failed=0)


def pool(**changes: object) -> PoolFacts:
    base: dict[str, object] = {
        "id": "azbm-shot010",
        "vm_size": "Standard_D8s_v5",
        "state": "active",
        "allocation_state": "steady",
        "dedicated": (0, 2),
        "spot": (0, 0),
    }
    base.update(changes)
    return PoolFacts(**base)  # type: ignore[arg-type]


def job(pool_facts: PoolFacts | None, counts: TaskCounts = WAITING, **changes: object) -> JobFacts:
    base: dict[str, object] = {
        "id": "shot010-1",
        "state": "active",
        "counts": counts,
        "pool_id": pool_facts.id if pool_facts else "",
        "pool": pool_facts,
    }
    base.update(changes)
    return JobFacts(**base)  # type: ignore[arg-type]


QUOTA = ResizeProblem(
    "AccountCoreQuotaReached",
    "The specified account has reached VM core quota limit. Contact support to increase it.",
)


def test_a_steady_pool_with_a_quota_error_and_no_nodes_is_stuck_for_good():
    verdict = job_verdict(job(pool(resize_errors=(QUOTA,))))
    assert verdict.status == "stuck" and verdict.definitive
    (problem,) = verdict.problems
    assert problem.text == f"Pool azbm-shot010: AccountCoreQuotaReached: {QUOTA.message}"
    assert "standardDSv5Family" in problem.remedy  # the VM family whose quota to raise
    assert "Quotas › Request quota increase" in problem.remedy
    assert problem.to_json()["pool"] == "azbm-shot010"


def test_while_the_pool_still_resizes_the_error_is_shown_but_the_wait_goes_on():
    verdict = job_verdict(job(pool(resize_errors=(QUOTA,), allocation_state="resizing")))
    assert verdict.status == "stuck" and not verdict.definitive


def test_an_autoscaled_pool_tries_again_by_itself_so_its_resize_error_is_no_dead_end():
    verdict = job_verdict(job(pool(resize_errors=(QUOTA,), auto_scale=True)))
    assert verdict.status == "stuck" and not verdict.definitive


def test_on_the_local_pool_the_remedy_names_its_slots_not_azure_quotas():
    (problem,) = pool_problems(pool(resize_errors=(QUOTA,), local=True))
    assert "--slots" in problem.remedy and "portal" not in problem.remedy


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AccountLowPriorityCoreQuotaReached", "Spot"),
        ("AccountSpotCoreQuotaReached", "Spot cores"),
        ("AccountVMSeriesCoreQuotaReached", "standardDSv5Family VM family"),
        ("AllocationFailed", "pick another VM size"),
        ("AllocationTimedout", "resize timeout"),
        ("RemoveNodesFailed", "pools delete azbm-shot010"),
        ("ResizeStopped", "stop-resize"),
        ("SomethingNew", "the service gave this reason"),
    ],
)
def test_each_resize_error_code_has_its_remedy(code, words):
    (problem,) = pool_problems(pool(resize_errors=(ResizeProblem(code, "said"),)))
    assert problem.code == code and words in problem.remedy and problem.definitive


def test_nodes_whose_start_task_failed_name_the_node_the_exit_code_and_where_stderr_is():
    nodes = (
        NodeFacts("tvm-1", "starttaskfailed", start_task_exit_code=2),
        NodeFacts("tvm-2", "starttaskfailed", start_task_exit_code=2),
    )
    verdict = job_verdict(job(pool(nodes=nodes, dedicated=(2, 2))))
    assert verdict.definitive
    (problem,) = verdict.problems
    assert problem.code == "StartTaskFailed"
    assert "2 of 2 nodes (tvm-1: exit code 2)" in problem.message
    assert "startup/stderr.txt on node tvm-1" in problem.remedy


def test_one_good_node_left_means_waiting_is_not_pointless():
    nodes = (NodeFacts("tvm-1", "starttaskfailed", start_task_exit_code=1), NodeFacts("b", "idle"))
    verdict = job_verdict(job(pool(nodes=nodes, dedicated=(2, 2))))
    assert verdict.status == "stuck" and not verdict.definitive


def test_unusable_and_preempted_nodes_are_named():
    nodes = (
        NodeFacts("tvm-1", "unusable", errors=("DiskFull: the disk is full",)),
        NodeFacts("tvm-2", "preempted", dedicated=False),
    )
    problems = pool_problems(pool(nodes=nodes, dedicated=(1, 1), spot=(1, 1)))
    assert [p.code for p in problems] == ["NodeUnusable", "NodePreempted"]
    assert "tvm-1: DiskFull: the disk is full" in problems[0].message
    assert problems[0].definitive and not problems[1].definitive


def test_a_steady_pool_at_zero_nodes_under_a_waiting_job_says_resize():
    verdict = job_verdict(job(pool(dedicated=(0, 0))))
    assert verdict.status == "stuck" and not verdict.definitive
    assert verdict.problems[0].code == "PoolHasNoNodes"
    assert "pools resize azbm-shot010 --dedicated N" in verdict.problems[0].remedy
    assert pool_problems(pool(dedicated=(0, 0), auto_scale=True)) == ()


def test_a_failed_preparation_on_every_node_is_stuck_and_names_the_node():
    facts = pool(nodes=(NodeFacts("tvm-1", "idle"),), dedicated=(1, 1))
    failure = PreparationFailure("tvm-1", 127, "", "mayapy: not found")
    verdict = job_verdict(job(facts, preparation_failures=(failure,)))
    assert verdict.definitive
    (problem,) = verdict.problems
    assert problem.code == "JobPreparationFailed" and "tvm-1: exit code 127" in problem.message
    assert "--stand-in" in problem.remedy


def test_a_missing_pool_is_stuck_for_good():
    verdict = job_verdict(job(None, pool_id="gone", pool_missing=True))
    assert verdict.definitive and verdict.problems[0].code == "PoolNotFound"


def test_ended_jobs_are_completed_failed_or_ended():
    done = TaskCounts(0, 0, 3, 3, 0)
    failed = TaskCounts(0, 0, 3, 1, 2)
    stopped = TaskCounts(2, 0, 1, 1, 0)
    assert job_verdict(job(None, done)).status == "completed"
    verdict = job_verdict(job(None, failed))
    assert verdict.status == "failed" and verdict.problems[0].code == "TasksFailed"
    assert "jobs retry shot010-1" in verdict.problems[0].remedy
    assert job_verdict(job(None, stopped, state="completed")).status == "ended"


def test_running_tasks_are_not_stuck_even_beside_a_dead_node():
    running = TaskCounts(2, 1, 0, 0, 0)
    nodes = (NodeFacts("a", "running"), NodeFacts("b", "unusable"))
    verdict = job_verdict(job(pool(nodes=nodes, dedicated=(2, 2)), running))
    assert verdict.status == "running" and verdict.problems[0].code == "NodeUnusable"


def test_facts_come_from_the_services_own_json():
    """The data-layer seam: node and pool JSON as Batch sends it (start tasks on the local
    pool are being built elsewhere; until then this is how `starttaskfailed` is checked)."""
    node = models.BatchNode(
        {
            "id": "tvm-1",
            "state": "starttaskfailed",
            "isDedicated": True,
            "startTaskInfo": {
                "state": "completed",
                "exitCode": 1,
                "retryCount": 1,
                "result": "failure",
                "failureInfo": {
                    "category": "usererror",
                    "code": "FailureExitCode",
                    "message": "The task exited with an exit code representing a failure",
                },
            },
            "errors": [{"code": "NodeStartTaskFailed", "message": "start task failed"}],
        }
    )
    facts = node_facts(node)
    assert facts.state == "starttaskfailed" and facts.start_task_exit_code == 1
    assert facts.start_task_failure.startswith("FailureExitCode: The task exited")
    assert facts.errors == ("NodeStartTaskFailed: start task failed",)
    batch_pool = models.BatchPool(
        {
            "id": "p",
            "vmSize": "standard_d8s_v5",
            "state": "active",
            "allocationState": "steady",
            "currentDedicatedNodes": 1,
            "targetDedicatedNodes": 1,
            "resizeErrors": [{"code": "AllocationTimedout", "message": "timed out"}],
        }
    )
    facts_of_pool = pool_facts(batch_pool, [node], local=False)
    assert facts_of_pool.resize_errors == (ResizeProblem("AllocationTimedout", "timed out"),)
    codes = [p.code for p in pool_problems(facts_of_pool)]
    assert codes == ["AllocationTimedout", "StartTaskFailed"]


def test_a_failed_scout_is_a_definitive_stop_naming_the_frame_and_the_end_of_its_stderr():
    from azure_batch_maya.app.jobs.health import ScoutFailure

    counts = TaskCounts(active=10, running=0, completed=3, succeeded=2, failed=1)
    stderr = "loading scene\nERROR: texture wood.tx missing\n\n"
    facts = JobFacts(
        "shot", "active", counts, "pool", scout_failures=(ScoutFailure("frames-0007", 3, stderr),)
    )
    verdict = job_verdict(facts)
    assert verdict.status == "stuck" and verdict.definitive
    first = verdict.problems[0]
    assert first.code == "ScoutsFailed"
    assert first.message == (
        "scouts failed: frame 7 (task frames-0007, exit code 3), so the rest of the job will "
        "not start: ERROR: texture wood.tx missing"
    )
    assert "jobs cancel shot" in first.remedy


def test_scouts_that_all_rendered_wait_for_the_artists_go():
    counts = TaskCounts(active=9, running=0, completed=3, succeeded=3, failed=0)
    verdict = job_verdict(JobFacts("shot", "active", counts, "pool", awaiting_go=True))
    assert verdict.status == "stuck" and verdict.definitive
    assert [p.code for p in verdict.problems] == ["WaitingForRelease"]
    assert "jobs release shot" in verdict.problems[0].remedy
    assert job_verdict(JobFacts("shot", "active", counts, "pool")).status == "waiting"
