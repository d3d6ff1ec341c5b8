"""Raw document engine speed: render the built-in Statement of Attainment, then sign it.

One reused renderer and Signer (as in a worker process), new data for every document (a new
learner, number and verification URL, so a new QR code too). No Django. Renders go through the
bounded renderer (a child process with time and memory limits) as everywhere in Testamur;
`--unbounded` renders in this process instead, to measure what the limits cost. Prints one
JSON object per line; asserts nothing about time.

    .venv/bin/python bench/engine_raw.py --n 200
"""

import argparse
import copy
import json
import time

from testamur.credentials.rendering.bounded import BoundedRenderer
from testamur.credentials.rendering.context import finalise_context, sample_context
from testamur.credentials.rendering.engine import Renderer, builtin_source
from testamur.organisation.pdf_signing import Signer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="documents to make (default 200)")
    parser.add_argument(
        "--unbounded", action="store_true", help="render in this process, without limits"
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

    warm = renderer.render(source=source, data=finalise_context(data(-1)))
    signer.sign(warm, reason="Issued", location="Australia")

    render_s = sign_s = 0.0
    started = time.perf_counter()
    for i in range(args.n):
        t0 = time.perf_counter()
        pdf = renderer.render(source=source, data=finalise_context(data(i)))
        t1 = time.perf_counter()
        signer.sign(pdf, reason="Issued", location="Australia")
        t2 = time.perf_counter()
        render_s += t1 - t0
        sign_s += t2 - t1
    total = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "engine_raw",
                "n": args.n,
                "bounded": not args.unbounded,
                "render_ms_per_doc": round(render_s / args.n * 1000, 2),
                "sign_ms_per_doc": round(sign_s / args.n * 1000, 2),
                "docs_per_s": round(args.n / total, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
