"""The client registry service: organisations and the partners acting for clients, authorised
contacts, systems, contracts and warranties, and who changed what (docs/registry.md).

Every door (the HTTP API, the CLI, CSV files, the portal) reads and changes the registry
through these functions, never through the tables. A change happens inside `editing(session,
actor)`, which records each change in `registry_changes` and commits them together, or
nothing when anything is refused. No HTTP here: refusals are `RegistryError`s naming the
field (`loc`), which the API maps to statuses in one table (api/problems.py). Nothing is
cached: intake reads the tables at the moment a case opens.
"""

from escalator.registry.changes import Change, Edit, changes_of, editing
from escalator.registry.contacts import (
    add_contact,
    contact_by_email,
    contact_row,
    list_contacts,
    remove_contact,
    update_contact,
)
from escalator.registry.coverage import (
    Kind,
    add_coverage,
    coverage_by_reference,
    coverage_of_org,
    coverage_record,
    coverage_row,
    kind_of,
    list_coverage,
    remove_coverage,
    update_coverage,
)
from escalator.registry.csv_files import COLUMNS, CSV_KINDS, CsvKind, CsvRowError, export_csv
from escalator.registry.csv_import import ImportSummary, import_csv
from escalator.registry.errors import (
    RegistryDuplicate,
    RegistryError,
    RegistryInUse,
    RegistryInvalid,
    RegistryNotFound,
)
from escalator.registry.listing import OrganisationSummary, organisation_summaries
from escalator.registry.organisations import (
    Visible,
    create_organisation,
    list_organisations,
    organisation_row,
    read_organisation,
    update_organisation,
    visible_orgs,
)
from escalator.registry.systems import (
    add_system,
    list_systems,
    read_system,
    remove_system,
    system_by_host,
    system_row,
    update_system,
)

__all__ = [
    "COLUMNS",
    "CSV_KINDS",
    "Change",
    "CsvKind",
    "CsvRowError",
    "Edit",
    "ImportSummary",
    "Kind",
    "OrganisationSummary",
    "RegistryDuplicate",
    "RegistryError",
    "RegistryInUse",
    "RegistryInvalid",
    "RegistryNotFound",
    "Visible",
    "add_contact",
    "add_coverage",
    "add_system",
    "changes_of",
    "contact_by_email",
    "contact_row",
    "coverage_by_reference",
    "coverage_of_org",
    "coverage_record",
    "coverage_row",
    "create_organisation",
    "editing",
    "export_csv",
    "import_csv",
    "kind_of",
    "list_contacts",
    "list_coverage",
    "list_organisations",
    "list_systems",
    "organisation_row",
    "organisation_summaries",
    "read_organisation",
    "read_system",
    "remove_contact",
    "remove_coverage",
    "remove_system",
    "system_by_host",
    "system_row",
    "update_contact",
    "update_coverage",
    "update_organisation",
    "update_system",
    "visible_orgs",
]
