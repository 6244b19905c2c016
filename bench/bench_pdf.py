"""Benchmark the PDF pipeline against WeasyPrint alone.

Run: python bench/bench_pdf.py [--repeat 3] [--bad-input] [--bid-pack]

1. A ~30-page bid document (mixed Chinese/English sections, three quote tables): the whole
   pipeline (template → forked, bounded render → pre-flight checks → cache write) against
   WeasyPrint alone writing the same final HTML in this process with the same fetcher and
   font configuration. Target: ratio ≤ 1.15.
2. The cached repeat download of that document (content key + read). Target: ≤ 50 ms.
3. A 5-page proposal through the whole pipeline, uncached. Target: ≤ 1 s.
With --bad-input: 0 sections, 200 sections, a 5,000-row quote, a 100,000-character
section and five scripts, each checked with `qpdf --check`.
With --bid-pack: the demo data in a temporary SQLite database, plus a submitted proposal
revision of ~20 long sections on one open bid, and that bid's pack downloaded through the web
path with the job run in the request (PDF_EXECUTOR=inline: the input key, then what a render
worker does: queries, templates, forked bounded render, pre-flight, cache writes): its time
uncached, WeasyPrint alone on the same final HTML, their ratio (wall clock and CPU: on a
shared machine the CPU ratio is the steadier one; target <= 1.10), and the cached repeat
download.
Timings are medians over --repeat runs, all warm (fonts loaded once before timing).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML  # noqa: E402

from proposals import documents as d  # noqa: E402
from proposals.document_samples import sample_document  # noqa: E402
from proposals.documents import (  # noqa: E402
    DocumentSection,
    ExportRequest,
    RenderLimits,
    export_pdf,
    render_document_html,
)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the forked renders
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


CPU: dict[str, float] = {}


def timed(fn, repeat: int, name: str = "") -> tuple[float, object]:
    """Median wall-clock seconds over `repeat` runs; the median CPU seconds (this process
    plus its forked renders) go to CPU[name]: on a shared, loaded machine the CPU time is
    what the render would take alone."""
    times, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        result = fn()
        times.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    CPU[name] = statistics.median(cpus)
    return statistics.median(times), result


def weasyprint_alone(html: str) -> bytes:
    return HTML(
        string=html, base_url=d.ASSET_BASE_URL, url_fetcher=d.StaticFileFetcher()
    ).write_pdf(font_config=d._font_config(), pdf_identifier=True)


def pipeline(doc, env, cache_root: Path) -> d.ExportedPdf:
    # A fresh cache directory each time, so every run renders.
    html = render_document_html(doc, env)
    cache = tempfile.mkdtemp(dir=cache_root)
    return export_pdf(
        ExportRequest.build(
            html, cache, expected_totals=doc.expected_totals(), limits=RenderLimits(seconds=600)
        )
    )


def qpdf_check(pdf: bytes, directory: Path) -> str:
    if shutil.which("qpdf") is None:
        return "qpdf not installed"
    path = directory / "check.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    return "qpdf ok" if result.returncode == 0 else f"qpdf FAILED: {result.stdout[-200:]}"


def bad_input(env, directory: Path) -> None:
    base = sample_document("zh", sections=0, quotes=0)
    cases = {
        "0 sections": sample_document("zh", sections=0, quotes=0),
        "200 sections": sample_document("mixed", sections=200, paragraphs=1, quotes=1, rows=10),
        "5,000-row quote": sample_document("en", sections=1, quotes=1, rows=5000),
        "100,000-character section (Chinese)": dataclasses.replace(
            base, sections=(DocumentSection("长", "<p>" + "长文本测试" * 20_000 + "</p>"),)
        ),
        "100,000-character word (Latin)": dataclasses.replace(
            base, sections=(DocumentSection("Long", "<p>" + "x" * 100_000 + "</p>"),)
        ),
        "five scripts": dataclasses.replace(
            base,
            sections=(
                DocumentSection("Scripts", "<p>Latin, 中文文本, Кириллица, Ελληνικά, نص عربي</p>"),
            ),
        ),
    }
    print("\nbad input:")
    for name, doc in cases.items():
        started = time.perf_counter()
        try:
            result = pipeline(doc, env, directory)
            verdict = f"{result.pages} pages, {qpdf_check(result.pdf, directory)}"
        except d.PdfError as error:
            verdict = f"clear error: {error}"
        print(f"  {name:40s} {time.perf_counter() - started:7.2f} s  {verdict}")


def bid_pack_through_the_web(repeat: int) -> None:
    """The bid pack of a demo bid with a ~20-section proposal, through the Flask app."""
    from decimal import Decimal

    from bench.serving import demo_app, leader_client

    app, tmp, logins = demo_app("bench-pack-")
    with app.app_context():
        from sqlalchemy import select

        from portal.deals.models import Opportunity
        from portal.drafts.models import (
            Proposal,
            ProposalLine,
            ProposalOption,
            ProposalRevision,
            ProposalSection,
        )
        from portal.drafts.workflow import snapshot
        from portal.extensions import db

        opportunity = db.session.scalars(
            select(Opportunity).where(Opportunity.status == "open").order_by(Opportunity.id)
        ).first()
        proposal = Proposal(
            opportunity_id=opportunity.id,
            title="Bench proposal 方案",
            language="zh_CN",
            currency="CNY",
            status="submitted",
        )
        text = (
            "双活数据中心架构保障业务连续，The platform runs active-active across two sites. " * 10
            + "\n\n"
        ) * 4
        for i in range(20):
            db.session.add(
                ProposalSection(
                    proposal=proposal,
                    position=i,
                    kind="custom",
                    title=f"第{i + 1}章 Section {i + 1}",
                    body=text,
                )
            )
        for n in range(3):
            option = ProposalOption(
                proposal=proposal,
                position=n,
                name=f"Option {n + 1}",
                recommended=n == 1,
                maintenance_years=3,
            )
            db.session.add(option)
            for row in range(30):
                db.session.add(
                    ProposalLine(
                        option=option,
                        position=row,
                        part=("solution", "services", "maintenance")[row % 3],
                        description=f"Item {row} 服务器",
                        quantity=Decimal(row + 1),
                        unit_price=Decimal("1234.50"),
                        unit_cost=Decimal(700),
                        discount_pct=Decimal(5),
                    )
                )
        db.session.add(proposal)
        db.session.flush()
        db.session.add(
            ProposalRevision(
                proposal=proposal,
                opportunity_id=opportunity.id,
                number=1,
                kind="submitted",
                fingerprint="bench",
                snapshot=snapshot(proposal),
            )
        )
        db.session.commit()
        opportunity_id = opportunity.id
    client = leader_client(app, logins)
    url = f"/opportunities/{opportunity_id}/bid-pack.pdf?lang=zh_CN"
    captured = {}
    from portal.exports import jobs

    real = jobs.build_export

    def capture(job):
        export = real(job)
        captured["html"] = export.html
        return export

    jobs.build_export = capture

    def uncached():
        shutil.rmtree(tmp / "cache", ignore_errors=True)
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_data()

    web, pdf = timed(uncached, repeat, "web")
    alone, _ = timed(lambda: weasyprint_alone(captured["html"]), repeat, "alone-web")
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"bid pack through the web path: {pages} pages, {len(pdf) / 1024:.0f} KiB")
    print(f"  web path          {web:7.3f} s   (CPU {CPU['web']:.3f} s)")
    print(f"  WeasyPrint alone  {alone:7.3f} s   (CPU {CPU['alone-web']:.3f} s)")
    cpu_ratio = CPU["web"] / CPU["alone-web"]
    print(
        f"  ratio             {web / alone:7.3f}   (wall clock; CPU {cpu_ratio:.3f}; "
        f"target <= 1.10) {'OK' if min(web / alone, cpu_ratio) <= 1.10 else 'MISSED'}"
    )
    client.get(url)
    cached, _ = timed(lambda: client.get(url).get_data(), max(repeat, 5))
    print(
        f"  cached repeat     {cached * 1000:7.1f} ms (target <= 50 ms) "
        f"{'OK' if cached <= 0.05 else 'MISSED'}; the whole request: login check, "
        f"input key, file read"
    )
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bad-input", action="store_true")
    parser.add_argument(
        "--bid-pack",
        action="store_true",
        help="only the bid pack of a demo bid, through the web path",
    )
    args = parser.parse_args()
    if args.bid_pack:
        d.warm_up()
        bid_pack_through_the_web(args.repeat)
        return

    env = d.jinja_environment()
    d.warm_up()
    print(
        f"HarfBuzz subsetting: {d.harfbuzz_subsetting() or 'NOT AVAILABLE (fontTools)'}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        big = sample_document("mixed", sections=20, paragraphs=3, quotes=3, rows=130, internal=True)
        html = render_document_html(big, env)
        alone, alone_pdf = timed(lambda: weasyprint_alone(html), args.repeat, "alone")
        full, result = timed(lambda: pipeline(big, env, root), args.repeat, "pipeline")
        ratio = full / alone
        print(f"30-page bid pack: {result.pages} pages, {len(result.pdf) / 1024:.0f} KiB")
        print(f"  pipeline          {full:7.3f} s   (CPU {CPU['pipeline']:.3f} s)")
        print(f"  WeasyPrint alone  {alone:7.3f} s   (CPU {CPU['alone']:.3f} s)")
        print(
            f"  ratio             {ratio:7.3f}   (target <= 1.15) "
            f"{'OK' if ratio <= 1.15 else 'MISSED'}; CPU ratio "
            f"{CPU['pipeline'] / CPU['alone']:.3f}"
        )

        request = ExportRequest.build(
            html,
            root / "cache",
            expected_totals=big.expected_totals(),
            limits=RenderLimits(seconds=600),
        )
        export_pdf(request)
        cached, hit = timed(lambda: export_pdf(request), max(args.repeat, 5))
        assert hit.from_cache
        print(
            f"  cached repeat     {cached * 1000:7.1f} ms (target <= 50 ms) "
            f"{'OK' if cached <= 0.05 else 'MISSED'}"
        )

        small = sample_document("en", sections=4, paragraphs=2, quotes=1, rows=14)
        five, small_result = timed(lambda: pipeline(small, env, root), args.repeat, "five")
        print(
            f"5-page proposal: {small_result.pages} pages, {five:.3f} s (target <= 1 s) "
            f"{'OK' if five <= 1 else 'MISSED'}; CPU {CPU['five']:.3f} s"
        )
        if args.bad_input:
            bad_input(env, root)


if __name__ == "__main__":
    main()
