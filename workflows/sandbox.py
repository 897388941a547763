"""The sandbox workflows run in, for the worker and the replayer alike."""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# CaseWorkflow's mixins, one module per concern. They keep no state at import, so the worker
# imports them once rather than once per case the sandbox starts: a fifth of what a new case
# cost the worker (bench/RESULTS.md). workflows/case.py, which defines the workflow, is still
# imported afresh for each run. Passed through, their calls are not checked by the sandbox's
# restrictions: tests/workflow/test_strict_sandbox.py runs every example policy's case with
# them inside it (`strict=True`), so a call that would break determinism fails there.
CASE_MIXINS = (
    "workflows.case_base",
    "workflows.case_clocks",
    "workflows.case_intake",
    "workflows.case_steps",
    "workflows.case_field",
)


def workflow_runner(*, strict: bool = False) -> SandboxedWorkflowRunner:
    """The sandbox, passing through pure domain code, Jinja2 and (unless `strict`) the case
    workflow's mixins.

    `models` is deterministic and holds `ZoneInfo` objects, which must be the real ones
    (the sandbox proxies them otherwise); policy validation parses templates lazily.
    """
    shared = () if strict else CASE_MIXINS
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        "models", "jinja2", "markupsafe", *shared
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)
