"""The web side of the PDF pipeline (proposals/documents.py).

- `render_pdf_html` renders a `templates/pdf/` template with the app's Jinja environment
  (context processors, `_()` and all) inside `flask_babel.force_locale(language)`, so a
  document comes out in the language asked for whatever the reader's interface language;
- `start_jobs` / `load_download` queue document builds (portal/exports/jobs.py) on RQ when
  REDIS_URL is set, else on the local pool, and report how they stand; what one download
  queued travels in a signed token valid for an hour;
- `attachment` serves the bytes with Content-Disposition: attachment, a safe file name and
  the SHA-256 in `X-Content-SHA256`;
- `failure_page` turns a failed pre-flight or render into a page naming the problem (and
  logs it), never a blank file.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, render_template, request, send_file
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.exports.jobs import BuildJob
from proposals.documents import (
    ASSET_BASE_URL,
    ExportRequest,
    LocalRenderPool,
    PdfCache,
    PdfError,
    PreflightFailed,
    RenderFailed,
    RenderLimits,
    RenderMemoryExceeded,
    RenderTicket,
    RenderTimeout,
    clean_html,
    counter_content,
    css_string,
    enqueue_job,
    export_pdf,
    format_money,
    render_status,
)

LANGUAGES = ("en", "zh_CN")
JOB_TTL_SECONDS = 3600


def pdf_language(requested: str | None = None) -> str:
    """`en` or `zh_CN`: the `lang` asked for, else the reader's interface language."""
    if requested in LANGUAGES:
        return requested
    from flask_babel import get_locale

    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def render_pdf_html(template: str, language: str, **context) -> str:
    """HTML of a PDF template in `language`, resources addressed under ASSET_BASE_URL."""
    with force_locale(language):
        return render_template(
            template,
            asset_base=ASSET_BASE_URL,
            pdf_language=language,
            html_lang="zh-CN" if language == "zh_CN" else "en",
            format_money=format_money,
            css_string=css_string,
            counter_content=counter_content,
            clean_html=clean_html,
            **context,
        )


def export_request(
    html: str, expected_totals: Mapping[str, Decimal] | None = None
) -> ExportRequest:
    return ExportRequest.build(
        html, current_app.config["PDF_CACHE_DIR"], expected_totals=expected_totals
    )


def cached_pdf(key: str) -> bytes | None:
    return PdfCache(current_app.config["PDF_CACHE_DIR"]).get(key)


# --- file names and responses ------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w-]+", re.UNICODE)


def safe_filename(*parts: str, suffix: str = ".pdf") -> str:
    """A download name from `parts`: letters (any script), digits, `-` and `_` only (so no
    path, dot segment or header trick survives), at most 100 characters, then `suffix`."""
    text = unicodedata.normalize("NFKC", "-".join(p for p in parts if p))
    stem = _UNSAFE.sub("-", text).strip(".-_")
    stem = re.sub(r"-{2,}", "-", stem)[:100].rstrip(".-_") or "document"
    return stem + suffix


def attachment(data: bytes, filename: str, sha256: str, mimetype: str = "application/pdf"):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["X-Content-SHA256"] = sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


CHECK_NAMES = {
    "glyphs": lambda: _("A character has no glyph in the embedded fonts"),
    "keep-with-next": lambda: _("A table group header sits alone at the bottom of a page"),
    "totals": lambda: _("The totals printed differ from the quote's"),
}


@dataclass(frozen=True)
class FailureText:
    title: str
    problems: list[tuple[str, str]]  # (what kind of problem, the pipeline's own words)
    status: int


def describe_failure(error: PdfError) -> FailureText:
    if isinstance(error, PreflightFailed):
        return FailureText(
            _("The PDF failed its pre-flight checks and was not produced."),
            [
                (CHECK_NAMES[p.check]() if p.check in CHECK_NAMES else p.check, p.message)
                for p in error.problems
            ],
            422,
        )
    if isinstance(error, RenderTimeout):
        return FailureText(_("The PDF took too long to render and was stopped."), [], 503)
    if isinstance(error, RenderMemoryExceeded):
        return FailureText(_("The PDF needed too much memory to render and was stopped."), [], 503)
    return FailureText(_("The PDF could not be rendered."), [(_("Renderer"), str(error))], 500)


def failure_of(item: JobItem) -> PdfError:
    """The stored failure of a failed job (a lost job has none: a RenderFailed naming it)."""
    stored = PdfCache(current_app.config["PDF_CACHE_DIR"]).get_failure(item.key)
    return stored if stored is not None else RenderFailed(item.error or "the job was lost")


