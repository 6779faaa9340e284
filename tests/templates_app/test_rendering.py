import pytest

from gymsales.errors import DomainError
from templates_app.rendering import PERSON_FIELDS, template_preview, template_render

EXPECTED = {
    "first_name": "Jane",
    "last_name": "Doe",
    "full_name": "Jane Doe",
    "club_name": "Alpha Central",
    "company_name": "Alpha Gyms",
    "owner_first_name": "Staff",
}


@pytest.mark.parametrize("field", sorted(EXPECTED))
def test_variable_mapped_to_person_field_is_filled(make_template, person, field):
    template = make_template(
        body="Hello {{1}}, see you at the club soon.", variables={"1": {"field": field}}
    )

    rendered = template_render(template=template, person=person)

    assert rendered.content_variables == {"1": EXPECTED[field]}
    assert rendered.text == f"Hello {EXPECTED[field]}, see you at the club soon."


def test_every_person_field_kind_renders_for_a_complete_person(make_template, person):
    for field in PERSON_FIELDS:
        template = make_template(
            name=f"T {field}", body="Hi {{1}}, welcome.", variables={"1": {"field": field}}
        )
        assert template_render(template=template, person=person).content_variables["1"]


def test_fixed_value_and_header_variable_and_preview(make_template, person):
    template = make_template(
        header={"type": "text", "text": "Hi {{1}}"},
        body="Welcome to {{2}}, your trial is ready.",
        footer="Reply STOP to opt out",
        buttons=[{"type": "quick_reply", "text": "Book"}],
        variables={"1": {"field": "first_name"}, "2": {"value": "Alpha Gym"}},
    )

    rendered = template_render(template=template, person=person)

    assert rendered.content_variables == {"1": "Jane", "2": "Alpha Gym"}
    assert rendered.preview == (
        "Hi Jane\nWelcome to Alpha Gym, your trial is ready.\nReply STOP to opt out\n[Book]"
    )


def test_given_values_win_over_mapping(make_template, person):
    template = make_template()

    rendered = template_render(template=template, person=person, variables={"2": "Gym X"})

    assert rendered.content_variables == {"1": "Jane", "2": "Gym X"}


def test_missing_value_is_refused_never_an_empty_placeholder(make_template, person):
    person.last_name = ""
    template = make_template(
        body="Dear {{1}}, welcome aboard.", variables={"1": {"field": "last_name"}}
    )

    with pytest.raises(DomainError) as refused:
        template_render(template=template, person=person)

    assert refused.value.code == "missing_variable"
    assert refused.value.field == "variables"
    assert "{{1}}" in refused.value.message


def test_owner_field_without_owner_is_refused(make_template, person):
    person.owner = None
    template = make_template(
        body="Hi, {{1}} here from the club.", variables={"1": {"field": "owner_name"}}
    )

    with pytest.raises(DomainError):
        template_render(template=template, person=person)


def test_preview_uses_samples_where_no_person(make_template):
    template = make_template(
        variables={"1": {"field": "first_name", "sample": "Ana"}, "2": {"field": "club_name"}}
    )

    assert template_preview(template=template).content_variables == {
        "1": "Ana",
        "2": "Downtown Club",
    }
