"""`escalator org ...`: the client registry from the command line (docs/registry.md).

Every change is recorded with the actor `cli:` and the login name. A refusal prints the
field and the reason on stderr and exits 1.
"""

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from escalator import registry
from escalator.cli.database import cli_session, format_instant, print_table
from escalator.registry.checks import instant_from_text
from escalator.registry.inputs import (
    NewContact,
    NewContract,
    NewOrganisation,
    NewSystem,
    NewWarranty,
    OrganisationChanges,
)
from escalator.registry.merging import validated
from escalator.registry.records import Contract, Warranty
from models.tables.client_registry import CONTACT_ROLES, ORG_KINDS

Command = Callable[[argparse.Namespace, Session], int]


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def _holidays(text: str | None) -> dict[str, str | None]:
    """`--holidays US-CO` as the two fields; an empty value clears them."""
    if text is None:
        return {}
    country, _, subdivision = text.strip().partition("-")
    return {"holidays_country": country or None, "holidays_subdivision": subdivision or None}


def _given(**fields: Any) -> dict[str, Any]:
    """The options given on the command line (argparse leaves the others None)."""
    return {name: value for name, value in fields.items() if value is not None}


def _create(args: argparse.Namespace, session: Session) -> int:
    data = validated(
        NewOrganisation,
        _given(id=args.id, name=args.name, kind=args.kind, time_zone=args.time_zone)
        | _holidays(args.holidays)
        | _given(clients=args.clients.split(",") if args.clients else None),
    )
    with registry.editing(session, actor()) as edit:
        registry.create_organisation(edit, data)
    print(f"organisation {args.id} created")
    return 0


def _update(args: argparse.Namespace, session: Session) -> int:
    clients = None if args.clients is None else [c for c in args.clients.split(",") if c]
    changes = validated(
        OrganisationChanges,
        _given(name=args.name, kind=args.kind, time_zone=args.time_zone, clients=clients)
        | _holidays(args.holidays),
    )
    with registry.editing(session, actor()) as edit:
        registry.update_organisation(edit, args.id, changes)
    print(f"organisation {args.id} updated")
    return 0


def _list(_args: argparse.Namespace, session: Session) -> int:
    table: list[tuple[object, ...]] = [("ID", "KIND", "NAME", "TIME ZONE", "HOLIDAYS", "CLIENTS")]
    for org in registry.list_organisations(session):
        holidays = "-".join(p for p in (org.holidays_country, org.holidays_subdivision) if p)
        clients = ",".join(org.clients) or "-"
        table.append((org.id, org.kind, org.name, org.time_zone, holidays or "-", clients))
    print_table(table)
    return 0


def _show(args: argparse.Namespace, session: Session) -> int:
    org = registry.read_organisation(session, args.id)
    holidays = "-".join(p for p in (org.holidays_country, org.holidays_subdivision) if p)
    print(f"{org.id}: {org.name} ({org.kind}), {org.time_zone}, holidays {holidays or 'none'}")
    if org.clients:
        print(f"acts for: {', '.join(org.clients)}")
    if org.partners:
        print(f"partners: {', '.join(org.partners)}")
    print("\ncontacts:")
    contacts = registry.list_contacts(session, org.id)
    rows: list[tuple[object, ...]] = [("EMAIL", "NAME", "ROLE", "PHONE")]
    rows += [(c.email, c.name or "-", c.role, c.phone or "-") for c in contacts]
    print_table(rows)
    print("\nsystems:")
    rows = [("HOST ID", "TYPE", "RELEASE", "SITE", "REGION", "SITE ZONE")]
    rows += [
        (
            s.host_id,
            s.system_type or "-",
            s.software_release or "-",
            s.site or "-",
            s.region or "-",
            s.site_time_zone or "-",
        )
        for s in registry.list_systems(session, org.id)
    ]
    print_table(rows)
    print("\ncoverage:")
    rows = [("KIND", "REFERENCE", "HOST ID", "PLAN", "FROM", "UNTIL", "FEE")]
    for cover in registry.coverage_of_org(session, org.id):
        fee = "-"
        if isinstance(cover, Contract) and cover.monthly_fee is not None:
            fee = f"{cover.monthly_fee} {cover.currency}"
        kind = "contract" if isinstance(cover, Contract) else "warranty"
        if isinstance(cover, Warranty) and cover.extended:
            kind = "warranty (extended)"
        rows.append(
            (
                kind,
                cover.reference,
                cover.host_id or "whole client",
                cover.plan or "any",
                format_instant(cover.starts_at),
                format_instant(cover.expires_at),
                fee,
            )
        )
    print_table(rows)
    return 0


