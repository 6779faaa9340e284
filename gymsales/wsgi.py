"""The WSGI application `gymsales.wsgi:application` (granian in production: gymsales/serve.py).

Twilio's webhooks take a short path: they need none of the middleware (no session, user, CSRF,
tenant scope or static files: the view checks Twilio's signature and stores the event), and they
are the one endpoint whose volume is set by someone else. For those exact paths the environ goes
straight to `whatsapp.webhooks.wsgi_receive` (no request object, signals or middleware: they cost
more than the signature check and the store); every other path is handled by Django as usual.
"""

import os

from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsales.settings")


class GymSalesWSGIHandler(WSGIHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from whatsapp import webhooks

        self.webhooks = webhooks
        self.direct_kinds = webhooks.DIRECT_PATHS

    def __call__(self, environ, start_response):
        kind = self.direct_kinds.get(environ.get("PATH_INFO"))
        if kind is None:
            return super().__call__(environ, start_response)
        return self.webhooks.wsgi_receive(environ, start_response, kind)


def get_application() -> GymSalesWSGIHandler:
    import django

    django.setup(set_prefix=False)
    return GymSalesWSGIHandler()


application = get_application()
