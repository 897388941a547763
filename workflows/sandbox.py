"""The sandbox workflows run in, for the worker and the replayer alike."""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, passing through pure domain code and Jinja2.

    `models` is deterministic and holds `ZoneInfo` objects, which must be the real ones
    (the sandbox proxies them otherwise); policy validation parses templates lazily.
    """
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        "models", "jinja2", "markupsafe"
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)
