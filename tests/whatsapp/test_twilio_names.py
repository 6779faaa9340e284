"""Only the Twilio adapter (whatsapp/providers/twilio/) knows Twilio's parameter names: the rest
of the code reads our StatusEvent / InboundEvent (whatsapp.providers.events). This scans every
string in the apps' source, so a new `params.get("MessageSid")` elsewhere fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("gymsales", "whatsapp", "templates_app", "automations", "reporting")
ADAPTER = ROOT / "whatsapp" / "providers" / "twilio"
# Twilio's webhook parameters (and the signature header), as Twilio spells them.
NAMES = {
    "AccountSid",
    "MessageSid",
    "SmsSid",
    "SmsMessageSid",
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
    "ErrorMessage",
    "From",
    "To",
    "Body",
    "NumMedia",
    "ProfileName",
    "ButtonPayload",
    "ButtonText",
    "WaId",
    "HTTP_X_TWILIO_SIGNATURE",
}
# Indexed parameters (MediaUrl0, or the constant part of f"MediaUrl{i}") and the ad's Referral*.
INDEXED = ("MediaUrl", "MediaContentType")


def is_twilio_name(text: str) -> bool:
    if text in NAMES:
        return True
    for name in INDEXED:
        if text.startswith(name) and (text == name or text[len(name) :].isdigit()):
            return True
    # ReferralSourceType, ReferralNumMedia, ... (not the lead source "Referral")
    return text.startswith("Referral") and text[len("Referral") :][:1].isupper()


def twilio_names_in(source: str) -> list[tuple[int, str]]:
    """(line, string) of every Twilio name among the source's strings (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and is_twilio_name(node.value)
    )


def app_sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if ADAPTER not in path.parents
    ]


def test_no_twilio_parameter_name_outside_the_adapter():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in app_sources()
        for line, text in twilio_names_in(path.read_text())
    ]
    assert len(app_sources()) > 100  # the apps' sources were found
    assert found == []


def test_the_scan_sees_keys_indexed_names_and_referrals_but_not_docstrings():
    source = (
        "def f(params, i):\n"
        '    """Reads MessageSid."""\n'
        '    a = params.get("MessageSid"), params[f"MediaUrl{i}"], params["MediaContentType0"]\n'
        '    b = params["ReferralSourceId"], {"source_name": "Referral", "to": "To?"}\n'
        '    return a, b, params.get("To")\n'
    )
    assert twilio_names_in(source) == [
        (3, "MediaContentType0"),
        (3, "MediaUrl"),
        (3, "MessageSid"),
        (4, "ReferralSourceId"),
        (5, "To"),
    ]
