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

    from whatsapp.services.accounts import account_for
    from whatsapp.webhooks import _form, _signature_ok

    params = _form(request)
    account = account_for(params.get("AccountSid", ""))
    url = settings.PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp/status"
    signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
    if account is None or not _signature_ok(account.auth_token, url, params, signature):
        return HttpResponseForbidden()
    return HttpResponse(status=200)


urlpatterns = [
    path("bench/noop", noop),
    path("bench/validate-only", validate_only),
    *app_urlpatterns,
]
