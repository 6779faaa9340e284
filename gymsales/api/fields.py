"""Serializer fields every API input and output uses for dates (API.md Conventions).

In: ISO 8601, refused with a 422 on the field outside the accepted years (gymsales.parsing).
Out: ISO 8601 in the company's time zone with a whole-minute offset (RFC 3339); an offset with
seconds (local mean time before a zone was standardised) is written in UTC instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC

from django.db import models
from rest_framework import serializers

from gymsales.parsing import YEAR_MAX, YEAR_MIN, year_in_range

OUT_OF_RANGE = f"Must be between the years {YEAR_MIN} and {YEAR_MAX}."


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE, "overflow": OUT_OF_RANGE}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not year_in_range(result):
            self.fail("out_of_range")
        return result

    def enforce_timezone(self, value):
        value = super().enforce_timezone(value)
        offset = value.utcoffset()
        if offset is not None and (offset.seconds % 60 or offset.microseconds):
            return value.astimezone(UTC)
        return value


class DateField(serializers.DateField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not year_in_range(result):
            self.fail("out_of_range")
        return result


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose model dates use the fields above.

    `Meta.blank_as_null` names text columns stored as '' when unset: API.md answers an unset field
    as null, and the OpenAPI description says they are nullable.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
        models.DateField: DateField,
    }

    def get_fields(self):
        fields = super().get_fields()
        for name in getattr(self.Meta, "blank_as_null", ()):
            fields[name].allow_null = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in getattr(self.Meta, "blank_as_null", ()):
            if data[name] == "":
                data[name] = None
        return data


@dataclass(frozen=True)
class ExtraField:
    """A read-only field another app adds to one of the core's resources (the Person's `whatsapp`,
    the Company's `whatsapp_enabled`), registered in that app's `AppConfig.ready()`.

    `values(objects, context)` answers {pk: value} for a page of objects (`context`: the
    serializer's) in a fixed number of queries;
    `schema` is what the value is: a Serializer class (written out with it) or a DRF field
    instance (its `to_representation`), also what the OpenAPI description shows.
    """

    name: str
    schema: type[serializers.Serializer] | serializers.Field
    values: Callable[[Sequence, dict], dict]

    def represent(self, value):
        if isinstance(self.schema, type):
            return self.schema(value).data
        return self.schema.to_representation(value)


class ExtraFieldValue(serializers.Field):
    """An ExtraField on a serializer: read from `context["extra_values"][name]` (filled for a
    whole page by `extra_values`), else asked for this one object."""

    def __init__(self, extra: ExtraField):
        self.extra = extra
        super().__init__(source="*", read_only=True)
        # The OpenAPI description (drf-spectacular reads this annotation on the field).
        self._spectacular_annotation = {"field": extra.schema}

    def to_representation(self, instance):
        values = self.context.get("extra_values", {}).get(self.extra.name)
        if values is None or instance.pk not in values:
            values = self.extra.values([instance], self.context)
        return self.extra.represent(values[instance.pk])


def extra_fields_add(fields: dict, extras: Iterable[ExtraField]) -> dict:
    """`fields` (a serializer's get_fields()) with the registered extra fields at the end."""
    for extra in extras:
        fields[extra.name] = ExtraFieldValue(extra)
    return fields


def extra_values(extras: Iterable[ExtraField], objects: Sequence, context: dict) -> dict:
    """What to add to the serializer `context` for a page of `objects`: every extra field's
    values at once."""
    objects = list(objects)
    return {"extra_values": {extra.name: extra.values(objects, context) for extra in extras}}
