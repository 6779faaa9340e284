"""Inbound media: never a script link; Twilio's media fetched through the app with the company's
credentials and served so it cannot run on our origin; images inline."""

from __future__ import annotations

import base64

import pytest

from tests.whatsapp.conftest import ACCOUNT_SID, AUTH_TOKEN, inbound_params
from whatsapp.models import Message
from whatsapp.providers import locmem
from whatsapp.providers.media import MediaContent, media_url_fetchable, media_url_shown

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TWILIO_MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'c' * 32}/Media/ME{'d' * 32}"


def with_media(person, *media, sid="SM" + "e" * 32):
    params = inbound_params(person.phone_mobile, "Look at this", sid=sid, NumMedia=str(len(media)))
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x.png",
        "http://api.twilio.com/media",  # http: only where the setting allows it
        "https://",
        "",
    ],
)
def test_urls_never_shown(url):
    assert not media_url_shown(url)
    assert not media_url_fetchable(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com.evil.example/x",
        "https://evil.example/?host=api.twilio.com",
        "https://evil.example/api.twilio.com/x",
    ],
)
def test_only_twilio_hosts_are_fetched(url):
    assert media_url_shown(url)
    assert not media_url_fetchable(url)


def test_script_urls_are_neither_stored_nor_linked(client, post_webhook, person, wa, sales_user):
    post_webhook(
        "inbound",
        with_media(
            person,
            ("javascript:alert(document.cookie)", "image/png"),
            ("data:text/html,<script>alert(1)</script>", "text/html"),
            ("http://api.twilio.com/media", "image/jpeg"),
        ),
    )

    message = Message.objects.get(person=person)
    assert [item["url"] for item in message.media] == ["", "", ""]
    client.force_login(sales_user)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "javascript:" not in page.lower() and "data:text" not in page
    assert page.count("its link is not safe to show") == 3


def test_a_script_url_stored_before_this_fix_is_still_not_a_link(
    client, post_webhook, person, wa, sales_user
):
    post_webhook("inbound", with_media(person, (TWILIO_MEDIA, "image/png")))
    Message.objects.filter(person=person).update(
        media=[{"url": "javascript:alert(1)", "content_type": "image/png"}]
    )
    client.force_login(sales_user)

    page = client.get(f"/people/{person.pk}/").content.decode()

    assert "javascript:" not in page
    assert "its link is not safe to show" in page


def test_http_media_of_a_local_twin_is_allowed_by_the_setting(
    client, settings, post_webhook, person, wa, sales_user
):
    settings.WHATSAPP_MEDIA_ALLOW_HTTP = True
    settings.TWILIO_API_BASE = "http://127.0.0.1:4010"
    url = "http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    post_webhook("inbound", with_media(person, (url, "image/png")))
    locmem.media[url] = MediaContent("image/png", PNG)
    message = Message.objects.get(person=person)
    client.force_login(sales_user)

    proxied = f"/people/{person.pk}/whatsapp/media/{message.pk}/0/"
    assert f'<img src="{proxied}"' in client.get(f"/people/{person.pk}/").content.decode()
    assert client.get(proxied).content == PNG


def test_twilio_media_is_fetched_with_the_company_credentials_and_shown_inline(
    client, post_webhook, person, wa, sales_user
):
    post_webhook("inbound", with_media(person, (TWILIO_MEDIA, "image/png")))
    locmem.media[TWILIO_MEDIA] = MediaContent("image/png", PNG)
    message = Message.objects.get(person=person)
    client.force_login(sales_user)
    proxied = f"/people/{person.pk}/whatsapp/media/{message.pk}/0/"

    page = client.get(f"/people/{person.pk}/").content.decode()
    response = client.get(proxied)

    assert f'<img src="{proxied}"' in page
    assert TWILIO_MEDIA not in page
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    [fetch] = locmem.media_fetches
    assert fetch["url"] == TWILIO_MEDIA
    assert (fetch["credentials"].account_sid, fetch["credentials"].auth_token) == (
        ACCOUNT_SID,
        AUTH_TOKEN,
    )


def test_media_that_could_run_is_only_a_download(client, post_webhook, person, wa, sales_user):
    post_webhook(
        "inbound",
        with_media(person, (TWILIO_MEDIA, "image/svg+xml"), (TWILIO_MEDIA + "2", "text/html")),
    )
    locmem.media[TWILIO_MEDIA] = MediaContent("image/svg+xml", b"<svg onload=alert(1)>")
    locmem.media[TWILIO_MEDIA + "2"] = MediaContent("text/html", b"<script>alert(1)</script>")
    message = Message.objects.get(person=person)
    client.force_login(sales_user)

    for index in (0, 1):
        response = client.get(f"/people/{person.pk}/whatsapp/media/{message.pk}/{index}/")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")


def test_media_of_another_company_or_not_on_twilio_is_404_and_fetches_nothing(
    client, post_webhook, person, wa, other_user, sales_user
):
    post_webhook(
        "inbound",
        with_media(
            person, (TWILIO_MEDIA, "image/png"), ("https://evil.example/a.png", "image/png")
        ),
    )
    message = Message.objects.get(person=person)
    base = f"/people/{person.pk}/whatsapp/media/{message.pk}"

    client.force_login(other_user)
    assert client.get(f"{base}/0/").status_code == 404
    client.force_login(sales_user)
    assert client.get(f"{base}/1/").status_code == 404  # https, but not Twilio's
    assert client.get(f"{base}/7/").status_code == 404
    assert locmem.media_fetches == []
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert (
        'href="https://evil.example/a.png" target="_blank" rel="noopener noreferrer nofollow"'
        in (page)
    )
    assert '<img src="https://evil.example' not in page


def test_twilio_failure_is_a_502_not_a_500(client, post_webhook, person, wa, sales_user):
    post_webhook("inbound", with_media(person, (TWILIO_MEDIA, "image/png")))  # not on "Twilio"
    message = Message.objects.get(person=person)
    client.force_login(sales_user)

    response = client.get(f"/people/{person.pk}/whatsapp/media/{message.pk}/0/")

    assert response.status_code == 502
