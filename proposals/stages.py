"""Reference data for opportunity stages, NSABC activities and the data model's enumerations.

Everything here is seed data: the web layer inserts it into the database (stage models are
data, not code, so an admin can add or edit a model later) and templates use the label
dictionaries to show a code in the user's language.

Shape conventions, so a template or seeder never has to special-case a table:

* Every human-readable text is a ``LocalizedText``: ``{"en": "...", "zh_CN": "..."}``.
* Every label table maps a code to a ``LocalizedText``: ``label[code][locale]``.
* Longer explanations live in a separate table of the same shape (``*_DESCRIPTIONS``,
  ``DECISION_TYPE_CONCERNS``), so the label tables stay one short phrase per code.
* Enum members are ``StrEnum`` values, so ``label[MapRole.MONEY]`` and ``label["money"]``
  find the same entry and the database can store the plain string.

The tables are module-level dicts; treat them as read-only (copy before changing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

LOCALES: tuple[str, ...] = ("en", "zh_CN")
DEFAULT_LOCALE = "en"

LocalizedText: TypeAlias = dict[str, str]
"""A text in every supported locale: ``{"en": ..., "zh_CN": ...}``."""

LabelTable: TypeAlias = dict[str, LocalizedText]
"""Code → localized text, looked up as ``table[code][locale]``."""


def _t(en: str, zh_cn: str) -> LocalizedText:
    return {"en": en, "zh_CN": zh_cn}


def localized(text: Mapping[str, str], locale: str) -> str:
    """Return ``text`` in ``locale``, falling back to English.

    Locale names are Babel's (``"zh_CN"``); a bare ``"zh"`` or ``"zh-CN"`` as sent by some
    browsers is accepted too. An unknown locale falls back to English rather than failing,
    because a missing translation should never break a page.
    """
    normalised = locale.replace("-", "_")
    if normalised == "zh":
        normalised = "zh_CN"
    return text.get(normalised) or text[DEFAULT_LOCALE]


# --------------------------------------------------------------------------------------
# Stage models
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One stage of an opportunity, ending when the buyer reaches ``milestone``.

    The milestone is phrased as something the *buyer* has done, because a stage is only
    finished when the customer has moved, not when we have finished our own tasks.
    """

    code: str
    name: LocalizedText
    milestone: LocalizedText


@dataclass(frozen=True)
class StageModel:
    """An ordered sequence of stages; a stage's index in ``stages`` is its position (0-based)."""

    key: str
    name: LocalizedText
    stages: tuple[Stage, ...]

    def stage_codes(self) -> tuple[str, ...]:
        return tuple(stage.code for stage in self.stages)

    def index_of(self, code: str) -> int:
        """0-based position of the stage ``code``; ``ValueError`` if the model has no such stage."""
        for index, stage in enumerate(self.stages):
            if stage.code == code:
                return index
        raise ValueError(f"stage model {self.key!r} has no stage {code!r}")


DEFAULT_STAGE_MODEL = StageModel(
    key="default",
    name=_t("Five-stage opportunity model", "五阶段商机推进模型"),
    stages=(
        Stage(
            code="demand",
            name=_t("Demand stimulation", "需求激发"),
            milestone=_t(
                "The buyer has turned the need into an approved budget or project plan.",
                "客户已将需求立项，并批准了预算或计划。",
            ),
        ),
        Stage(
            code="technical",
            name=_t("Technical evaluation", "技术评估"),
            milestone=_t(
                "The buyer has settled on a technically feasible solution.",
                "客户已认可一套技术上可行的方案。",
            ),
        ),
        Stage(
            code="business",
            name=_t("Business evaluation", "商务评估"),
            milestone=_t(
                "The buyer has a shortlist of qualified suppliers.",
                "客户已确定合格供应商短名单。",
            ),
        ),
        Stage(
            code="bidding",
            name=_t("Bidding & negotiation", "招标谈判"),
            milestone=_t(
                "The contract is signed and the first payment has arrived.",
                "合同已签署，首付款已到账。",
            ),
        ),
        Stage(
            code="delivery",
            name=_t("Delivery & implementation", "交付实施"),
            milestone=_t(
                "The customer is succeeding with the solution and every payment is collected.",
                "客户成功用起来了，全部款项已回收。",
            ),
        ),
    ),
)

