"""Each proposal's stored quote summary (proposals.quote_summary), kept in step with its quote.

Pages that list many proposals (the approval queue, the bid desk) print each option's
contract value, discount and margin and compare approvals with the quote's fingerprint.
They read `Proposal.quote_summary` instead of loading and pricing every line per request.

Writing: a session hook. After each flush, the proposals whose options or lines were
added, changed or deleted in it (and new proposals) have their summary computed from the
quote as the database now holds it (`load_quotes` → `proposals.quote_summary.summarise`,
the functions every page prices with) and written with a plain UPDATE in the same
transaction: the proposal's version is left alone (an autosave never conflicts with an
edit of the proposal), the audit log does not list it (portal.audit ignores the column),
and the flush does not loop. A rolled-back change rolls its summary back with it.
Writers that bypass the session (bench/scale_data.py's bulk load, migration 0022) compute
the summary with the same pure function.

Reading: `stored_quotes(proposals)`. A proposal without a readable summary (none stored,
an older format) is priced from its lines, all such proposals of a page in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session

from portal.drafts.models import Proposal, ProposalLine, ProposalOption
from proposals.quote_summary import QuoteSummary, summarise

_FLUSHED = "stored_quote_flushed"


def compute(proposal_ids: Iterable[int], connection) -> dict[int, QuoteSummary]:
    """The summary of each proposal's quote as stored now, read on `connection` (one
    query for all of them). A proposal without options gets the summary of no options."""
    from portal.drafts.workflow import load_quotes

    quotes = load_quotes(sorted(set(proposal_ids)), connection)
    return {
        proposal_id: summarise([o.domain for o in options], [o.id for o in options])
        for proposal_id, options in quotes.items()
    }


def refresh(proposal_ids: Iterable[int], connection) -> None:
    """Compute and store the summaries of these proposals (a missing proposal is skipped)."""
    summaries = compute(proposal_ids, connection)
    if not summaries:
        return
    table = Proposal.__table__
    connection.execute(
        update(table)
        .where(table.c.id == bindparam("proposal_id"))
        # updated_at named so that its onupdate default does not fire: the proposal was not
        # edited by anyone, its derived figures were.
        .values(
            quote_summary=bindparam("summary", type_=table.c.quote_summary.type),
            updated_at=table.c.updated_at,
        ),
        [{"proposal_id": i, "summary": s.as_json()} for i, s in summaries.items()],
    )


def stored_quotes(proposals: Sequence[Proposal]) -> dict[int, QuoteSummary]:
    """The summary of each proposal's quote, by proposal id: the stored one, or for those
    without one, priced from their lines now (one query for all of them)."""
    out: dict[int, QuoteSummary] = {}
    missing = []
    for proposal in proposals:
        summary = QuoteSummary.from_json(proposal.quote_summary)
        if summary is None:
            missing.append(proposal.id)
        else:
            out[proposal.id] = summary
    if missing:
        from portal.extensions import db

        out.update(compute(missing, db.session.connection()))
    return out


# --- the session hook --------------------------------------------------------------------


def _ids(obj, key: str) -> set:
    """The current and the previous value of a foreign key of `obj` (a line moved to
    another option changes both quotes)."""
    state = inspect(obj)
    values = {getattr(obj, key, None)} if key in state.dict else set()
    history = state.attrs[key].history
    values.update(history.deleted or ())
    values.update(history.added or ())
    return values


def _changed_proposals(session: Session) -> set[int]:
    proposal_ids: set = set()
    option_ids: set = set()
    for obj in session.new:
        if isinstance(obj, Proposal):
            proposal_ids.add(obj.id)
    for objs, modified_only in (
        (session.new, False),
        (session.dirty, True),
        (session.deleted, False),
    ):
        for obj in objs:
            if not isinstance(obj, ProposalOption | ProposalLine):
                continue
            if modified_only and not session.is_modified(obj, include_collections=False):
                continue
            if isinstance(obj, ProposalOption):
                proposal_ids |= _ids(obj, "proposal_id")
            else:
                option_ids |= _ids(obj, "option_id")
    option_ids.discard(None)
    if option_ids:
        # Options loaded in this session answer without a query (a deleted option's row is
        # gone from the database, not yet from the session).
        mapper = inspect(ProposalOption)
        known = {}
        for option_id in option_ids:
            option = session.identity_map.get(mapper.identity_key_from_primary_key((option_id,)))
            if option is not None and "proposal_id" in inspect(option).dict:
                known[option_id] = option.proposal_id
        proposal_ids.update(known.values())
        unknown = option_ids - known.keys()
        if unknown:
            table = ProposalOption.__table__
            proposal_ids.update(
                session.connection().scalars(
                    select(table.c.proposal_id).where(table.c.id.in_(sorted(unknown)))
                )
            )
    proposal_ids.discard(None)
    return proposal_ids


@event.listens_for(Session, "after_flush")
def _store_changed(session: Session, _flush_context) -> None:
    proposal_ids = _changed_proposals(session)
    if proposal_ids:
        refresh(proposal_ids, session.connection())
        session.info.setdefault(_FLUSHED, set()).update(proposal_ids)


@event.listens_for(Session, "after_flush_postexec")
def _expire_loaded(session: Session, _flush_context) -> None:
    # A proposal loaded before the UPDATE would show its old summary until expired.
    proposal_ids = session.info.pop(_FLUSHED, None)
    if not proposal_ids:
        return
    mapper = inspect(Proposal)
    for proposal_id in proposal_ids:
        loaded = session.identity_map.get(mapper.identity_key_from_primary_key((proposal_id,)))
        if loaded is not None:
            session.expire(loaded, ["quote_summary"])
