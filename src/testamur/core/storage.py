"""Names for stored files that nobody can guess.

Files are served only through views that check who asks, and a name with 128 random bits in
it is a second line: a sequential `HCT-000001.pdf` could be tried, this cannot. Files stored
before keep their names and are served the same way.
"""

import secrets
from pathlib import PurePath

from django.utils.deconstruct import deconstructible

# Room for the folder, the random part and the name a file is given.
STORED_NAME_LENGTH = 255


@deconstructible
class UnguessableName:
    """An `upload_to`: `<folder>/<32 random hex digits>-<file name>`."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        return f"{self.folder}/{secrets.token_hex(16)}-{PurePath(filename).name}"

    def __eq__(self, other) -> bool:
        return isinstance(other, UnguessableName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)
