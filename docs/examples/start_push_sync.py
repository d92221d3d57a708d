"""Start a wfm-push bulk push from Python and learn at once whether its plan was accepted (Update-with-Start).

    python start_push_sync.py plan.json [--supersede]

Environment as for start_push.py: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
WFM_PUSH_TASK_QUEUE (default wfm-push), and WFM_PUSH_CODEC_KEYS when the workers encrypt payloads (their default).
One call starts `bulkPush` with the plan inline (or joins the running push of the same plan ID) and waits for its
`accepted` update: prints {"accepted": {planId, schedules, agentsPlanned}, "workflowId", "runId"} as JSON (exit 0), or
the plan's problems, each named by its path (exit 2). It does not wait for the push to end.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from start_push import converter_from_env


async def main(plan_file: str, supersede: bool) -> int:
    with open(plan_file, encoding="utf-8") as f:
        plan = json.load(f)
    client = await Client.connect(
        os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
        data_converter=converter_from_env(),
    )
    start = {"plan": plan, "maxInFlight": 50}
    if supersede:
        start["supersede"] = True  # Take over the schedules an older plan's push still works on.
    operation = WithStartWorkflowOperation(
        "bulkPush",
        start,
        id=f"bulk-push:{plan['planId']}",  # The contract: the workflow ID names the plan.
        task_queue=os.environ.get("WFM_PUSH_TASK_QUEUE", "wfm-push"),
        # The same plan ID again joins the running push instead of starting another.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        accepted = await client.execute_update_with_start_workflow(
            "accepted", start_workflow_operation=operation
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in ("InvalidPlan", "PlanIdTaken"):
            print(cause.message.splitlines()[0], file=sys.stderr)
            for problem in (cause.details[0] if cause.details else {}).get("problems", []):
                print(f"{problem['path']}: {problem['message']}", file=sys.stderr)
            return 2
        raise
    handle = await operation.workflow_handle()
    print(json.dumps({"accepted": accepted, "workflowId": handle.id, "runId": handle.result_run_id}))
    return 0


if __name__ == "__main__":
    code = asyncio.run(main(sys.argv[1], "--supersede" in sys.argv[2:]))
    # See start_push.py: leave without the interpreter teardown the SDK's threads can crash.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
