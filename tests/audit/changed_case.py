"""A deliberately changed CaseWorkflow, for the replay test: it no longer acknowledges by e-mail.

Registered under the same name, so replaying a recorded case against it must report
that the history's commands do not match (the e-mail activity is missing).
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case.registry_facts import RegistryFacts
    from models.case.resource import CaseInput, CaseResult
    from workflows.case import CaseWorkflow


@workflow.defn(name="CaseWorkflow")
class ChangedCaseWorkflow(CaseWorkflow):
    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        return await super().run(case_input)

    async def _acknowledge_by_email(self) -> None:
        return None


@workflow.defn(name="CaseWorkflow")
class UncheckedContactsWorkflow(CaseWorkflow):
    """Changed otherwise: it no longer asks the registry anything (whether the requester is
    an authorised contact, ...), so a case it recorded does not replay on the current code."""

    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        return await super().run(case_input)

    async def _registry_facts(self, case_input: CaseInput) -> RegistryFacts:
        return RegistryFacts()


@workflow.defn(name="CaseWorkflow")
class UnprojectedCaseWorkflow(CaseWorkflow):
    """Changed for every policy: it no longer writes the read model, an activity every
    recorded case scheduled."""

    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        return await super().run(case_input)

    async def _project(self) -> None:
        return None
