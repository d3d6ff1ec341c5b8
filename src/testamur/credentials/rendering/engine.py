"""Typst rendering: template source + JSON data + assets -> PDF bytes.

One Renderer per process (fonts are scanned once; the compiler and its caches are reused
across documents). Data reaches a template only as JSON in `sys.inputs.data`, so a learner
called `#import "x": *` is text, never markup. A template can read files only inside its root:
a directory made from the assets it was given (built-in logos plus the caller's files), kept
and reused while the contents are unchanged. Fonts among a template's assets (.ttf/.otf) are
available to that template only.
"""

import hashlib
import json
import multiprocessing
import os
import re
import shutil
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
    "Templates cannot import Typst packages ({spec}). Upload the files the template needs "
    "with it instead."
)
FILE_OUTSIDE_TEMPLATE = "A template can only use the files uploaded with it: {names}."

# A package spec written as a string, e.g. "@preview/cetz:0.3.0". Packages would be fetched
# from the network at render time; templates must be self-contained.
_PACKAGE_SPEC = re.compile(r"[\"']@[A-Za-z][\w-]*/[\w-]+:[\w.]*")
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


class Renderer:
    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        font_paths: tuple[Path, ...] = (),
        include_system_fonts: bool = True,
    ):
        self.cache_dir = Path(
            cache_dir or Path(tempfile.gettempdir()) / f"testamur-typst-{os.getuid()}"
        )
        self.cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._font_paths = [str(p) for p in font_paths]
        self._include_system_fonts = include_system_fonts
        self._fonts = typst.Fonts(
            include_system_fonts=include_system_fonts,
            include_embedded_fonts=True,
            font_paths=self._font_paths,
        )
        self._lock = threading.Lock()
        self._local = threading.local()
        self._roots: dict[str, Path] = {}
        self._compiler = typst.Compiler(root=str(self.root_for({})), font_paths=self._fonts)
        self._font_compilers: dict[Path, tuple[typst.Fonts, typst.Compiler]] = {}
        self._fontless_roots: set[Path] = set()

    @property
    def last_warnings(self) -> list[TemplateWarning]:
        """Warnings (e.g. unknown fonts, which fall back) from this thread's last render."""
        return getattr(self._local, "warnings", [])

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
            found = (fonts, typst.Compiler(root=str(root), font_paths=fonts))
            if len(self._font_compilers) >= _FONT_COMPILERS_KEPT:
                self._font_compilers.pop(next(iter(self._font_compilers)))
            self._font_compilers[root] = found
        return found

    def _compile(self, source: str, data: dict, root: Path, **options):
        _refuse_packages(source)
        payload = json.dumps(sanitize_context(data), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            _fonts, compiler = self._fonts_and_compiler(root)
            try:
                output, warnings = compiler.compile_with_warnings(
                    input=source.encode("utf-8"),
                    sys_inputs={"data": payload},
                    root=str(root),
                    **options,
                )
            except typst.TypstError as error:
                raise _template_error(error, root) from None
            except RuntimeError as error:
                raise TemplateError(_tidy(str(error), root)) from None
        self._local.warnings = [_template_warning(w, root) for w in warnings]
        return output

    def render(
        self,
        *,
        source: str,
        data: dict,
        assets: dict[str, bytes] | None = None,
        root: Path | None = None,
    ) -> bytes:
        """Compile `source` with `data` (as JSON in sys.inputs.data) to PDF bytes.

        `assets` (file name -> bytes) are what the template may read besides the built-in
        logos; alternatively `root` names a directory to use as it is (its contents must not
        change: what it holds is remembered). Raises TemplateError.
        """
        if root is not None and assets is not None:
            raise ValueError("Pass either assets or root, not both.")
        root = Path(root) if root is not None else self.root_for(assets)
        return self._compile(source, data, root, format="pdf")

    def render_pages(
        self, *, source: str, data: dict, assets: dict[str, bytes] | None = None, ppi: float = 72
    ) -> list[bytes]:
        """The pages of the document as PNG images (the template editor's live preview)."""
        pages = self._compile(source, data, self.root_for(assets), format="png", ppi=ppi)
        return pages if isinstance(pages, list) else [pages]

    def images_used(
        self, *, source: str, data: dict, assets: dict[str, bytes] | None = None
    ) -> list[str]:
        """File names of the images a template places with `data` (for the activation check).

        Images made from bytes (such as the QR code) are left out.
        """
        _refuse_packages(source)
        payload = json.dumps(sanitize_context(data), ensure_ascii=False)
        root = self.root_for(assets)
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
                )
            except RuntimeError as error:
                raise TemplateError(_tidy(str(error), Path(tmp))) from None
        return [s for s in json.loads(found) if isinstance(s, str) and not s.startswith("bytes(")]