def failure_page(error: PdfError, what: str, back_url: str | None = None):
    """The page shown instead of a file; the failure is logged with who asked for what."""
    current_app.logger.error(
        "PDF export failed (%s, user %s): %s", what, getattr(current_user, "id", None), error
    )
    text = describe_failure(error)
    return render_template(
        "exports/failed.html", failure=text, what=what, back_url=back_url or request.referrer
    ), text.status


# --- RQ jobs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobItem:
    """One document of a download: its opportunity, cache key, RQ job and file name."""

    opportunity_id: int
    key: str
    job_id: str
    filename: str
    state: str = "queued"
    error: str = ""

    @property
    def problem(self) -> str:
        """What went wrong, in the reader's language, and what to do about it."""
        return failure_message(self.error)


def failure_message(error: str) -> str:
    """A job's raw error line (`ClassName: message`, or RQ's last traceback line) as a
    translated sentence saying what to do; the raw line is for the log only."""
    kind = error.split(":", 1)[0].strip().rsplit(".", 1)[-1]
    if kind == "RenderTimeout":
        where = error.split("(the heaviest part: ", 1)
        detail = where[1].rstrip(")") if len(where) == 2 else ""
        if detail:
            return _(
                "It took too long to lay out and was stopped. The heaviest part is %(part)s: "
                "shorten it or split its table, then try again.",
                part=detail,
            )
        return _("It took too long to lay out and was stopped. Shorten the longest section.")
    if kind == "RenderMemoryExceeded":
        return _("It needed too much memory and was stopped. Shorten the longest section or table.")
    if kind == "PreflightFailed":
        detail = error.split(":", 1)[1].strip() if ":" in error else ""
        return _(
            "It failed its pre-flight checks (%(detail)s). Correct what they name, then try again.",
            detail=detail,
        )
    if kind == "RenderFailed":
        return _("The renderer failed. Try again; if it fails again, tell your administrator.")
    return _(
        "The render was interrupted (a render worker stopped). Start the download again; if "
        "it happens again, tell your administrator."
    )


def _signer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt="pdf-export")


def sign_download(
    kind: str, items: Sequence[JobItem], zip_name: str | None, url: str | None = None
) -> str:
    """The token of a download: what was queued, signed (not stored anywhere). Whoever
    sees every opportunity in it may poll it and fetch the result, as they could render
    the same documents themselves. `url`: the download's own address (a GET), which
    answers the file once it is ready and starts it again after a failure."""
    return _signer().dumps(
        {
            "kind": kind,
            "zip": zip_name,
            "url": url,
            "items": [[i.opportunity_id, i.key, i.job_id, i.filename] for i in items],
        }
    )


def executor() -> str:
    """Where renders run: "rq" (REDIS_URL set: `rq worker pdf` processes), "local" (a small
    process pool beside the web server, PDF_LOCAL_WORKERS wide) or "inline" (in the
    request; PDF_EXECUTOR=inline, for tests that want the file in the answer)."""
    if current_app.config.get("REDIS_URL"):
        return "rq"
    return "inline" if current_app.config.get("PDF_EXECUTOR") == "inline" else "local"


def local_pool() -> LocalRenderPool:
    pool = current_app.extensions.get("pdf_pool")
    if pool is None:
        seconds = RenderLimits().seconds
        pool = LocalRenderPool(
            workers=int(current_app.config.get("PDF_LOCAL_WORKERS", 2)),
            lost_after=seconds * 3 + 60,
            # Workers open the app once and build documents themselves: import it up front.
            preload=["portal.exports.jobs"],
        )
        current_app.extensions["pdf_pool"] = pool
    return pool


def submit_job(job: BuildJob, delay_seconds: float | None = None) -> RenderTicket:
    """Queue the build and render of `job` (RQ when REDIS_URL is set, else the local pool);
    a job whose PDF or failure is stored already is answered from there, not queued."""
    from portal.exports.jobs import run_build_job

    cache = PdfCache(job.cache_dir)
    if cache.get(job.key) is not None:
        return RenderTicket(f"cached-{job.key[:16]}", "finished", job.key)
    failed = cache.get_failure(job.key)
    if failed is not None:
        return RenderTicket(f"cached-{job.key[:16]}", "failed", job.key, error_line(failed))
    if executor() == "rq":
        return enqueue_job(
            run_build_job,
            job,
            job.key,
            current_app.config["REDIS_URL"],
            job_timeout=int(RenderLimits().seconds) + 60,
            queue=current_app.config.get("PDF_RQ_QUEUE", "pdf"),
            delay_seconds=delay_seconds,
        )
    return local_pool().submit_job(run_build_job, job, job.key, job.cache_dir)


