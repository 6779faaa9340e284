from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gymsales.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def noop(request):
    return HttpResponse(status=204)


urlpatterns = [path("bench/noop", noop), *app_urlpatterns]
