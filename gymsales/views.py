"""Pages of the CRM shell: log-in, the people list and the Client Profile."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gymsales import selectors
from gymsales.forms import EmailAuthenticationForm, PeopleSearchForm
from gymsales.pages import company_staff_required
from gymsales.profile import profile_context


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Platform admins (no company) work in the Django admin; staff start at the people list.
        user = self.request.user
        if user.is_authenticated and user.company_id is None and user.is_superuser:
            return reverse("admin:index")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    if request.user.company_id is None and request.user.is_superuser:
        return redirect("admin:index")
    return redirect("people-list")


@company_staff_required
def people_list(request):
    form = PeopleSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    people = selectors.people_search(company=request.user.company, text=text)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    template = "gymsales/_people_rows.html" if request.htmx else "gymsales/people_list.html"
    return render(request, template, {"form": form, "page": page, "q": text})


@company_staff_required
def person_profile(request, person_id: int):
    person = selectors.person_get_for_company(company=request.user.company, pk=person_id)
    return render(request, "gymsales/person_profile.html", profile_context(request, person))


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"base": ["Not found."]}, "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)
