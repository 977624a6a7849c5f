"""Microsoft's documented autoscale formulas, copied unchanged, with where they come from.

The local pool must parse and evaluate each of these as written. Sources:
- DOCS: "Create an automatic formula for scaling compute nodes in a Batch pool",
  https://learn.microsoft.com/azure/batch/batch-automatic-scaling (MicrosoftDocs/azure-docs,
  articles/batch/batch-automatic-scaling.md, the 2019-10-24 revision).
- POWERSHELL: https://learn.microsoft.com/powershell/module/az.batch/enable-azbatchautoscale
  (Example 1), written for the older variable names `$TargetDedicated`/`$CurrentDedicated`;
  Test-AzBatchAutoScale's Example 1 evaluates the same formula and shows its results.
Where a page shows what an evaluation returned, `documented_results` holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://learn.microsoft.com/azure/batch/batch-automatic-scaling"
POWERSHELL = "https://learn.microsoft.com/powershell/module/az.batch/enable-azbatchautoscale"
POWERSHELL_TEST = "https://learn.microsoft.com/powershell/module/az.batch/test-azbatchautoscale"


@dataclass(frozen=True)
class Example:
    name: str
    source: str
    formula: str
    uses_resource_metrics: bool = False
    documented_results: str = ""


PENDING_TASKS = Example(
    "Sample autoscale formulas: Pending tasks",
    f"{DOCS}#pending-tasks",
    """startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);
$NodeDeallocationOption = taskcompletion;
""",  # noqa: E501
)

PREEMPTED_NODES = Example(
    "Sample autoscale formulas: Preempted nodes",
    f"{DOCS}#preempted-nodes",
    """maxNumberofVMs = 25;
$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));
$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);
$NodeDeallocationOption = taskcompletion;
""",  # noqa: E501
)

CPU = Example(
    "Write an autoscale formula: the complete formula",
    f"{DOCS}#write-an-autoscale-formula",
    """$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)
""",
    uses_resource_metrics=True,
)

MONDAYS = Example(
    "Create an autoscale-enabled pool with Batch SDKs: .NET",
    f"{DOCS}#net",
    "$TargetDedicatedNodes = (time().weekday == 1 ? 5:1);",
)

PYTHON_WORKING_HOURS = Example(
    "Create an autoscale-enabled pool with Batch SDKs: Python",
    f"{DOCS}#python",
    """$curTime = time();
             $workHours = $curTime.hour >= 8 && $curTime.hour < 18; 
             $isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5; 
             $isWorkingWeekdayHour = $workHours && $isWeekday; 
             $TargetDedicated = $isWorkingWeekdayHour ? 20:10;""",  # noqa: W291
)

KEEP_CURRENT = Example(
    "Evaluate an autoscale formula: enabling first",
    f"{DOCS}#evaluate-an-autoscale-formula",
    "$TargetDedicatedNodes = $CurrentDedicatedNodes;",
)

ZERO = Example(
    "Evaluate an autoscale formula: the one-line formula",
    f"{DOCS}#evaluate-an-autoscale-formula",
    "$TargetDedicatedNodes = 0",
)

TIME_BASED = Example(
    "Example 1: Time-based adjustment",
    f"{DOCS}#example-1-time-based-adjustment",
    """$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;
""",
)

TASK_BASED = Example(
    "Example 2: Task-based adjustment",
    f"{DOCS}#example-2-task-based-adjustment",
    """// Get pending tasks for the past 15 minutes.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
// If we have fewer than 70 percent data points, we use the last sample point,
// otherwise we use the maximum of last sample point and the history average.
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
// If number of pending tasks is not 0, set targetVM to pending tasks, otherwise
// half of current dedicated.
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
// The pool size is capped at 20, if target VM value is more than that, set it
// to 20. This value should be adjusted according to your use case.
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
// Set node deallocation mode - let running tasks finish before removing a node
$NodeDeallocationOption = taskcompletion;
""",  # noqa: E501
)

PARALLEL_TASKS = Example(
    "Example 3: Accounting for parallel tasks",
    f"{DOCS}#example-3-accounting-for-parallel-tasks",
    """// Determine whether 70 percent of the samples have been recorded in the past
