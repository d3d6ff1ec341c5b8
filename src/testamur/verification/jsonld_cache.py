"""PyLD, with the work that is the same for every credential done once (decision 0029).

PyLD caches a processed context by the active context it was applied to, but each type- or
property-scoped context (the OB 3.0 context scopes one per class) is applied to a fresh copy
of the active context, so its cache never hits: every node of every credential processed the
same scoped context again, term by term, after serialising it (JCS) to look it up.

`Processor` remembers (in its loader's `ProcessedContexts`) the result of processing a context
when nothing can change it: the active context is the initial one or one this cache gave
(frozen: PyLD never changes those, and shares them itself), and the local context is made only
of what the loader's fixed documents hold (their URLs, or the very objects inside them, which
nothing mutates). A context given inline in a document, and whatever follows from it, is never
remembered; a loader without fixed documents gets plain PyLD.

`expanded=True` tells `normalize` that its input is already in expanded form (what
`jsonld.expand` returned): expanding it again would give it back unchanged.
"""

import threading
from collections.abc import Callable

from cachetools import LRUCache
from frozendict import frozendict
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdProcessor

_MISSING = object()


class ProcessedContexts:
    """What resolving and processing the contexts of one loader of fixed documents gave, kept
    between operations (`bundled_urls`, the URLs it serves; `bundled_document`, URL → the very
    document object it serves). Each loader has its own: a stricter loader is never bypassed
    by what another one resolved (PyLD's own shared cache is keyed by URL alone)."""

    def __init__(self, *, loader: Callable, bundled_urls, bundled_document: Callable):
        self.loader = loader
        self.bundled_urls = frozenset(bundled_urls)
        self.bundled_document = bundled_document
        # Bounded: a verified document's inline contexts are resolved (not processed) here too.
        self.resolved = LRUCache(maxsize=100)
        # Only results reached from the initial context through fixed documents are kept, so
        # these stay few (a dozen for our credentials); the bound is a backstop.
        self.results = LRUCache(maxsize=256)
        self.stable: set[str] = set()  # the _uuid of every result kept
        self.lock = threading.Lock()
        self.ids: frozenset | None = None

    def _tagged(self, url: str, options=None) -> dict:
        # PyLD keeps a resolved remote context between operations only if it has a tag.
        return {**self.loader(url, options), "tag": "static"}

    def options(self, **options) -> dict:
        """PyLD options for an operation with this loader and these caches."""
        return {
            **options,
            "documentLoader": self.loader,
            "contextResolver": ContextResolver(self.resolved, self._tagged),
        }

    def _bundled_ids(self) -> frozenset:
        """The ids of every JSON object inside the bundled documents (kept alive by their
        loader's cache, so an id is never reused)."""
        if self.ids is not None:
            return self.ids
        ids = set()

        def walk(value):
            if isinstance(value, dict):
                ids.add(id(value))
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for url in self.bundled_urls:
            walk(self.bundled_document(url))
        self.ids = frozenset(ids)
        return self.ids

    def context_key(self, local_ctx):
        """A key for a local context made only of bundled URLs and objects, else None."""
        if isinstance(local_ctx, str):
            return local_ctx if local_ctx in self.bundled_urls else None
        if isinstance(local_ctx, dict):
            return ("object", id(local_ctx)) if id(local_ctx) in self._bundled_ids() else None
        if isinstance(local_ctx, list):
            keys = tuple(self.context_key(item) for item in local_ctx)
            return None if None in keys else keys
        return None

    def get(self, key):
        with self.lock:
            return self.results.get(key, _MISSING)

    def is_stable(self, active_ctx, initial) -> bool:
        """The initial context, or one this cache gave: the same object every time."""
        return active_ctx is initial or active_ctx.get("_uuid") in self.stable

    def put(self, key, result) -> None:
        with self.lock:
            self.results[key] = result
            self.stable.add(result["_uuid"])


class Processor(JsonLdProcessor):
    """A JsonLdProcessor that reuses `shared` processed contexts."""

    def __init__(self, shared: ProcessedContexts, **kwargs):
        super().__init__(**kwargs)
        self.shared = shared

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        key = None
        if (
            cycles is None
            and options.get("documentLoader") is self.shared.loader
            and isinstance(active_ctx, frozendict)
            and self.shared.is_stable(active_ctx, self._get_initial_context(options))
        ):
            context_key = self.shared.context_key(local_ctx)
            if context_key is not None:
                key = (
                    active_ctx["_uuid"],
                    context_key,
                    override_protected,
                    propagate,
                    validate_scoped,
                    options.get("base"),
                    options.get("processingMode"),
                )
                found = self.shared.get(key)
                if found is not _MISSING:
                    return found
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if key is not None and isinstance(result, frozendict) and "_uuid" in result:
            self.shared.put(key, result)
        return result

    def expand(self, input_, options):
        if options and options.get("expanded"):
            return input_
        return super().expand(input_, options)

    def normalize(self, input_, options, *, expanded: bool = False):
        return super().normalize(input_, {**options, "expanded": expanded})
