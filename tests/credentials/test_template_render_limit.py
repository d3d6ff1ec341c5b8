"""Every render has a time and a memory limit: a template that loops or grows is stopped,
explained, never activated, and fails only its own credentials."""

import pytest

from testamur.credentials.models import CredentialStatus, RunKind, TemplateVersionState
from testamur.credentials.rendering import bounded
from testamur.credentials.rendering.bounded import (
    RENDER_TOO_BIG,
    RENDER_TOO_SLOW,
    BoundedRenderer,
)
from testamur.credentials.rendering.context import sample_context
from testamur.credentials.rendering.engine import TemplateError, builtin_source
from tests.credentials.helpers import completed_offer, requested, run
from tests.credentials.network_probe import sockets_in_a_render_child

LOOP = "\n#for i in range(100000) { for j in range(100000) { } }\n"
ENDLESS = builtin_source("letter") + LOOP
HUNGRY = builtin_source("letter") + "\n#let a = range(60000000)\n#a.len()\n"
SAMPLE_FAMILY_NAME = sample_context("statement_of_attainment")["learner"]["family_name"]
# Fine with the sample learner, endless with anyone real.
ENDLESS_FOR_REAL_LEARNERS = (
    builtin_source("statement_of_attainment")
    + f'\n#if data.learner.family_name != "{SAMPLE_FAMILY_NAME}" {{ {LOOP.strip()[1:]} }}\n'
)


def test_a_runaway_template_is_stopped_with_an_explanation():
    renderer = BoundedRenderer(seconds=1)
    with pytest.raises(TemplateError) as stopped:
        renderer.render(source=ENDLESS, data=sample_context("letter"))

    assert str(stopped.value) == RENDER_TOO_SLOW.format(seconds=1)
    assert renderer.render(source="Still working", data={}).startswith(b"%PDF-")


def test_a_memory_hungry_template_is_stopped_with_an_explanation():
    renderer = BoundedRenderer(megabytes=512)
    with pytest.raises(TemplateError) as stopped:
        renderer.render(source=HUNGRY, data=sample_context("letter"))

    assert str(stopped.value) == RENDER_TOO_BIG.format(megabytes=512)
    assert renderer.render(source="Still working", data={}).startswith(b"%PDF-")


def test_the_bounded_renderer_returns_documents_errors_and_warnings_like_the_engine():
    renderer = BoundedRenderer()
    pdf = renderer.render(source=builtin_source("letter"), data=sample_context("letter"))
    assert pdf.startswith(b"%PDF-")
    with pytest.raises(TemplateError) as broken:
        renderer.render(source="#let x = (\n", data=sample_context("letter"))
    assert broken.value.line == 1
    renderer.render(source='#set text(font: "No Such Font")\nHello', data={})
    assert [str(w) for w in renderer.last_warnings] == ["Line 1: unknown font family: no such font"]


def test_a_render_child_cannot_open_a_network_socket():
    context = bounded._context()
    receiver, sender = context.Pipe()
    child = context.Process(target=sockets_in_a_render_child, args=(sender,))
    child.start()
    sender.close()
    outcome = receiver.recv() if receiver.poll(60) else None
    child.join()

    assert outcome == {"internet": 13, "ipv6": 13, "local": "opened"}


@pytest.mark.django_db
def test_a_runaway_template_is_saved_as_a_draft_that_cannot_be_activated(rto_admin, settings):
    from testamur.credentials import credential_templates as service

    settings.RENDER_TIME_LIMIT_SECONDS = 1
    template = service.template_create(
        actor=rto_admin, name="Slow letter", credential_type="letter"
    )
    version = service.template_version_save(actor=rto_admin, template=template, source=ENDLESS)

    assert version.state == TemplateVersionState.DRAFT
    assert RENDER_TOO_SLOW.format(seconds=1) in version.problems


@pytest.mark.django_db
def test_activation_renders_real_credentials_and_refuses_a_template_that_loops_on_them(
    rto_admin, settings
):
    from testamur.credentials import credential_templates as service

    settings.RENDER_TIME_LIMIT_SECONDS = 2
    template = service.template_create(
        actor=rto_admin, name="Loops for real learners", credential_type="statement_of_attainment"
    )
    service.template_version_activate(actor=rto_admin, version=template.versions.get())
    (credential,) = requested(completed_offer(1), template=template)
    version = service.template_version_save(
        actor=rto_admin, template=template, source=ENDLESS_FOR_REAL_LEARNERS
    )
    assert version.problems == ""  # the sample learner renders

    version = service.template_version_activate(actor=rto_admin, version=version)

    assert version.state == TemplateVersionState.DRAFT
    assert version.problems == service.REAL_DATA_FAILED.format(
        credential=f"#{credential.pk}", error=RENDER_TOO_SLOW.format(seconds=2)
    )


@pytest.mark.django_db
def test_a_run_fails_only_the_credential_whose_template_runs_away(
    rto_admin, settings, django_capture_on_commit_callbacks
):
    settings.RENDER_TIME_LIMIT_SECONDS = 1
    enrolments = completed_offer(2)
    runaway, fine = requested(enrolments[:1]), requested(enrolments[1:])
    # Active before activation rendered real data.
    runaway[0].template.versions.update(source=ENDLESS_FOR_REAL_LEARNERS)

    generation_run, _ = run(
        rto_admin, RunKind.PREVIEW, runaway + fine, django_capture_on_commit_callbacks
    )

    failed = type(runaway[0]).objects.get(pk=runaway[0].pk)
    assert failed.status == CredentialStatus.FAILED
    assert RENDER_TOO_SLOW.format(seconds=1) in failed.failure_message
    assert type(fine[0]).objects.get(pk=fine[0].pk).status == CredentialStatus.GENERATED
    assert (generation_run.done_count, generation_run.failed_count) == (1, 1)
