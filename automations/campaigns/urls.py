"""Campaign pages."""

from django.urls import path

from automations.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaigns_page, name="list"),
    path("campaigns/new/", views.campaign_create_page, name="create"),
    path("campaigns/new/template/", views.template_partial, name="template"),
    path("campaigns/new/audience/", views.audience_partial, name="audience"),
    path("campaigns/<int:campaign_id>/", views.campaign_page, name="detail"),
    path("campaigns/<int:campaign_id>/progress/", views.campaign_progress_partial, name="progress"),
    *(
        path(
            f"campaigns/<int:campaign_id>/{action}/",
            views.campaign_action,
            {"action": action},
            name=f"action-{action}",
        )
        for action in ("preflight", *views.ACTION_LABELS)
    ),
]
