"""Serializer fields every API input and output uses for dates (API.md Conventions).

In: ISO 8601, refused with a 422 on the field outside the accepted years (gymsales.parsing).
Out: ISO 8601 in the company's time zone with a whole-minute offset (RFC 3339); an offset with
seconds (local mean time before a zone was standardised) is written in UTC instead.
"""

from __future__ import annotations

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