EIGHT_STEP_STAGE_MODEL = StageModel(
    key="eight_step",
    name=_t("Eight-step key-account process", "大客户八步销售流程"),
    stages=(
        Stage(
            code="planning",
            name=_t("Planning & first call", "计划与约访"),
            milestone=_t("The contact agrees to a first meeting.", "联系人同意首次会面。"),
        ),
        Stage(
            code="visit",
            name=_t("Visit & research", "拜访与调研"),
            milestone=_t(
                "The buyer confirms the problem and shares their requirements.",
                "客户确认了问题并提供需求信息。",
            ),
        ),
        Stage(
            code="preliminary_proposal",
            name=_t("Preliminary proposal", "初步方案"),
            milestone=_t(
                "The buyer agrees to a technical exchange.",
                "客户同意开展技术交流。",
            ),
        ),
        Stage(
            code="demo",
            name=_t("Demo & technical exchange", "演示与技术交流"),
            milestone=_t(
                "The buyer's technical staff accept that our approach works.",
                "客户技术人员认可我方方案可行。",
            ),
        ),
        Stage(
            code="formal_proposal",
            name=_t("Requirement analysis & formal proposal", "需求分析与正式方案"),
            milestone=_t(
                "The buyer accepts our formal proposal into their evaluation.",
                "客户接受我方正式方案进入评估。",
            ),
        ),
        Stage(
            code="evaluation",
            name=_t("Project evaluation", "项目评估"),
            milestone=_t(
                "We are shortlisted or recommended by the evaluation team.",
                "我方入围或获得评估小组推荐。",
            ),
        ),
        Stage(
            code="negotiation",
            name=_t("Business negotiation", "商务谈判"),
            milestone=_t("Both sides agree the commercial terms.", "双方就商务条款达成一致。"),
        ),
        Stage(
            code="signing",
            name=_t("Signing", "签约"),
            milestone=_t("The contract is signed.", "合同正式签署。"),
        ),
    ),
)

STAGE_MODELS: dict[str, StageModel] = {
    model.key: model for model in (DEFAULT_STAGE_MODEL, EIGHT_STEP_STAGE_MODEL)
}


# --------------------------------------------------------------------------------------
# NSABC: five elements checked in every stage
# --------------------------------------------------------------------------------------


class NsabcElement(StrEnum):
    NEEDS = "needs"
    SOLUTION = "solution"
    AUTHORITY = "authority"
    BENEFIT = "benefit"
    COMPETITOR = "competitor"


NSABC_ELEMENTS: LabelTable = {
    NsabcElement.NEEDS: _t("Needs", "需求"),
    NsabcElement.SOLUTION: _t("Solution", "解决方案"),
    NsabcElement.AUTHORITY: _t("Authority", "决策"),
    NsabcElement.BENEFIT: _t("Benefit", "利益"),
    NsabcElement.COMPETITOR: _t("Competitor", "竞争"),
}