def _contact_add(args: argparse.Namespace, session: Session) -> int:
    data = validated(
        NewContact, _given(email=args.email, name=args.name, role=args.role, phone=args.phone)
    )
    with registry.editing(session, actor()) as edit:
        row = registry.add_contact(edit, args.org, data)
        email = row.email
    print(f"{email} may open cases for {args.org}")
    return 0


def _contact_remove(args: argparse.Namespace, session: Session) -> int:
    registry.organisation_row(session, args.org)
    row = registry.contact_by_email(session, args.org, args.email)
    if row is None or row.id is None:
        raise registry.RegistryNotFound(f"{args.org} has no contact {args.email}", loc=["email"])
    with registry.editing(session, actor()) as edit:
        registry.remove_contact(edit, args.org, row.id)
    print(f"{args.email.lower()} may no longer open cases for {args.org}")
    return 0


def _system_add(args: argparse.Namespace, session: Session) -> int:
    fields = _given(
        host_id=args.host_id,
        system_type=args.type,
        serial_numbers=args.serials,
        software_release=args.release,
        site=args.site,
        region=args.region,
        site_time_zone=args.time_zone,
    )
    data = validated(NewSystem, fields | _holidays(args.holidays))
    with registry.editing(session, actor()) as edit:
        registry.add_system(edit, args.org, data)
    print(f"system {args.host_id} added to {args.org}")
    return 0


def _coverage_add(args: argparse.Namespace, session: Session) -> int:
    system = registry.system_by_host(session, args.host_id)
    if system is None:
        raise registry.RegistryNotFound(f"no system {args.host_id!r}", loc=["host_id"])
    zone = registry.organisation_row(session, system.org).time_zone
    fields = _given(
        reference=args.reference,
        plan=args.plan,
        starts_at=instant_from_text(args.start, zone, "starts_at"),
        expires_at=instant_from_text(args.end, zone, "expires_at"),
    )
    if args.command_kind == "contract":
        fields |= _given(monthly_fee=args.monthly_fee, currency=args.currency)
        data: NewContract | NewWarranty = validated(NewContract, fields)
    else:
        data = validated(NewWarranty, fields | {"extended": args.extended})
    with registry.editing(session, actor()) as edit:
        registry.add_coverage(edit, system.org, system, data)
    print(f"{args.command_kind} {args.reference} covers {args.host_id} ({system.org})")
    return 0


def _import(args: argparse.Namespace, session: Session) -> int:
    text = Path(args.file).read_text(encoding="utf-8")
    summary = registry.import_csv(session, args.kind, text, actor())
    print(
        f"{args.kind}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged"
    )
    return 0


def _export(args: argparse.Namespace, session: Session) -> int:
    text = registry.export_csv(session, args.kind)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
    return 0


def _changes(args: argparse.Namespace, session: Session) -> int:
    registry.organisation_row(session, args.org)
    table: list[tuple[object, ...]] = [("AT", "ACTOR", "ACTION", "ENTITY", "ID", "CHANGED")]
    for change in registry.changes_of(session, args.org, limit=args.limit):
        before, after = change.before or {}, change.after or {}
        changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
        shown = ", ".join(f"{k}={after.get(k, before.get(k))}" for k in changed if k != "id")
        table.append(
            (
                format_instant(change.at),
                change.actor,
                change.action,
                change.entity,
                change.entity_id,
                shown[:80] or "-",
            )
        )
    print_table(table)
    return 0


