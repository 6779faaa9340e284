from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gymsales.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def noop(request):
    return HttpResponse(status=204)


@csrf_exempt
def validate_only(request):
    """The webhook's request work (parse, account lookup, signature) without storing: 200."""
    from django.conf import settings
    from django.http import HttpResponseForbidden
    from django.urls import reverse

    from whatsapp.providers.twilio import webhooks as twilio
    from whatsapp.services.accounts import account_for
    from whatsapp.webhooks import _form

    params = _form(request)
    account = account_for(twilio.signing_account(params))
    url = settings.PUBLIC_BASE_URL + reverse("whatsapp-webhook-status")
    signature = twilio.request_signature(request.META) or ""
    if account is None or not twilio.signature_valid(account.auth_token, url, params, signature):
        return HttpResponseForbidden()
    return HttpResponse(status=200)


urlpatterns = [
    path("bench/noop", noop),
    path("bench/validate-only", validate_only),
    *app_urlpatterns,
]
