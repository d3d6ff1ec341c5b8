"""verify_register's check of digital credentials (registered in VerificationConfig.ready()):
the stored signed credential's proof verifies and it says exactly what the record says."""

from testamur.credentials.models import CredentialStatus
from testamur.verification import selectors
from testamur.verification.contexts import strip_control_characters
from testamur.verification.issuance import proof_verify
from testamur.verification.models import DigitalCredential
from testamur.verification.verifier import published_keys

NOT_MADE = "its digital credential has not been made (manage.py make_digital_credentials makes it)"
PROOF_INVALID = "its digital credential's proof does not verify: {problem}"
NOT_THE_RECORD = "its digital credential's {part} is not what the issuance record says"


def expected_document(entry: DigitalCredential, record) -> dict:
    """The unsigned credential the record gives for this entry, as it is signed (under the
    issuer id it was signed with: VC_ISSUER may have changed since), the learner's email
    identifier included when the record holds one."""
    issuer = (entry.signed or {}).get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else None
    return strip_control_characters(
        selectors.unsigned_credential(entry, record, issuer_id=issuer_id)
    )


def digital_credentials_check(credentials) -> dict[int, str]:
    entries = {
        e.credential_id: e
        for e in DigitalCredential.objects.filter(
            credential_id__in=[c.pk for c in credentials]
        ).select_related("status_list")
    }
    keys = published_keys()
    problems = {}
    for credential in credentials:
        entry = entries.get(credential.pk)
        if entry is None or not entry.signed:
            if credential.status == CredentialStatus.ISSUED:
                problems[credential.pk] = NOT_MADE
            continue
        proof = proof_verify(entry.signed, public_keys=keys)
        if not proof.valid:
            problems[credential.pk] = PROOF_INVALID.format(problem=proof.problem)
            continue
        expected = expected_document(entry, credential.issuance)
        signed = {key: value for key, value in entry.signed.items() if key != "proof"}
        differing = sorted(
            key for key in expected.keys() | signed.keys() if expected.get(key) != signed.get(key)
        )
        if differing:
            part = "credentialSubject" if "credentialSubject" in differing else differing[0]
            problems[credential.pk] = NOT_THE_RECORD.format(part=part)
    return problems
