"""Issued PDFs are certified against any change, and a changed file no longer validates."""

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.content_check import pdf_text
from testamur.credentials.rendering.context import sample_context
from testamur.credentials.rendering.engine import builtin_source
from testamur.organisation.pdf_signing import (
    CHANGED_AFTER_SIGNING,
    NOT_ONE_SIGNATURE,
    SIGNED_CONTENT_CHANGED,
    SIGNER_NOT_TRUSTED,
    Signer,
    generate_self_signed,
)


@pytest.fixture(scope="module")
def signer():
    data, passphrase = generate_self_signed("Example Training Institute", "Example Pty Ltd")
    return Signer.from_pkcs12(data, passphrase)


@pytest.fixture(scope="module")
def unsigned():
    data = sample_context("statement_of_attainment")
    return get_renderer().render(source=builtin_source("statement_of_attainment"), data=data)


@pytest.fixture(scope="module")
def signed(signer, unsigned):
    return signer.sign(unsigned, reason="Issued credential", location="Sydney NSW")


def test_a_signed_credential_validates_as_certified_with_no_changes_allowed(signer, signed):
    report = signer.validate(signed)

    assert report.valid
    assert report.certified
    assert report.docmdp_no_changes
    assert report.signer_name == "Example Training Institute"
    assert report.problem == ""


def test_signing_keeps_the_document_as_it_was(signed, unsigned):
    assert signed.startswith(unsigned)  # an incremental update: the original bytes are intact
    assert pdf_text(signed) == pdf_text(unsigned)
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert "/DocMDP" in pdf.Root.Perms


def _flip(pdf: bytes, position: int) -> bytes:
    tampered = bytearray(pdf)
    tampered[position] ^= 0x01
    return bytes(tampered)


def test_changing_one_byte_of_the_signed_content_breaks_validation(signer, signed):
    title = signed.index(b"ETI-2026-000123")  # the number in the document title

    report = signer.validate(_flip(signed, title + 5))

    assert not report.valid
    assert report.problem == SIGNED_CONTENT_CHANGED


def test_changing_one_byte_of_a_page_stream_breaks_validation(signer, signed):
    assert not signer.validate(_flip(signed, signed.index(b"stream\n") + 30)).valid


def test_an_update_appended_after_signing_breaks_validation(signer, signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    report = signer.validate(out.getvalue())

    assert not report.valid
    assert report.problem == CHANGED_AFTER_SIGNING


def test_a_different_certificate_is_not_trusted(signed):
    stranger = Signer.from_pkcs12(*generate_self_signed("Someone Else", "Other Pty Ltd"))

    report = stranger.validate(signed)

    assert not report.valid
    assert report.problem == SIGNER_NOT_TRUSTED
    assert report.certified  # still a certification signature, just not ours


def test_an_unsigned_pdf_is_not_valid(signer, unsigned):
    report = signer.validate(unsigned)

    assert not report.valid
    assert not report.certified
    assert report.problem == NOT_ONE_SIGNATURE


def test_a_wrong_passphrase_is_a_clear_error():
    data, _passphrase = generate_self_signed("Example", "Example Pty Ltd")

    with pytest.raises(ValueError, match="could not be opened"):
        Signer.from_pkcs12(data, b"wrong")


def test_the_generated_certificate_lasts_ten_years():
    signer = Signer.from_pkcs12(*generate_self_signed("Example", "Example Pty Ltd"))
    cert = signer.certificate

    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 365 * 10 <= lifetime.days <= 365 * 10 + 5


def test_signing_works_from_an_event_loop_and_from_several_threads_at_once(signer, unsigned):
    """The main thread signs on an event loop it keeps, other threads on loops of their own, and
    code already running a loop (an ASGI view) on a helper thread. Every one of these documents
    must come out valid."""

    def sign() -> bytes:
        return signer.sign(unsigned, reason="Issued credential", location="Sydney NSW")

    async def inside_a_loop() -> bytes:
        return sign()

    with ThreadPoolExecutor(max_workers=3) as pool:
        # A thread of its own runs the loop: this one may run one already (Playwright's sync API
        # leaves one in a test process that ran browser tests before).
        from_loop = pool.submit(asyncio.run, inside_a_loop()).result()
        from_threads = list(pool.map(lambda _: sign(), range(6)))
    again_here = [sign(), sign()]  # the main thread's kept loop (if none runs here), twice

    for document in [from_loop, *from_threads, *again_here]:
        report = signer.validate(document)
        assert (report.valid, report.certified, report.problem) == (True, True, "")
