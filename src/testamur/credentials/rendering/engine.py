"""Typst rendering: template source + JSON data + assets -> PDF bytes.

A Renderer compiles in the process that holds it (fonts are scanned once; the compiler and its
caches are reused across documents). Web processes and workers never hold one: they render
through rendering/bounded.py, whose child processes hold a Renderer under a time and memory
limit and without network. Data reaches a template only as JSON in `sys.inputs.data`, so a
learner called `#import "x": *` is text, never markup. A template can read files only inside
its root: a directory made from the assets it was given (built-in logos plus the caller's
files), kept and reused while the contents are unchanged. Fonts among a template's assets
(.ttf/.otf) are available to that template only. Typst packages are never found: the package
directories are an empty private directory, and the bounded children have no network.
"""

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import typst

from testamur.credentials.rendering.context import sanitize_context

ASSETS_DIR = Path(__file__).parent / "assets"
BUILTIN_DIR = Path(__file__).parent / "builtin"

BUILTIN_ASSETS: dict[str, bytes] = {
    path.name: path.read_bytes() for path in sorted(ASSETS_DIR.glob("*.svg"))
}

BUILTIN_TEMPLATES = {
    "testamur": "testamur.typ",
    "record_of_results": "record_of_results.typ",
    "statement_of_attainment": "statement_of_attainment.typ",
    "transcript": "transcript.typ",
    "letter": "letter.typ",
    "other": "letter.typ",
}

ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ASSET_NAME_REFUSED = (
    "Asset name {name!r} is not allowed: use letters, digits, '.', '_' or '-', no folders."
)
PACKAGE_IMPORT_REFUSED = (
    "Templates cannot import Typst packages. Upload the files the template needs with it instead."
)
CACHE_DIR_NOT_PRIVATE = (
    "The render cache directory {path} must be a directory owned by this user and closed to "
    "others (mode 0700); it is not, so nothing is rendered."
)
FILE_OUTSIDE_TEMPLATE = "A template can only use the files uploaded with it: {names}."

# What Typst says when an import names a package (none is ever available here).
_PACKAGE_FAILURES = ("failed to download package", "package not found")
_LOCATION = re.compile(r"┌─ (?P<file>.+?):(?P<line>\d+):(?P<column>\d+)")
_MAIN_FILE = "__typst_py_bytes__.typ"
FONT_SUFFIXES = (".ttf", ".otf")
# Roots with their own fonts get their own compiler (fonts are fixed when a compiler is made);
# a few are kept, the rest made again when needed.
_FONT_COMPILERS_KEPT = 8
_CLI_HINT = "you can adjust the project root with the `--root` argument"


class TemplateError(Exception):
    """A template failed to compile. `line`/`column` are 1-based in the template source."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"Line {self.line}, column {self.column}: {self.message}"

    def __reduce__(self):  # keep line and column when sent back from a renderer process
        return (TemplateError, (self.message, self.line, self.column))


@dataclass(frozen=True)
class TemplateWarning:
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"Line {self.line}: {self.message}"


def builtin_source(credential_type: str) -> str:
    """Source of the built-in template for a credential type ('other' gets the plain letter)."""
    return (BUILTIN_DIR / BUILTIN_TEMPLATES[credential_type]).read_text(encoding="utf-8")


def _location(diagnostic: str) -> tuple[int | None, int | None, str | None]:
    """Line and 1-based column of the first diagnostic, and the file when not the main one."""
    match = _LOCATION.search(diagnostic)
    if not match:
        return None, None, None
    file = match["file"]
    other = None if file.endswith(_MAIN_FILE) else Path(file).name
    return int(match["line"]), int(match["column"]) + 1, other


def _tidy(message: str, root: Path) -> str:
    # Never show the server's cache path; show paths as the template sees them.
    return message.replace(str(root), "")


class RenderCacheNotPrivate(RuntimeError):
    """The render cache directory could be read or changed by someone else."""


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"testamur-typst-{os.getuid()}"


def private_dir(path: Path) -> Path:
    """`path`, made (mode 0700) if missing; refused unless it is a real directory owned by this
    user and closed to everyone else. A name under /tmp can be made first by another user, who
    could then swap the files a template is rendered from."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RenderCacheNotPrivate(CACHE_DIR_NOT_PRIVATE.format(path=path))
    return path


