"""The campaign state machine, forward-only recipients, retry and quiet-hour rules (pure)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from automations.campaigns import rules

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        ("start", "draft", True),
        ("start", "scheduled", True),
        ("start", "running", False),
        ("pause", "running", True),
        ("pause", "paused", False),
        ("pause", "draft", False),
        ("resume", "paused", True),
        ("resume", "running", False),
        ("stop", "running", True),
        ("stop", "paused", True),
        ("stop", "stopped", False),
        ("stop", "completed", False),
        ("retry-failed", "completed", True),
        ("retry-failed", "stopped", False),
        ("retry-failed", "draft", False),
    ],
)
def test_actions_follow_the_state_machine(action, status, allowed):
    assert rules.action_allowed(action=action, status=status) is allowed


def test_start_waits_for_a_future_schedule():
    assert rules.action_target(action="start", status="draft", scheduled_at=None, now=NOW) == (
        "running"
    )
    later = NOW + timedelta(hours=1)
    assert rules.action_target(action="start", status="draft", scheduled_at=later, now=NOW) == (
        "scheduled"
    )
    earlier = NOW - timedelta(hours=1)
    assert rules.action_target(action="start", status="draft", scheduled_at=earlier, now=NOW) == (
        "running"
    )


def test_retry_of_a_paused_campaign_keeps_it_paused():
    assert rules.action_target(
        action="retry-failed", status="paused", scheduled_at=None, now=NOW
    ) == ("paused")
    assert rules.action_target(
        action="retry-failed", status="completed", scheduled_at=None, now=NOW
    ) == ("running")


@pytest.mark.parametrize(
    ("current", "new", "forward"),
    [
        ("queued", "sending", True),
        ("sending", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        ("queued", "read", True),
        ("read", "delivered", False),
        ("delivered", "sent", False),
        ("sending", "queued", False),
        ("sent", "failed", True),
        ("queued", "not_sent", True),
        ("failed", "sent", False),
        ("not_sent", "queued", False),
        ("excluded", "queued", False),
        ("read", "failed", True),
    ],
)
def test_recipient_states_only_move_forward(current, new, forward):
    assert rules.recipient_moves_forward(current=current, new=new) is forward


def test_states_before():
    assert rules.states_before("delivered") == ["queued", "sending", "sent"]
    assert set(rules.states_before("failed")) == {"queued", "sending", "sent", "delivered", "read"}


@pytest.mark.parametrize(
    ("code", "age", "retry"),
    [
        ("", timedelta(minutes=1), True),  # network error / 5xx
        ("63010", timedelta(minutes=1), True),
        ("63012", timedelta(minutes=1), True),
        ("63003", timedelta(days=3), False),
        ("63024", timedelta(days=3), False),
        ("63033", timedelta(days=3), False),
        ("63049", timedelta(hours=23), False),
        ("63049", timedelta(hours=24, minutes=1), True),
    ],
)
def test_retry_only_temporary_failures(code, age, retry):
    assert rules.retryable(error_code=code, failed_at=NOW - age, now=NOW) is retry


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        (time(22, 0), time(21, 0), time(8, 0), True),
        (time(7, 59), time(21, 0), time(8, 0), True),
        (time(8, 0), time(21, 0), time(8, 0), False),
        (time(12, 0), time(21, 0), time(8, 0), False),
        (time(13, 0), time(12, 0), time(14, 0), True),
        (time(12, 0), None, None, False),
    ],
)
def test_quiet_hours_wrap_past_midnight(local, start, end, quiet):
    assert rules.in_quiet_hours(local=local, start=start, end=end) is quiet


def test_quiet_hours_end_is_the_next_end_in_local_time():
    tz = ZoneInfo("America/New_York")
    late = datetime(2026, 12, 5, 22, 30, tzinfo=tz)
    assert rules.quiet_hours_end(local_now=late, start=time(21), end=time(8)) == datetime(
        2026, 12, 6, 8, 0, tzinfo=tz
    )
    early = datetime(2026, 12, 5, 6, 0, tzinfo=tz)
    assert rules.quiet_hours_end(local_now=early, start=time(21), end=time(8)) == datetime(
        2026, 12, 5, 8, 0, tzinfo=tz
    )
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=tz)
    assert rules.quiet_hours_end(local_now=noon, start=time(21), end=time(8)) is None
