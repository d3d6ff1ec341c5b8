"""The digital twin an issued PDF carries: a file made from the frozen issuance record by a
higher layer (verification: the signed Open Badges credential), embedded in the PDF/A-3
document as an associated file before the document is certified.

Credentials is below verification: verification registers the maker in its AppConfig.ready(),
as lifecycle followers are registered.
"""

from collections.abc import Callable

from django.conf import settings

from testamur.credentials.models import CredentialIssuance
from testamur.credentials.rendering.engine import Attachment

TwinMaker = Callable[[list[CredentialIssuance]], dict[int, Attachment]]

_makers: list[TwinMaker] = []


def twin_maker_register(maker: TwinMaker) -> None:
    """`maker(records)` returns credential id → the file to embed in that credential's PDF.
    It runs in the issue run, after the records are frozen, outside any transaction."""
    if maker not in _makers:
        _makers.append(maker)


def twins_make(records: list[CredentialIssuance]) -> dict[int, Attachment]:
    if not settings.ISSUED_PDF_DIGITAL_TWIN:
        return {}
    twins: dict[int, Attachment] = {}
    for maker in _makers:
        twins |= maker(records)
    return twins