def build_job(kind: str, opportunity_id: int, language: str, key: str, **ids) -> BuildJob:
    """A BuildJob for this app: local workers get the settings to open the same database."""
    from portal.exports.jobs import local_config, serve_jobs_here

    if executor() == "rq":
        serve_jobs_here(current_app._get_current_object())
    return BuildJob(
        kind,
        opportunity_id,
        language,
        key,
        current_app.config["PDF_CACHE_DIR"],
        app_config=() if executor() == "rq" else local_config(current_app),
        **ids,
    )


def start_jobs(
    kind: str,
    items: Sequence[tuple[BuildJob, str]],
    zip_name: str | None,
    url: str | None = None,
) -> str:
    """Enqueue the builds of one download and return its token.

    The API the pages build on (the PDF buttons, the bid desk's zip):

    - `start_jobs(kind, [(build_job, file_name), …], zip_name, url)` queues each build
      (RQ when REDIS_URL is set, else the local pool; with PDF_EXECUTOR=inline, tests
      only, it runs here) and returns a signed token; the web request neither builds the
      document's HTML nor renders it;
    - `load_download(token)` → `Download` with each item's `state` (queued, started,
      finished, failed) and, when failed, `problem` (a translated, actionable sentence);
    - the routes `exports.progress` (htmx polls it every second: `_progress.html`, or the
      button's own `_job_button.html` with `?button=1`) and `exports.file` (the PDF, or the
      zip of all items) take the token.
    """
    inline = executor() == "inline"
    queued = []
    for job, filename in items:
        ticket = run_here(job) if inline else submit_job(job)
        queued.append(JobItem(job.opportunity_id, ticket.key, ticket.job_id, filename))
    return sign_download(kind, queued, zip_name, url)


def run_here(job: BuildJob) -> RenderTicket:
    """Build and render `job` in this request (PDF_EXECUTOR=inline: tests only)."""
    from portal.exports.jobs import build_export

    cache = PdfCache(job.cache_dir)
    ticket = RenderTicket(f"inline-{job.key[:16]}", "finished", job.key)
    if cache.get(job.key) is not None:
        return ticket
    failed = cache.get_failure(job.key)
    if failed is not None:
        return dataclasses.replace(ticket, state="failed", error=error_line(failed))
    try:
        result = export_pdf(build_export(job))
    except PdfError as error:
        cache.put_failure(job.key, error)
        return dataclasses.replace(ticket, state="failed", error=error_line(error))
    cache.put(job.key, result.pdf)
    return ticket


@dataclass(frozen=True)
class Download:
    kind: str
    items: list[JobItem]
    zip_name: str | None
    url: str | None = None

    @property
    def done(self) -> bool:
        return all(i.state in ("finished", "failed") for i in self.items)

    @property
    def failed(self) -> list[JobItem]:
        return [i for i in self.items if i.state == "failed"]

    @property
    def finished(self) -> int:
        return sum(1 for i in self.items if i.state == "finished")


def load_download(token: str) -> Download | None:
    """The download `token` names, with every job's state now; None if the token is forged
    or older than JOB_TTL_SECONDS."""
    from itsdangerous import BadSignature

    try:
        data = _signer().loads(token, max_age=JOB_TTL_SECONDS)
        rows = [(int(o), str(k), str(j), str(f)) for o, k, j, f in data["items"]]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    url = current_app.config.get("REDIS_URL")
    cache = PdfCache(current_app.config["PDF_CACHE_DIR"])
    items = []
    for opportunity_id, key, job_id, filename in rows:
        ticket = RenderTicket(job_id, "queued", key)
        if cache.get(key) is not None:
            ticket = RenderTicket(job_id, "finished", key)
        elif (failed := cache.get_failure(key)) is not None:
            ticket = RenderTicket(job_id, "failed", key, error_line(failed))
        elif url:
            ticket = render_status(ticket, url)
        else:
            ticket = local_pool().status(ticket, current_app.config["PDF_CACHE_DIR"])
        items.append(JobItem(opportunity_id, key, job_id, filename, ticket.state, ticket.error))
    return Download(str(data.get("kind")), items, data.get("zip"), data.get("url"))


def error_line(error: BaseException) -> str:
    """`ClassName: message`, as a job's failure is reported (see failure_message)."""
    return f"{type(error).__name__}: {error}"[:500]
