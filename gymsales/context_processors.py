def navigation(request):
    """The navigation bar's items, by the user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.company_id is None:
        return {"nav_items": []}
    items = [("People", "/people/"), ("Newsfeed", "/newsfeed/")]
    if user.role in ("manager", "admin"):
        items.append(("Reports", "/reports/"))
    if user.role == "admin":
        items += [
            ("Templates", "/settings/whatsapp/templates/"),
            ("Automations", "/settings/automations/"),
            ("Campaigns", "/campaigns/"),
        ]
    return {"nav_items": items}
