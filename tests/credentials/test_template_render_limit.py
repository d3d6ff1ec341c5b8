"""A template that never finishes rendering is stopped, explained and never activated."""

import pytest

from testamur.credentials.rendering import engine
from testamur.credentials.rendering.context import sample_context
from testamur.credentials.rendering.engine import (
    RENDER_TOO_SLOW,
    IsolatedRenderer,
    TemplateError,
    builtin_source,
)

ENDLESS = builtin_source("letter") + "\n#for i in range(100000) { for j in range(100000) { } }\n"


def test_a_runaway_template_is_stopped_with_an_explanation():
    renderer = IsolatedRenderer(seconds=1)
    with pytest.raises(TemplateError) as stopped:
        renderer.render(source=ENDLESS, data=sample_context("letter"))
    assert str(stopped.value) == RENDER_TOO_SLOW.format(seconds=1)


def test_the_isolated_renderer_returns_documents_errors_and_warnings_like_the_shared_one():
    renderer = IsolatedRenderer()
    pdf = renderer.render(source=builtin_source("letter"), data=sample_context("letter"))
    assert pdf.startswith(b"%PDF-")
    with pytest.raises(TemplateError) as broken:
        renderer.render(source="#let x = (\n", data=sample_context("letter"))
    assert broken.value.line == 1
    renderer.render(source='#set text(font: "No Such Font")\nHello', data={})
    assert [str(w) for w in renderer.last_warnings] == ["Line 1: unknown font family: no such font"]


@pytest.mark.django_db
def test_a_runaway_template_is_saved_as_a_draft_that_cannot_be_activated(rto_admin, monkeypatch):
    from testamur.credentials import templates_service as service
    from testamur.credentials.models import TemplateVersionState

    monkeypatch.setattr(engine, "RENDER_TIME_LIMIT", 1)
    template = service.template_create(
        actor=rto_admin, name="Slow letter", credential_type="letter"
    )
    version = service.template_version_save(actor=rto_admin, template=template, source=ENDLESS)

    assert version.state == TemplateVersionState.DRAFT
    assert RENDER_TOO_SLOW.format(seconds=1) in version.problems
