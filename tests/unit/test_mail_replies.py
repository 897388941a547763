"""Splitting a reply's own text from what it quotes."""

import pytest

from models.intake.mail_replies import split_reply

TOP_POSTED = """Serial is ZX-1.

Ada

On Mon, 2 Dec 2026 at 10:00, Support <support@zsupport.example> wrote:
> Which serial number?
>
> > an older quote
"""

WRAPPED = """Yes, since Monday.
On Mon, 2 Dec 2026 at 10:00, Support Desk of ZSupport
<support@zsupport.example> wrote:

> Does it happen every hour?
"""

INLINE = """On Mon, Support wrote:
> Which serial?
ZX-1
> Which software version?
17.0.4
"""

OUTLOOK = """The fax works again.

-----Original Message-----
From: Support <support@zsupport.example>
Sent: Monday, 2 December 2026 10:00
Subject: Information needed

Is the fax still down?
"""


@pytest.mark.parametrize(
    ("text", "new", "quoted"),
    [
        (
            TOP_POSTED,
            "Serial is ZX-1.\n\nAda",
            "On Mon, 2 Dec 2026 at 10:00, Support <support@zsupport.example> wrote:\n"
            "> Which serial number?\n>\n> > an older quote",
        ),
        (
            WRAPPED,
            "Yes, since Monday.",
            "On Mon, 2 Dec 2026 at 10:00, Support Desk of ZSupport\n"
            "<support@zsupport.example> wrote:\n> Does it happen every hour?",
        ),
        (
            INLINE,
            "ZX-1\n17.0.4",
            "On Mon, Support wrote:\n> Which serial?\n> Which software version?",
        ),
        (
            OUTLOOK,
            "The fax works again.",
            "-----Original Message-----\nFrom: Support <support@zsupport.example>\n"
            "Sent: Monday, 2 December 2026 10:00\nSubject: Information needed\n\n"
            "Is the fax still down?",
        ),
        (
            "No quotes here.\nOn Monday it wrote: nothing",
            "No quotes here.\nOn Monday it wrote: nothing",
            "",
        ),
        # A line ending "wrote:" not above a quote is the customer's own.
        ("The log wrote:\nerror 42", "The log wrote:\nerror 42", ""),
    ],
)
def test_split_reply(text: str, new: str, quoted: str) -> None:
    assert split_reply(text) == (new, quoted)
