"""Objection handling (异议处理): LSCPA step rules, playbook, ranking and reporting.

Framework-free domain core; conventions as in :mod:`proposals.pricing` (percentages are
``Decimal`` 0–100, returned unrounded; ``pricing.display_pct`` rounds for display).

LSCPA is done in order: listen (倾听), sympathize (同理), confirm (确认), process (处理),
assure (保证). A step can be completed only when every earlier step is done, and an
objection can be closed as resolved only when all five are.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import ceil

from proposals.pricing import HUNDRED, FieldError


class ObjectionType(StrEnum):
    """What the objection is about; each type has its own playbook responses."""

    PRICE = "price"
    TIME = "time"
    RISK = "risk"
    DECISION = "decision"
    OTHER = "other"


class LscpaStep(StrEnum):
    """The five LSCPA steps, declared in the order they must be done."""

    LISTEN = "listen"
    SYMPATHIZE = "sympathize"
    CONFIRM = "confirm"
    PROCESS = "process"
    ASSURE = "assure"


STEP_ORDER: tuple[LscpaStep, ...] = tuple(LscpaStep)

STEP_LABELS: dict[LscpaStep, tuple[str, str]] = {
    LscpaStep.LISTEN: ("Listen", "倾听"),
    LscpaStep.SYMPATHIZE: ("Sympathize", "同理"),
    LscpaStep.CONFIRM: ("Confirm", "确认"),
    LscpaStep.PROCESS: ("Process", "处理"),
    LscpaStep.ASSURE: ("Assure", "保证"),
}


@dataclass(frozen=True)
class StepCheck:
    """Result of :func:`can_complete`; truthy when allowed. ``missing`` is the first
    earlier step not yet done."""

    allowed: bool
    error: FieldError | None = None
    missing: LscpaStep | None = None

    def __bool__(self) -> bool:
        return self.allowed


def can_complete(step: LscpaStep, done_steps: Iterable[LscpaStep]) -> StepCheck:
    """May ``step`` be marked done given the steps already done?

    Allowed when every earlier step is done (re-completing a done step is allowed, so a
    step can be edited). Otherwise ``StepCheck(False, FieldError("previous_step_missing"),
    missing=<first missing step>)``.
    """
    step = LscpaStep(step)
    done = {LscpaStep(s) for s in done_steps}
    for earlier in STEP_ORDER[: STEP_ORDER.index(step)]:
        if earlier not in done:
            return StepCheck(
                allowed=False,
                error=FieldError(
                    "previous_step_missing", f"Finish the '{earlier.value}' step first."
                ),
                missing=earlier,
            )
    return StepCheck(allowed=True)


_YES = {"yes", "y", "true", "on", "1", "是"}


def _is_yes(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _YES


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def validate_step(
    step: LscpaStep, data: Mapping[str, object], today: date | None = None
) -> dict[str, FieldError]:
    """Field errors for completing ``step`` with form ``data`` (strings, bools or dates).

    * listen: ``notes`` (what the customer said, in their words) required.
    * sympathize: nothing required.
    * confirm: ``customer_confirmed`` must be yes (True, "yes", "true", "on", "1"): we
      restated the objection and the customer agreed that is the real concern.
    * process: ``response_key`` (the playbook response or "custom") required; "custom"
      also needs ``notes``.
    * assure: ``commitment``, ``owner`` and ``due_date`` (ISO yyyy-mm-dd) required; with
      ``today`` given, a due date before today is ``due_date_past``.
    """
    step = LscpaStep(step)
    errors: dict[str, FieldError] = {}
    match step:
        case LscpaStep.LISTEN:
            if not _text(data, "notes"):
                errors["notes"] = FieldError("required", "Write down what the customer said.")
        case LscpaStep.CONFIRM:
            if not _is_yes(data.get("customer_confirmed")):
                errors["customer_confirmed"] = FieldError(
                    "confirmation_required", "The customer must confirm this is the real concern."
                )
        case LscpaStep.PROCESS:
            response = _text(data, "response_key")
            if not response:
                errors["response_key"] = FieldError(
                    "response_required", "Choose how you answered the objection."
                )
            elif response == "custom" and not _text(data, "notes"):
                errors["notes"] = FieldError("required", "Describe the answer you gave.")
        case LscpaStep.ASSURE:
            if not _text(data, "commitment"):
                errors["commitment"] = FieldError("required", "State what we commit to.")
            if not _text(data, "owner"):
                errors["owner"] = FieldError("required", "Name who owns the commitment.")
            raw_due = data.get("due_date")
            due = _as_date(raw_due)
            if raw_due in (None, "") or (isinstance(raw_due, str) and not raw_due.strip()):
                errors["due_date"] = FieldError("required", "Set a due date.")
            elif due is None:
                errors["due_date"] = FieldError("invalid_date", "Enter a date as yyyy-mm-dd.")
            elif today is not None and due < today:
                errors["due_date"] = FieldError("due_date_past", "The due date is in the past.")
        case LscpaStep.SYMPATHIZE:
            pass
    return errors


class CloseOutcome(StrEnum):
    """How an objection ends: answered, handed up, or cost us the point."""

    RESOLVED = "resolved"
    ESCALATED = "escalated"
    LOST = "lost"


def validate_close(outcome: CloseOutcome, done_steps: Iterable[LscpaStep]) -> dict[str, FieldError]:
    """Closing as ``resolved`` needs all five steps done (code ``steps_incomplete``, naming
    the missing ones). ``escalated`` and ``lost`` may close at any step: an objection can be
    handed up or lost before it is fully worked."""
    outcome = CloseOutcome(outcome)
    done = {LscpaStep(s) for s in done_steps}
    if outcome is CloseOutcome.RESOLVED:
        missing = [s.value for s in STEP_ORDER if s not in done]
        if missing:
            return {
                "outcome": FieldError(
                    "steps_incomplete", f"Finish these steps first: {', '.join(missing)}."
                )
            }
    return {}


# --- playbook -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaybookResponse:
    """A reusable answer to one objection type, in English and Simplified Chinese."""

    key: str
    objection_type: ObjectionType
    title_en: str
    title_zh: str
    body_en: str
    body_zh: str


PLAYBOOK_SEED: tuple[PlaybookResponse, ...] = (
    # price
    PlaybookResponse(
        "price_tco",
        ObjectionType.PRICE,
        "Compare total cost, not the sticker price",
        "比总拥有成本，而不是比标价",
        "Lay our offer next to the alternative over the same number of years. Include licences, "
        "implementation, training, maintenance and the internal staff time each option needs. "
        "A cheaper purchase price often hides higher running or rework costs. "
        "Let the customer fill in their own figures so the comparison is theirs, not ours.",
        "把我方方案和备选方案放在相同年限内对比。把许可、实施、培训、维护以及各方案占用的内部人力"
        "都算进去。"
        "采购价低的方案，往往运行成本或返工成本更高。请客户自己填入数据，让这份对比成为客户自己的"
        "结论。",
    ),
    PlaybookResponse(
        "price_roi",
        ObjectionType.PRICE,
        "Show return on investment and payback",
        "用投资回报和回收期说话",
        "Agree with the customer on two or three measurable gains, such as hours saved or errors "
        "avoided. "
        "Turn each into money per year using numbers their finance team accepts. "
        "Divide the price by the yearly gain to show how many months it takes to pay back. "
        "Keep the assumptions conservative and visible; a modest figure that survives questions "
        "beats a big one that does not.",
        "先和客户商定两三项可衡量的收益，例如节省的工时或减少的差错。用客户财务认可的数字把每项收"
        "益折算成年度金额。"
        "用价格除以年收益，算出几个月可以回本。假设要保守并公开；经得起追问的小数字，胜过一问就倒"
        "的大数字。",
    ),
    PlaybookResponse(
        "price_value_points",
        ObjectionType.PRICE,
        "Break the price into what each part delivers",
        "把价格拆成一个个价值点",
        "A single large number invites a single large cut. Split the price by module or service "
        "and tie each piece "
        "to the problem it solves for this customer. Ask which of those outcomes they would give "
        "up for a lower price. "
        "If a discount is still needed, reduce scope with it rather than lowering the price of "
        "the same scope.",
        "一个大总价容易招来一刀大砍价。按模块或服务拆分价格，并把每一部分对应到它为客户解决的具体"
        "问题。"
        "问客户愿意为了降价放弃哪一项成果。如果仍需让价，就同时缩减范围，而不是同样的范围降价。",
    ),
    PlaybookResponse(
        "price_instalments",
        ObjectionType.PRICE,
        "Spread payments to fit the budget",
        "分期付款，贴合预算节奏",
        "Sometimes the objection is about this year's budget, not the total price. "
        "Offer payments tied to milestones or spread over the contract years. "
        "Check the financing cost with finance before offering, and ask for something in return, "
        "such as a longer term or a reference.",
        "有时客户在意的是今年的预算，而不是总价。可以提出按里程碑付款，或在合同年限内分期支付。"
        "提出前先和财务确认资金成本，并换取对等条件，例如更长的合同期或同意作为案例客户。",
    ),
    # time
    PlaybookResponse(
        "time_phased_rollout",
        ObjectionType.TIME,
        "Roll out in phases",
        "分阶段上线",
        "Propose a first phase small enough to go live within the customer's window. "
        "Later phases follow once the first one shows results, so nobody has to bet everything on "
        "one date. "
        "Write down what each phase delivers and what it depends on.",
        "提出一个足够小、能在客户时间窗口内上线的第一阶段。第一阶段见到成效后再推进后续阶段，"
        "不必把全部赌在一个日期上。把每个阶段交付什么、依赖什么写清楚。",
    ),
    PlaybookResponse(
        "time_urgent_first",
        ObjectionType.TIME,
        "Start with the most urgent problem",
        "先解决最紧迫的问题",
        "Ask which problem hurts most right now and scope the start around it alone. "
        "An early visible win builds support for the rest of the project. "
        "Keep the later parts in the contract as options so the price logic stays intact.",
        "问清客户眼下最痛的问题，只围绕它确定启动范围。尽早见效的成果会为项目后续部分赢得支持。"
        "后续部分以可选项保留在合同里，保持整体报价逻辑不变。",
    ),
    PlaybookResponse(
        "time_extra_resources",
        ObjectionType.TIME,
        "Add resources to meet the date",
        "增加资源保障工期",
        "If the date is fixed, show how extra consultants or a dedicated delivery team shorten "
        "the schedule. "
        "Be explicit about what the customer must also provide, such as decision makers and test "
        "data on time. "
        "Price the extra effort openly instead of quietly absorbing it.",
        "如果日期不能动，就说明增派顾问或专职交付团队能如何缩短工期。同时明确客户需要配合的事项，"
        "例如决策人按时到位、测试数据按时提供。额外投入要公开计价，不要默默吞下。",
    ),
    PlaybookResponse(
        "time_milestone_plan",
        ObjectionType.TIME,
        "Make the plan concrete with milestones",
        "用里程碑计划让进度可见",
        "Doubts about time often come from a vague plan. Show a dated milestone plan with owners "
        "on both sides "
        "and what is checked at each milestone. Offer a short weekly status so the customer sees "
        "slippage early.",
        "对工期的担心常常源于计划含糊。拿出带日期、双方各有责任人、每个节点有验收内容的里程碑计划。"
        "提供简短的周报，让客户能尽早发现进度偏差。",
    ),
    # risk
    PlaybookResponse(
        "risk_pilot",
        ObjectionType.RISK,
        "Run a pilot first",
        "先做试点",
        "Propose a pilot with one department or site, a fixed duration and success criteria "
        "agreed up front. "
        "Agree now what happens when the criteria are met, so the pilot leads to a decision "
        "rather than another study. "
        "Keep the pilot small enough that both sides can afford it.",
        "提出在一个部门或一个地点试点，约定固定周期，并事先商定成功标准。现在就说好达标后怎么做，"
        "让试点导向决策，而不是又一轮研究。试点规模要小到双方都承担得起。",
    ),
    PlaybookResponse(
        "risk_reference_cases",
        ObjectionType.RISK,
        "Show similar customers who succeeded",
        "展示同类客户的成功案例",
        "Pick cases from the same industry and of similar size, with the result in numbers. "
        "Better still, arrange a call or visit with a customer who had the same worry. "
        "Be honest about what went wrong there and how it was fixed; that builds more trust than "
        "a perfect story.",
        "选择同行业、规模相近且有量化成果的案例。更好的做法是安排客户与有过同样顾虑的老客户通话或"
        "参观。"
        "坦诚说明那个项目中出过什么问题、如何解决，这比完美的故事更能赢得信任。",
    ),
    PlaybookResponse(
        "risk_sharing",
        ObjectionType.RISK,
        "Share the risk",
        "共担风险",
        "Tie part of our payment to agreed results, or offer a performance guarantee on the "
        "outcome the customer fears most. "
        "Limit it to what we control and cap our exposure. "
        "Check the terms with finance and legal before putting them on the table.",
        "把我方部分回款与约定的成果挂钩，或就客户最担心的结果提供绩效保证。范围限定在我方可控的部"
        "分，并为我方责任设置上限。"
        "条款提出前先经财务和法务确认。",
    ),
    PlaybookResponse(
        "risk_exit_terms",
        ObjectionType.RISK,
        "Offer clear exit terms",
        "提供清晰的退出条款",
        "A customer who knows how to get out is more willing to get in. Spell out when the "
        "contract can be ended, "
        "what is refunded and how their data is returned. Clear exit terms rarely get used, but "
        "they remove a reason to wait.",
        "客户知道怎么退出，才更愿意进入。写明在什么情况下可以终止合同、退还哪些费用、数据如何交还。"
        "清晰的退出条款很少真正用到，但能消除客户观望的理由。",
    ),
    # decision
    PlaybookResponse(
        "decision_support_material",
        ObjectionType.DECISION,
        "Give them material for the decision",
        "提供决策支持材料",
        "Ask what the decision makers need to see and in what format they usually decide. "
        "Prepare a short summary with the problem, options, cost, benefit and risk on one or two "
        "pages. "
        "Use the customer's own terms and figures so it can go into their approval pack unchanged.",
        "问清决策者需要看到什么、通常以什么形式做决定。准备一到两页的简要材料，写明问题、备选方案"
        "、成本、收益和风险。"
        "使用客户自己的说法和数据，让材料可以原样放进客户的审批文件。",
    ),
    PlaybookResponse(
        "decision_champion",
        ObjectionType.DECISION,
        "Help your champion sell internally",
        "帮助内部支持者在内部推动",
        "Our supporter inside the customer has to convince people we never meet. "
        "Rehearse with them the questions finance, IT and management will ask, and give them "
        "short answers. "
        "Offer to join the internal meeting or to brief the people they name.",
        "客户内部的支持者需要去说服我们见不到的人。和他一起预演财务、IT和管理层会提的问题，并给出"
        "简短答案。"
        "主动提出参加内部会议，或为他指定的人做专门介绍。",
    ),
    PlaybookResponse(
        "decision_third_party",
        ObjectionType.DECISION,
        "Bring an expert or third-party view",
        "借助专家或第三方背书",
        "An independent voice carries weight when the decision makers doubt our claims. "
        "Offer analyst reports, certifications, an industry expert or a peer customer. "
        "Choose sources the customer already respects rather than the ones we like best.",
        "当决策者怀疑我方说法时，独立的声音更有分量。可以提供分析机构报告、资质认证、行业专家或同"
        "行客户的意见。"
        "选择客户本来就认可的来源，而不是我们自己最喜欢的。",
    ),
    PlaybookResponse(
        "decision_smaller_steps",
        ObjectionType.DECISION,
        "Break the decision into smaller ones",
        "把大决策拆成小决策",
        "A big yes is hard to give; a small one is easy. Ask for the next decision only, such as "
        "approving a workshop, "
        "a pilot or the first phase. Each small yes builds confidence and brings the final "
        "decision closer.",
        "一个大的“同意”很难给，小的就容易得多。只请客户做下一步的决定，例如批准一次研讨、一次试点"
        "或第一阶段。"
        "每一个小的同意都会增加信心，让最终决策更近一步。",
    ),
)


# --- effectiveness --------------------------------------------------------------------

# 95 % two-sided normal quantile for the Wilson interval.
WILSON_Z = Decimal("1.96")


def success_rate(used: int, resolved: int) -> Decimal | None:
    """resolved / used × 100 (0–100, unrounded); ``None`` when never used.

    Raises ``ValueError`` for negative counts or ``resolved > used``.
    """
    _check_counts(used, resolved)
    if used == 0:
        return None
    return Decimal(resolved) / Decimal(used) * HUNDRED


def _check_counts(used: int, resolved: int) -> None:
    if used < 0 or resolved < 0:
        raise ValueError("counts must not be negative")
    if resolved > used:
        raise ValueError("resolved cannot exceed used")


def wilson_lower_bound(used: int, resolved: int, z: Decimal = WILSON_Z) -> Decimal:
    """Lower bound of the Wilson score interval for the resolve rate, as 0–100 (unrounded).

    With few uses the bound stays low (1/1 → about 20.7), with many it approaches the
    observed rate (40/50 → about 67.0), so a lucky single success does not outrank a
    proven response. 0 when never used.
    """
    _check_counts(used, resolved)
    if used == 0:
        return Decimal(0)
    n = Decimal(used)
    p = Decimal(resolved) / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    bound = (centre - spread) / (1 + z2 / n)
    return max(bound, Decimal(0)) * HUNDRED


@dataclass(frozen=True)
class ResponseStats:
    """How often a playbook response was used on an objection and how often it resolved it."""

    key: str
    used: int
    resolved: int


@dataclass(frozen=True)
class RankedResponse:
    """A response with its raw success rate and the Wilson lower bound it is ranked by (0–100)."""

    key: str
    used: int
    resolved: int
    success_rate: Decimal | None
    lower_bound: Decimal


def rank_responses(responses: Iterable[ResponseStats]) -> list[RankedResponse]:
    """Responses best first, by the Wilson lower bound of the resolve rate (95 %).

    The lower bound rewards both a high rate and the evidence behind it: 40/50 ranks above
    1/1. Ties (e.g. several never-used responses) go to more resolutions, then fewer
    failures (so an untried response ranks above a proven failure), then key.
    """
    ranked = [
        RankedResponse(
            r.key,
            r.used,
            r.resolved,
            success_rate(r.used, r.resolved),
            wilson_lower_bound(r.used, r.resolved),
        )
        for r in responses
    ]
    ranked.sort(key=lambda r: (-r.lower_bound, -r.resolved, r.used - r.resolved, r.key))
    return ranked


#: Uses of a type's responses on objections raised by people of one decision type and MAP
#: role needed before the playbook is ranked for them rather than overall.
MIN_SEGMENT_USES = 5


def rank_for_raiser(
    keys: Iterable[str],
    segment: Mapping[str, ResponseStats],
    overall: Mapping[str, ResponseStats],
    min_uses: int = MIN_SEGMENT_USES,
) -> tuple[list[RankedResponse], bool]:
    """Rank the responses ``keys`` for the person who raised the objection.

    Article 004: each decision-maker type cares about different things (final: ROI,
    strategy, risk; technical: architecture, security; financial: cost, budget; user:
    usability), so what resolves a price objection for a CFO may not for an engineer.
    When the responses were used at least ``min_uses`` times in total on objections from
    the raiser's decision type and MAP role (``segment``), rank by that history;
    otherwise by the ``overall`` history. Returns the ranking and True when the segment
    was used. Responses missing from a history count as never used.
    """
    keys = list(keys)
    segment_uses = sum(segment[k].used for k in keys if k in segment)
    use_segment = segment_uses >= min_uses
    source = segment if use_segment else overall
    ranked = rank_responses(source.get(k, ResponseStats(k, 0, 0)) for k in keys)
    return ranked, use_segment


# --- reporting ------------------------------------------------------------------------


class AgeBucket(StrEnum):
    """Age ranges of open objections in whole days, inclusive."""

    DAYS_0_7 = "0-7"
    DAYS_8_30 = "8-30"
    DAYS_31_90 = "31-90"
    OVER_90 = ">90"


# The oldest age (whole days, inclusive) each bucket holds, youngest bucket first; the
# last holds every older objection.
AGE_BUCKET_LIMITS: tuple[tuple[AgeBucket, int | None], ...] = (
    (AgeBucket.DAYS_0_7, 7),
    (AgeBucket.DAYS_8_30, 30),
    (AgeBucket.DAYS_31_90, 90),
    (AgeBucket.OVER_90, None),
)


@dataclass(frozen=True)
class OpenObjection:
    """An objection not yet closed, with the date it was raised."""

    objection_type: ObjectionType
    created: date


def age_bucket(age_days: int) -> AgeBucket:
    """Bucket for an age in whole days (0–7, 8–30, 31–90, over 90; negative counts as 0)."""
    for bucket, limit in AGE_BUCKET_LIMITS:
        if limit is None or age_days <= limit:
            return bucket
    raise AssertionError("the last bucket has no limit")


def age_bucket_starts(today: date) -> tuple[tuple[AgeBucket, date | None], ...]:
    """The same buckets as dates, for a database to count them: for each bucket, youngest
    first, the earliest day raised it holds (``today`` minus its oldest age; ``None`` for
    the last, which holds everything older). A day raised belongs to the first bucket it is
    on or after, which is :func:`age_bucket` of its age (a future day included)."""
    return tuple(
        (bucket, None if limit is None else today - timedelta(days=limit))
        for bucket, limit in AGE_BUCKET_LIMITS
    )


def objection_age_buckets(
    open_objections: Iterable[OpenObjection], today: date
) -> dict[ObjectionType, dict[AgeBucket, int]]:
    """Counts of open objections by type × age bucket, every cell present (zeros included).

    Age = ``today`` − created date in days (a datetime uses its date). A created date in
    the future (clock skew, time zones) counts as age 0 rather than failing the report.
    """
    counts = _empty_age_grid()
    for objection in open_objections:
        created = (
            objection.created.date()
            if isinstance(objection.created, datetime)
            else objection.created
        )
        bucket = age_bucket((today - created).days)
        counts[ObjectionType(objection.objection_type)][bucket] += 1
    return counts


def age_grid_from_reached(
    rows: Iterable[tuple[str, Sequence[int]]],
) -> dict[ObjectionType, dict[AgeBucket, int]]:
    """The grid of :func:`objection_age_buckets` from what a database counts: per type, how
    many open objections were raised on or after each bucket's first day, in the order of
    :func:`age_bucket_starts` (the last: all of them). A bucket holds the difference from
    the one before it."""
    counts = _empty_age_grid()
    for kind, reached in rows:
        before = 0
        for (bucket, _limit), up_to in zip(AGE_BUCKET_LIMITS, reached, strict=True):
            counts[ObjectionType(kind)][bucket] = up_to - before
            before = up_to
    return counts


def _empty_age_grid() -> dict[ObjectionType, dict[AgeBucket, int]]:
    return {t: {b: 0 for b in AgeBucket} for t in ObjectionType}


# --- recurring objections -------------------------------------------------------------
#
# The same objection comes back in other opportunities in other words. Objections are
# placed in groups (families) when they are saved, never by comparing pairs on a read:
# an objection joins the group of the same type whose founding wording's tokens are the
# most similar to its own (Jaccard ≥ SIMILARITY_THRESHOLD; ties: the older group), and
# founds a new group when none is. A group recurs once its objections span two or more
# opportunities. Objections without tokens belong to no group.

SIMILARITY_THRESHOLD = Decimal("0.5")
# Longer "words" (a pasted hash, a URL) are cut: tokens stay short enough to index.
MAX_TOKEN_LENGTH = 64

_ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "too",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
        "your",
        "not",
    ]
)
_WORD_RE = re.compile(r"[a-z0-9]+")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def objection_tokens(text: str) -> frozenset[str]:
    """Normalised tokens of an objection text.

    NFKC + case folding (full-width letters become ASCII); Latin words and numbers are
    tokens minus a short English stop-word list; Chinese has no spaces, so each run of
    Han characters contributes its character bigrams (a single character on its own).
    A token longer than ``MAX_TOKEN_LENGTH`` characters is cut to that length.
    """
    normalised = unicodedata.normalize("NFKC", text).casefold()
    tokens = {
        w[:MAX_TOKEN_LENGTH] for w in _WORD_RE.findall(normalised) if w not in _ENGLISH_STOPWORDS
    }
    for run in _CJK_RUN_RE.findall(normalised):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(tokens)


def wording_key(text: str) -> int:
    """A signed 64-bit key of the exact wording (BLAKE2b of its UTF-8 text), stored with
    each objection so that a database can tell a group's wordings apart from an index
    alone. Equal texts have equal keys; two different texts share one with a chance of
    about 2⁻⁶⁴, which would quote only one of the two."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class GroupCandidate:
    """A recurring-objection group (family) of the same type that shares ``shared`` of its
    founding wording's ``token_count`` tokens with the objection being placed."""

    group_id: int
    token_count: int
    shared: int


