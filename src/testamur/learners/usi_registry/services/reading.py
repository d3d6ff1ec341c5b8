"""What is sent for a learner, and whether a learner can be sent at all."""

from datetime import date

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from testamur.learners.models import EXEMPT_STATUSES, Learner, UsiStatus
from testamur.learners.usi_registry.client import RegistryClient
from testamur.learners.usi_registry.config import registry_config
from testamur.learners.usi_registry.messages import Person
from testamur.learners.usi_registry.models import REFUSED_RESULTS, UsiVerification

NAME_LIMIT = 40

NO_USI = "No USI recorded: enter it on the learner's Edit page."
EXEMPT = "Exemption recorded ({status}): there is no USI to verify."
NO_DATE_OF_BIRTH = "No date of birth: the registry needs it to verify the USI."
NAME_TOO_LONG = "A name is longer than the registry's 40 characters."
ALREADY_VERIFIED = "Already verified on {date}."
ALREADY_REFUSED = (
    "The registry answered “{result}” on {date} for these same details: correct the USI, name "
    "or date of birth before sending them again."
)


def learner_person(learner: Learner, record_id: int | None = None) -> Person:
    """What is sent for a learner. A learner known by one name (given and family names the
    same, or one of them '-') is sent as a single name."""
    given, family = learner.given_name.strip(), learner.family_name.strip()
    placeholders = {"", "-", "."}
    single = ""
    if given.casefold() == family.casefold() or family in placeholders:
        single = given
    elif given in placeholders:
        single = family
    return Person(
        record_id=record_id if record_id is not None else learner.pk,
        usi=learner.usi or "",
        date_of_birth=learner.date_of_birth,
        first_name="" if single else given,
        family_name="" if single else family,
        single_name=single,
    )


def _sent(person: Person) -> tuple:
    return (
        person.usi,
        person.first_name,
        person.family_name,
        person.single_name,
        person.date_of_birth,
    )


def _recorded(verification: UsiVerification) -> tuple:
    return (
        verification.usi,
        verification.first_name,
        verification.family_name,
        verification.single_name,
        verification.date_of_birth,
    )


def latest_verifications(learner_ids) -> dict[int, UsiVerification]:
    """Each learner's latest registry answer (or failure), keyed by learner id."""
    latest = (
        UsiVerification.objects.filter(learner_id__in=list(learner_ids))
        .values("learner_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {v.learner_id: v for v in UsiVerification.objects.filter(pk__in=list(latest))}


def _shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def precheck_reason(
    learner: Learner, *, last: UsiVerification | None, include_verified: bool = False
) -> str | None:
    """Why a learner cannot (or need not) be sent in a bulk verification; None to send."""
    if learner.usi_status in EXEMPT_STATUSES:
        return EXEMPT.format(status=learner.get_usi_status_display())
    if not learner.usi:
        return NO_USI
    if not learner.date_of_birth:
        return NO_DATE_OF_BIRTH
    person = learner_person(learner)
    if max(len(person.first_name), len(person.family_name), len(person.single_name)) > NAME_LIMIT:
        return NAME_TOO_LONG
    if learner.usi_status == UsiStatus.VERIFIED and not include_verified:
        return ALREADY_VERIFIED.format(date=_shown(learner.usi_verified_on))
    if last and last.result in REFUSED_RESULTS and _recorded(last) == _sent(person):
        return ALREADY_REFUSED.format(
            result=last.get_result_display(), date=_shown(timezone.localtime(last.requested_at))
        )
    return None


def usi_registry_client() -> RegistryClient:
    """A client for the configured registry; raises ConfigurationError when it is not set up."""
    return RegistryClient(registry_config())


def _environment() -> str:
    return settings.USI_REGISTRY or "none"
