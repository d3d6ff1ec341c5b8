"""No input gets a server error: every page, as every role, with every form field and query
parameter the pages offer, filled with real values and with nonsense (hypothesis).

The fields come from the pages themselves: each page is opened as an Owner, its forms (and the
query strings of its links) are read, and the fields are filed under the page they go to, so a
page reached only by posting (a bulk bar's target) is fuzzed with its form's fields. Path ids are
real records (and ones that do not exist). A fixed, derandomised budget keeps the run short; any
answer of 500 (a raised exception in the test client) fails.
"""

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from hypothesis import HealthCheck, given
from hypothesis import settings as budget
from hypothesis import strategies as st

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.accounts.services import user_create
from testamur.api.models import ApiToken
from testamur.api.services import api_token_create
from testamur.credentials.credential_templates import template_copy
from testamur.credentials.models import (
    Credential,
    CredentialEmail,
    CredentialTemplate,
    CredentialTemplateVersion,
    GenerationRun,
    TemplateAsset,
)
from testamur.interchange.models import ImportJob
from testamur.interchange.services import import_job_create
from testamur.learners.models import Learner
from testamur.organisation.models import Signatory
from testamur.qualifications.models import (
    ElectiveGroup,
    Major,
    QualificationEnrolment,
    UnitEquivalence,
)
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    Unit,
    UnitEnrolment,
)
from tests.conftest import PASSWORD
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import SAMPLE_SVG, packaging_rule_make, qualification_enrolment_make

EXAMPLES = 4  # per page and role: ~140 pages x 4 roles
ROLES = (None, Role.USER, Role.ADMIN, Role.OWNER)
SKIPPED = ("api/v1/", "admin/")  # the API has its own conformance fuzzing (schemathesis)

# Which records a path's <int:...> names, by the start of the route.
ROUTE_MODELS = [
    ("accounts/users/", User),
    ("accounts/api-tokens/", ApiToken),
    ("settings/signatories/", Signatory),
    ("learners/", Learner),
    ("training/units/", Unit),
    ("training/courses/", Course),
    ("training/locations/", DeliveryLocation),
    ("training/offers/", CourseOffer),
    ("training/enrolments/", CourseEnrolment),
    ("training/unit-enrolments/", UnitEnrolment),
    ("qualifications/groups/", ElectiveGroup),
    ("qualifications/majors/", Major),
    ("qualifications/equivalences/", UnitEquivalence),
    ("qualifications/enrolments/", QualificationEnrolment),
    ("qualifications/", Course),
    ("credentials/request/enrolment/", CourseEnrolment),
    ("credentials/request/offer/", CourseOffer),
    ("credentials/emails/", CredentialEmail),
    ("credentials/runs/", GenerationRun),
    ("credentials/templates/versions/", CredentialTemplateVersion),
    ("credentials/templates/files/", TemplateAsset),
    ("credentials/templates/", CredentialTemplate),
    ("credentials/", Credential),
    ("import/", ImportJob),
    ("portal/credentials/", Credential),
]

NONSENSE = [
    "",
    " ",
    "abc",
    "0",
    "-1",
    "1.5",
    "99999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "31/12/9999",
    "0001-01-01",
    "9999-12-31",
    "\x00",
    "a\x00b",
    "/",
    "//evil.example/",
    "javascript:alert(1)",
    "../../etc/passwd",
    "%",
    "'",
    '"',
    "<script>x</script>",
    "=1+1",
    "true",
    "on",
    "ñ" * 3,
    "x" * 5000,
]


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith(SKIPPED):
            yield route


ROUTES = sorted(set(_routes()))


