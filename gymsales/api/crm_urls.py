"""Sales and appointments (filled in with the CRM records API)."""

urlpatterns: list = []
