from rest_framework.authentication import BasicAuthentication


class EmailBasicAuthentication(BasicAuthentication):
    """HTTP Basic with a user's email and password; 401 carries `WWW-Authenticate: Basic`."""

    www_authenticate_realm = "GymSales API"
