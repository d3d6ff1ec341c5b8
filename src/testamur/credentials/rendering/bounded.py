"""Every render is bounded: a child process with a memory limit, no network and a time limit.

Typst cannot be interrupted and allocates as a template asks, so a template that loops or grows
(perhaps only with some learner's data) would otherwise hold a web process or a worker for as
long as it likes and could take the machine's memory. Each process that renders keeps a few
child processes, forked from a clean forkserver, each holding a warm Renderer. A render goes
to an idle child; one that overruns its time is killed and replaced. A child limits its own
address space (RLIMIT_AS) before it renders and cannot open a network socket (a seccomp
filter), so no template reaches the network or a package.

See docs/decisions/0018-bounded-rendering.md.
"""

import contextlib
import ctypes
import multiprocessing
import os
import platform
import resource
import signal
import struct
import threading
from pathlib import Path

from django.conf import settings

from testamur.credentials.rendering.engine import (
    AssetRoots,
    Renderer,
    TemplateError,
    TemplateWarning,
    default_cache_dir,
    payload_of,
)

DEFAULT_SECONDS = 15
DEFAULT_MEGABYTES = 1024

RENDER_TOO_SLOW = (
    "This template took too long (over {seconds} s) and was stopped. Look for a loop that "
    "never ends or that grows with the data."
)
RENDER_TOO_BIG = (
    "This template used too much memory (over {megabytes} MB) and was stopped. Look for a "
    "list or a loop that grows with the data."
)
RENDERER_STOPPED = "The template could not be rendered: the renderer stopped unexpectedly."
RENDERER_NOT_STARTED = "The renderer could not start safely here: {error}"

# Idle children kept per process; more are started while more renders run at once.
_IDLE_KEPT = 2
# A child whose peak memory passed this share of its limit is replaced after its render, so
# an idle child never sits on most of the limit.
_RETIRE_SHARE = 0.25
# Exits that mean the child ran out of memory: Rust aborts when an allocation fails; the
# kernel's out-of-memory killer sends SIGKILL.
_OUT_OF_MEMORY = {-signal.SIGABRT, -signal.SIGKILL}


def render_limits() -> tuple[float, int]:
    """(seconds, megabytes) per render: the settings, else the defaults (no Django: bench)."""
    if not settings.configured:
        return DEFAULT_SECONDS, DEFAULT_MEGABYTES
    return (
        getattr(settings, "RENDER_TIME_LIMIT_SECONDS", DEFAULT_SECONDS),
        getattr(settings, "RENDER_MEMORY_LIMIT_MB", DEFAULT_MEGABYTES),
    )


def render_cache_dir() -> Path:
    configured = getattr(settings, "RENDER_CACHE_DIR", None) if settings.configured else None
    return Path(configured) if configured else default_cache_dir()


def too_slow(seconds: float) -> TemplateError:
    return TemplateError(RENDER_TOO_SLOW.format(seconds=f"{seconds:g}"))


# --- the child -------------------------------------------------------------------------------

# Linux system call numbers and audit architecture ids for the seccomp filter.
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # (arch id, socket)
_IO_URING_SETUP = 425  # io_uring can open sockets without socket(); same number on both
_X32_BIT = 0x40000000
_AF_UNIX = 1
_EACCES = 13
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_M_ARENA_MAX = -8


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp_program(arch: int, socket_call: int) -> bytes:
    """A classic BPF program: socket() only for AF_UNIX, no io_uring, nothing else changed."""
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | _EACCES

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    return b"".join(
        [
            op(ld, 4),  # seccomp_data.arch
            op(jeq, arch, 1, 0),
            op(ret, deny),
            op(ld, 0),  # seccomp_data.nr
            op(jge, _X32_BIT, 0, 1),
            op(ret, deny),
            op(jeq, _IO_URING_SETUP, 0, 1),
            op(ret, deny),
            op(jeq, socket_call, 0, 2),
            op(ld, 16),  # seccomp_data.args[0]: the address family
            op(jeq, _AF_UNIX, 0, 1),
            op(ret, allow),
            op(ret, deny),
        ]
    )


def _forbid_network(libc) -> None:
    """No socket but local ones from here on (inherited by Typst's threads)."""
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        raise OSError(f"no network filter for the {platform.machine()} architecture")
    program = _seccomp_program(*arch)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")


