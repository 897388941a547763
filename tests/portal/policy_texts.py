"""Policy files for the policy pages' tests: a small valid one, a later version of it, and
a draft with problems on known lines."""

MINI = """\
name: mini
description: A small policy the portal tests publish and change.
calendars:
  office:
    timezone: Europe/Rome
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
            thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
severities:
  - {id: high, name: High, page_all: true, match: ["System Down"]}
  - {id: low, name: Low}
plans:
  gold:
    name: Gold
    calendar: office
    targets:
      high:
        response: {duration: 2h, outside_hours: 6h}
        restoration: {duration: 12h, calendar: always}
      low: {response: 1d}
teams:
  support:
    name: Support
    members:
      - {id: ann, name: Ann, email: ann@example.test, phone: "+39 02 5550 0001"}
      - {id: bob, name: Bob, email: bob@example.test}
    on_call: {rotation: [ann, bob], handoff: "09:00", timezone: Europe/Rome,
              starts: "2026-01-05"}
tiers:
  - {id: first, name: First, level: 1, team: support, response: 3h}
  - id: second
    name: Second
    level: 2
    team: support
    checklist:
      - {id: data, description: Customer data collected, fields: [customer]}
escalation:
  - id: warn
    trigger: {target: response, at: 75%}
    steps:
      - {notify: support, round_robin: true}
      - {after: 30m, page: support, only_during: office, repeat: {every: 1h, times: 2}}
      - {escalate: second}
intake:
  ticket_prefix: MIN
  channels: [email, api]
  fields:
    - {name: customer, description: Customer number}
"""

# Version 2: the first tier answers within 4h, and a field is added.
MINI_V2 = MINI.replace("team: support, response: 3h}", "team: support, response: 4h}").replace(
    "    - {name: customer, description: Customer number}\n",
    "    - {name: customer, description: Customer number}\n"
    "    - {name: site, description: Where the system stands}\n",
)

# Three problems on three lines: an unknown calendar, a bad duration, a wrong type.
BROKEN = (
    MINI.replace("    calendar: office\n", "    calendar: nowhere\n")
    .replace("team: support, response: 3h}", "team: support, response: 3 hours}")
    .replace("    level: 2\n", "    level: two\n")
)


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the only line of `text` holding `fragment`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]