def group_similarity(token_count: int, candidate: GroupCandidate) -> Fraction:
    """Jaccard similarity (0–1, exact) of an objection's ``token_count`` tokens and a
    group's founding tokens: shared / (|a| + |b| − shared); 0 when either set is empty."""
    union = token_count + candidate.token_count - candidate.shared
    if token_count <= 0 or candidate.token_count <= 0 or union <= 0:
        return Fraction(0)
    return Fraction(candidate.shared, union)


def candidate_sizes(token_count: int, threshold: Decimal = SIMILARITY_THRESHOLD) -> tuple[int, int]:
    """The founding token counts (inclusive) a group can have and still reach ``threshold``
    with an objection of ``token_count`` tokens: Jaccard ≤ min/max of the two sizes, so
    only ⌈t·n⌉ … ⌊n/t⌋ can qualify (0 < t ≤ 1). Lets the index lookup skip the rest."""
    t = Fraction(threshold)
    return ceil(t * token_count), int(Fraction(token_count) / t)


def choose_group(
    token_count: int,
    candidates: Iterable[GroupCandidate],
    threshold: Decimal = SIMILARITY_THRESHOLD,
) -> int | None:
    """The group an objection with ``token_count`` tokens joins: the candidate of the same
    type whose founding tokens are most similar (:func:`group_similarity`), provided that
    is at least ``threshold`` (default 0.5); on equal similarity the lowest group id (the
    older family). ``None``: found a new group (or, with no tokens, none at all)."""
    if token_count <= 0:
        return None
    t = Fraction(threshold)
    best: tuple[Fraction, int] | None = None
    for candidate in candidates:
        similarity = group_similarity(token_count, candidate)
        if similarity < t or similarity == 0:
            continue
        key = (-similarity, candidate.group_id)
        if best is None or key < best:
            best = key
    return None if best is None else best[1]


