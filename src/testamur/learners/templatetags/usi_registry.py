"""The learner page's "USI Registry System" card: the latest answers and the verify button."""

from django import template
from django.conf import settings

from testamur.learners.usi_registry.config import LABELS, registry_configured

register = template.Library()

SHOWN = 5


@register.inclusion_tag("learners/usi_registry/_learner_card.html", takes_context=True)
def usi_registry_card(context, learner):
    return {
        "learner": learner,
        "perms": context.get("perms"),
        "verifications": list(learner.usi_verifications.select_related("requested_by")[:SHOWN]),
        "configured": registry_configured(),
        "registry_label": LABELS.get(settings.USI_REGISTRY, ""),
        "csrf_token": context.get("csrf_token"),
    }