class _Forms(HTMLParser):
    """Forms (action, method, fields with sample values) and link query strings of a page."""

    def __init__(self):
        super().__init__()
        self.forms, self.links = [], []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "fields": defaultdict(set),
                "files": set(),
            }
            self.forms.append(self._form)
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            self.links.append(attrs["href"])
        elif self._form is not None and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if not name:
                return
            if attrs.get("type") == "file":
                self._form["files"].add(name)
                return
            self._form["fields"][name].add(attrs.get("value") or "")
            if tag == "select":
                self._select = name
        elif tag == "option" and self._form is not None and self._select:
            self._form["fields"][self._select].add(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _ids(route: str) -> list[int]:
    for start, model in ROUTE_MODELS:
        if route.startswith(start):
            return list(model.objects.order_by("pk").values_list("pk", flat=True)[:3])
    return [1]


def _path(route: str, choose) -> str:
    """A path for `route` with real ids (and, now and then, ones that do not exist)."""

    def fill(match):
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int":
            return str(choose([*_ids(route), 0, 987654321]))
        if name == "purpose":
            return choose(["revocation", "nonsense"])
        if name == "code":
            codes = list(
                Credential.objects.exclude(verification_code="").values_list(
                    "verification_code", flat=True
                )[:2]
            )
            return choose([*codes, "x" * 22, "%20"])
        if name == "path":
            return choose(["credentials/issued/x.pdf", "../settings.py"])
        return choose(["x", "0"])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.route


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every kind of record a page can name, made once for the module (rolled back after)."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(
            MEDIA_ROOT=media,
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        users = {
            role: user_create(
                username=f"fuzz-{role.value.lower()}",
                role=role,
                password=PASSWORD,
                first_name=role.value,
                last_name="Fuzzer",
                email="fuzz@example.com",
            )
            for role in (Role.USER, Role.ADMIN, Role.OWNER)
        }
        admin = users[Role.ADMIN]
        enrolments = completed_offer(4, units=4)
        credentials = requested(enrolments)
        drafts = generated(admin, credentials[:3], _capture)
        issue(admin, drafts[:1], _capture, mail_merge=True)
        qualification = enrolments[0].offer.course
        codes = sorted(qualification.units.values_list("code", flat=True))
        packaging_rule_make(
            qualification,
            total=3,
            core=codes[:2],
            groups=[("E", "Electives", 1, codes[2:3])],
            majors={"Leadership": {"core": codes[3:]}},
        )
        qualification_enrolment_make(enrolments[0].learner, qualification, major="Leadership")
        copy = template_copy(
            actor=users[Role.OWNER], template=credentials[0].template, name="Fuzz copy"
        )
        asset = TemplateAsset(version=copy.versions.get(), name="art.svg")
        asset.file.save("art.svg", ContentFile(SAMPLE_SVG))
        signatory = Signatory.objects.get()
        signatory.signature.save("signature.svg", ContentFile(SAMPLE_SVG))
        import_job_create(
            actor=admin,
            kind="learners",
            upload=SimpleUploadedFile(
                "learners.csv", b"Learner ID,Given name,Family name\nC1,Ann,Lee\n"
            ),
        )
        api_token_create(user=admin, name="Fuzz")
        fields = _discover(users[Role.OWNER])
        yield {"users": users, "fields": fields, "media": media}
        transaction.set_rollback(True)


# On-commit callbacks run at once: the module's transaction never commits.
_capture = TestCase.captureOnCommitCallbacks


def _discover(owner) -> dict[str, dict]:
    """Fields per route, from every page an Owner can open: {"get": {...}, "post": {...}}."""
    client = Client()
    client.force_login(owner)
    found = defaultdict(lambda: {"get": defaultdict(set), "post": defaultdict(set), "files": set()})
    for route in ROUTES:
        if route.startswith(("logout/", "portal/sign-out/")):
            continue
        page = _path(route, lambda values: values[0])
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode(errors="replace"))
        for form in parser.forms:
            target = _route_of(form["action"] or page) or route
            entry = found[target]
            for name, values in form["fields"].items():
                entry[form["method"] if form["method"] == "get" else "post"][name] |= values
            entry["files"] |= form["files"]
        for link in parser.links:
            target = _route_of(link)
            if target:
                for name, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
                    found[target]["get"][name].add(value)
    return {route: entry for route, entry in found.items()}


def _value(data, samples: set[str]):
    choices = sorted(samples - {""}) or ["1"]
    return data.draw(
        st.one_of(
            st.sampled_from(choices),
            st.sampled_from(NONSENSE),
            st.text(max_size=20),
            st.lists(st.sampled_from(choices), min_size=2, max_size=3),
        )
    )


def _fuzz(route: str, fields: dict, client: Client) -> None:
    @budget(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        path = _path(route, lambda values: data.draw(st.sampled_from(values)))
        method = data.draw(st.sampled_from(["get", "post", "head"]))
        chosen = fields["get"] if method != "post" else fields["post"]
        payload = {}
        for name, samples in sorted(chosen.items()):
            if data.draw(st.booleans()):
                payload[name] = _value(data, samples)
        if data.draw(st.booleans()):
            extra = data.draw(st.sampled_from(["next", "page", "q", "after", "x"]))
            payload[extra] = data.draw(st.sampled_from(NONSENSE))
        if method == "post":
            for name in sorted(fields["files"]):
                if data.draw(st.booleans()):
                    payload[name] = SimpleUploadedFile(
                        data.draw(st.sampled_from(["a.csv", "a.png", "a.svg", "a.zip"])),
                        data.draw(st.binary(max_size=200)),
                    )
        response = getattr(client, method)(path, payload)
        assert response.status_code != 500, (method, path, payload)

    run()


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_answers_500(route, world, db, settings):
    settings.MEDIA_ROOT = world["media"]
    fields = world["fields"].get(route, {"get": {}, "post": {}, "files": set()})
    for role in ROLES:
        client = Client()
        if role is not None:
            client.force_login(world["users"][role])
        _fuzz(route, fields, client)
