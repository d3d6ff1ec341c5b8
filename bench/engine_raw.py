"""Raw document engine speed: render the built-in Statement of Attainment, then sign it.

One reused renderer and Signer (as in a worker process), new data for every document (a new
learner, number and verification URL, so a new QR code too). No Django. Renders go through the
bounded renderer (a child process with time and memory limits) as everywhere in Testamur;
`--unbounded` renders in this process instead, to measure what the limits cost. `--archive`
compares, document by document in turn (so a busy machine weighs on each alike), a plain PDF,
a PDF/A-3b one and a PDF/A-3b one carrying a 4 KB credential JSON (the issued PDF's digital
twin). `--split` breaks one document's render into its parts instead (see split()). Prints
one JSON object per line; asserts nothing about time.

    .venv/bin/python bench/engine_raw.py --n 200
    .venv/bin/python bench/engine_raw.py --n 200 --archive
    .venv/bin/python bench/engine_raw.py --n 200 --split
"""

import argparse
import copy
import itertools
import json
import statistics
import time
from importlib.metadata import version

from testamur.credentials.rendering.bounded import BoundedRenderer
from testamur.credentials.rendering.context import finalise_context, qr_svg, sample_context
from testamur.credentials.rendering.engine import (
    ARCHIVE_STANDARD,
    Attachment,
    Renderer,
    builtin_source,
    payload_of,
)
from testamur.organisation.pdf_signing import Signer

TWIN = Attachment(
    name="ETI-2026-000000-open-badge.json",
    data=json.dumps({"credential": "x" * 4000}).encode(),
    media_type="application/ld+json",
    description="The signed Open Badges 3.0 credential of this document",
)
VARIANTS = {
    "plain": {},
    "pdfa": {"pdf_standard": ARCHIVE_STANDARD},
    "pdfa_twin": {"pdf_standard": ARCHIVE_STANDARD, "attachment": TWIN},
}
BASE = sample_context("statement_of_attainment")


def data(i: int) -> dict:
    """Document i's data, not yet finalised: its QR code is still to be made."""
    item = copy.deepcopy(BASE)
    item["learner"]["full_name"] = f"Learner Number {i}"
    item["credential"]["number"] = f"ETI-2026-{i:06d}"
    item["credential"]["verification_url"] = f"https://credentials.example.edu.au/v/{i:010d}"
    item["qr_svg"] = ""
    return item


def _ms(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values) * 1000, 2),
        "mean": round(statistics.fmean(values) * 1000, 2),
    }


