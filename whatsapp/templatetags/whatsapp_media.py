"""`message|media_items`: how the history shows each media item of a message (see
whatsapp.providers.media): through the app when it is on Twilio (images inline), as a plain link
when it is merely https, and never as a link otherwise (`javascript:`, `data:`, …)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from whatsapp.providers.media import INLINE_IMAGE_TYPES, media_url_fetchable, media_url_shown

register = template.Library()


@register.filter
def media_items(message) -> list[dict]:
    items = []
    for index, item in enumerate(message.media if isinstance(message.media, list) else []):
        item = item if isinstance(item, dict) else {}
        url = str(item.get("url") or "")
        content_type = str(item.get("content_type") or "").lower()
        if media_url_fetchable(url):
            href = reverse("whatsapp-media", args=[message.person_id, message.pk, index])
            kind = "image" if content_type in INLINE_IMAGE_TYPES else "file"
        elif media_url_shown(url):
            href, kind = url, "link"
        else:
            href, kind = "", "hidden"
        items.append({"kind": kind, "href": href, "content_type": content_type})
    return items
