"""Merging a run's documents into one unsigned print PDF."""

import json
import subprocess
import sys
import textwrap

import pikepdf
import pypdf
import pytest
import typst

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.content_check import pdf_text
from testamur.credentials.rendering.context import sample_context
from testamur.credentials.rendering.engine import builtin_source
from testamur.credentials.rendering.merge import PRINT_NOTE, merge_pdfs
from testamur.organisation.pdf_signing import Signer, generate_self_signed


def one_page_pdfs(directory, count: int) -> list:
    compiler = typst.Compiler(root=str(directory))
    paths = []
    for i in range(count):
        path = directory / f"credential-{i:04d}.pdf"
        source = f"#set page(width: 10cm, height: 6cm)\nCredential number {i:04d}"
        path.write_bytes(compiler.compile(input=source.encode(), format="pdf"))
        paths.append(path)
    return paths


def test_merging_n_single_page_pdfs_gives_n_pages_in_order(tmp_path):
    paths = one_page_pdfs(tmp_path, 12)
    out = tmp_path / "combined.pdf"

    pages = merge_pdfs(paths, out, label="Run 7")

    reader = pypdf.PdfReader(out)
    assert pages == 12 == len(reader.pages)
    assert [page.extract_text().strip() for page in reader.pages] == [
        f"Credential number {i:04d}" for i in range(12)
    ]


def test_the_print_version_says_it_must_not_be_sent_digitally(tmp_path):
    out = tmp_path / "combined.pdf"
    merge_pdfs(one_page_pdfs(tmp_path, 2), out, label="Run 7")

    with pikepdf.open(out) as pdf:
        assert str(pdf.docinfo.Title) == f"Run 7 — {PRINT_NOTE}"
        assert str(pdf.docinfo.Subject) == PRINT_NOTE


def test_signed_credentials_merge_into_an_unsigned_unlocked_print_version(tmp_path):
    signer = Signer.from_pkcs12(*generate_self_signed("Example", "Example Pty Ltd"))
    renderer = get_renderer()
    paths = []
    for credential_type in ("testamur", "record_of_results"):
        pdf = renderer.render(
            source=builtin_source(credential_type), data=sample_context(credential_type)
        )
        path = tmp_path / f"{credential_type}.pdf"
        path.write_bytes(signer.sign(pdf, reason="Issued", location="Sydney"))
        paths.append(path)
    out = tmp_path / "combined.pdf"

    pages = merge_pdfs(paths, out, label=None)

    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == pages == 2
        assert "/Perms" not in pdf.Root and "/AcroForm" not in pdf.Root
        for page in pdf.pages:
            assert all(a.get("/FT") != "/Sig" for a in page.obj.get("/Annots", []))
    text = pdf_text(out.read_bytes())
    assert "Certificate IV in Business" in text and "Record of Results" in text


def test_text_that_looks_like_a_reference_is_copied_as_it_is(tmp_path):
    # Objects are copied as QPDF writes them, their references renumbered, unless they hold a
    # string: a note reading "12 0 R" must not become a reference to another object.
    paths = one_page_pdfs(tmp_path, 3)
    with pikepdf.open(paths[1], allow_overwriting_input=True) as pdf:
        note = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Text,
            Rect=[10, 10, 30, 30],
            Contents=pikepdf.String("Checked against 12 0 R and 1 0 R"),
            NM=pikepdf.String(b"\xfe\xff\x001\x00 \x000\x00 \x00R"),
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
        pdf.save(paths[1])
    out = tmp_path / "combined.pdf"

    merge_pdfs(paths, out, label="Run 8")

    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
        (annotation,) = pdf.pages[1].obj.Annots
        assert str(annotation.Contents) == "Checked against 12 0 R and 1 0 R"
        assert str(annotation.NM) == "1 0 R"
    reader = pypdf.PdfReader(out)
    assert [page.extract_text().strip() for page in reader.pages] == [
        f"Credential number {i:04d}" for i in range(3)
    ]


MEASURE = textwrap.dedent(
    """
    import re, sys
    from pathlib import Path
    from testamur.credentials.rendering.merge import merge_pdfs
    paths = sorted(Path(sys.argv[1]).glob("credential-*.pdf"))[: int(sys.argv[2])]
    merge_pdfs(paths, Path(sys.argv[1]) / f"out-{sys.argv[2]}.pdf", label="Run")
    # VmHWM (peak RSS of this program; ru_maxrss would include the parent's at fork time)
    print(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text())[1])
    """
)


@pytest.mark.parametrize("count", [500])
def test_memory_does_not_grow_with_the_number_of_inputs(tmp_path, count):
    one_page_pdfs(tmp_path, count)

    def peak_kb(n: int) -> int:
        run = [sys.executable, "-c", MEASURE, str(tmp_path), str(n)]
        done = subprocess.run(run, check=True, capture_output=True)
        return json.loads(done.stdout)

    few, many = peak_kb(20), peak_kb(count)

    assert len(pypdf.PdfReader(tmp_path / f"out-{count}.pdf").pages) == count
    # Copying pages into one pikepdf document grows ~30 KB per input here (+14 MB);
    # streaming each input to the file stays flat (+1 MB, the object offsets).
    assert many - few < 5_000