# Issued documents are archived for 30 years: PDF/A-3b, which also allows associated files.
ARCHIVE_STANDARD = "a-3b"


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the PDF as a PDF/A-3 associated file of the whole document."""

    name: str
    data: bytes
    media_type: str
    description: str
    relationship: str = "alternative"  # source, data, alternative, supplement, unspecified


# Appended to a template (which cannot see these inputs under its own names): the file's
# name, bytes and description come in as inputs, never spliced into the markup.
_ATTACH_MARKUP = (
    '\n#pdf.attach(sys.inputs.at("testamur-attachment-name"), '
    'bytes(sys.inputs.at("testamur-attachment")), '
    'relationship: sys.inputs.at("testamur-attachment-relationship"), '
    'mime-type: sys.inputs.at("testamur-attachment-type"), '
    'description: sys.inputs.at("testamur-attachment-description"))\n'
)


def _attachment_inputs(attachment: Attachment) -> dict[str, str]:
    return {
        "testamur-attachment-name": attachment.name,
        "testamur-attachment": attachment.data.decode("utf-8"),
        "testamur-attachment-relationship": attachment.relationship,
        "testamur-attachment-type": attachment.media_type,
        "testamur-attachment-description": attachment.description,
    }


def payload_of(data: dict) -> str:
    """The JSON a template reads from `sys.inputs.data`."""
    return json.dumps(sanitize_context(data), ensure_ascii=False, separators=(",", ":"))


class AssetRoots:
    """Template roots: directories holding the built-in assets plus a template's own files."""

    def __init__(self, cache_dir: Path):
        self.cache_dir = private_dir(Path(cache_dir))
        self._roots: dict[str, Path] = {}

    def root_for(self, assets: dict[str, bytes] | None) -> Path:
        """The directory holding the built-in assets plus `assets` (which win on a clash).

        Named after a hash of the contents, so a batch reuses one directory and two processes
        agree on it; created atomically (write to a temporary directory, then rename).
        """
        files = {**BUILTIN_ASSETS, **(assets or {})}
        for name in files:
            if not ASSET_NAME.fullmatch(name):
                raise ValueError(ASSET_NAME_REFUSED.format(name=name))
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        key = digest.hexdigest()[:32]

        def complete(root: Path) -> bool:
            return all((root / name).is_file() for name in files)

        root = self._roots.get(key)
        if root is not None and complete(root):
            return root
        root = self.cache_dir / key
        if not complete(root):
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.cache_dir))
            for name, content in files.items():
                (staging / name).write_bytes(content)
            try:
                staging.rename(root)
            except OSError:  # it exists: made just now by another process, or damaged
                if not complete(root):
                    shutil.rmtree(root, ignore_errors=True)
                    staging.rename(root)
                else:
                    shutil.rmtree(staging, ignore_errors=True)
        self._roots[key] = root
        return root


