"""Systems at clients' sites (`/orgs/{org_id}/systems`, `/systems/{system_id}`), and the
contracts and warranties that cover them (`/systems/{system_id}/contracts`, `/contracts/{id}`,
and the same for warranties). Roles and visibility as in api/routers/registry_orgs.py."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlmodel import Session

from api.auth import Identity, ManagesRegistry, actor_of, current_identity
from api.deps import SessionDep
from api.registry_view import UNAUTHENTICATED, WRITE_REFUSED, RegistryView
from escalator import registry
from escalator.registry.inputs import (
    ContractChanges,
    NewContract,
    NewSystem,
    NewWarranty,
    SystemChanges,
    WarrantyChanges,
)
from escalator.registry.records import Contract, System, Warranty, system

router = APIRouter(
    tags=["registry"], dependencies=[Depends(current_identity)], responses=UNAUTHENTICATED
)

NO_ORG: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such organisation, or one the caller may not see"}
}
NO_SYSTEM: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such system, or one of an organisation the caller may not see"}
}
HOST_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"description": "Another system has this host ID"}
}
REFERENCE_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"description": "Another contract (or warranty) has this reference"}
}
# Row ids are 32-bit: a larger number is a 422, not a 500.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get(
    "/orgs/{org_id}/systems",
    response_model=list[System],
    operation_id="list_systems",
    responses=NO_ORG,
)
def list_systems(org_id: str, session: SessionDep, visible: RegistryView) -> list[System]:
    """The organisation's systems, by host ID."""
    return registry.list_systems(session, org_id, visible)


@router.post(
    "/orgs/{org_id}/systems",
    status_code=201,
    response_model=System,
    operation_id="add_system",
    responses={**WRITE_REFUSED, **NO_ORG, **HOST_TAKEN},
)
def add_system(
    org_id: str, body: NewSystem, identity: ManagesRegistry, session: SessionDep
) -> System:
    with registry.editing(session, actor_of(identity)) as edit:
        answer = system(registry.add_system(edit, org_id, body))
    return answer


@router.get(
    "/systems/{system_id}", response_model=System, operation_id="get_system", responses=NO_SYSTEM
)
def get_system(session: SessionDep, visible: RegistryView, system_id: RowId) -> System:
    return registry.read_system(session, system_id, visible)


@router.patch(
    "/systems/{system_id}",
    response_model=System,
    operation_id="update_system",
    responses={**WRITE_REFUSED, **NO_SYSTEM, **HOST_TAKEN},
)
def update_system(
    body: SystemChanges, identity: ManagesRegistry, session: SessionDep, system_id: RowId
) -> System:
    with registry.editing(session, actor_of(identity)) as edit:
        answer = system(registry.update_system(edit, system_id, body))
    return answer


@router.delete(
    "/systems/{system_id}",
    response_model=System,
    operation_id="remove_system",
    responses={
        **WRITE_REFUSED,
        **NO_SYSTEM,
        409: {"description": "Contracts or warranties still cover it: remove those first"},
    },
)
def remove_system(identity: ManagesRegistry, session: SessionDep, system_id: RowId) -> System:
    """Answers the system as it was."""
    with registry.editing(session, actor_of(identity)) as edit:
        answer = system(registry.remove_system(edit, system_id))
    return answer


def _list(
    session: Session, kind: registry.Kind, system_id: int, visible: registry.Visible
) -> list[Any]:
    return registry.list_coverage(session, kind, system_id, visible)


def _add(
    session: Session, identity: Identity, system_id: int, body: NewContract | NewWarranty
) -> Any:
    with registry.editing(session, actor_of(identity)) as edit:
        host = registry.system_row(session, system_id)
        row = registry.add_coverage(edit, host.org, host, body)
        answer = registry.coverage_record(session, row)
    return answer


def _update(
    session: Session,
    identity: Identity,
    kind: registry.Kind,
    coverage_id: int,
    body: ContractChanges | WarrantyChanges,
) -> Any:
    with registry.editing(session, actor_of(identity)) as edit:
        row = registry.update_coverage(edit, kind, coverage_id, body)
        answer = registry.coverage_record(session, row)
    return answer


