"""The WSGI application `gymsales.wsgi:application` (gunicorn in production).

Twilio's webhooks take a short path: they need none of the middleware (no session, user, CSRF,
tenant scope or static files: the view checks Twilio's signature and stores the event), and they
are the one endpoint whose volume is set by someone else. Skipping the stack for those exact paths
roughly halves their CPU per request; every other path is handled by Django as usual.
"""

import os

from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsales.settings")


class GymSalesWSGIHandler(WSGIHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from whatsapp import webhooks

        self.direct_views = {
            "/webhooks/twilio/whatsapp/inbound": webhooks.inbound,
            "/webhooks/twilio/whatsapp/status": webhooks.status,
        }

    def get_response(self, request):
        view = self.direct_views.get(request.path_info)
        if view is None:
            return super().get_response(request)
        try:
            response = view(request)
        except Exception as exc:
            response = response_for_exception(request, exc)
        # What Django's get_response does after the middleware: close the request with the response
        # (request_finished then closes stale database connections).
        response._resource_closers.append(request.close)
        return response


def get_application() -> GymSalesWSGIHandler:
    import django

    django.setup(set_prefix=False)
    return GymSalesWSGIHandler()


application = get_application()
