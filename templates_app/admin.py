from django.contrib import admin

from templates_app.models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "company", "category", "status", "twilio_approved"]
    list_filter = ["status", "category", "company"]
    search_fields = ["name", "content_sid"]
