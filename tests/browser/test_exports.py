"""A leader downloads one bid pack from the desk, then a zip of two: each button shows its
render's progress in place, through the real local render pool (not rendered inline)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _pdf_pool(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PDF_EXECUTOR", "queue")  # the local process pool
    yield
    pool = app.extensions.pop("pdf_pool", None)
    if pool is not None:
        pool.shutdown()


def test_leader_downloads_a_bid_pack_and_a_zip_of_two(page, log_in, make_opportunity):
    first = make_opportunity(name="Desk bid one")
    second = make_opportunity(name="Desk bid two", owner="rep2", presales=None)
    log_in("leader")
    page.click("nav.mainnav >> text=Bid desk")
    expect(page.locator("h1")).to_have_text("Bid desk")
    expect(page.locator(f"#bid-{first}")).to_contain_text("Desk bid one")
    expect(page.locator(f"#bid-{second}")).to_contain_text("Desk bid two")

    row = page.locator(f"#bid-{first}")
    row.locator("text=Bid pack (PDF)").click()
    # The button becomes its progress; the page is not left and stays usable meanwhile.
    expect(row.locator(".pdf-job .pdf-busy")).to_contain_text("…")
    page.check(f"#pick-{second}")
    expect(page.locator(f"#pick-{second}")).to_be_checked()
    ready = row.locator("text=Ready – download")
    expect(ready).to_be_visible(timeout=90_000)
    with page.expect_download(timeout=30_000) as pack:
        ready.click()
    download = pack.value
    assert download.suggested_filename.startswith("bid-pack-Desk-bid-one")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    # Stored now: on the reloaded desk the button downloads at once.
    page.reload()
    with page.expect_download(timeout=30_000) as again:
        page.locator(f"#bid-{first} >> text=Bid pack (PDF)").click()
    assert Path(again.value.path()).read_bytes().startswith(b"%PDF-")

    page.check(f"#pick-{second}")
    page.check(f"#pick-{first}")
    page.click("#download-selected")
    expect(page.locator("#zip-job")).to_contain_text("of 2")
    zip_ready = page.locator("#zip-job >> text=Ready – download")
    expect(zip_ready).to_be_visible(timeout=120_000)
    with page.expect_download(timeout=30_000) as archive:
        zip_ready.click()
    zipped = archive.value
    assert zipped.suggested_filename.endswith(".zip")
    assert Path(zipped.path()).read_bytes().startswith(b"PK")


def test_the_zip_button_says_so_next_to_it_when_nothing_is_selected(page, log_in, make_opportunity):
    make_opportunity(name="Lonely bid", owner="leader")
    log_in("leader")
    page.goto("/desk")
    page.click("#download-selected")
    expect(page.locator("#zip-job")).to_contain_text("Select at least one bid")
    expect(page.locator("h1")).to_have_text("Bid desk")
