"""The Client Profile page and its history partials, through Django's test client."""

from __future__ import annotations

import re

import pytest

from gymsales.models import NoteKind
from tests.ui.conftest import add_messages, add_note, simulate_inbound
from whatsapp.models import Direction, Message, MessageStatus, WhatsAppSettings

pytestmark = pytest.mark.django_db

# session, user, company (tenant scope), person, WhatsApp settings, conversation (session),
# tracker counts, sale types, one history page (messages, notes).
PROFILE_QUERIES = 10


def profile(client, user, person, query=""):
    client.force_login(user)
    return client.get(f"/people/{person.pk}/{query}")


def history_ids(html: str) -> list[str]:
    return re.findall(r'<li class="log[^"]*" id="((?:message|note)-\d+)"', html)


def test_profile_query_count_is_the_same_with_one_and_ten_thousand_messages(
    client, sales_user, person, whatsapp_on, django_assert_num_queries
):
    add_messages(person, 1)
    client.force_login(sales_user)
    with django_assert_num_queries(PROFILE_QUERIES):
        one = client.get(f"/people/{person.pk}/")
    add_messages(person, 9_999)
    with django_assert_num_queries(PROFILE_QUERIES):
        many = client.get(f"/people/{person.pk}/")

    assert one.status_code == many.status_code == 200
    assert len(history_ids(one.content.decode())) == 1
    assert len(history_ids(many.content.decode())) == 20
    assert "Load older" in many.content.decode()


def test_profile_of_another_company_is_404(client, sales_user, other_person, whatsapp_on):
    assert profile(client, sales_user, other_person).status_code == 404
    client.force_login(sales_user)
    assert client.get(f"/people/{other_person.pk}/history/").status_code == 404
    assert client.get(f"/people/{other_person.pk}/whatsapp/new/").status_code == 404
    assert client.post(f"/people/{other_person.pk}/whatsapp/opt-out/").status_code == 404


def test_profile_shows_whatsapp_link_active_badge_opt_out_and_action_menu(
    client, sales_user, person, whatsapp_on
):
    simulate_inbound(person)
    html = profile(client, sales_user, person).content.decode()
    mobile = html[html.index('id="mobile-line"') : html.index("</dd>", html.index("mobile-line"))]

    assert person.phone_mobile in mobile
    assert ">WhatsApp</a>" in mobile
    assert ">Active</span>" in mobile
    assert ">Opt-Out</button>" in mobile
    assert '<summary class="btn">Action</summary>' in html
    assert ">Send WhatsApp</a>" in html


def test_disabled_company_hides_every_whatsapp_action_but_shows_the_counters(
    client, sales_user, person, company, locmem_backend
):
    add_messages(person, 3)
    add_messages(person, 2, direction=Direction.INBOUND)
    assert not WhatsAppSettings.objects.get(company=company).enabled
    html = profile(client, sales_user, person).content.decode()

    for action in (">WhatsApp</a>", "Opt-Out", "Send WhatsApp", ">Reply</a>", "wa-dialog"):
        assert action not in html
    tracker = html[html.index('id="activity-tracker"') :]
    assert re.search(r"Membership</th><td>3</td><td>2</td>", tracker)
    assert re.search(r"Secondary Sales</th><td>0</td><td>0</td>", tracker)
    assert html.count(">Show</summary>") == 5


def test_person_without_mobile_shows_the_reason_and_no_send_link(
    client, sales_user, person, whatsapp_on
):
    person.phone_mobile = ""
    person.save()
    html = profile(client, sales_user, person).content.decode()

    assert "Jane Doe has no valid mobile number, so no WhatsApp can be sent." in html
    assert ">WhatsApp</a>" not in html
    assert 'aria-disabled="true" class="disabled"' in html


def test_opted_out_person_has_greyed_out_opt_out_that_is_not_a_control(
    client, sales_user, person, whatsapp_on
):
    person.whatsapp_opted_out = True
    person.save()
    html = profile(client, sales_user, person).content.decode()

    assert '<span class="optout optout-done" aria-disabled="true"' in html
    assert ">Opt-Out</button>" not in html
    assert "Jane Doe has opted out of WhatsApp." in html


def test_history_filter_shows_only_the_chosen_kind(client, sales_user, person, whatsapp_on):
    sent = add_messages(person, 2)
    received = add_messages(person, 1, direction=Direction.INBOUND)
    error = add_note(person)
    echo = add_note(person, kind=NoteKind.WHATSAPP_SENT, text="echo", message=sent[0])
    client.force_login(sales_user)

    def ids(filter):
        response = client.get(f"/people/{person.pk}/history/?filter={filter}")
        return set(history_ids(response.content.decode()))

    assert ids("sent") == {f"message-{m.pk}" for m in sent}
    assert ids("received") == {f"message-{received[0].pk}"}
    assert ids("errors") == {f"note-{error.pk}"}
    assert ids("all") == {f"message-{m.pk}" for m in sent + received} | {f"note-{error.pk}"}
    assert f"note-{echo.pk}" not in ids("all")


def test_load_older_pages_through_the_whole_history_without_gaps_or_repeats(
    client, sales_user, person, whatsapp_on
):
    messages = add_messages(person, 45)
    notes = [add_note(person, text=f"note {i}") for i in range(3)]
    # Same timestamp for a message and a note: the cursor must keep both.
    Message.objects.filter(pk=messages[10].pk).update(created_at=notes[0].created_at)
    client.force_login(sales_user)
    seen = history_ids(client.get(f"/people/{person.pk}/").content.decode())
    html = client.get(f"/people/{person.pk}/").content.decode()
    while match := re.search(
        r'hx-get="(/people/\d+/history/\?filter=all&(?:amp;)?before=[^"]+)"', html
    ):
        html = client.get(match.group(1).replace("&amp;", "&")).content.decode()
        seen += history_ids(html)

    expected = {f"message-{m.pk}" for m in messages} | {f"note-{n.pk}" for n in notes}
    assert len(seen) == len(expected) == 48
    assert set(seen) == expected


def test_live_poll_answers_204_when_nothing_changed_and_the_block_when_it_did(
    client, sales_user, person, whatsapp_on
):
    [message] = add_messages(person, 1, status=MessageStatus.QUEUED)
    html = profile(client, sales_user, person).content.decode()
    poll = re.search(r'<div id="history-recent"\s+hx-get="([^"]+)"', html).group(1)
    poll = poll.replace("&amp;", "&")

    assert client.get(poll).status_code == 204
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.DELIVERED)
    changed = client.get(poll)
    assert changed.status_code == 200
    assert 'data-status="delivered"' in changed.content.decode()
    reply = simulate_inbound(person, body="Count me in")
    newer = client.get(poll).content.decode()
    assert history_ids(newer) == [f"message-{reply.pk}", f"message-{message.pk}"]