@dataclass(frozen=True)
class FoundedGroup:
    """A group founded by :class:`GroupAssigner`: its id, type and founding tokens."""

    group_id: int
    objection_type: str
    tokens: frozenset[str]


class GroupAssigner:
    """Places objections into recurring-objection groups one at a time, in memory, by the
    rule the portal applies at save time (:func:`choose_group` over the groups founded so
    far): for bulk loads and backfills, which see the objections in id order.

    ``assign(type, tokens)`` returns the group id (a new one, numbered from ``first_id``,
    when no group is similar enough) or ``None`` for an empty token set. An inverted index
    of (type, token) → group ids finds the candidates; no pair of objections is compared.
    ``founded`` lists the groups in the order they were founded.
    """

    def __init__(self, threshold: Decimal = SIMILARITY_THRESHOLD, first_id: int = 1) -> None:
        self.threshold = threshold
        self.next_id = first_id
        self.founded: list[FoundedGroup] = []
        self._sizes: dict[int, int] = {}
        self._index: dict[tuple[str, str], list[int]] = {}

    def assign(self, objection_type: str, tokens: Iterable[str]) -> int | None:
        tokens = frozenset(tokens)
        if not tokens:
            return None
        kind = str(objection_type)
        shared: dict[int, int] = {}
        for token in tokens:
            for group_id in self._index.get((kind, token), ()):
                shared[group_id] = shared.get(group_id, 0) + 1
        chosen = choose_group(
            len(tokens),
            (GroupCandidate(g, self._sizes[g], n) for g, n in shared.items()),
            self.threshold,
        )
        if chosen is not None:
            return chosen
        group_id = self.next_id
        self.next_id += 1
        self._sizes[group_id] = len(tokens)
        for token in tokens:
            self._index.setdefault((kind, token), []).append(group_id)
        self.founded.append(FoundedGroup(group_id, kind, tokens))
        return group_id
