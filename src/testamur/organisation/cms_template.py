"""The CMS SignedData of a PDF signature, assembled from bytes prepared once per signer.

pyHanko builds and DER-encodes each signature's CMS structure with asn1crypto, about 85 % of
the time of signing a credential. For our signatures (PAdES, no timestamp, no revocation
data) only two things change from one document to the next: the message digest inside the
signed attributes and the signature value. So pyHanko makes one signature for a marker
digest; this module keeps its DER split around those two places and, per document, puts the
new digest in, signs the signed attributes and re-encodes the lengths that enclose the
signature. The result is byte for byte what pyHanko would have built for that digest.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

TEMPLATE_UNUSABLE = "The signature template has an unexpected shape: {reason}"

SEQUENCE, SET, OCTET_STRING = 0x30, 0x31, 0x04
CONTEXT_0, CONTEXT_1 = 0xA0, 0xA1


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _children(data: bytes) -> list[bytes]:
    """The DER elements (whole, tag and length included) one after the other in `data`."""
    items, pos = [], 0
    while pos < len(data):
        start = pos
        if data[pos] & 0x1F == 0x1F:
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="a high tag number"))
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            size = first
        else:
            count = first & 0x7F
            size = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        pos += size
        if pos > len(data):
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="a truncated element"))
        items.append(data[start:pos])
    return items


def _content(element: bytes) -> bytes:
    """What is inside one DER element."""
    first = element[1]
    header = 2 if first < 0x80 else 2 + (first & 0x7F)
    return element[header:]


def marker_digest(size: int) -> bytes:
    """A digest no document will have, to find in the template's signed attributes."""
    return secrets.token_bytes(size)


@dataclass(frozen=True)
class CmsTemplate:
    """ContentInfo(SignedData) for one signer, one digest algorithm and one set of attributes."""

    content_type: bytes  # the ContentInfo's OID element
    signed_data_head: bytes  # version, digest algorithms, encapsulated content, certificates
    signer_info_head: bytes  # version, signer identifier, digest algorithm
    attrs_before: bytes  # the [0] signed attributes up to the message digest …
    attrs_after: bytes  # … and after it
    signature_algorithm: bytes

    @classmethod
    def from_der(cls, der: bytes, marker: bytes) -> "CmsTemplate":
        """Split pyHanko's signature of `marker` (a digest) into the parts kept between
        documents. Refuses any shape it would not rebuild exactly."""
        (content_info,) = _children(der)
        if content_info[0] != SEQUENCE:
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="no ContentInfo"))
        content_type, explicit = _children(_content(content_info))
        (signed_data,) = _children(_content(explicit))
        parts = _children(_content(signed_data))
        if parts[-1][0] != SET:
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="no signerInfos last"))
        signer_infos = _children(_content(parts[-1]))
        if len(signer_infos) != 1:
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="not one signer"))
        fields = _children(_content(signer_infos[0]))
        tags = [field[0] for field in fields]
        if len(fields) != 6 or tags[3] != CONTEXT_0 or tags[5] != OCTET_STRING:
            # Unsigned attributes (a timestamp, say) or no signed attributes: not ours.
            raise ValueError(TEMPLATE_UNUSABLE.format(reason=f"signer info tags {tags}"))
        attributes = fields[3]
        if attributes.count(marker) != 1:
            raise ValueError(TEMPLATE_UNUSABLE.format(reason="message digest not found once"))
        at = attributes.index(marker)
        return cls(
            content_type=content_type,
            signed_data_head=b"".join(parts[:-1]),
            signer_info_head=b"".join(fields[:3]),
            attrs_before=attributes[:at],
            attrs_after=attributes[at + len(marker) :],
            signature_algorithm=fields[4],
        )

    def assemble(self, digest: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """The DER ContentInfo for a document whose digest is `digest`; `sign` signs the signed
        attributes (DER of the SET OF, as CMS requires) and returns the signature value."""
        attributes = self.attrs_before + digest + self.attrs_after
        signature = sign(bytes([SET]) + attributes[1:])
        signer_info = _tlv(
            SEQUENCE,
            self.signer_info_head
            + attributes
            + self.signature_algorithm
            + _tlv(OCTET_STRING, signature),
        )
        signed_data = _tlv(SEQUENCE, self.signed_data_head + _tlv(SET, signer_info))
        return _tlv(SEQUENCE, self.content_type + _tlv(CONTEXT_0, signed_data))
