"""The WhatsApp rules as pure functions, table by table (SPEC §3, §5)."""

from datetime import UTC, datetime, timedelta

import pytest

from whatsapp import rules
from whatsapp.rules import SendFacts, send_refusal

OK = {"whatsapp_usable": True, "opted_out": False, "has_mobile": True, "text_length": 20}


def facts(**changes) -> SendFacts:
    return SendFacts(**{**OK, "is_template": False, "session_active": True, **changes})


def template_facts(**changes) -> SendFacts:
    return facts(**{"is_template": True, "template_sendable": True, **changes})


@pytest.mark.parametrize(
    ("given", "code"),
    [
        # free text
        (facts(), None),
        (facts(session_active=False), "session_inactive"),
        (facts(text_length=1024), None),
        (facts(text_length=1025), "too_long"),
        (facts(whatsapp_usable=False), "whatsapp_disabled"),
        (facts(opted_out=True), "opted_out"),
        (facts(has_mobile=False), "no_mobile"),
        # the first broken rule wins, in this order
        (facts(whatsapp_usable=False, opted_out=True, has_mobile=False), "whatsapp_disabled"),
        (facts(opted_out=True, has_mobile=False, text_length=2000), "opted_out"),
        (facts(has_mobile=False, session_active=False), "no_mobile"),
        (facts(text_length=2000, session_active=False), "too_long"),
        # templates
        (template_facts(), None),
        (template_facts(session_active=False), None),
        (template_facts(template_sendable=False), "template_not_approved"),
        (template_facts(template_sendable=False, session_active=False), "template_not_approved"),
        (template_facts(edited=True), None),
        (template_facts(edited=True, session_active=False), "session_inactive"),
        (template_facts(text_length=1025), "too_long"),
        # marketing guardrail: two marketing templates in 24 h without a reply, the third refused
        (template_facts(template_marketing=True, marketing_since_reply=1), None),
        (template_facts(template_marketing=True, marketing_since_reply=2), "marketing_limit"),
        (template_facts(template_marketing=False, marketing_since_reply=5), None),
        # messaging limit: unique people reached business-initiated (template outside a session)
        (template_facts(session_active=False, messaging_limit=250, people_reached_24h=249), None),
        (
            template_facts(session_active=False, messaging_limit=250, people_reached_24h=250),
            "limit_reached",
        ),
        (
            template_facts(
                session_active=False,
                messaging_limit=250,
                people_reached_24h=250,
                person_already_reached=True,
            ),
            None,
        ),
        (template_facts(session_active=True, messaging_limit=250, people_reached_24h=900), None),
        (
            template_facts(session_active=False, messaging_limit=None, people_reached_24h=10**6),
            None,
        ),
        (facts(messaging_limit=250, people_reached_24h=900), None),
    ],
)
def test_send_refusal_table(given, code):
    refusal = send_refusal(given)
    assert (refusal.code if refusal else None) == code


def test_too_long_message_says_the_limit():
    assert send_refusal(facts(text_length=1500)).message == (
        "A WhatsApp message can be at most 1024 characters (this one has 1500)."
    )


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "referral", "expected"),
    [
        (None, False, T0 + timedelta(hours=24)),
        (None, True, T0 + timedelta(hours=72)),
        (T0 + timedelta(hours=3), False, T0 + timedelta(hours=24)),  # a reply restarts 24 h
        (T0 - timedelta(hours=30), False, T0 + timedelta(hours=24)),  # expired: reopens
        (T0 + timedelta(hours=60), False, T0 + timedelta(hours=60)),  # 72 h window not shortened
        (T0 + timedelta(hours=10), True, T0 + timedelta(hours=72)),
    ],
)
def test_session_expiry_after_inbound(current, referral, expected):
    assert (
        rules.session_expiry_after_inbound(
            current_expires_at=current, received_at=T0, referral=referral
        )
        == expected
    )


@pytest.mark.parametrize(
    ("expires", "active"),
    [
        (None, False),
        (T0, False),
        (T0 - timedelta(seconds=1), False),
        (T0 + timedelta(seconds=1), True),
    ],
)
def test_session_is_active_until_expiry(expires, active):
    assert rules.session_is_active(expires_at=expires, now=T0) is active


@pytest.mark.parametrize(
    ("is_template", "session_active", "business"),
    [(True, False, True), (True, True, False), (False, True, False), (False, False, False)],
)
def test_business_initiated_is_template_outside_session(is_template, session_active, business):
    assert (
        rules.is_business_initiated(is_template=is_template, session_active=session_active)
        is business
    )


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        ("queued", "sending", True),
        ("queued", "sent", True),
        ("sending", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        ("sent", "read", True),
        ("read", "delivered", False),
        ("delivered", "sent", False),
        ("sending", "queued", False),
        ("sent", "sent", False),
        ("sent", "failed", True),
        ("delivered", "undelivered", True),
        ("queued", "failed", True),
        ("failed", "delivered", False),
        ("undelivered", "read", False),
        ("failed", "undelivered", False),
        ("sent", "bogus", False),
    ],
)
def test_status_moves_forward_only(current, new, moves):
    assert rules.status_moves_forward(current=current, new=new) is moves


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("  stop \n", "stop"),
        ("Stop", "stop"),
        ("START", "start"),
        (" start", "start"),
        ("stop please", None),
        ("", None),
        ("STOPP", None),
    ],
)
def test_opt_keywords(body, keyword):
    assert rules.opt_keyword(body) == keyword


@pytest.mark.parametrize(
    ("body", "edited"),
    [(None, False), ("", False), ("  \n", False), (" Hi Eve \n", False), ("Hi Eve!", True)],
)
def test_template_edited_only_when_staff_changed_the_text(body, edited):
    assert rules.template_edited(body=body, rendered_text="Hi Eve") is edited