def _remove(session: Session, identity: Identity, kind: registry.Kind, coverage_id: int) -> Any:
    with registry.editing(session, actor_of(identity)) as edit:
        row = registry.coverage_row(session, kind, coverage_id)
        answer = registry.coverage_record(session, row)
        registry.remove_coverage(edit, kind, coverage_id)
    return answer


@router.get(
    "/systems/{system_id}/contracts",
    response_model=list[Contract],
    operation_id="list_contracts",
    responses=NO_SYSTEM,
)
def list_contracts(session: SessionDep, visible: RegistryView, system_id: RowId) -> list[Contract]:
    """The system's support contracts, by start."""
    return _list(session, "contract", system_id, visible)


@router.post(
    "/systems/{system_id}/contracts",
    status_code=201,
    response_model=Contract,
    operation_id="add_contract",
    responses={**WRITE_REFUSED, **NO_SYSTEM, **REFERENCE_TAKEN},
)
def add_contract(
    body: NewContract, identity: ManagesRegistry, session: SessionDep, system_id: RowId
) -> Contract:
    answer: Contract = _add(session, identity, system_id, body)
    return answer


@router.patch(
    "/contracts/{contract_id}",
    response_model=Contract,
    operation_id="update_contract",
    responses={**WRITE_REFUSED, 404: {"description": "No such contract"}, **REFERENCE_TAKEN},
)
def update_contract(
    body: ContractChanges,
    identity: ManagesRegistry,
    session: SessionDep,
    contract_id: RowId,
) -> Contract:
    answer: Contract = _update(session, identity, "contract", contract_id, body)
    return answer


@router.delete(
    "/contracts/{contract_id}",
    response_model=Contract,
    operation_id="remove_contract",
    responses={**WRITE_REFUSED, 404: {"description": "No such contract"}},
)
def remove_contract(identity: ManagesRegistry, session: SessionDep, contract_id: RowId) -> Contract:
    """Answers the contract as it was."""
    answer: Contract = _remove(session, identity, "contract", contract_id)
    return answer


@router.get(
    "/systems/{system_id}/warranties",
    response_model=list[Warranty],
    operation_id="list_warranties",
    responses=NO_SYSTEM,
)
def list_warranties(session: SessionDep, visible: RegistryView, system_id: RowId) -> list[Warranty]:
    """The system's hardware warranties, by start."""
    return _list(session, "warranty", system_id, visible)


@router.post(
    "/systems/{system_id}/warranties",
    status_code=201,
    response_model=Warranty,
    operation_id="add_warranty",
    responses={**WRITE_REFUSED, **NO_SYSTEM, **REFERENCE_TAKEN},
)
def add_warranty(
    body: NewWarranty, identity: ManagesRegistry, session: SessionDep, system_id: RowId
) -> Warranty:
    answer: Warranty = _add(session, identity, system_id, body)
    return answer


@router.patch(
    "/warranties/{warranty_id}",
    response_model=Warranty,
    operation_id="update_warranty",
    responses={**WRITE_REFUSED, 404: {"description": "No such warranty"}, **REFERENCE_TAKEN},
)
def update_warranty(
    body: WarrantyChanges,
    identity: ManagesRegistry,
    session: SessionDep,
    warranty_id: RowId,
) -> Warranty:
    answer: Warranty = _update(session, identity, "warranty", warranty_id, body)
    return answer


@router.delete(
    "/warranties/{warranty_id}",
    response_model=Warranty,
    operation_id="remove_warranty",
    responses={**WRITE_REFUSED, 404: {"description": "No such warranty"}},
)
def remove_warranty(identity: ManagesRegistry, session: SessionDep, warranty_id: RowId) -> Warranty:
    """Answers the warranty as it was."""
    answer: Warranty = _remove(session, identity, "warranty", warranty_id)
    return answer
