from django.urls import reverse
from django.utils.functional import SimpleLazyObject

# (label, url name, permission needed to see it)
NAVIGATION = [
    ("Learners", "learners:list", "learners.view_learner"),
    ("Course offers", "training:offer_list", "training.view_courseoffer"),
    ("Courses", "training:course_list", "training.view_course"),
    ("Qualifications", "qualifications:list", "qualifications.view_qualificationenrolment"),
    ("Units", "training:unit_list", "training.view_unit"),
    ("Credential register", "credentials:register", "credentials.view_credential"),
    ("Templates", "credentials:template_list", "credentials.view_credentialtemplate"),
    ("Reports", "reports:index", "credentials.view_credential"),
    ("Import", "interchange:import", "interchange.import_data"),
    ("AVETMISS", "interchange:avetmiss_export", "interchange.export_avetmiss"),
    ("Settings", "organisation:settings", "organisation.change_organisation"),
]


def navigation(request):
    # Lazy: a page that shows no menu (the public verification page, kept by shared caches)
    # must not read the session, which would make its response vary by cookie.
    return {"nav_items": SimpleLazyObject(lambda: _items(request))}


def _items(request) -> list[dict]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return []
    path = request.path
    items = [
        {"label": label, "url": reverse(url_name), "active": False}
        for label, url_name, perm in NAVIGATION
        if user.has_perm(perm)
    ]
    # The longest matching address wins: /credentials/templates/ is Templates, not the register.
    matching = [item for item in items if path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items
