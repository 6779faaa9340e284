import pytest

from templates_app.models import MessageTemplate, TemplateStatus
from whatsapp.providers import locmem


@pytest.fixture(autouse=True)
def _locmem_backend(settings):
    settings.WHATSAPP_BACKEND = "locmem"
    locmem.reset()
    yield
    locmem.reset()


VALID = {
    "name": "Welcome new lead",
    "category": "utility",
    "language": "en",
    "body": "Hi {{1}}, thanks for your interest in {{2}}! Reply here to book your free trial.",
    "variables": {"1": {"field": "first_name"}, "2": {"field": "club_name"}},
}


@pytest.fixture
def valid_data():
    return {**VALID, "variables": dict(VALID["variables"])}


@pytest.fixture
def make_template(company):
    def make(company=company, **fields):
        data = {**VALID, **fields}
        return MessageTemplate.objects.create(company=company, **data)

    return make


@pytest.fixture
def approved_template(make_template):
    return make_template(
        name="Class promo", status=TemplateStatus.APPROVED, content_sid="HX" + "a" * 32
    )
