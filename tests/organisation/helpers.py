"""Image files as an RTO would upload them, the settings form as an Owner fills it in."""

import html
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import SAMPLE_SVG


def png_bytes(width: int = 60, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (31, 78, 121, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "logo.png", width: int = 60, height: int = 20) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(width, height), content_type="image/png")


def svg_upload(data: bytes = SAMPLE_SVG, name: str = "logo.svg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/svg+xml")


def page_text(response) -> str:
    """The page as a reader sees it: entities such as &lt; turned back into characters."""
    return html.unescape(response.content.decode())


def settings_data(**overrides) -> dict:
    """What the settings form posts when an Owner fills it in."""
    data = {
        "legal_name": "Harbour City Training Pty Ltd",
        "trading_name": "Harbour City Training",
        "rto_code": "41234",
        "abn": "51 824 753 556",
        "address_line": "1 George Street",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
        "email": "credentials@harbourcity.example",
        "phone": "02 9999 0000",
        "website": "https://harbourcity.example",
        "jurisdiction": "national",
        "time_zone": "Australia/Sydney",
        "credential_number_prefix": "TM-",
        "credential_number_digits": "6",
        "usi_gate": "block",
        "default_issuing_officer": "",
    }
    data.update(overrides)
    return data
