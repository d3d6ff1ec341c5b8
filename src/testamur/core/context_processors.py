from django.urls import reverse

# (label, url name, permission needed to see it)
NAVIGATION = [
    ("Learners", "learners:list", "learners.view_learner"),
    ("Course offers", "training:offer_list", "training.view_courseoffer"),
    ("Courses", "training:course_list", "training.view_course"),
    ("Units", "training:unit_list", "training.view_unit"),
    ("Credential register", "credentials:register", "credentials.view_credential"),
    ("Reports", "reports:index", "credentials.view_credential"),
    ("Settings", "organisation:settings", "organisation.change_organisation"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for label, url_name, perm in NAVIGATION:
        if user.has_perm(perm):
            url = reverse(url_name)
            items.append({"label": label, "url": url, "active": path.startswith(url)})
    return {"nav_items": items}