// 15 minutes; if not, use last sample
$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1),avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
// Set the number of nodes to add to one-fourth the number of active tasks (the
// MaxTasksPerComputeNode property on this pool is set to 4, adjust this number
// for your use case)
$cores = $TargetDedicatedNodes * 4;
$extraVMs = (($tasks - $cores) + 3) / 4;
$targetVMs = ($TargetDedicatedNodes + $extraVMs);
// Attempt to grow the number of compute nodes to match the number of active
// tasks, with a maximum of 3
$TargetDedicatedNodes = max(0,min($targetVMs,3));
// Keep the nodes active until the tasks finish
$NodeDeallocationOption = taskcompletion;
""",  # noqa: E501
)

# Example 4 is a C# string.Format template; this is its text with {0} = the pool's creation
# time as DateTime.UtcNow.ToString("r") writes it, and {1} = 4, as the snippet formats it.
INITIAL_SIZE_TEMPLATE = """
    $TargetDedicatedNodes = {1};
    lifespan         = time() - time(""{0}"");
    span             = TimeInterval_Minute * 60;
    startup          = TimeInterval_Minute * 10;
    ratio            = 50;

    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), $ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : {1});
    """  # noqa: E501


def initial_size(created_rfc1123: str) -> Example:
    """Example 4 as its C# snippet formats it (a verbatim string: `""` is one quote)."""
    text = (
        INITIAL_SIZE_TEMPLATE.replace("{0}", created_rfc1123).replace("{1}", "4").replace('""', '"')
    )
    return Example(
        "Example 4: Setting an initial pool size",
        f"{DOCS}#example-4-setting-an-initial-pool-size",
        text,
    )


EVALUATE_SNIPPET = Example(
    "Evaluate an autoscale formula: the formula of the .NET snippet",
    f"{DOCS}#evaluate-an-autoscale-formula",
    """
        $curTime = time();
        $workHours = $curTime.hour >= 8 && $curTime.hour < 18;
        $isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
        $isWorkingWeekdayHour = $workHours && $isWeekday;
        $TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
    """,
    # "Successful evaluation of the formula shown in this code snippet produces results
    # similar to:" (one variable a line there), evaluated at 2016-10-13T19:18:47.805Z.
    documented_results="$TargetDedicatedNodes=10;$NodeDeallocationOption=requeue;"
    "$curTime=2016-10-13T19:18:47.805Z;$isWeekday=1;$isWorkingWeekdayHour=0;$workHours=0",
)

POWERSHELL_EXAMPLE = Example(
    "Enable-AzBatchAutoScale, Example 1",
    POWERSHELL,
    "totalNodes=($CPUPercent.GetSamplePercent(TimeInterval_Minute*0,TimeInterval_Minute*10)<0.7?5:(min($CPUPercent.GetSample(TimeInterval_Minute*0, TimeInterval_Minute*10))>0.8?($CurrentDedicated*1.1):$CurrentDedicated));$TargetDedicated=min(100,totalNodes);",  # noqa: E501
    uses_resource_metrics=True,
    # Test-AzBatchAutoScale, Example 1: `$Evaluation.AutoScaleRun.Results`.
    documented_results="$TargetDedicated=5;$NodeDeallocationOption=requeue;totalNodes=5",
)

EXAMPLES = (
    PENDING_TASKS,
    PREEMPTED_NODES,
    CPU,
    MONDAYS,
    PYTHON_WORKING_HOURS,
    KEEP_CURRENT,
    ZERO,
    TIME_BASED,
    TASK_BASED,
    PARALLEL_TASKS,
    initial_size("Thu, 13 Oct 2016 19:18:47 GMT"),
    EVALUATE_SNIPPET,
    POWERSHELL_EXAMPLE,
)
