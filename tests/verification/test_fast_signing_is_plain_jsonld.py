"""Signing a badge fast gives the very proof plain PyLD gives (decision 0028).

The signing path keeps processed contexts between credentials, expands each credential once
and strips control characters without a Unicode table look-up per character. Each test here
compares it with the plain path: PyLD with no cache of ours, expanding from scratch.
"""

import hashlib
import json
import sys
import unicodedata
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from testamur.verification import composition
from testamur.verification.contexts import (
    OB_V3P0,
    VC_V2,
    canonicalise,
    document_loader,
    strip_control_characters,
)
from testamur.verification.issuance import proof_add, proof_verify
from testamur.verification.multikey import base58_encode

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
METHOD = "https://rto.example/vc/issuer#z6MkTestKey"
CREATED = datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)


def plain_loader(url, options=None):
    """The bundled contexts through a loader Testamur gives no cache to."""
    return document_loader(url, options)


def plain_canonical(document) -> str:
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": plain_loader,
            "base": None,
        },
    )


def plain_strip(value):
    """The control-character rule as first written: Unicode category Cc, newline kept."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch == "\n" or unicodedata.category(ch) != "Cc")
    if isinstance(value, list):
        return [plain_strip(item) for item in value]
    if isinstance(value, dict):
        return {plain_strip(k): plain_strip(v) for k, v in value.items()}
    return value


def plain_proof_value(document: dict, proof: dict) -> str:
    unsecured = plain_strip(document)
    config = {**proof, "@context": unsecured["@context"]}
    config.pop("proofValue")
    digest = hashlib.sha256(plain_canonical(config).encode()).digest()
    digest += hashlib.sha256(plain_canonical(unsecured).encode()).digest()
    return "z" + base58_encode(KEY.sign(digest))


# Names and titles as RTOs type them: accents, quotes, apostrophes, Markdown, newlines, tabs
# and stray control characters, emoji, right-to-left scripts, combining marks.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("aZ '\"\\\n\t\r\x00\x1b\x7f\x85éøßÑ’“”—–…<>&{}[]#*_`~"),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=40,
)
UNIT = st.fixed_dictionaries(
    {
        "code": st.from_regex(r"[A-Z]{3,6}[0-9]{3}", fullmatch=True),
        "title": TEXT,
        "is_vet": st.booleans(),
    }
)
COURSE = st.fixed_dictionaries(
    {
        "code": st.from_regex(r"[A-Z]{3}[0-9]{5}", fullmatch=True),
        "title": TEXT,
        "aqf_level": st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
    }
)
TYPES = {
    "testamur": "Testamur",
    "statement_of_attainment": "Statement of Attainment",
    "record_of_results": "Record of Results",
    "transcript": "Transcript",
}


@st.composite
def credentials(draw) -> dict:
    kind = draw(st.sampled_from(sorted(TYPES)))
    number = draw(st.integers(min_value=1, max_value=10**6))
    facts = {
        "credential": {
            "type": kind,
            "type_label": TYPES[kind],
            "number": f"{number:06d}",
            "valid_from": "2026-12-05T00:00:00Z",
        },
        "organisation": {
            "name": draw(TEXT),
            "rto_code": draw(st.sampled_from(["", "91234", "0001"])),
            "url": draw(st.sampled_from(["", "https://rto.example"])),
            "email": draw(st.sampled_from(["", "info@rto.example"])),
        },
        "course": draw(st.one_of(st.none(), COURSE)),
        "units": draw(st.lists(UNIT, max_size=40, unique_by=lambda unit: unit["code"])),
        "learner": {"display_name": draw(TEXT)},
    }
    email = draw(st.sampled_from(["", "Mia.Nguyen@Example.org ", "zoë@例え.jp"]))
    if email:  # set only when the learner agreed to an email identifier
        facts["learner"]["email"] = email
    credential_id = f"urn:uuid:{number:08d}-0000-4000-8000-000000000000"
    entry = composition.status_entry(purpose="revocation", number=1, index=number)
    return composition.open_badge_credential(facts, credential_id=credential_id, status_entry=entry)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=credentials(), as_set=st.booleans())
def test_a_badge_signed_fast_carries_the_proof_plain_pyld_gives(document, as_set):
    signed = proof_add(
        document, private_key=KEY, verification_method=METHOD, created=CREATED, as_set=as_set
    )
    proof = signed["proof"][-1] if as_set else signed["proof"]
    assert proof["proofValue"] == plain_proof_value(document, proof)
    check = proof_verify(signed, public_keys={METHOD: KEY.public_key()})
    assert check.valid, check.problem
    plain_check = proof_verify(signed, public_keys={METHOD: KEY.public_key()}, loader=plain_loader)
    assert plain_check.valid, plain_check.problem


@settings(max_examples=30, deadline=None)
@given(document=credentials())
def test_a_changed_badge_fails_on_the_fast_path_as_on_the_plain_one(document):
    signed = proof_add(document, private_key=KEY, verification_method=METHOD, created=CREATED)
    signed["credentialSubject"]["achievement"]["name"] += " (forged)"
    keys = {METHOD: KEY.public_key()}
    assert not proof_verify(signed, public_keys=keys).valid
    assert not proof_verify(signed, public_keys=keys, loader=plain_loader).valid


def test_stripping_control_characters_is_the_unicode_cc_rule_for_every_code_point():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    assert strip_control_characters(everything) == plain_strip(everything)
    assert strip_control_characters({"a\x00": ["b\x1b\nc"]}) == {"a": ["b\nc"]}


def test_an_inline_context_is_read_afresh_each_time():
    for number in range(20):
        document = {
            "@context": [VC_V2, {"note": {"@id": f"https://rto.example/terms#{number}"}}],
            "type": ["VerifiableCredential"],
            "issuer": "https://rto.example/vc/issuer",
            "credentialSubject": {"note": "hello"},
        }
        canonical = canonicalise(document)
        assert f"<https://rto.example/terms#{number}>" in canonical
        assert canonical == plain_canonical(document)


def test_documents_with_their_own_contexts_leave_nothing_kept_behind():
    """A verifier reads credentials from anywhere: their inline contexts must not pile up."""
    canonicalise(SIMPLE)
    kept = len(document_loader.processed.results)
    for number in range(50):
        document = {
            **SIMPLE,
            "@context": [VC_V2, {"note": f"https://rto.example/terms#{number}"}, OB_V3P0],
        }
        canonicalise(document)
    assert len(document_loader.processed.results) == kept


def test_a_stricter_loader_still_refuses_what_the_bundled_one_has_resolved():
    signed = proof_add(
        json.loads(json.dumps(SIMPLE)),
        private_key=KEY,
        verification_method=METHOD,
        created=CREATED,
    )

    def refuses_open_badges(url, options=None):
        if url == OB_V3P0:
            raise ValueError("refused")
        return document_loader(url, options)

    keys = {METHOD: KEY.public_key()}
    assert proof_verify(signed, public_keys=keys).valid
    assert not proof_verify(signed, public_keys=keys, loader=refuses_open_badges).valid


SIMPLE = {
    "@context": [VC_V2, OB_V3P0],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://rto.example/vc/issuer", "type": ["Profile"], "name": "RTO"},
    "validFrom": "2026-12-05T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "urn:uuid:11111111-1111-4111-8111-111111111111",
            "type": ["Achievement"],
            "name": "BSBWHS411",
            "criteria": {"narrative": "Met it."},
        },
    },
}
