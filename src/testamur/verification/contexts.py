"""The JSON-LD contexts, bundled (data/SOURCES.md), and the checks made before anything is signed.

Canonicalisation (RDFC-1.0) silently drops what the contexts do not define, so a property
outside them would be neither signed nor protected: `terms_check` refuses such a document.
"""

import json
import re
from functools import cache
from pathlib import Path

from pyld import jsonld

from testamur.verification.jsonld_cache import ProcessedContexts, Processor

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
# VC Data Model 1.1, and the Data Integrity terms a 1.1 credential with a DataIntegrityProof
# adds: read by the verifier (checking.py); Testamur issues 2.0 only.
VC_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

CREDENTIAL_CONTEXT = [VC_V2, OB_V3P0]
ISSUER_CONTEXT = [DID_V1, VC_V2, OB_V3P0, MULTIKEY_V1]

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    VC_V1: "credentials-v1.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
}
# What the VC v2 "undefined terms" contexts map unknown properties to: not a defined term.
UNDEFINED_VOCABULARIES = (
    "https://www.w3.org/ns/credentials/issuer-dependent#",
    "https://www.w3.org/ns/credentials/undefined-term#",
)

CONTEXT_REFUSED = "The JSON-LD context {url} is not one Testamur bundles; it is never fetched."
UNDEFINED_PROPERTY = (
    "The credential holds a property that its contexts do not define ({detail}); it would not "
    "be signed, so the credential is refused."
)


class ContextRefused(Exception):
    pass


class UndefinedTerm(ValueError):
    pass


@cache
def _bundled(url: str) -> dict:
    return json.loads((DATA_DIR / BUNDLED[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """Serve a bundled context; refuse any other URL (no network access, ever)."""
    if url not in BUNDLED:
        raise ContextRefused(CONTEXT_REFUSED.format(url=url))
    return {"contextUrl": None, "documentUrl": url, "document": _bundled(url)}


# Bundled documents never change: what processing their contexts gives is kept (decision 0029).
document_loader.processed = ProcessedContexts(
    loader=document_loader, bundled_urls=BUNDLED, bundled_document=_bundled
)


def _options(loader, **options) -> dict:
    processed = getattr(loader, "processed", None)
    if processed is None:
        return {**options, "documentLoader": loader}
    return processed.options(**options)


def _processor(loader, **kwargs) -> jsonld.JsonLdProcessor:
    processed = getattr(loader, "processed", None)
    if processed is None:
        return jsonld.JsonLdProcessor(**kwargs)
    return Processor(processed, **kwargs)


def loader_with(extra: dict[str, dict]):
    """A loader that also serves `extra` documents (tests use published example contexts)."""

    def load(url: str, options=None) -> dict:
        if url in extra:
            return {"contextUrl": None, "documentUrl": url, "document": extra[url]}
        return document_loader(url, options)

    load.processed = ProcessedContexts(
        loader=load,
        bundled_urls=[*BUNDLED, *extra],
        bundled_document=lambda url: extra[url] if url in extra else _bundled(url),
    )
    return load


def canonicalise(document, *, loader=document_loader, expanded: bool = False) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document (`expanded`: given in
    expanded form, as terms_check returns it)."""
    options = _options(loader, algorithm="URDNA2015", format="application/n-quads", base=None)
    processor = _processor(loader)
    if isinstance(processor, Processor):
        return processor.normalize(document, options, expanded=expanded)
    return processor.normalize(document, options)


def _is_absolute(iri: str) -> bool:
    return ":" in iri and not iri.startswith(UNDEFINED_VOCABULARIES)


def _check_expanded(node, path: str) -> None:
    if isinstance(node, list):
        for item in node:
            _check_expanded(item, path)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type":
            for iri in value if isinstance(value, list) else [value]:
                if not _is_absolute(iri):
                    raise UndefinedTerm(UNDEFINED_PROPERTY.format(detail=f"type {iri} at {path}"))
        elif key == "@id":
            if not _is_absolute(value):
                raise UndefinedTerm(UNDEFINED_PROPERTY.format(detail=f"id {value} at {path}"))
        elif key.startswith(UNDEFINED_VOCABULARIES):
            raise UndefinedTerm(UNDEFINED_PROPERTY.format(detail=f"{key} at {path}"))
        elif key != "@value":
            _check_expanded(value, f"{path} › {key}")


def terms_check(document: dict, *, loader=document_loader) -> list:
    """Raise UndefinedTerm if expansion would drop or leave undefined any property or type.

    Returns the expanded document: canonicalising it gives the same N-Quads as canonicalising
    `document` (expanded form expands to itself), without processing the contexts again."""
    dropped: list[str] = []
    processor = _processor(loader, on_property_dropped=lambda p: dropped.append(str(p)))
    # No base: a relative id or type must stay relative (and be refused), not be resolved
    # against PyLD's placeholder base.
    expanded = processor.expand(document, _options(loader, base=None))
    if dropped:
        raise UndefinedTerm(UNDEFINED_PROPERTY.format(detail=", ".join(sorted(set(dropped)))))
    _check_expanded(expanded, "credential")
    return expanded


# Unicode category Cc (C0, DEL and C1; the same 65 code points as unicodedata says, a test
# checks), less the newline.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def strip_control_characters(value):
    """A copy of a JSON value with control characters removed from every string.

    A newline is kept: OB narratives are Markdown. Anything else in Unicode category Cc
    (NUL, escape, bell…) is dropped before the credential is signed.
    """
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, list):
        return [strip_control_characters(item) for item in value]
    if isinstance(value, dict):
        return {strip_control_characters(k): strip_control_characters(v) for k, v in value.items()}
    return value