class ActivityStatus(StrEnum):
    """Progress of one key sales activity on an opportunity."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    # Kept distinct from "done": the rep decided the activity does not fit this deal,
    # so it must not count as progress or as a gap.
    NOT_APPLICABLE = "not_applicable"


ACTIVITY_STATUSES: LabelTable = {
    ActivityStatus.NOT_STARTED: _t("Not started", "未开始"),
    ActivityStatus.IN_PROGRESS: _t("In progress", "进行中"),
    ActivityStatus.DONE: _t("Done", "已完成"),
    ActivityStatus.NOT_APPLICABLE: _t("Not applicable", "不适用"),
}


@dataclass(frozen=True)
class NsabcActivityTemplate:
    """A key activity suggested for one stage and element; copied onto each new opportunity."""

    stage_code: str
    element: NsabcElement
    title: LocalizedText
    hint: LocalizedText


def _grid(
    stage_code: str, rows: dict[NsabcElement, tuple[LocalizedText, LocalizedText]]
) -> dict[NsabcElement, NsabcActivityTemplate]:
    return {
        element: NsabcActivityTemplate(stage_code, element, title, hint)
        for element, (title, hint) in rows.items()
    }


N, S, A, B, C = NsabcElement  # local shorthand to keep the grid readable

NSABC_ACTIVITIES: dict[str, dict[NsabcElement, NsabcActivityTemplate]] = {
    "demand": _grid(
        "demand",
        {
            N: (
                _t("Stimulate need and motive", "激发需求与动机"),
                _t(
                    "Help the buyer see what the current problem costs them, so a vague wish "
                    "becomes a project someone wants to fund.",
                    "帮客户算清现有问题的代价，让模糊的想法变成有人愿意出钱推动的项目。",
                ),
            ),
            S: (
                _t("Value proposition", "提出价值主张"),
                _t(
                    "Say in one or two sentences what changes for the buyer's business if "
                    "they work with us.",
                    "用一两句话说明与我们合作后，客户的业务会有什么改变。",
                ),
            ),
            A: (
                _t("Identify the key decision maker", "识别关键决策人"),
                _t(
                    "Find out who can approve the budget and who sponsors the project, and "
                    "ask for an introduction.",
                    "弄清谁能批预算、谁在牵头立项，并争取当面引荐。",
                ),
            ),
            B: (
                _t("Assess opportunity value", "评估商机价值"),
                _t(
                    "Estimate deal size, margin and our chance of winning to decide how much "
                    "effort the deal deserves.",
                    "估算金额、毛利和赢面，决定这个商机值得投入多少资源。",
                ),
            ),
            C: (
                _t("Analyse the competitive landscape", "分析竞争格局"),
                _t(
                    "List the other vendors the buyer is talking to and how close each is "
                    "to the buyer.",
                    "列出客户还在接触的厂商，以及各自与客户的关系远近。",
                ),
            ),
        },
    ),
    "technical": _grid(
        "technical",
        {
            N: (
                _t("Guide the evaluation criteria", "引导评估标准"),
                _t(
                    "Suggest evaluation criteria that reward our strengths before the buyer "
                    "drafts their own.",
                    "在客户自拟评估标准之前，提出能体现我方强项的评估维度。",
                ),
            ),
            S: (
                _t("Refine a differentiated solution", "完善差异化方案"),
                _t(
                    "Fit the solution to the buyer's situation and spell out how it differs "
                    "from the rivals' offers.",
                    "结合客户实际调整方案，并讲清与对手方案的不同之处。",
                ),
            ),
            A: (
                _t("Win the key person's trust", "赢得关键人信任"),
                _t(
                    "Earn credibility with the technical decision makers through tests and "
                    "references rather than promises.",
                    "用测试和案例而不是口头承诺，在技术决策人那里建立可信度。",
                ),
            ),
            B: (
                _t("Project cost analysis", "项目成本分析"),
                _t(
                    "Work out what the project costs us and the buyer so later quotes stay "
                    "consistent.",
                    "测算项目对双方的成本，保证后续报价前后一致。",
                ),
            ),
            C: (
                _t("Analyse our competitive position", "分析竞争地位"),
                _t(
                    "Compare us with each rival criterion by criterion and note where we trail.",
                    "逐项对比我方与各对手，记下我方落后的地方。",
                ),
            ),
        },
    ),
    "business": _grid(
        "business",
        {
            N: (
                _t("Influence the procurement criteria", "影响采购标准"),
                _t(
                    "Shape the procurement rules, including the price-score weight and "
                    "formula, to suit our position.",
                    "推动采购规则（含价格分权重和计算方法）朝有利于我方的方向设定。",
                ),
            ),
            S: (
                _t("Present our unique value", "呈现独特价值"),
                _t(
                    "Show the value only we can deliver, using the buyer's own words and figures.",
                    "用客户自己的说法和数据，展示只有我们才能带来的价值。",
                ),
            ),
            A: (
                _t("Win the decision chain (MAP)", "赢得决策链（MAP）"),
                _t(
                    "Map everyone on the Money, Authority and Product side and turn each key "
                    "person into a supporter.",
                    "梳理资金、职能、使用三方的人员，把关键人员逐个争取为支持者。",
                ),
            ),
            B: (
                _t("Preliminary quote", "初步报价"),
                _t(
                    "Give an indicative price that sets expectations without exposing our floor.",
                    "给出指导性报价，管理客户预期，同时不暴露我方底价。",
                ),
            ),
            C: (
                _t("Steer the procurement form", "引导采购形式"),
                _t(
                    "Guide the buyer toward the way of buying in which we compete best.",
                    "引导客户采用对我方最有利的采购方式。",
                ),
            ),
        },
    ),
    "bidding": _grid(
        "bidding",
        {
            N: (
                _t("Assess the formal requirements", "评估正式需求"),
                _t(
                    "Read the tender documents line by line and confirm we meet every "
                    "mandatory item.",
                    "逐条研读招标文件，确认每项强制要求都已满足。",
                ),
            ),
            S: (
                _t("Submit the formal proposal", "提交正式方案"),
                _t(
                    "Hand in a complete, compliant proposal on time, checked by someone who "
                    "did not write it.",
                    "按时提交完整合规的方案，并请非编写人交叉检查。",
                ),
            ),
            A: (
                _t("Commercial negotiation", "商务谈判"),
                _t(
                    "Negotiate with the people who can actually agree the terms, and trade "
                    "every concession for something.",
                    "与真正能拍板的人谈条款，每次让步都要换回对等条件。",
                ),
            ),
            B: (
                _t("Contract signing and first payment", "签约与首付款"),
                _t(
                    "Get the contract signed and the first payment into our account.",
                    "完成合同签署，并确保首付款到账。",
                ),
            ),
            C: (
                _t("Surprise move", "出奇制胜"),
                _t(
                    "Keep a late move the rivals will not expect, such as an extra option or "
                    "a reference-site visit.",
                    "准备一个对手想不到的后手，例如追加选项或安排标杆客户参观。",
                ),
            ),
        },
    ),
    "delivery": _grid(
        "delivery",
        {
            N: (
                _t("Manage expectations", "管理期望"),
                _t(
                    "Agree what success looks like and report progress against it so nobody "
                    "is surprised.",
                    "与客户约定成功标准并据此通报进展，避免出现意外。",
                ),
            ),
            S: (
                _t("Manage perceived value", "管理感知价值"),
                _t(
                    "Make the benefits already delivered visible to the people who paid for them.",
                    "让出资的人清楚看到已经实现的收益。",
                ),
            ),
            A: (
                _t("Manage satisfaction", "管理满意度"),
                _t(
                    "Check in with each key stakeholder regularly and fix problems while they "
                    "are small.",
                    "定期回访各关键人员，在问题还小时就解决掉。",
                ),
            ),
            B: (
                _t("Collect all payments", "回收全部款项"),
                _t(
                    "Tie each invoice to an accepted milestone and follow it until the money "
                    "arrives.",
                    "把开票与验收节点挂钩，逐笔跟进直到回款。",
                ),
            ),
            C: (
                _t("Expand share and defend against rivals", "扩大份额、防御对手"),
                _t(
                    "Look for the next project at this account and give rivals no opening.",
                    "挖掘该客户的下一个项目，不给对手可乘之机。",
                ),
            ),
        },
    ),
}
del N, S, A, B, C


def nsabc_activity(stage_code: str, element: NsabcElement | str) -> NsabcActivityTemplate:
    """The suggested activity for a stage and element of the default model; ``KeyError`` if none."""
    return NSABC_ACTIVITIES[stage_code][NsabcElement(element)]


# --------------------------------------------------------------------------------------
# Enumerations used by the data model
# --------------------------------------------------------------------------------------


class ProcurementForm(StrEnum):
    PUBLIC_TENDER = "public_tender"
    COMPETITIVE_NEGOTIATION = "competitive_negotiation"
    SINGLE_SOURCE = "single_source"
    INQUIRY = "inquiry"


PROCUREMENT_FORMS: LabelTable = {
    ProcurementForm.PUBLIC_TENDER: _t("Public tender", "公开招标"),
    ProcurementForm.COMPETITIVE_NEGOTIATION: _t("Competitive negotiation", "竞争性谈判"),
    ProcurementForm.SINGLE_SOURCE: _t("Single-source negotiation", "单一来源"),
    ProcurementForm.INQUIRY: _t("Request for quotation", "询价"),
}

PROCUREMENT_FORM_DESCRIPTIONS: LabelTable = {
    ProcurementForm.PUBLIC_TENDER: _t(
        "One sealed price per bidder; it cannot be improved after opening.",
        "每家只报一次密封价格，开标后不能再调整。",
    ),
    ProcurementForm.COMPETITIVE_NEGOTIATION: _t(
        "Several rounds of offers with the shortlisted suppliers.",
        "与入围供应商进行多轮报价和谈判。",
    ),
    ProcurementForm.SINGLE_SOURCE: _t(
        "Only we are invited, but the buyer can still decide not to buy.",
        "只邀请我方，但客户仍可能放弃采购。",
    ),
    ProcurementForm.INQUIRY: _t(
        "The lowest compliant price wins.",
        "满足要求的最低报价者中选。",
    ),
}


class MapRole(StrEnum):
    """Where a stakeholder sits in the buyer's organisation (article 000's MAP)."""

    MONEY = "money"
    AUTHORITY = "authority"
    PRODUCT = "product"


MAP_ROLES: LabelTable = {
    MapRole.MONEY: _t("Money", "资金方"),
    MapRole.AUTHORITY: _t("Authority", "职能方"),
    MapRole.PRODUCT: _t("Product", "使用方"),
}

MAP_ROLE_DESCRIPTIONS: LabelTable = {
    MapRole.MONEY: _t(
        "Approves the budget and releases the funding.",
        "审批预算、拨付资金。",
    ),
    MapRole.AUTHORITY: _t(
        "Procurement and other functional departments that run or sign off the purchase.",
        "采购等职能部门，负责采购流程与审核。",
    ),
    MapRole.PRODUCT: _t(
        "Departments that use, are affected by, implement or maintain what is bought.",
        "使用、受影响、实施或运维所购产品的部门。",
    ),
}


class BuyingRole(StrEnum):
    """Strategic-Selling buying influence of a stakeholder."""

    ECONOMIC = "economic"
    USER = "user"
    TECHNICAL = "technical"
    COACH = "coach"


BUYING_ROLES: LabelTable = {
    BuyingRole.ECONOMIC: _t("Economic buyer (EB)", "经济买家（EB）"),
    BuyingRole.USER: _t("User buyer (UB)", "用户买家（UB）"),
    BuyingRole.TECHNICAL: _t("Technical buyer (TB)", "技术买家（TB）"),
    BuyingRole.COACH: _t("Coach", "内线"),
}

BUYING_ROLE_DESCRIPTIONS: LabelTable = {
    BuyingRole.ECONOMIC: _t(
        "Gives the final yes and controls the money.",
        "掌握资金，做出最终拍板。",
    ),
    BuyingRole.USER: _t(
        "Will live with the result every day and judges it on the job.",
        "日常使用成果，按实际工作效果评判。",
    ),
    BuyingRole.TECHNICAL: _t(
        "Screens suppliers against specifications and can say no, but not the final yes.",
        "按技术规格筛选供应商，能否决但不能最终拍板。",
    ),
    BuyingRole.COACH: _t(
        "Wants us to win and tells us how the buyer really decides.",
        "希望我方赢单，并告诉我们客户内部真实的决策方式。",
    ),
}


class DecisionType(StrEnum):
    """What kind of decision a stakeholder makes (article 004)."""

    FINAL = "final"
    USER = "user"
    TECHNICAL = "technical"
    FINANCIAL = "financial"


DECISION_TYPES: LabelTable = {
    DecisionType.FINAL: _t("Final decision maker", "最终决策者"),
    DecisionType.USER: _t("User decision maker", "使用决策者"),
    DecisionType.TECHNICAL: _t("Technical decision maker", "技术决策者"),
    DecisionType.FINANCIAL: _t("Financial decision maker", "财务决策者"),
}

DECISION_TYPE_CONCERNS: LabelTable = {
    DecisionType.FINAL: _t(
        "Return on investment, strategic value and risk.",
        "投资回报、战略价值和风险。",
    ),
    DecisionType.USER: _t(
        "Ease of use and how smoothly it rolls out.",
        "是否好用、推广是否顺利。",
    ),
    DecisionType.TECHNICAL: _t(
        "Architecture, security and compatibility.",
        "技术架构、安全性和兼容性。",
    ),
    DecisionType.FINANCIAL: _t(
        "Cost, budget fit and financial risk.",
        "成本、预算匹配和财务风险。",
    ),
}


class Attitude(StrEnum):
    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    OPPONENT = "opponent"


ATTITUDES: LabelTable = {
    Attitude.SUPPORTER: _t("Supporter", "支持"),
    Attitude.NEUTRAL: _t("Neutral", "中立"),
    Attitude.OPPONENT: _t("Opponent", "反对"),
}


class DecisionMode(StrEnum):
    CENTRALIZED = "centralized"
    DISTRIBUTED = "distributed"
    HYBRID = "hybrid"


DECISION_MODES: LabelTable = {
    DecisionMode.CENTRALIZED: _t("Centralized", "集中决策"),
    DecisionMode.DISTRIBUTED: _t("Distributed", "分散决策"),
    DecisionMode.HYBRID: _t("Hybrid", "混合决策"),
}

DECISION_MODE_DESCRIPTIONS: LabelTable = {
    DecisionMode.CENTRALIZED: _t(
        "One senior leader decides.",
        "由一位高层领导拍板。",
    ),
    DecisionMode.DISTRIBUTED: _t(
        "Several departments decide together.",
        "多个部门共同决定。",
    ),
    DecisionMode.HYBRID: _t(
        "Departments recommend and a senior leader approves.",
        "部门提出建议，高层审批。",
    ),
}


class AccountGrade(StrEnum):
    """Priority of an account by expected close time and likelihood (article 002)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


