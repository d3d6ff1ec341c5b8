"""The proof code against the W3C eddsa-rdfc-2022 test vector (data/README.md)."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testamur.verification.contexts import (
    ContextRefused,
    UndefinedTerm,
    document_loader,
    loader_with,
)
from testamur.verification.issuance import BAD_SIGNATURE, proof_add, proof_verify
from testamur.verification.multikey import private_key_from_multibase, public_key_from_multibase

VECTOR = json.loads((Path(__file__).parent / "data" / "eddsa-rdfc-2022-signed.json").read_text())
PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
LOADER = loader_with(
    {EXAMPLES: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
)
METHOD = VECTOR["proof"]["verificationMethod"]
KEYS = {METHOD: public_key_from_multibase(PUBLIC_KEY)}


def test_the_published_signed_credential_verifies():
    check = proof_verify(VECTOR, public_keys=KEYS, loader=LOADER)
    assert check.valid, check.problem


def test_signing_the_vector_reproduces_its_published_proof_value():
    unsigned = {k: v for k, v in VECTOR.items() if k != "proof"}
    signed = proof_add(
        unsigned,
        private_key=private_key_from_multibase(SECRET_KEY),
        verification_method=METHOD,
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        loader=LOADER,
    )
    assert signed["proof"] == VECTOR["proof"]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["credentialSubject"].update(alumniOf="The School of Forgeries"),
        lambda d: d.update(validFrom="2022-01-01T00:00:00Z"),
        lambda d: d["proof"].update(created="2024-02-24T23:36:38Z"),
        lambda d: d["type"].append("ExtraCredential"),
    ],
    ids=["subject", "validFrom", "proof created", "type"],
)
def test_any_change_to_signed_data_breaks_the_proof(change):
    tampered = copy.deepcopy(VECTOR)
    change(tampered)
    check = proof_verify(tampered, public_keys=KEYS, loader=LOADER)
    assert not check.valid
    assert check.problem.startswith(BAD_SIGNATURE)


def test_another_key_does_not_verify_it():
    other = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    check = proof_verify(
        VECTOR, public_keys={METHOD: public_key_from_multibase(other)}, loader=LOADER
    )
    assert not check.valid


def test_contexts_are_never_fetched_from_the_network():
    with pytest.raises(ContextRefused):
        document_loader(EXAMPLES)
    # Without the inlined examples context the vector cannot even be processed.
    assert not proof_verify(VECTOR, public_keys=KEYS).valid


def test_a_property_the_contexts_do_not_define_is_refused_before_signing():
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "https://vc.example/issuers/5678",
        "credentialSubject": {"usi": "BNGH7C75FN"},
    }
    with pytest.raises(UndefinedTerm) as excinfo:
        proof_add(
            document,
            private_key=private_key_from_multibase(SECRET_KEY),
            verification_method=METHOD,
            created=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert "usi" in str(excinfo.value)
