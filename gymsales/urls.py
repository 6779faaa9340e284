from django.contrib import admin
from django.urls import include, path

from gymsales import views

# The project's wiring: the core's pages and API, then each app's (the core names apps only here).

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("people/", views.people_list, name="people-list"),
    path("people/<int:person_id>/", views.person_profile, name="person-profile"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("gymsales.api.urls")),
    path("api/v1/", include("whatsapp.api_urls")),
    path("api/v1/", include("templates_app.api_urls")),
    path("api/v1/", include("automations.api_urls")),
    path("api/v1/", include("reporting.api_urls")),
    path("webhooks/twilio/whatsapp/", include("whatsapp.webhook_urls")),
    path("", include("whatsapp.urls")),
    path("", include("templates_app.urls")),
    path("", include("automations.urls")),
    path("", include("automations.campaigns.urls")),
    path("", include("reporting.urls")),
]

handler404 = "gymsales.views.page_not_found"
