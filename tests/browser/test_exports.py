"""A leader downloads one bid pack from the desk, then a zip of two."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _pdf_cache(app, tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.getbasetemp() / "browser-pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(cache))
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def test_leader_downloads_a_bid_pack_and_a_zip_of_two(page, log_in, make_opportunity):
    first = make_opportunity(name="Desk bid one")
    second = make_opportunity(name="Desk bid two", owner="rep2", presales=None)
    log_in("leader")
    page.click("nav.mainnav >> text=Bid desk")
    expect(page.locator("h1")).to_have_text("Bid desk")
    expect(page.locator(f"#bid-{first}")).to_contain_text("Desk bid one")
    expect(page.locator(f"#bid-{second}")).to_contain_text("Desk bid two")

    with page.expect_download(timeout=60_000) as pack:
        page.locator(f"#bid-{first} >> text=Bid pack (PDF)").click()
    download = pack.value
    assert download.suggested_filename.startswith("bid-pack-Desk-bid-one")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    page.check(f"#pick-{first}")
    page.check(f"#pick-{second}")
    with page.expect_download(timeout=60_000) as archive:
        page.click("#download-selected")
    zipped = archive.value
    assert zipped.suggested_filename.endswith(".zip")
    assert Path(zipped.path()).read_bytes().startswith(b"PK")
