"""This app's pages."""

urlpatterns: list = []
