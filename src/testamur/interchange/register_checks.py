"""verify_register's check of AVETMISS (registered in InterchangeConfig.ready()): a valid
final-qualification testamur's enrolment is reported as issued in NAT00130."""

from testamur.credentials.models import CredentialStatus
from testamur.interchange.avetmiss.export import nat00130_issued_flags

NOT_ISSUED = "NAT00130 reports course enrolment {enrolment}'s qualification as not issued (N)"


def nat00130_check(credentials) -> dict[int, str]:
    flagged = {
        c.pk: c.issuance.qualification_enrolment_flagged_id
        for c in credentials
        if c.status == CredentialStatus.ISSUED and c.issuance.qualification_enrolment_flagged_id
    }
    flags = nat00130_issued_flags(set(flagged.values()))
    return {
        pk: NOT_ISSUED.format(enrolment=enrolment)
        for pk, enrolment in flagged.items()
        if not flags.get(enrolment)
    }
