"""Workspace pages: board, stage moves, NSABC activities, decision-chain map, matrix, grading."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db


def _htmx(client, url, data=None, method="post"):
    return getattr(client, method)(url, data=data or {}, headers={"HX-Request": "true"})


def test_pages_render(app, as_user, opportunity):
    client = as_user("rep")
    for url in ("/board", f"/opportunities/{opportunity}/workspace", "/competitors"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
