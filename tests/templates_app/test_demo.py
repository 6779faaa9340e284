from templates_app import demo
from templates_app.models import MessageTemplate


def test_demo_seed_is_idempotent_and_valid(company, admin_user):
    lines = demo.seed(company=company, users={"admin": admin_user})
    demo.seed(company=company, users={"admin": admin_user})

    statuses = dict(MessageTemplate.objects.filter(company=company).values_list("name", "status"))
    assert statuses == {
        "Welcome new lead": "approved",
        "Class promo": "approved",
        "Re-engage": "approved",
        "Draft offer": "draft",
    }
    assert MessageTemplate.objects.get(name="Re-engage").is_recontact
    assert MessageTemplate.objects.get(name="Welcome new lead").twilio_approved
    # Approved demo templates go out as templates (with a Content SID), never as free text.
    approved = MessageTemplate.objects.filter(company=company, status="approved")
    assert all(t.is_sendable and t.content_sid.startswith("HX") for t in approved)
    assert "4 WhatsApp templates (4 new)" in lines[0]
