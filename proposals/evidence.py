"""Evidence for the NSABC activities the portal can judge from its own records.

An activity ticked by hand says nothing; these functions say what the records show. Each
returns an :class:`Evidence` whose ``supports`` tells whether the records back "done", and
``found`` (English and Chinese) what was found. An activity whose evidence does not
support it can still be marked done, but only with a recorded reason (:func:`done_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LocalizedText = dict[str, str]


class EvidenceKind(StrEnum):
    DECISION_CHAIN = "decision_chain"
    PROCUREMENT_CRITERIA = "procurement_criteria"
    COMPETITION = "competition"
    OBJECTIONS = "objections"
    QUOTE = "quote"


#: (stage code of the default model, NSABC element) → what the portal judges it by.
#: Article 000's grid: win the decision chain (business × authority), influence the
#: procurement criteria (business × needs), analyse the competitive landscape / position
#: (demand and technical × competitor), win the key person's trust — their objections
#: cleared (technical × authority), the preliminary quote (business × benefit).
JUDGED_ACTIVITIES: dict[tuple[str, str], EvidenceKind] = {
    ("business", "authority"): EvidenceKind.DECISION_CHAIN,
    ("business", "needs"): EvidenceKind.PROCUREMENT_CRITERIA,
    ("demand", "competitor"): EvidenceKind.COMPETITION,
    ("technical", "competitor"): EvidenceKind.COMPETITION,
    ("technical", "authority"): EvidenceKind.OBJECTIONS,
    ("business", "benefit"): EvidenceKind.QUOTE,
}


@dataclass(frozen=True)
class Evidence:
    kind: EvidenceKind
    supports: bool
    found: LocalizedText


def chain_evidence(supported_roles: int, role_count: int, has_coach: bool) -> Evidence:
    """The decision chain is won (article 000, MAP) when every MAP role has a supporter and
    there is a coach."""
    ok = supported_roles >= role_count and has_coach
    coach_en = "a coach" if has_coach else "no coach"
    coach_zh = "有内线" if has_coach else "无内线"
    return Evidence(
        EvidenceKind.DECISION_CHAIN,
        ok,
        {
            "en": f"Supporters in {supported_roles} of {role_count} MAP roles, {coach_en}.",
            "zh_CN": f"MAP 角色中 {supported_roles}/{role_count} 类有支持者，{coach_zh}。",
        },
    )


def criteria_evidence(has_recommendation: bool) -> Evidence:
    """Influencing the procurement criteria needs an analysis: a recommendation saved in
    the procurement-criteria planner."""
    if has_recommendation:
        found = {
            "en": "A procurement-criteria recommendation is saved.",
            "zh_CN": "已保存采购指标建议。",
        }
    else:
        found = {
            "en": "No recommendation saved in the procurement-criteria planner.",
            "zh_CN": "采购指标规划中尚未保存建议。",
        }
    return Evidence(EvidenceKind.PROCUREMENT_CRITERIA, has_recommendation, found)


def competition_evidence(criteria: int, scored_rivals: int) -> Evidence:
    """A competitive analysis exists when the competition matrix has at least one criterion
    and one rival scored on it."""
    ok = criteria > 0 and scored_rivals > 0
    return Evidence(
        EvidenceKind.COMPETITION,
        ok,
        {
            "en": f"Competition matrix: {criteria} criteria, {scored_rivals} rivals scored.",
            "zh_CN": f"竞争矩阵：{criteria} 项评估标准，{scored_rivals} 个对手已评分。",
        },
    )


def objections_evidence(open_objections: int) -> Evidence:
    """Trust is not won while objections are still open (LSCPA not finished)."""
    return Evidence(
        EvidenceKind.OBJECTIONS,
        open_objections == 0,
        {
            "en": f"Open objections: {open_objections}.",
            "zh_CN": f"未关闭的异议：{open_objections} 条。",
        },
    )


def quote_evidence(approval_state: str | None) -> Evidence:
    """The preliminary quote counts as done when its latest approval request is approved.
    ``approval_state``: pending, approved, rejected, withdrawn, or None (never asked)."""
    texts = {
        None: ("No quote approval on record.", "没有报价审批记录。"),
        "pending": ("The quote is awaiting approval.", "报价正在等待审批。"),
        "approved": ("The quote is approved.", "报价已获批准。"),
        "rejected": ("The quote approval was rejected.", "报价审批被驳回。"),
        "withdrawn": ("The quote approval was withdrawn.", "报价审批已撤回。"),
    }
    en, zh = texts.get(approval_state, texts[None])
    return Evidence(EvidenceKind.QUOTE, approval_state == "approved", {"en": en, "zh_CN": zh})


def done_problem(evidence: Evidence | None, status: str, reason: str) -> bool:
    """True when ``status`` "done" would contradict the evidence and no reason (non-blank
    text) is recorded. Any other status, supporting evidence or no judgement: False."""
    return (
        status == "done"
        and evidence is not None
        and not evidence.supports
        and not (reason or "").strip()
    )
