from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gymsales.models import (
    Appointment,
    Club,
    Company,
    ConsentRecord,
    Note,
    Person,
    Sale,
    SaleType,
    User,
)


class ClubInline(admin.TabularInline):
    model = Club
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "time_zone", "default_country", "created_at"]
    search_fields = ["name"]
    inlines = [ClubInline]


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "company"]
    list_filter = ["company"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "company",
        "role",
        "is_superuser",
        "is_active",
    ]
    list_filter = ["role", "is_superuser", "is_active", "company"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Company", {"fields": ("company", "club", "role")}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "password1", "password2", "company", "club", "role"),
            },
        ),
    )
    filter_horizontal = ()


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "first_name",
        "last_name",
        "company",
        "club",
        "status",
        "phone_mobile",
        "whatsapp_opted_out",
    ]
    list_filter = ["company", "status", "whatsapp_opted_out"]
    search_fields = ["first_name", "last_name", "email", "phone_mobile"]
    raw_id_fields = ["owner", "club"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["id", "company", "person", "kind", "created_at"]
    list_filter = ["kind", "company"]
    raw_id_fields = ["person", "user", "club"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "person", "channel", "opted_out", "source", "user", "created_at"]
    list_filter = ["channel", "source"]
    raw_id_fields = ["person", "user"]


admin.site.register(SaleType)
admin.site.register(Sale, raw_id_fields=["person"])
admin.site.register(Appointment, raw_id_fields=["person"])