def _run(command: Command, name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            with cli_session() as session:
                return command(args, session)
        except registry.RegistryError as error:
            print(f"escalator org {name}: error: {error.detail}", file=sys.stderr)
            return 1
        except (OSError, UnicodeDecodeError) as error:
            print(f"escalator org {name}: error: {error}", file=sys.stderr)
            return 1

    return run


def _organisation_options(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    parser.add_argument("--name", required=creating, help="the organisation's name")
    parser.add_argument("--kind", choices=ORG_KINDS, help="client (default) or partner")
    parser.add_argument("--time-zone", help="IANA zone where most of its users are (UTC)")
    parser.add_argument(
        "--holidays", help="public holidays: a country and subdivision, e.g. US-CO or FR"
    )
    parser.add_argument("--clients", help="a partner's clients, comma-separated")


def add_org_commands(subparsers: Any) -> None:
    """Add `org ...` to the `escalator` command line."""
    org = subparsers.add_parser("org", help="the client registry: organisations and what is theirs")
    commands = org.add_subparsers(dest="org_command", required=True)

    create = commands.add_parser("create", help="add an organisation")
    create.add_argument("id", help="its id, as cases name it (letters, digits, . _ -)")
    _organisation_options(create, creating=True)
    create.set_defaults(run=_run(_create, "create"))
    update = commands.add_parser("update", help="change an organisation's fields")
    update.add_argument("id")
    _organisation_options(update, creating=False)
    update.set_defaults(run=_run(_update, "update"))
    commands.add_parser("list", help="every organisation").set_defaults(run=_run(_list, "list"))
    show = commands.add_parser("show", help="an organisation, its contacts, systems, coverage")
    show.add_argument("id")
    show.set_defaults(run=_run(_show, "show"))

    contact = commands.add_parser("contact", help="authorised contacts").add_subparsers(
        dest="contact_command", required=True
    )
    add = contact.add_parser("add", help="authorise someone to open cases")
    add.add_argument("org")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=CONTACT_ROLES, help="other unless said")
    add.add_argument("--phone")
    add.set_defaults(run=_run(_contact_add, "contact add"))
    remove = contact.add_parser("remove", help="no longer authorised, from the next case on")
    remove.add_argument("org")
    remove.add_argument("email")
    remove.set_defaults(run=_run(_contact_remove, "contact remove"))

    system = commands.add_parser("system", help="systems at sites").add_subparsers(
        dest="system_command", required=True
    )
    add = system.add_parser("add", help="add a system, named by its host ID")
    add.add_argument("org")
    add.add_argument("host_id")
    add.add_argument("--type", help="system type, e.g. MX-ONE")
    add.add_argument("--serials", help="serial numbers")
    add.add_argument("--release", help="software release")
    add.add_argument("--site", help="where it stands")
    add.add_argument("--region", help="e.g. north_america (RMA deadlines)")
    add.add_argument("--time-zone", help="the site's IANA zone")
    add.add_argument("--holidays", help="the site's holidays, e.g. US-CO")
    add.set_defaults(run=_run(_system_add, "system add"))

    for kind in ("contract", "warranty"):
        group = commands.add_parser(kind, help=f"{kind}s of systems").add_subparsers(
            dest=f"{kind}_command", required=True
        )
        add = group.add_parser("add", help=f"a {kind} covering a system")
        add.add_argument("host_id")
        add.add_argument("reference")
        add.add_argument("--plan", required=kind == "contract", help="the plan it entitles to")
        add.add_argument("--start", required=True, help="a date or an instant with its offset")
        add.add_argument("--end", required=True, help="when it expires (a date: its midnight)")
        if kind == "contract":
            add.add_argument("--monthly-fee", help="e.g. 1500.00")
            add.add_argument("--currency", help="ISO 4217, e.g. USD")
        else:
            add.add_argument("--extended", action="store_true", help="an extended warranty")
        add.set_defaults(run=_run(_coverage_add, f"{kind} add"), command_kind=kind)

    for name, run, help_text in (
        ("import", _import, "create or update from a CSV file, all or nothing"),
        ("export", _export, "write a CSV file (stdout without FILE)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("kind", choices=registry.CSV_KINDS)
        command.add_argument("file", nargs="?" if name == "export" else None)
        command.set_defaults(run=_run(run, name))
    changes = commands.add_parser("changes", help="who changed what of an organisation")
    changes.add_argument("org")
    changes.add_argument("--limit", type=int, default=50)
    changes.set_defaults(run=_run(_changes, "changes"))
