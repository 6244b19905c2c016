"""Rendered htmx fragments kept per process while no business data has changed.

A fragment rendered at data generation g (portal/generation.py) is exactly as fresh as
the database until the next commit of business data. Each gunicorn worker keeps its own
entries; the generation is read from the shared database, so workers never serve stale
copies. Only fragments without per-session content (such as CSRF tokens) may be cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from flask import current_app

from portal.generation import data_generation


class FragmentCache:
    def __init__(self, size: int = 512):
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, str]] = OrderedDict()
        self._lock = Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        # Read the generation before rendering: a commit landing in between then only
        # makes the stored copy look older than it is, never newer.
        generation = data_generation()
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
