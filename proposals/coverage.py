"""Decision-chain coverage rules by stage, the warnings they raise, and who on our side
should act on each one.

Article 000 asks for a whole decision chain won by the business-evaluation stage (every
MAP role — Money, Authority, Product — has someone who supports us, and we have a coach
inside); article 004 adds the buyer's decision mode and level matching (executive to
executive, specialist to specialist). The thresholds are data (:data:`STAGE_RULES`), keyed
by the default stage codes; stage models with other codes fall back by position.

Pure functions over :class:`proposals.workspace.Stakeholder`; no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from proposals.stages import Attitude, BuyingRole, DecisionMode, DecisionType, MapRole
from proposals.workspace import HIGH_INFLUENCE, Stakeholder

LocalizedText = dict[str, str]


@dataclass(frozen=True)
class StageRule:
    """What a covered decision chain needs by one stage.

    ``supporter_per_map_role``: each MAP role has at least one supporter.
    ``plan_for_opponents``: every opponent of influence ≥ ``HIGH_INFLUENCE`` has an open task.
    ``min_contacts``: people (any role) contacted in the last ``contact_window_days`` days
    below which the deal is single-threaded; 0 switches the check off.
    """

    supporter_per_map_role: bool
    plan_for_opponents: bool
    min_contacts: int
    contact_window_days: int = 60


#: Rules per stage code of the default five-stage model (article 000). Early on a single
#: contact is normal; by business evaluation the whole chain must be won (the NSABC
#: activity "win the decision chain" sits in that stage).
STAGE_RULES: dict[str, StageRule] = {
    "demand": StageRule(supporter_per_map_role=False, plan_for_opponents=False, min_contacts=0),
    "technical": StageRule(supporter_per_map_role=False, plan_for_opponents=True, min_contacts=2),
    "business": StageRule(supporter_per_map_role=True, plan_for_opponents=True, min_contacts=2),
    "bidding": StageRule(supporter_per_map_role=True, plan_for_opponents=True, min_contacts=3),
    "delivery": StageRule(supporter_per_map_role=False, plan_for_opponents=False, min_contacts=2),
}
_RULES_BY_POSITION = ("demand", "technical", "business", "bidding", "delivery")


def stage_rule(
    code: str, position: int, stage_count: int, rules: dict[str, StageRule] | None = None
) -> StageRule:
    """The rule for a stage: by its code when known, else by its relative position
    (``position`` 1-based among ``stage_count`` stages) mapped onto the five default stages.
    ``rules``: the rules in force (default :data:`STAGE_RULES`; see
    :func:`rules_with_overrides`)."""
    rules = STAGE_RULES if rules is None else rules
    if code in rules:
        return rules[code]
    count = max(stage_count, 1)
    index = min(4, max(0, round((position - 1) * 4 / max(count - 1, 1))))
    return rules[_RULES_BY_POSITION[index]]


class PlanWarningCode(StrEnum):
    ROLE_WITHOUT_SUPPORTER = "role_without_supporter"
    OPPONENT_WITHOUT_PLAN = "opponent_without_plan"
    GATEKEEPER_OPPONENT = "gatekeeper_opponent"
    NO_AUTHORITY_ROLE = "no_authority_role"
    COACH_OPPONENT = "coach_opponent"
    SINGLE_THREADED = "single_threaded"
    TOP_DECIDER_NOT_WON = "top_decider_not_won"


PLAN_WARNINGS: dict[str, LocalizedText] = {
    PlanWarningCode.ROLE_WITHOUT_SUPPORTER: {
        "en": "At this stage every MAP role needs someone who supports us.",
        "zh_CN": "到本阶段，资金方、职能方、使用方每类角色都应有支持我方的人。",
    },
    PlanWarningCode.OPPONENT_WITHOUT_PLAN: {
        "en": "An influential opponent has no plan: nobody on our side is tasked with them.",
        "zh_CN": "有影响力大的反对者尚无应对计划：我方无人负责。",
    },
    PlanWarningCode.GATEKEEPER_OPPONENT: {
        "en": "An influential technical evaluator opposes us and can rule us out on criteria.",
        "zh_CN": "有影响力大的技术评估人反对我方，可能在技术指标上把我们排除。",
    },
    PlanWarningCode.NO_AUTHORITY_ROLE: {
        "en": "No Authority role mapped: nobody known in procurement or the functional "
        "departments that run the purchase.",
        "zh_CN": "尚未识别职能方：不清楚采购部门或主管职能部门由谁负责。",
    },
    PlanWarningCode.COACH_OPPONENT: {
        "en": "Someone marked as our coach is recorded as an opponent: check which is true.",
        "zh_CN": "被标为内线的人态度却是反对，请核实。",
    },
    PlanWarningCode.SINGLE_THREADED: {
        "en": "Single-threaded: too few people in the buyer's organisation were contacted "
        "recently; the deal hangs on one relationship.",
        "zh_CN": "单线联系：近期联系的客户人员太少，项目系于一人。",
    },
    PlanWarningCode.TOP_DECIDER_NOT_WON: {
        "en": "The account decides top-down, and its final decision maker does not support us yet.",
        "zh_CN": "该客户由高层拍板，而最终决策人尚未支持我方。",
    },
}


class OurLevel(StrEnum):
    """Who on our side should meet a stakeholder (article 004, level matching)."""

    EXECUTIVE = "executive"  # our leadership meets their executives
    SPECIALIST = "specialist"  # our solution people meet their technical team
    MANAGER = "manager"  # the account manager meets department heads and users


def level_match(person: Stakeholder) -> OurLevel:
    """Executive to executive, specialist to specialist, manager to manager: the final
    decision maker and the economic buyer get our executive; technical evaluators our
    solution specialist; everyone else the account manager."""
    if person.decision_type == DecisionType.FINAL or person.buying_role == BuyingRole.ECONOMIC:
        return OurLevel.EXECUTIVE
    if person.decision_type == DecisionType.TECHNICAL or person.buying_role == BuyingRole.TECHNICAL:
        return OurLevel.SPECIALIST
    return OurLevel.MANAGER


@dataclass(frozen=True)
class PlanWarning:
    """A coverage problem the plan must address; ``stakeholder_ids`` names the people
    concerned (empty for an absence), ``roles`` the MAP roles concerned, ``level`` who on
    our side should take the task (level matching)."""

    code: PlanWarningCode
    text: LocalizedText
    stakeholder_ids: tuple[Hashable, ...] = ()
    roles: tuple[MapRole, ...] = ()
    level: OurLevel = OurLevel.MANAGER


@dataclass(frozen=True)
class ChainPlan:
    """The coverage plan of one opportunity, see :func:`coverage_plan`."""

    rule: StageRule
    supported_roles: tuple[MapRole, ...]
    has_coach: bool
    warnings: tuple[PlanWarning, ...]

    @property
    def role_count(self) -> int:
        return len(MapRole)

    @property
    def codes(self) -> tuple[PlanWarningCode, ...]:
        return tuple(w.code for w in self.warnings)


def _top_decider(person: Stakeholder) -> bool:
    return person.decision_type == DecisionType.FINAL or person.buying_role == BuyingRole.ECONOMIC


def coverage_plan(
    stakeholders: Sequence[Stakeholder],
    rule: StageRule,
    decision_mode: str | None,
    planned_ids: Collection[Hashable],
    today: date,
) -> ChainPlan:
    """Warnings beyond :func:`proposals.workspace.decision_chain_coverage`, in fixed order.

    ``planned_ids``: stakeholders with an open task already (their opponent needs no new
    plan). ``decision_mode``: the account's (centralized, distributed, hybrid) or None.

    Decision mode changes the rules (article 004): centralized and hybrid accounts need the
    final decision maker / economic buyer as a supporter once MAP-role support is due;
    distributed and hybrid accounts need a supporter in every MAP role one stage earlier
    (from the moment opponents need a plan), since several departments decide together.
    With no stakeholders there are no plan warnings (the coverage says "map the chain").
    """
    supported = tuple(
        role
        for role in MapRole
        if any(p.map_role == role and p.attitude == Attitude.SUPPORTER for p in stakeholders)
    )
    has_coach = any(
        p.buying_role == BuyingRole.COACH and p.attitude != Attitude.OPPONENT for p in stakeholders
    )
    warnings: list[PlanWarning] = []
    if not stakeholders:
        return ChainPlan(rule, supported, has_coach, ())

    def warn(code, ids=(), roles=(), level=OurLevel.MANAGER):
        warnings.append(PlanWarning(code, PLAN_WARNINGS[code], tuple(ids), tuple(roles), level))

    by_id = {p.id: p for p in stakeholders}
    # Article 000: the whole chain (money, authority, product) must be won by the business
    # evaluation; a distributed buyer decides across departments, so it is due earlier.
    roles_due = rule.supporter_per_map_role or (
        rule.plan_for_opponents and decision_mode in (DecisionMode.DISTRIBUTED, DecisionMode.HYBRID)
    )
    unsupported = tuple(role for role in MapRole if role not in supported)
    if roles_due and unsupported:
        warn(PlanWarningCode.ROLE_WITHOUT_SUPPORTER, roles=unsupported)
    # Article 000: every opponent who weighs on the decision needs someone working on them.
    if rule.plan_for_opponents:
        loose = [
            p.id
            for p in stakeholders
            if p.attitude == Attitude.OPPONENT
            and p.influence >= HIGH_INFLUENCE
            and p.id not in planned_ids
        ]
        if loose:
            warn(PlanWarningCode.OPPONENT_WITHOUT_PLAN, loose, level=level_match(by_id[loose[0]]))
    # Article 004: the technical decision maker guards architecture, security, compatibility:
    # opposed and influential, they can write us out of the specification.
    gatekeepers = [
        p.id
        for p in stakeholders
        if p.attitude == Attitude.OPPONENT
        and p.influence >= HIGH_INFLUENCE
        and (p.decision_type == DecisionType.TECHNICAL or p.buying_role == BuyingRole.TECHNICAL)
    ]
    if gatekeepers:
        warn(PlanWarningCode.GATEKEEPER_OPPONENT, gatekeepers, level=OurLevel.SPECIALIST)
    # Article 000 MAP: Authority (procurement, functional departments) runs the purchase.
    if not any(p.map_role == MapRole.AUTHORITY for p in stakeholders):
        warn(PlanWarningCode.NO_AUTHORITY_ROLE, roles=(MapRole.AUTHORITY,))
    # Article 000: the coach gives us the true chain and attitudes; an opposing coach is a
    # contradiction that hides a missing coach.
    false_coaches = [
        p.id
        for p in stakeholders
        if p.buying_role == BuyingRole.COACH and p.attitude == Attitude.OPPONENT
    ]
    if false_coaches:
        warn(PlanWarningCode.COACH_OPPONENT, false_coaches)
    # Relying on one person makes the relationship fragile (article 004, "individual over
    # team" mistake): count people contacted within the window.
    if rule.min_contacts:
        recent = [
            p.id
            for p in stakeholders
            if p.last_contact is not None
            and (today - p.last_contact).days <= rule.contact_window_days
        ]
        if len(recent) < rule.min_contacts:
            warn(PlanWarningCode.SINGLE_THREADED, recent)
    # Article 004 decision modes: a centralized (or hybrid) account is decided at the top.
    if rule.supporter_per_map_role and decision_mode in (
        DecisionMode.CENTRALIZED,
        DecisionMode.HYBRID,
    ):
        tops = [p for p in stakeholders if _top_decider(p)]
        if not any(p.attitude == Attitude.SUPPORTER for p in tops):
            warn(
                PlanWarningCode.TOP_DECIDER_NOT_WON,
                [p.id for p in tops],
                level=OurLevel.EXECUTIVE,
            )
    return ChainPlan(rule, supported, has_coach, tuple(warnings))


@dataclass(frozen=True)
class ChainRollup:
    """The desk's one-line summary of a bid's decision chain: MAP roles with a supporter
    (of ``role_count``), whether there is a coach, open tasks and how many are overdue
    (due strictly before today)."""

    supported_roles: int
    role_count: int
    has_coach: bool
    open_tasks: int
    overdue_tasks: int


def chain_rollup(
    stakeholders: Sequence[Stakeholder], open_task_due_dates: Sequence[date | None], today: date
) -> ChainRollup:
    """Summarise coverage and open tasks for the desk ("supporters 2/3 · no coach ·
    1 task overdue"). A task without a due date is never overdue."""
    supported = {
        p.map_role for p in stakeholders if p.attitude == Attitude.SUPPORTER and p.map_role
    }
    coach = any(
        p.buying_role == BuyingRole.COACH and p.attitude != Attitude.OPPONENT for p in stakeholders
    )
    overdue = sum(1 for due in open_task_due_dates if due is not None and due < today)
    return ChainRollup(len(supported), len(MapRole), coach, len(open_task_due_dates), overdue)


def actionable_warnings(
    coverage_warnings: Sequence, plan: ChainPlan, stakeholders: Sequence[Stakeholder]
) -> tuple[PlanWarning, ...]:
    """Every warning a task can be raised from: the coverage warnings of
    :func:`proposals.workspace.decision_chain_coverage` (except "no stakeholders", which
    the rep fixes by mapping the chain) followed by the plan's, each with the level on our
    side that should act (level matching on the first person named; the account manager
    for an absence)."""
    by_id = {p.id: p for p in stakeholders}
    merged = []
    for w in coverage_warnings:
        if w.code == "no_stakeholders":
            continue
        named = [by_id[i] for i in w.stakeholder_ids if i in by_id]
        level = level_match(named[0]) if named else OurLevel.MANAGER
        merged.append(PlanWarning(w.code, w.text, tuple(w.stakeholder_ids), (), level))
    return (*merged, *plan.warnings)


#: Between a warning's text and the stakeholder it names in a task title.
TITLE_NAME_SEPARATOR = " — "


def _warning_texts(code: str) -> LocalizedText | None:
    from proposals.workspace import COVERAGE_WARNINGS

    return PLAN_WARNINGS.get(code) or COVERAGE_WARNINGS.get(code)


def task_title(code: str, name: str | None, locale: str) -> str:
    """The title of a task raised from warning ``code`` with its own wording, in
    ``locale`` ("en" or "zh_CN"; anything else reads English), followed by the stakeholder
    it names (a name is not translated). An unknown code reads as the code itself."""
    texts = _warning_texts(code)
    text = (texts.get(locale) or texts["en"]) if texts else code
    return f"{text}{TITLE_NAME_SEPARATOR}{name}" if name else text


def rule_title_name(code: str, title: str) -> tuple[bool, str | None]:
    """Whether ``title`` is warning ``code``'s own wording in any language (as the task form
    suggests it, possibly followed by a stakeholder's name), and that name. A title the user
    changed is theirs: (False, None), and it is kept as typed."""
    texts = _warning_texts(code)
    title = title.strip()
    for text in (texts or {}).values():
        if title == text:
            return True, None
        prefix = text + TITLE_NAME_SEPARATOR
        if title.startswith(prefix) and title[len(prefix) :].strip():
            return True, title[len(prefix) :].strip()
    return False, None


def format_rule(rule: StageRule) -> str:
    """A rule as stored in a portal setting: ``support=1;plan=0;contacts=2;window=60``."""
    return (
        f"support={int(rule.supporter_per_map_role)};plan={int(rule.plan_for_opponents)};"
        f"contacts={rule.min_contacts};window={rule.contact_window_days}"
    )


def parse_rule(text: str) -> StageRule:
    """Read :func:`format_rule`'s text back; ``ValueError`` for anything else or out of
    range (contacts 0–20, window 1–365 days)."""
    parts = dict(item.split("=", 1) for item in text.split(";") if "=" in item)
    try:
        support, plan = parts["support"], parts["plan"]
        contacts, window = int(parts["contacts"]), int(parts["window"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a coverage rule: {text!r}") from exc
    if support not in ("0", "1") or plan not in ("0", "1"):
        raise ValueError(f"not a coverage rule: {text!r}")
    if not 0 <= contacts <= 20 or not 1 <= window <= 365:
        raise ValueError(f"coverage rule out of range: {text!r}")
    return StageRule(support == "1", plan == "1", contacts, window)


def rules_with_overrides(stored: dict[str, str]) -> dict[str, StageRule]:
    """:data:`STAGE_RULES` with the admin's stored rules (stage code → text) applied; an
    unreadable stored value is ignored (the default stands)."""
    rules = dict(STAGE_RULES)
    for code, text in stored.items():
        if code in rules:
            try:
                rules[code] = parse_rule(text)
            except ValueError:
                continue
    return rules
