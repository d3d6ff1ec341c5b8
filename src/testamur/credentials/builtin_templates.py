"""The built-in generic templates, kept in step with the sources shipped in rendering/builtin/.

After every migrate: each built-in template exists, and when its shipped source changed a new
version becomes active (the old one is retired, so credentials keep pointing at what they
were rendered with).
"""

from django.db import transaction
from django.utils import timezone

from testamur.credentials.models import (
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    TemplateVersionState,
)

BUILTIN = [
    (CredentialType.TESTAMUR, "Testamur (built-in)", "A4 landscape qualification certificate"),
    (
        CredentialType.RECORD_OF_RESULTS,
        "Record of Results (built-in)",
        "A4 portrait, all achieved units",
    ),
    (
        CredentialType.STATEMENT_OF_ATTAINMENT,
        "Statement of Attainment (built-in)",
        "A4 portrait, achieved units with the AQF statement",
    ),
    (CredentialType.TRANSCRIPT, "Transcript (built-in)", "Plain list of units and results"),
    (CredentialType.LETTER, "Letter (built-in)", "Plain letter to the learner"),
]


def builtin_templates_sync(**kwargs) -> None:
    from testamur.credentials.rendering.engine import builtin_source

    using = kwargs.get("using", "default")
    for credential_type, name, description in BUILTIN:
        source = builtin_source(credential_type)
        with transaction.atomic(using=using):
            template, _ = CredentialTemplate.objects.using(using).get_or_create(
                name=name,
                defaults={
                    "credential_type": credential_type,
                    "description": description,
                    "is_builtin": True,
                },
            )
            versions = CredentialTemplateVersion.objects.using(using).filter(template=template)
            active = versions.filter(state=TemplateVersionState.ACTIVE).first()
            if active and active.source == source:
                continue
            versions.filter(state=TemplateVersionState.ACTIVE).update(
                state=TemplateVersionState.RETIRED
            )
            latest = versions.order_by("-number").first()
            CredentialTemplateVersion.objects.using(using).create(
                template=template,
                number=(latest.number + 1) if latest else 1,
                source=source,
                state=TemplateVersionState.ACTIVE,
                activated_at=timezone.now(),
            )
