from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "automations"
    verbose_name = "Automated Items and campaigns"

    def ready(self):
        import automations.tasks  # noqa: F401 (registers the tasks the services enqueue by name)
        from automations import api, demo, services
        from automations.campaigns import api as campaigns_api
        from automations.campaigns import demo as campaigns_demo
        from automations.campaigns import services as campaigns
        from gymsales import services as core
        from gymsales.api.schema import error_codes_register
        from gymsales.context_processors import nav_item_register
        from gymsales.demo import demo_seeder_register
        from gymsales.models import Role
        from whatsapp.services import hooks as whatsapp

        # Handlers run inside the transaction of the change, so a run is recorded exactly when
        # its event commits. Registered once even if ready() runs again.
        hooks = [
            (core.PERSON_CREATED_HANDLERS, services.on_person_created),
            (core.PERSON_STATUS_CHANGED_HANDLERS, services.on_person_status_changed),
            (core.PERSON_UPDATED_HANDLERS, services.on_person_updated),
            (core.APPOINTMENT_BOOKED_HANDLERS, services.on_appointment_booked),
            # Campaigns count an opt-out by staff or the people API after they reached someone.
            (core.PERSON_OPT_OUT_CHANGED_HANDLERS, campaigns.recipients_follow_opt_out),
            # Campaign recipients follow their messages' callbacks, replies and STOPs.
            (whatsapp.MESSAGE_STATUS_HANDLERS, campaigns.recipients_follow_status),
            (whatsapp.INBOUND_HANDLERS, campaigns.recipients_follow_inbound),
            (whatsapp.MESSAGE_RETRY_HANDLERS, campaigns.recipients_follow_retry),
            # An automatic retry of a stopped or paused campaign's message does not go (yet).
            (whatsapp.SEND_CHECK_HANDLERS, campaigns.automatic_retry_check),
        ]
        for handlers, handler in hooks:
            if handler not in handlers:
                handlers.append(handler)
        demo_seeder_register(demo.seed)
        demo_seeder_register(campaigns_demo.seed)
        error_codes_register(api.ERROR_CODES)
        error_codes_register(campaigns_api.ERROR_CODES)
        nav_item_register("Automations", "/settings/automations/", {Role.ADMIN})
        nav_item_register("Campaigns", "/campaigns/", {Role.MANAGER, Role.ADMIN})
        # The Celery tasks, registered in every process (web too): campaign services enqueue
        # the dispatch by the task's name (automations.campaigns.queueing).
        from automations import tasks  # noqa: F401
