"""OPTIONS answers what the endpoint is and which formats it reads and writes (no form actions).

DRF's SimpleMetadata describes the PUT/POST forms by calling get_serializer() and get_object(), which
views that declare neither answer with a 500. The OpenAPI description is where the fields are.
"""

from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    def determine_actions(self, request, view):
        return {}
