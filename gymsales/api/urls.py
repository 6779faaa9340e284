from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gymsales.api import people, platform

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("companies", platform.CompaniesView.as_view()),
    path("companies/<int:company_id>", platform.CompanyView.as_view()),
    path("companies/<int:company_id>/clubs", platform.CompanyClubsView.as_view()),
    path("companies/<int:company_id>/users", platform.CompanyUsersView.as_view()),
    path("people", people.PeopleView.as_view()),
    path("people/search", people.PeopleSearchView.as_view()),
    path("people/<int:person_id>", people.PersonView.as_view()),
    path("", include("gymsales.api.crm_urls")),
    # Each app's part of /api/v1/ is wired in gymsales/urls.py.
]