def _confine(megabytes: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    # Die with the forkserver (which dies with the process that rendered).
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # A fixed number of threads and malloc arenas: the address space a render needs is then
    # the same on a 2-core laptop and a 64-core server, so the limit means the same.
    os.environ["RAYON_NUM_THREADS"] = "2"
    os.environ["RUST_BACKTRACE"] = "0"
    libc.mallopt(_M_ARENA_MAX, 2)
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _forbid_network(libc)


def _child_main(conn, megabytes: int, cache_dir: str) -> None:
    renderer, broken = None, None
    try:
        _confine(megabytes)
        renderer = Renderer(cache_dir=Path(cache_dir))
    except Exception as error:  # answered to every request: never render unconfined
        broken = TemplateError(RENDERER_NOT_STARTED.format(error=error))
    while True:
        try:
            kind, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        if broken is not None:
            reply = ("error", broken, [])
        else:
            try:
                value = renderer.compile_payload(kind, **kwargs)
                reply = ("ok", value, renderer.last_warnings)
            except TemplateError as error:
                reply = ("error", error, [])
            except MemoryError:
                reply = ("memory", None, [])
            except Exception as error:  # reported as a template problem, not a crash
                reply = ("error", TemplateError(f"{type(error).__name__}: {error}"), [])
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            conn.send((*reply, peak_kb))
        except MemoryError:
            conn.send(("memory", None, [], peak_kb))


# --- the parent ------------------------------------------------------------------------------


def _context():
    """Children forked from a clean server process: Typst's worker threads in a process that
    has rendered do not survive a fork, and a child forked from it would wait on them."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["testamur.credentials.rendering.engine", __name__])
    return context


class _Child:
    def __init__(self, megabytes: int, cache_dir: Path):
        context = _context()
        self.megabytes = megabytes
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_child_main, args=(child_end, megabytes, str(cache_dir)), daemon=True
        )
        self.process.start()
        child_end.close()

    def close(self) -> None:
        """Let an idle child go: it exits when its end of the pipe closes."""
        self.conn.close()

    def kill(self) -> int | None:
        """Stop the child now; its exit code."""
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.join()
        self.conn.close()
        return self.process.exitcode


class BoundedRenderer:
    """The Renderer's interface; every call runs in a child under the time and memory limits.

    Safe to share between threads: each render takes a child of its own.
    """

    def __init__(self, *, seconds: float | None = None, megabytes: int | None = None):
        self._seconds = seconds
        self._megabytes = megabytes
        self.roots = AssetRoots(render_cache_dir())
        self.cache_dir = self.roots.cache_dir
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def seconds(self) -> float:
        return self._seconds or render_limits()[0]

    @property
    def megabytes(self) -> int:
        return self._megabytes or render_limits()[1]

    @property
    def last_warnings(self) -> list[TemplateWarning]:
        """Warnings (e.g. unknown fonts, which fall back) from this thread's last render."""
        return getattr(self._local, "warnings", [])

    def root_for(self, assets: dict[str, bytes] | None) -> Path:
        return self.roots.root_for(assets)

    def render(
        self,
        *,
        source,
        data,
        assets=None,
        root=None,
        seconds=None,
        pdf_standard=None,
        attachment=None,
    ) -> bytes:
        """Compile `source` with `data` to PDF bytes (see Renderer.render). Raises
        TemplateError, also when the render passes its time or memory limit."""
        return self._call(
            "pdf",
            source,
            data,
            assets,
            root,
            seconds,
            pdf_standard=pdf_standard,
            attachment=attachment,
        )

    def render_pages(self, *, source, data, assets=None, root=None, ppi=72, seconds=None):
        """The pages of the document as PNG images (the template editor's live preview)."""
        return self._call("png", source, data, assets, root, seconds, ppi=ppi)

    def images_used(self, *, source, data, assets=None, root=None, seconds=None) -> list[str]:
        """File names of the images a template places with `data` (the activation check)."""
        return self._call("images", source, data, assets, root, seconds)

    def _call(self, kind, source, data, assets, root, seconds, **options):
        if root is not None and assets is not None:
            raise ValueError("Pass either assets or root, not both.")
        root = Path(root) if root is not None else self.root_for(assets)
        request = (kind, {"source": source, "payload": payload_of(data), "root": root, **options})
        seconds = seconds or self.seconds
        megabytes = self.megabytes
        child = self._take(megabytes)
        try:
            child.conn.send(request)
            answered = child.conn.poll(seconds)
            reply = child.conn.recv() if answered else None
        except (EOFError, OSError):
            exitcode = child.kill()
            raise TemplateError(
                RENDER_TOO_BIG.format(megabytes=megabytes)
                if exitcode in _OUT_OF_MEMORY
                else RENDERER_STOPPED
            ) from None
        if reply is None:
            child.kill()
            raise too_slow(seconds)
        status, value, warnings, peak_kb = reply
        if status == "memory":
            child.kill()
            raise TemplateError(RENDER_TOO_BIG.format(megabytes=megabytes))
        self._give_back(child, retire=peak_kb > megabytes * 1024 * _RETIRE_SHARE)
        if status == "error":
            raise value
        self._local.warnings = warnings
        return value

    def _take(self, megabytes: int) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.megabytes == megabytes and child.process.is_alive():
                    return child
                child.close()
        return _Child(megabytes, self.cache_dir)

    def _give_back(self, child: _Child, *, retire: bool) -> None:
        with self._lock:
            if not retire and len(self._idle) < _IDLE_KEPT:
                self._idle.append(child)
                return
        child.close()


_renderer: BoundedRenderer | None = None
_renderer_pid: int | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> BoundedRenderer:
    """This process's bounded renderer (made again after a fork: its children are the
    parent's)."""
    global _renderer, _renderer_pid
    with _renderer_lock:
        if _renderer is None or _renderer_pid != os.getpid():
            _renderer = BoundedRenderer()
            _renderer_pid = os.getpid()
        return _renderer
