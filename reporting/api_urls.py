"""This app's part of /api/v1/."""

urlpatterns: list = []
