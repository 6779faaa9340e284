"""Sales and appointments of a person (API.md "Sales and appointments")."""

from django.urls import path

from gymsales.api import crm

urlpatterns = [
    path("people/<int:person_id>/sales", crm.PersonSalesView.as_view()),
    path("people/<int:person_id>/sales/<int:sale_id>", crm.PersonSaleView.as_view()),
    path("people/<int:person_id>/appointments", crm.PersonAppointmentsView.as_view()),
    path(
        "people/<int:person_id>/appointments/<int:appointment_id>",
        crm.PersonAppointmentView.as_view(),
    ),
]
