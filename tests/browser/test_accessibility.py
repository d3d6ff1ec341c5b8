"""The main pages have no serious or critical accessibility problems (axe-core, in Debian's
Chromium), stay usable 390 px wide, and the issue flow works with the keyboard alone."""

from contextlib import nullcontext

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus, GenerationRun
from testamur.reports.models import ExportStatus, RegisterExport
from tests.credentials.helpers import generated
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    offer_make,
    template_make,
    units_make,
)
from tests.verification.helpers import one_issued

SERIOUS = {"serious", "critical"}
# What sticks out past the screen's right edge, outside the sideways-scrolling table wrappers.
WIDE = """() => Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > 391 && !e.closest(".table-wrap"))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className)"""


def _problems(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def world(make_user):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    issued = one_issued(admin, lambda execute=True: nullcontext(), family_name="O'Brien")
    offer = offer_make(course_make(units=units_make("ZZAXE001")))
    enrolment = enrolment_make(learner=issued.learner, offer=offer, outcomes={"ZZAXE001": "20"})
    requested = credential_make(enrolment)
    generated(admin, [requested], lambda execute=True: nullcontext())
    requested.refresh_from_db()
    return {
        "admin": admin,
        "issued": issued,
        "requested": requested,
        "run": GenerationRun.objects.order_by("-pk").first(),
        "template": template_make(name="Our statement"),
        # A register export under way: its page has the live progress bar.
        "export": RegisterExport.objects.create(
            requested_by=admin,
            query="group=offer",
            filters_label="By course offer",
            status=ExportStatus.RUNNING,
            rows_done=5000,
            rows_total=20000,
            heartbeat_at=timezone.now(),
        ),
    }


def _pages(world) -> list[str]:
    issued, requested = world["issued"], world["requested"]
    return [
        reverse("home"),
        reverse("learners:list"),
        reverse("learners:detail", args=[issued.learner_id]),
        reverse("training:offer_detail", args=[issued.course_enrolment.offer_id]),
        reverse("credentials:register"),
        reverse("credentials:issue") + f"?credential={requested.pk}",
        reverse("credentials:run_detail", args=[world["run"].pk]),
        reverse("credentials:template_edit", args=[world["template"].pk]),
        reverse("reports:index"),
        reverse("reports:export_detail", args=[world["export"].pk]),
    ]


def _public_pages(world) -> list[str]:
    return [
        reverse("login"),
        reverse("verification:lookup"),
        reverse("verification:verify", args=[world["issued"].verification_code]),
        reverse("verification:portal_start"),
    ]


@pytest.mark.django_db(transaction=True)
def test_main_pages_have_no_serious_accessibility_problems(page, sign_in, world):
    problems = []
    for path in _public_pages(world):
        page.goto(path)
        problems += _problems(page)
    sign_in("alex")
    for path in _pages(world):
        page.goto(path)
        problems += _problems(page)
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_phone_390_pixels_wide(page, sign_in, world):
    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = []
    for path in _public_pages(world):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"{path}: {width}px: {page.evaluate(WIDE)}")
    sign_in("alex")
    for path in _pages(world):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"{path}: {width}px: {page.evaluate(WIDE)}")
    assert too_wide == []


@pytest.mark.django_db(transaction=True)
def test_the_issue_flow_works_with_the_keyboard_alone(page, sign_in, world):
    requested = world["requested"]
    sign_in("alex")
    page.goto(reverse("credentials:issue") + f"?credential={requested.pk}")
    issue = page.get_by_role("button", name="Issue 1 credential")
    expect(issue).to_be_enabled()
    for _ in range(60):
        page.keyboard.press("Tab")
        if issue.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("The Issue button cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Issue")
    page.wait_for_url("**/credentials/runs/**")
    expect(page.locator("body")).to_contain_text("Issued", timeout=60_000)
    assert Credential.objects.get(pk=requested.pk).status == CredentialStatus.ISSUED
