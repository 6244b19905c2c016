"""Rendered htmx fragments kept per process while the data they show has not changed.

A fragment is cached under the generation of what it shows (portal/generation.py): the
counters of the scopes it reads (`scopes`, e.g. one rep's opportunities), bumped in the
same transaction as every write to a row of that scope; or, for a fragment that names no
scopes, the generation of all business data. So one rep's save does not empty the cached
lists of other reps, or a leader's list filtered on another owner. Each gunicorn worker
keeps its own entries; the generations are read from the shared database, so workers
never serve stale copies. Only fragments without per-session content (such as CSRF
tokens) may be cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from flask import current_app

from portal.generation import data_generation, scope_generations


class FragmentCache:
    def __init__(self, size: int = 512):
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, str]] = OrderedDict()
        self._lock = Lock()

    def get_or_render(
        self, key: Hashable, render: Callable[[], str], scopes: tuple[str, ...] = ()
    ) -> str:
        # Read the generation before rendering: a commit landing in between then only
        # makes the stored copy look older than it is, never newer.
        generation = scope_generations(scopes) if scopes else data_generation()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == generation:
                self._entries.move_to_end(key)
                return hit[1]
        html = render()
        with self._lock:
            self._entries[key] = (generation, html)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def fragment_cache() -> FragmentCache:
    return current_app.extensions["fragment_cache"]