class Renderer:
    """Compiles in this process, with no limit: for render children, benchmarks and tests.
    Everything else renders through rendering/bounded.py."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        font_paths: tuple[Path, ...] = (),
        include_system_fonts: bool = True,
    ):
        self.roots = AssetRoots(Path(cache_dir or default_cache_dir()))
        self.cache_dir = self.roots.cache_dir
        # Packages are looked for here, and nothing is ever put here.
        self._packages = str(private_dir(self.cache_dir / ".no-packages"))
        self._font_paths = [str(p) for p in font_paths]
        self._include_system_fonts = include_system_fonts
        self._fonts = typst.Fonts(
            include_system_fonts=include_system_fonts,
            include_embedded_fonts=True,
            font_paths=self._font_paths,
        )
        self._lock = threading.Lock()
        self._local = threading.local()
        self._compiler = self._new_compiler(self.root_for({}), self._fonts)
        self._font_compilers: dict[Path, tuple[typst.Fonts, typst.Compiler]] = {}
        self._fontless_roots: set[Path] = set()

    def _new_compiler(self, root: Path, fonts: typst.Fonts) -> typst.Compiler:
        return typst.Compiler(
            root=str(root),
            font_paths=fonts,
            package_path=self._packages,
            package_cache_path=self._packages,
        )

    @property
    def last_warnings(self) -> list[TemplateWarning]:
        """Warnings (e.g. unknown fonts, which fall back) from this thread's last render."""
        return getattr(self._local, "warnings", [])

    def root_for(self, assets: dict[str, bytes] | None) -> Path:
        return self.roots.root_for(assets)

    def _fonts_and_compiler(self, root: Path) -> tuple[typst.Fonts, typst.Compiler]:
        """The fonts and compiler for `root`: the shared ones unless it holds fonts. Locked."""
        found = self._font_compilers.get(root)
        if found is None:
            if root in self._fontless_roots:
                return self._fonts, self._compiler
            if not any(p.suffix.lower() in FONT_SUFFIXES for p in root.iterdir()):
                self._fontless_roots.add(root)
                return self._fonts, self._compiler
            fonts = typst.Fonts(
                include_system_fonts=self._include_system_fonts,
                include_embedded_fonts=True,
                font_paths=[*self._font_paths, str(root)],
            )
            found = (fonts, self._new_compiler(root, fonts))
            if len(self._font_compilers) >= _FONT_COMPILERS_KEPT:
                self._font_compilers.pop(next(iter(self._font_compilers)))
            self._font_compilers[root] = found
        return found

    def compile_payload(
        self,
        kind: str,
        *,
        source: str,
        payload: str,
        root: Path,
        ppi: float | None = None,
        pdf_standard: str | None = None,
        attachment: Attachment | None = None,
    ):
        """`kind` "pdf" (bytes), "png" (one image per page) or "images" (the file names of the
        images placed) for `source` with `payload` as its data. A PDF may be made to a
        `pdf_standard` (Typst refuses what cannot conform) and carry an `attachment`.
        Raises TemplateError."""
        if kind == "images":
            return self._images_used(source, payload, root)
        options = {"format": "png", "ppi": ppi} if kind == "png" else {"format": "pdf"}
        inputs = {"data": payload}
        if kind == "pdf" and pdf_standard:
            options["pdf_standards"] = pdf_standard
        if kind == "pdf" and attachment is not None:
            source += _ATTACH_MARKUP
            inputs |= _attachment_inputs(attachment)
        with self._lock:
            _fonts, compiler = self._fonts_and_compiler(root)
            try:
                output, warnings = compiler.compile_with_warnings(
                    input=source.encode("utf-8"),
                    sys_inputs=inputs,
                    root=str(root),
                    **options,
                )
            except typst.TypstError as error:
                raise _template_error(error, root) from None
            except RuntimeError as error:
                raise TemplateError(_tidy(str(error), root)) from None
        self._local.warnings = [_template_warning(w, root) for w in warnings]
        if kind == "png":
            return output if isinstance(output, list) else [output]
        return output

    def _root(self, assets, root) -> Path:
        if root is not None and assets is not None:
            raise ValueError("Pass either assets or root, not both.")
        return Path(root) if root is not None else self.root_for(assets)

    def render(
        self,
        *,
        source: str,
        data: dict,
        assets: dict[str, bytes] | None = None,
        root: Path | None = None,
        pdf_standard: str | None = None,
        attachment: Attachment | None = None,
    ) -> bytes:
        """Compile `source` with `data` (as JSON in sys.inputs.data) to PDF bytes.

        `assets` (file name -> bytes) are what the template may read besides the built-in
        logos; alternatively `root` names a directory to use as it is (its contents must not
        change: what it holds is remembered). Raises TemplateError.
        """
        root = self._root(assets, root)
        return self.compile_payload(
            "pdf",
            source=source,
            payload=payload_of(data),
            root=root,
            pdf_standard=pdf_standard,
            attachment=attachment,
        )

    def render_pages(
        self,
        *,
        source: str,
        data: dict,
        assets: dict[str, bytes] | None = None,
        root: Path | None = None,
        ppi: float = 72,
    ) -> list[bytes]:
        """The pages of the document as PNG images (the template editor's live preview)."""
        root = self._root(assets, root)
        return self.compile_payload(
            "png", source=source, payload=payload_of(data), root=root, ppi=ppi
        )

    def images_used(
        self,
        *,
        source: str,
        data: dict,
        assets: dict[str, bytes] | None = None,
        root: Path | None = None,
    ) -> list[str]:
        """File names of the images a template places with `data` (for the activation check).

        Images made from bytes (such as the QR code) are left out.
        """
        root = self._root(assets, root)
        return self.compile_payload("images", source=source, payload=payload_of(data), root=root)

    def _images_used(self, source: str, payload: str, root: Path) -> list[str]:
        with self._lock:
            fonts, _compiler = self._fonts_and_compiler(root)
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            shutil.copytree(root, tmp, dirs_exist_ok=True)
            main = Path(tmp) / ".check-main.typ"
            main.write_text(source, encoding="utf-8")
            try:
                found = typst.query(
                    str(main),
                    "image",
                    field="source",
                    root=tmp,
                    font_paths=fonts,
                    sys_inputs={"data": payload},
                    package_path=self._packages,
                    package_cache_path=self._packages,
                )
            except typst.TypstError as error:
                raise _template_error(error, Path(tmp)) from None
            except RuntimeError as error:
                raise TemplateError(_tidy(str(error), Path(tmp))) from None
        return [s for s in json.loads(found) if isinstance(s, str) and not s.startswith("bytes(")]


def _template_error(error: typst.TypstError, root: Path) -> TemplateError:
    line, column, other = _location(error.diagnostic)
    if any(failure in error.message for failure in _PACKAGE_FAILURES):
        return TemplateError(PACKAGE_IMPORT_REFUSED, line, column)
    parts = [_tidy(error.message, root)]
    parts += [_tidy(h, root) for h in error.hints if h != _CLI_HINT]
    if "project root" in error.message or "file not found" in error.message:
        names = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
        parts.append(FILE_OUTSIDE_TEMPLATE.format(names=", ".join(names) or "none"))
    if other:
        parts.append(f"(in {other})")
    message = "; ".join(p[0].upper() + p[1:] if p else p for p in parts)
    return TemplateError(message, line, column)


def _template_warning(warning: typst.TypstWarning, root: Path) -> TemplateWarning:
    line, column, other = _location(warning.diagnostic)
    message = _tidy(warning.message, root)
    if other:
        message += f" (in {other})"
    return TemplateWarning(message, line, column)
