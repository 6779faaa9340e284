"""Campaigns' part of /api/v1/."""

from django.urls import path

from automations.campaigns import api

urlpatterns = [
    path("whatsapp/campaigns", api.CampaignsView.as_view()),
    path("whatsapp/campaigns/<int:campaign_id>", api.CampaignView.as_view()),
    path("whatsapp/campaigns/<int:campaign_id>/preflight", api.CampaignPreflightView.as_view()),
    path("whatsapp/campaigns/<int:campaign_id>/recipients", api.CampaignRecipientsView.as_view()),
    *(
        path(
            f"whatsapp/campaigns/<int:campaign_id>/{action}",
            api.CampaignActionView.as_view(action_name=action),
        )
        for action in api.ACTIONS
    ),
]
