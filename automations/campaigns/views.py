"""Campaign pages (/campaigns/): list, create wizard, one campaign's live progress and recipients.
Managers see them; company admins also create and act."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from automations.campaigns import audience as audience_sql
from automations.campaigns import rules, selectors, services
from automations.campaigns.forms import CampaignForm
from automations.campaigns.models import RecipientState
from gymsales.errors import DomainError, FieldErrors
from gymsales.models import Role
from gymsales.pages import company_admin_required, manager_or_admin_required
from gymsales.parsing import parse_id
from templates_app.models import MessageTemplate
from templates_app.rendering import PERSON_FIELDS, template_variable_numbers

ACTION_LABELS = {
    "start": ("Start", "Start sending this campaign?"),
    "pause": ("Pause", "Pause this campaign? Nothing more is sent until you resume it."),
    "resume": ("Resume", "Resume sending this campaign?"),
    "stop": ("Stop", "Stop this campaign for good? It cannot be resumed."),
    "retry-failed": (
        "Retry failed",
        "Send again to the recipients whose failure was temporary (never permanent failures)?",
    ),
}
LIVE_STATES = (rules.SCHEDULED, rules.RUNNING, rules.PAUSED)


def _templates(company):
    return [
        t for t in MessageTemplate.objects.filter(company=company).order_by("name") if t.is_sendable
    ]


@manager_or_admin_required
def campaigns_page(request):
    company = request.user.company
    campaigns = list(selectors.campaigns_list(company=company)[:200])
    counts = selectors.campaigns_counts(company=company, campaigns=campaigns)
    rows = [(c, counts[c.pk]) for c in campaigns]
    return render(request, "campaigns/list.html", {"rows": rows})


@company_admin_required
def campaign_create_page(request):
    company = request.user.company
    templates = _templates(company)
    form = CampaignForm(request.POST or None, company=company, templates=templates)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                company=company, user=request.user, data=form.service_data()
            )
        except FieldErrors as exc:
            _add_errors(form, exc.errors)
        except DomainError as exc:
            _add_errors(form, exc.as_errors())
        else:
            services.campaign_preflight(campaign=campaign)
            messages.success(request, f'Campaign "{campaign.name}" saved as a draft.')
            return redirect("campaigns:detail", campaign.pk)
    context = {"form": form, **_template_context(company, form["template_id"].value(), form.data)}
    return render(request, "campaigns/form.html", context)


def _add_errors(form, errors: dict) -> None:
    for field, problems in errors.items():
        name = field.replace("audience.", "")
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


def _template_context(company, template_id, data) -> dict:
    template = None
    pk = parse_id(template_id)
    if pk is not None:
        template = next((t for t in _templates(company) if t.pk == pk), None)
    variables = []
    if template is not None:
        header = template.header.get("text", "") if isinstance(template.header, dict) else ""
        for number in template_variable_numbers(header + "\n" + template.body):
            mapped = (template.variables or {}).get(number) or {}
            chosen = data.get(f"var_{number}_field") or (
                "value" if "value" in mapped else mapped.get("field", "first_name")
            )
            value = data.get(f"var_{number}_value") or mapped.get("value", "")
            variables.append({"number": number, "field": chosen, "value": value})
    return {
        "template": template,
        "variables": variables,
        "person_fields": [(key, label) for key, (label, _) in PERSON_FIELDS.items()],
    }


@company_admin_required
def template_partial(request):
    """Wizard step 1: the chosen template's preview and its variables (htmx)."""
    context = _template_context(request.user.company, request.GET.get("template_id"), request.GET)
    return render(request, "campaigns/_template.html", context)


@company_admin_required
def audience_partial(request):
    """Wizard step 2 and 5: the audience's live count and, on demand, the pre-flight (htmx)."""
    company = request.user.company
    form = CampaignForm(request.GET, company=company, templates=_templates(company))
    form.is_valid()  # only the audience fields matter here
    audience = form.audience()
    count = audience_sql.audience_count(company=company, audience=audience)
    preflight = None
    template_id = parse_id(request.GET.get("template_id"))
    if request.GET.get("preflight") and template_id is not None:
        template = next((t for t in _templates(company) if t.pk == template_id), None)
        if template is not None:
            from whatsapp import selectors as wa_selectors

            settings = wa_selectors.whatsapp_settings_for(company=company)
            preflight = audience_sql.preflight_counts(
                audience_sql.classification(
                    company=company,
                    audience=audience,
                    marketing=template.category == "marketing",
                    messaging_limit=settings.messaging_limit,
                    now=timezone.now(),
                )
            )
    return render(request, "campaigns/_audience.html", {"count": count, "preflight": preflight})


def _detail_context(request, campaign) -> dict:
    counts = selectors.campaign_counts(campaign=campaign)
    is_admin = request.user.role == Role.ADMIN
    actions = [
        (action, *ACTION_LABELS[action])
        for action in rules.ACTIONS
        if is_admin
        and rules.action_allowed(action=action, status=campaign.status)
        # A scheduled campaign starts by itself at its time: "Start" would change nothing.
        and not (action == "start" and campaign.status == rules.SCHEDULED)
    ]
    tz = services.campaign_time_zone(company=campaign.company, audience=campaign.audience)
    return {
        "campaign": campaign,
        "counts": counts["counts"],
        "progress": counts["progress"],
        "live": campaign.status in LIVE_STATES,
        "actions": actions,
        "tz": tz,
        "held_until": _held_until(campaign, tz),
    }


def _held_until(campaign, tz):
    """When quiet hours let a running campaign send again (local time), or None: the page says
    why a running campaign is not moving."""
    if campaign.status != rules.RUNNING:
        return None
    return rules.quiet_hours_end(
        local_now=timezone.now().astimezone(tz),
        start=campaign.quiet_hours_start,
        end=campaign.quiet_hours_end,
    )


@manager_or_admin_required
def campaign_page(request, campaign_id: int):
    campaign = selectors.campaign_get_for_company(company=request.user.company, pk=campaign_id)
    state = request.GET.get("state") or None
    if state not in (None, *RecipientState.values):
        state = None
    page = Paginator(selectors.campaign_recipients(campaign=campaign, state=state), 50).get_page(
        request.GET.get("page")
    )
    context = {
        **_detail_context(request, campaign),
        "page": page,
        "state": state,
        "states": RecipientState.choices,
    }
    return render(request, "campaigns/detail.html", context)


@manager_or_admin_required
def campaign_progress_partial(request, campaign_id: int):
    """The progress bar, counts and actions, polled by htmx while the campaign is live."""
    campaign = selectors.campaign_get_for_company(company=request.user.company, pk=campaign_id)
    return render(request, "campaigns/_progress.html", _detail_context(request, campaign))


@company_admin_required
@require_POST
def campaign_action(request, campaign_id: int, action: str):
    campaign = selectors.campaign_get_for_company(company=request.user.company, pk=campaign_id)
    if action == "preflight":
        services.campaign_preflight(campaign=campaign)
        messages.success(request, "Pre-flight updated.")
        return redirect("campaigns:detail", campaign.pk)
    if action not in ACTION_LABELS:
        raise PermissionDenied("No such action.")
    try:
        services.campaign_act(campaign=campaign, action=action)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{ACTION_LABELS[action][0]}: done.")
    return redirect("campaigns:detail", campaign.pk)
