"""Company Settings > Automated Items: list, create, edit, delete, and each item's run history."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from automations import selectors, services
from automations.forms import AutomatedItemForm
from gymsales.errors import DomainError, FieldErrors
from gymsales.pages import company_admin_required


@company_admin_required
def automated_items_page(request):
    items = selectors.automated_items_list(company=request.user.company)
    return render(request, "automations/item_list.html", {"items": items})


@company_admin_required
def automated_item_create_page(request):
    return _form_page(request, item=None)


@company_admin_required
def automated_item_edit_page(request, item_id: int):
    item = selectors.automated_item_get_for_company(company=request.user.company, pk=item_id)
    return _form_page(request, item=item)


def _form_page(request, *, item):
    company = request.user.company
    choices = selectors.automated_item_form_choices(company=company)
    initial = AutomatedItemForm.initial_for(item) if item else None
    form = AutomatedItemForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                item = services.automated_item_create(company=company, data=form.service_data())
                messages.success(request, f'Automated Item "{item.name}" created.')
            else:
                item = services.automated_item_update(item=item, data=form.service_data())
                messages.success(request, f'Automated Item "{item.name}" saved.')
            return redirect("automations:list")
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        except DomainError as exc:
            form.add_service_errors(exc.as_errors())
    template_id = form["template_id"].value()
    description = selectors.template_description_for_company(
        company=company, template_id=template_id
    )
    context = {"form": form, "item": item, "template_description": description}
    return render(request, "automations/item_form.html", context)


@company_admin_required
def template_description_partial(request):
    description = selectors.template_description_for_company(
        company=request.user.company, template_id=request.GET.get("template_id")
    )
    return render(
        request, "automations/_template_description.html", {"template_description": description}
    )


@company_admin_required
@require_POST
def automated_item_delete_page(request, item_id: int):
    item = selectors.automated_item_get_for_company(company=request.user.company, pk=item_id)
    services.automated_item_delete(item=item)
    messages.success(request, f'Automated Item "{item.name}" deleted.')
    return redirect("automations:list")


@company_admin_required
def automated_item_runs_page(request, item_id: int):
    item = selectors.automated_item_get_for_company(company=request.user.company, pk=item_id)
    runs = Paginator(selectors.automation_runs_for_item(item=item), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "automations/item_runs.html", {"item": item, "page": runs})
