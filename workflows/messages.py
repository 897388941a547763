"""E-mail templates (Jinja2) for what a case tells people; the policy may override the acknowledgement."""

ACK_SUBJECT = "[{{ ticket_number or 'new request' }}] We received your request: {{ subject }}"
ACK_BODY = """Hello {{ contact_name }},

we received your request "{{ subject }}"{% if ticket_number %} and opened ticket {{ ticket_number }}{% endif %}.
Please keep the ticket number in the subject of any reply.
{% if links %}
Helpful links:
{% for link in links %}- {{ link.title }}: {{ link.url }}
{% endfor %}{% endif %}"""

TICKET_SUBJECT = "[{{ ticket_number }}] Ticket number for: {{ subject }}"
TICKET_BODY = 'Your request "{{ subject }}" is tracked as ticket {{ ticket_number }}.\n'

CUSTOMER_SUBJECT = "[{{ ticket_number }}] {{ title }}"
CUSTOMER_BODY = "{{ message }}\n"

MISSING_FIELDS_BODY = """We need the following information to work on your request:
{% for field in fields %}- {{ field.name }}: {{ field.description }}
{% endfor %}{% if charge %}
As agreed, information missing at first contact is charged {{ charge }} per occurrence.
{% endif %}"""

TEAM_SUBJECT = "[{{ ticket_number }}] {{ title }}"
TEAM_BODY = """{{ title }}

Case {{ case_id }} ({{ org }}, plan {{ plan }}, severity {{ severity or 'untriaged' }}, tier {{ tier }})
Subject: {{ subject }}
{{ detail }}
"""