def _refuse_packages(source: str) -> None:
    for number, text in enumerate(source.splitlines(), start=1):
        match = _PACKAGE_SPEC.search(text)
        if match:
            raise TemplateError(
                PACKAGE_IMPORT_REFUSED.format(spec=match[0][1:]), number, match.start() + 1
            )


def _template_error(error: typst.TypstError, root: Path) -> TemplateError:
    line, column, other = _location(error.diagnostic)
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


_renderer: Renderer | None = None
_renderer_pid: int | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> Renderer:
    """This process's Renderer (made again after a fork: compiler state is not fork-safe)."""
    global _renderer, _renderer_pid
    with _renderer_lock:
        if _renderer is None or _renderer_pid != os.getpid():
            _renderer = Renderer()
            _renderer_pid = os.getpid()
        return _renderer


RENDER_TIME_LIMIT = 15  # seconds
RENDER_TOO_SLOW = (
    "The template took longer than {seconds} seconds to render the sample and was stopped. "
    "Look for a loop that never ends or grows with the data."
)
RENDERER_STOPPED = "The template could not be rendered: the renderer stopped unexpectedly."


class IsolatedRenderer:
    """The Renderer's interface for sources nobody has vetted yet (the editor's live preview,
    the activation check): each call runs in its own process, killed after `seconds`.

    Typst cannot be interrupted and a shared Renderer renders one document at a time, so a
    template that loops for minutes would otherwise hold a web process, and every preview in
    it. A template only becomes active after passing its check here.
    """

    def __init__(self, *, seconds: float | None = None):
        self.seconds = seconds or RENDER_TIME_LIMIT
        self.last_warnings: list[TemplateWarning] = []

    def render(self, **kwargs) -> bytes:
        return self._call("render", kwargs)

    def render_pages(self, **kwargs) -> list[bytes]:
        return self._call("render_pages", kwargs)

    def images_used(self, **kwargs) -> list[str]:
        return self._call("images_used", kwargs)

    def _call(self, method: str, kwargs: dict):
        context = _isolated_context()
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_render_in_child, args=(sender, method, kwargs), daemon=True)
        child.start()
        sender.close()
        try:
            if not receiver.poll(self.seconds):
                raise TemplateError(RENDER_TOO_SLOW.format(seconds=self.seconds))
            ok, value, warnings = receiver.recv()
        except EOFError:
            raise TemplateError(RENDERER_STOPPED) from None
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
        if not ok:
            raise value
        self.last_warnings = warnings
        return value


def _isolated_context():
    """Children forked from a clean server process: Typst's worker threads in a process that
    has rendered do not survive a fork, and a child forked from it would wait on them."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _render_in_child(sender, method: str, kwargs: dict) -> None:
    try:
        renderer = Renderer()
        value = getattr(renderer, method)(**kwargs)
        sender.send((True, value, renderer.last_warnings))
    except TemplateError as error:
        sender.send((False, error, []))
    except Exception as error:  # reported to the editor as a template problem, not a crash
        sender.send((False, TemplateError(f"{type(error).__name__}: {error}"), []))
    finally:
        sender.close()