ACCOUNT_GRADES: LabelTable = {
    AccountGrade.A: _t("Grade A", "A级"),
    AccountGrade.B: _t("Grade B", "B级"),
    AccountGrade.C: _t("Grade C", "C级"),
    AccountGrade.D: _t("Grade D", "D级"),
}

ACCOUNT_GRADE_DESCRIPTIONS: LabelTable = {
    AccountGrade.A: _t(
        "Closing soon and likely: put the full team on it.",
        "即将成交且把握大：全力投入。",
    ),
    AccountGrade.B: _t(
        "Worth pursuing on a planned schedule; keep the time spent under control.",
        "值得跟进，按计划推进并控制投入时间。",
    ),
    AccountGrade.C: _t(
        "Keep watching and stay in touch; invest little for now.",
        "保持关注和联系，暂时少量投入。",
    ),
    AccountGrade.D: _t(
        "Lowest priority: revisit when the situation changes.",
        "优先级最低，情况变化时再跟进。",
    ),
}


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    # Distinct from "lost": we chose to walk away (a legitimate strategy), which leadership
    # reads differently from being beaten.
    ABANDONED = "abandoned"


OPPORTUNITY_STATUSES: LabelTable = {
    OpportunityStatus.OPEN: _t("Open", "进行中"),
    OpportunityStatus.WON: _t("Won", "赢单"),
    OpportunityStatus.LOST: _t("Lost", "丢单"),
    OpportunityStatus.ABANDONED: _t("Abandoned", "已放弃"),
}
