"""Reading the organisation relay's Authentication-Results (RFC 8601), and only its."""

import pytest

from escalator.intake.mail_authentication import verdict

RELAY = "relay.acme.test"


@pytest.mark.parametrize(
    "header",
    [
        "relay.acme.test; dmarc=pass (p=reject) header.from=acme.test",
        "Relay.Acme.Test 1; spf=fail smtp.mailfrom=x@evil.test; dmarc=pass header.from=ACME.test",
        "relay.acme.test; dkim=pass header.d=acme.test header.s=s1; dmarc=none",
        "relay.acme.test; dkim=pass header.i=@acme.test",
        "relay.acme.test; spf=pass (designates 192.0.2.1) smtp.mailfrom=ada@acme.test",
        "relay.acme.test;\r\n\tspf=pass smtp.mailfrom=acme.test",
    ],
)
def test_a_pass_aligned_with_the_from_domain_authenticates(header: str) -> None:
    seen = verdict([header], RELAY, "acme.test")
    assert seen.authenticated, seen.detail


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ([], "the message has no Authentication-Results of relay.acme.test"),
        # Anyone can add a header naming another server, or none.
        (
            ["mx.evil.test; dmarc=pass header.from=acme.test"],
            "the message has no Authentication-Results of relay.acme.test",
        ),
        (
            ["relay.acme.test; dmarc=fail header.from=acme.test; spf=softfail smtp.mailfrom=x"],
            "the Authentication-Results of relay.acme.test shows no pass for acme.test "
            "(dmarc=fail, spf=softfail)",
        ),
        # A pass for another domain (the sender's own, not the From's).
        (
            [
                "relay.acme.test; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=m@evil.test;"
                " dmarc=pass header.from=acme.test.evil.test"
            ],
            "the Authentication-Results of relay.acme.test shows no pass for acme.test "
            "(dkim=pass, spf=pass, dmarc=pass)",
        ),
        # A pass with no domain to align it with.
        (
            ["relay.acme.test; dmarc=pass"],
            "the Authentication-Results of relay.acme.test shows no pass for acme.test "
            "(dmarc=pass)",
        ),
        (
            ["relay.acme.test; none"],
            "the Authentication-Results of relay.acme.test shows no pass for acme.test (none)",
        ),
        # The relay's own header is the topmost of its id: a forged one below it is not read.
        (
            [
                "relay.acme.test; dmarc=fail header.from=acme.test",
                "relay.acme.test; dmarc=pass header.from=acme.test",
            ],
            "the Authentication-Results of relay.acme.test shows no pass for acme.test "
            "(dmarc=fail)",
        ),
        (
            [
                "(comment) relay.acme.test; dmarc=pass header.from=acme.test ===",
                "relay.acme.test; dmarc=pass header.from=acme.test",
            ],
            "the Authentication-Results of relay.acme.test cannot be read",
        ),
    ],
)
def test_anything_else_does_not(headers: list[str], detail: str) -> None:
    seen = verdict(headers, RELAY, "acme.test")
    assert (seen.authenticated, seen.detail) == (False, detail)


def test_headers_of_other_servers_above_the_relays_are_skipped() -> None:
    headers = [
        "mx2.acme.test; dmarc=fail header.from=acme.test",
        "garbage ;;; =",
        "relay.acme.test; dmarc=pass header.from=acme.test",
    ]
    seen = verdict(headers, RELAY, "acme.test")
    assert (seen.authenticated, seen.detail) == (True, "dmarc=pass header.from=acme.test")
