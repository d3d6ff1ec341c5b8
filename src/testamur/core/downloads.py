"""How a stored file leaves Testamur: only through a view that has checked who asks, never
kept by a browser or proxy, never sniffed into another type, and an image never able to run
script even when opened on its own."""

from django.http import FileResponse, Http404, HttpResponse

FILE_MISSING = "This file is not stored any more."
# An SVG opened directly is a document of this origin: this policy lets it draw and nothing else.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    if response.get("Content-Type", "").startswith("image/"):
        response["Content-Security-Policy"] = IMAGE_POLICY
    return response


def stored_file_response(field_file, filename: str, *, content_type: str, attachment: bool):
    """A stored file, streamed, with its name (Content-Disposition) and the private headers."""
    if not field_file:
        raise Http404(FILE_MISSING)
    try:
        handle = field_file.open("rb")
    except OSError as error:
        raise Http404(FILE_MISSING) from error
    response = FileResponse(
        handle, content_type=content_type, as_attachment=attachment, filename=filename
    )
    return private(response)
