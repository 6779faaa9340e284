from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BasicAuthentication


class EmailBasicAuthentication(BasicAuthentication):
    """HTTP Basic with a user's email and password; 401 carries `WWW-Authenticate: Basic`."""

    www_authenticate_realm = "GymSales API"


class EmailBasicAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes EmailBasicAuthentication in the OpenAPI schema (Basic: email and password)."""

    target_class = EmailBasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "A user's email and password.",
        }
