"""Suggested answers: library blocks and past answered requirements that match a
requirement's text, over one query interface on both databases.

Texts are segmented by `proposals.segment.terms` (jieba for Chinese) and stored as
space-separated terms in `search_entry` (one row per block or answered requirement,
kept in step by the ORM hooks below). SQLite searches them with FTS5 (bm25 rank),
PostgreSQL with its full-text search ('simple' configuration, ts_rank over a stored
tsvector column); the migration creates either index. Ties are broken by kind and id,
so the ranking is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_login import current_user
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import selectinload

from portal.drafts.models import LibraryBlock, Proposal, SectionBlockUse
from portal.extensions import db
from portal.security import opportunity_scope
from portal.tender.models import Requirement
from proposals.drafting import is_stale
from proposals.segment import MAX_TERMS, index_text, terms

CANDIDATES = 40


@dataclass(frozen=True)
class Hit:
    kind: str  # "block" | "answer"
    ref_id: int
    score: float  # larger is better, comparable within one search only


def _fts5_query(words: list[str]) -> str:
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _tsquery(words: list[str]) -> str:
    return " | ".join("'" + w.replace("'", "''").replace("\\", "") + "'" for w in words)


_SQLITE = text(
    "SELECT e.kind, e.ref_id, -bm25(search_fts) AS score FROM search_fts "
    "JOIN search_entry e ON e.id = search_fts.rowid "
    "WHERE search_fts MATCH :q AND (e.proposal_id IS NULL OR e.proposal_id <> :pid) "
    "ORDER BY bm25(search_fts), e.kind, e.ref_id LIMIT :n"
)
_POSTGRES = text(
    "SELECT e.kind, e.ref_id, ts_rank(e.terms_tsv, q) AS score "
    "FROM search_entry e, to_tsquery('simple', :q) q "
    "WHERE e.terms_tsv @@ q "
    "AND (e.proposal_id IS NULL OR e.proposal_id <> :pid) "
    "ORDER BY score DESC, e.kind, e.ref_id LIMIT :n"
)


def search(query_text: str, exclude_proposal_id: int = 0, limit: int = CANDIDATES) -> list[Hit]:
    """The best-matching blocks and answers for a text, best first (any user: callers
    filter answers by what the user may see)."""
    words = terms(query_text, MAX_TERMS)
    if not words:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            _SQLITE, {"q": _fts5_query(words), "pid": exclude_proposal_id, "n": limit}
        )
    else:
        rows = connection.execute(
            _POSTGRES, {"q": _tsquery(words), "pid": exclude_proposal_id, "n": limit}
        )
    return [Hit(kind, ref_id, float(score)) for kind, ref_id, score in rows]


@dataclass
class Suggestion:
    kind: str
    ref_id: int
    title: str
    body: str
    last_reviewed: date | None
    stale: bool
    used_in: list[str]
    language: str = ""


def suggestions(requirement: Requirement, today: date, limit: int = 5) -> list[Suggestion]:
    """Ranked suggestions for one requirement: blocks (with last review and the proposals
    they went into) and answers of other proposals the current user may see."""
    hits = search(requirement.text, requirement.proposal_id)
    block_ids = [h.ref_id for h in hits if h.kind == "block"]
    answer_ids = [h.ref_id for h in hits if h.kind == "answer"]
    blocks = {
        b.id: b
        for b in db.session.scalars(select(LibraryBlock).where(LibraryBlock.id.in_(block_ids)))
    }
    answers = {}
    if answer_ids:
        from portal.deals.models import Opportunity

        answers = {
            r.id: r
            for r in db.session.scalars(
                select(Requirement)
                .join(Proposal, Proposal.id == Requirement.proposal_id)
                .join(Opportunity, Opportunity.id == Proposal.opportunity_id)
                .where(Requirement.id.in_(answer_ids), opportunity_scope(current_user))
                .options(selectinload(Requirement.proposal))
            )
        }
    out: list[Suggestion] = []
    for hit in hits:
        if hit.kind == "block" and hit.ref_id in blocks:
            block = blocks[hit.ref_id]
            out.append(
                Suggestion(
                    "block",
                    block.id,
                    block.title,
                    block.body,
                    block.last_reviewed,
                    is_stale(block.last_reviewed, today),
                    [],
                    block.language,
                )
            )
        elif hit.kind == "answer" and hit.ref_id in answers:
            answer = answers[hit.ref_id]
            reviewed = answer.updated_at.date() if answer.updated_at else None
            out.append(
                Suggestion(
                    "answer",
                    answer.id,
                    " ".join(x for x in (answer.number, answer.text[:80]) if x),
                    answer.response,
                    reviewed,
                    is_stale(reviewed, today),
                    [answer.proposal.title],
                )
            )
        if len(out) >= limit:
            break
    _where_used(out)
    return out


def _where_used(items: list[Suggestion]) -> None:
    """The proposals each suggested block went into (sections and requirements)."""
    ids = [s.ref_id for s in items if s.kind == "block"]
    if not ids:
        return
    from portal.drafts.models import ProposalSection

    used: dict[int, set[str]] = {}
    rows = db.session.execute(
        select(SectionBlockUse.block_id, Proposal.title)
        .join(ProposalSection, ProposalSection.id == SectionBlockUse.section_id)
        .join(Proposal, Proposal.id == ProposalSection.proposal_id)
        .where(SectionBlockUse.block_id.in_(ids))
        .union(
            select(Requirement.block_id, Proposal.title)
            .join(Proposal, Proposal.id == Requirement.proposal_id)
            .where(Requirement.block_id.in_(ids))
        )
    )
    for block_id, title in rows:
        used.setdefault(block_id, set()).add(title)
    for item in items:
        if item.kind == "block":
            item.used_in = sorted(used.get(item.ref_id, ()))[:5]


def use_count(block_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Requirement).where(Requirement.block_id == block_id)
    )


# --- keeping the index in step ------------------------------------------------------------------


def _put(connection, kind: str, ref_id: int, terms_text: str, language: str, proposal_id):
    connection.execute(
        text("DELETE FROM search_entry WHERE kind = :k AND ref_id = :r"), {"k": kind, "r": ref_id}
    )
    connection.execute(
        text(
            "INSERT INTO search_entry (kind, ref_id, proposal_id, language, terms) "
            "VALUES (:k, :r, :p, :l, :t)"
        ),
        {"k": kind, "r": ref_id, "p": proposal_id, "l": language, "t": terms_text},
    )


def _drop(connection, kind: str, ref_id: int):
    connection.execute(
        text("DELETE FROM search_entry WHERE kind = :k AND ref_id = :r"), {"k": kind, "r": ref_id}
    )


def _changed(target, *names) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


def _put_block(connection, block):
    terms_text = index_text(block.title, block.tags, block.body)
    _put(connection, "block", block.id, terms_text, block.language, None)


@event.listens_for(LibraryBlock, "after_insert")
def _index_new_block(_mapper, connection, block):
    _put_block(connection, block)


@event.listens_for(LibraryBlock, "after_update")
def _index_block(_mapper, connection, block):
    if _changed(block, "title", "tags", "body", "language"):
        _put_block(connection, block)


@event.listens_for(LibraryBlock, "after_delete")
def _unindex_block(_mapper, connection, block):
    _drop(connection, "block", block.id)


@event.listens_for(Requirement, "after_insert")
def _index_new_requirement(_mapper, connection, row):
    if row.answered:
        _put(connection, "answer", row.id, index_text(row.text), "", row.proposal_id)


@event.listens_for(Requirement, "after_update")
def _index_requirement(_mapper, connection, row):
    if not _changed(row, "text", "response", "verdict"):
        return
    if row.answered:
        _put(connection, "answer", row.id, index_text(row.text), "", row.proposal_id)
    else:
        _drop(connection, "answer", row.id)


@event.listens_for(Requirement, "after_delete")
def _unindex_requirement(_mapper, connection, row):
    _drop(connection, "answer", row.id)