def split(n: int, source: str) -> dict:
    """Where one document's render goes, through the engine's own calls, n documents per path.

    Each round makes three new documents (new data each: Typst would reuse the layout of the
    same data), each with its QR code and data timed:
    - in process: the data's JSON (payload_of), an empty template with that data made into
      a tiny PNG (the fixed cost of one compile on the reused compiler: root, compiler, inputs;
      a PDF would add the fixed part of its export), then the real render;
    - bounded: the real render through a child, as everywhere in Testamur;
    - layout only: the engine's image check (a query: layout, no PDF), less the same check
      of an empty template.
    typst 0.15 compiles and exports a PDF in one call, so the PDF export is what the in-process
    render spends beyond the setup, the data's JSON and the layout; the child's overhead is the
    bounded render less the in-process one of the round. The two render paths swap order every
    round so a busy machine weighs on both alike. `render_ms` is a bounded document's QR code,
    data and render: what the parts add up to.
    """
    renderer, bounded = Renderer(), BoundedRenderer()
    t: dict[str, list[float]] = {
        k: [] for k in ("qr", "data_json", "setup", "typst", "layout", "child", "inproc", "render")
    }
    numbers = itertools.count()

    def prepare() -> tuple[dict, float]:
        item = data(next(numbers))
        t0 = time.perf_counter()
        qr_svg(item["credential"]["verification_url"])
        t1 = time.perf_counter()
        final = finalise_context(item)  # the QR code is cached now: the data alone
        payload_of(final)
        t2 = time.perf_counter()
        t["qr"].append(t1 - t0)
        t["data_json"].append(t2 - t1)
        return final, t1 - t0 + t2 - t1

    def in_process() -> float:
        final, before = prepare()
        t0 = time.perf_counter()
        payload_of(final)
        t1 = time.perf_counter()
        renderer.render_pages(source="", data=final, ppi=1)
        t2 = time.perf_counter()
        renderer.render(source=source, data=final)
        t3 = time.perf_counter()
        t["setup"].append(t2 - t1 - (t1 - t0))
        t["typst"].append(t3 - t2 - (t2 - t1))
        t["inproc"].append(before + t3 - t2)
        return t3 - t2

    def through_child() -> float:
        final, before = prepare()
        t0 = time.perf_counter()
        bounded.render(source=source, data=final)
        t1 = time.perf_counter()
        t["render"].append(before + t1 - t0)
        return t1 - t0

    def layout_only() -> None:
        final, _before = prepare()
        t0 = time.perf_counter()
        renderer.images_used(source="", data=final)
        t1 = time.perf_counter()
        renderer.images_used(source=source, data=final)
        t2 = time.perf_counter()
        t["layout"].append(t2 - t1 - (t1 - t0))

    for _ in range(3):  # warm: fonts, images, both compilers' caches, the child
        in_process()
        through_child()
        layout_only()
    for key in t:
        t[key].clear()
    for i in range(n):
        if i % 2:
            child = through_child()
            inproc = in_process()
        else:
            inproc = in_process()
            child = through_child()
        t["child"].append(child - inproc)
        layout_only()

    export = {
        "median": statistics.median(t["typst"]) - statistics.median(t["layout"]),
        "mean": statistics.fmean(t["typst"]) - statistics.fmean(t["layout"]),
    }
    parts = {
        "qr": _ms(t["qr"]),
        "data_json": _ms(t["data_json"]),
        "typst_setup": _ms(t["setup"]),
        "typst_layout": _ms(t["layout"]),
        "pdf_export": {k: round(v * 1000, 2) for k, v in export.items()},
        "child_overhead": _ms(t["child"]),
    }
    return {
        "bench": "engine_raw_split",
        "n": n,
        "typst": version("typst"),
        "parts_ms": parts,
        "render_ms": _ms(t["render"]),
        "inprocess_render_ms": _ms(t["inproc"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="documents to make (default 200)")
    parser.add_argument(
        "--unbounded", action="store_true", help="render in this process, without limits"
    )
    parser.add_argument(
        "--archive", action="store_true", help="compare plain, PDF/A-3b and PDF/A-3b + twin"
    )
    parser.add_argument(
        "--split", action="store_true", help="break one document's render time into its parts"
    )
    args = parser.parse_args()
    source = builtin_source("statement_of_attainment")
    if args.split:
        print(json.dumps(split(args.n, source)))
        return

    renderer = Renderer() if args.unbounded else BoundedRenderer()
    signer = Signer.from_pkcs12(
        *Signer.generate_self_signed("Example Training Institute", "Example Pty Ltd")
    )
    variants = VARIANTS if args.archive else {"plain": {}}
    for options in variants.values():
        warm = renderer.render(source=source, data=finalise_context(data(-1)), **options)
        signer.sign(warm, reason="Issued", location="Australia")

    render_s = dict.fromkeys(variants, 0.0)
    sign_s = dict.fromkeys(variants, 0.0)
    size = dict.fromkeys(variants, 0)
    for i in range(args.n):
        for k, (name, options) in enumerate(variants.items()):
            # Each document its own data: Typst would reuse the layout of the same data.
            item = finalise_context(data(i * len(variants) + k))
            t0 = time.perf_counter()
            pdf = renderer.render(source=source, data=item, **options)
            t1 = time.perf_counter()
            signed = signer.sign(pdf, reason="Issued", location="Australia")
            t2 = time.perf_counter()
            render_s[name] += t1 - t0
            sign_s[name] += t2 - t1
            size[name] = len(signed)
    for name in variants:
        print(
            json.dumps(
                {
                    "bench": "engine_raw",
                    "variant": name,
                    "n": args.n,
                    "bounded": not args.unbounded,
                    "render_ms_per_doc": round(render_s[name] / args.n * 1000, 2),
                    "sign_ms_per_doc": round(sign_s[name] / args.n * 1000, 2),
                    "docs_per_s": round(args.n / (render_s[name] + sign_s[name]), 1),
                    "signed_kb": round(size[name] / 1024, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
