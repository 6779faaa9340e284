def navigation(request):
    """The navigation bar's items for the user's role, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.company_id is None:
        return {"nav_items": []}
    items = [("People", "/people/"), ("Newsfeed", "/newsfeed/")]
    if user.role == "admin":
        items += [
            ("Templates", "/settings/whatsapp/templates/"),
            ("Automations", "/settings/automations/"),
        ]
    if user.role in ("manager", "admin"):
        items += [("Campaigns", "/campaigns/"), ("Reports", "/reports/")]
    path = request.path
    return {"nav_items": [(label, url, path.startswith(url)) for label, url in items]}
