"""Raw document engine speed: render the built-in Statement of Attainment, then sign it.

One reused renderer and Signer (as in a worker process), new data for every document (a new
learner, number and verification URL, so a new QR code too). No Django. Renders go through the
bounded renderer (a child process with time and memory limits) as everywhere in Testamur;
`--unbounded` renders in this process instead, to measure what the limits cost. `--archive`
compares, document by document in turn (so a busy machine weighs on each alike), a plain PDF,
a PDF/A-3b one and a PDF/A-3b one carrying a 4 KB credential JSON (the issued PDF's digital
twin). Prints one JSON object per line; asserts nothing about time.

    .venv/bin/python bench/engine_raw.py --n 200
    .venv/bin/python bench/engine_raw.py --n 200 --archive
"""

import argparse
import copy
import json
import time

from testamur.credentials.rendering.bounded import BoundedRenderer
from testamur.credentials.rendering.context import finalise_context, sample_context
from testamur.credentials.rendering.engine import (
    ARCHIVE_STANDARD,
    Attachment,
    Renderer,
    builtin_source,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="documents to make (default 200)")
    parser.add_argument(
        "--unbounded", action="store_true", help="render in this process, without limits"
    )
    parser.add_argument(
        "--archive", action="store_true", help="compare plain, PDF/A-3b and PDF/A-3b + twin"
    )
    args = parser.parse_args()

    renderer = Renderer() if args.unbounded else BoundedRenderer()
    signer = Signer.from_pkcs12(
        *Signer.generate_self_signed("Example Training Institute", "Example Pty Ltd")
    )
    source = builtin_source("statement_of_attainment")
    base = sample_context("statement_of_attainment")

    def data(i: int) -> dict:
        item = copy.deepcopy(base)
        item["learner"]["full_name"] = f"Learner Number {i}"
        item["credential"]["number"] = f"ETI-2026-{i:06d}"
        item["credential"]["verification_url"] = f"https://credentials.example.edu.au/v/{i:010d}"
        item["qr_svg"] = ""
        return item

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
