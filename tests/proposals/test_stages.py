"""Seed data for stage models, NSABC activities and enumerations: shape and content checks."""

from enum import StrEnum

import pytest

from proposals import stages
from proposals.stages import (
    ACCOUNT_GRADE_DESCRIPTIONS,
    ACCOUNT_GRADES,
    ACTIVITY_STATUSES,
    ATTITUDES,
    BUYING_ROLE_DESCRIPTIONS,
    BUYING_ROLES,
    DECISION_MODE_DESCRIPTIONS,
    DECISION_MODES,
    DECISION_TYPE_CONCERNS,
    DECISION_TYPES,
    DEFAULT_STAGE_MODEL,
    EIGHT_STEP_STAGE_MODEL,
    LOCALES,
    MAP_ROLE_DESCRIPTIONS,
    MAP_ROLES,
    NSABC_ACTIVITIES,
    NSABC_ELEMENTS,
    OPPORTUNITY_STATUSES,
    PROCUREMENT_FORM_DESCRIPTIONS,
    PROCUREMENT_FORMS,
    STAGE_MODELS,
    AccountGrade,
    ActivityStatus,
    Attitude,
    BuyingRole,
    DecisionMode,
    DecisionType,
    MapRole,
    NsabcElement,
    OpportunityStatus,
    ProcurementForm,
    localized,
    nsabc_activity,
)

LABEL_TABLES: list[tuple[dict, type[StrEnum]]] = [
    (NSABC_ELEMENTS, NsabcElement),
    (ACTIVITY_STATUSES, ActivityStatus),
    (PROCUREMENT_FORMS, ProcurementForm),
    (PROCUREMENT_FORM_DESCRIPTIONS, ProcurementForm),
    (MAP_ROLES, MapRole),
    (MAP_ROLE_DESCRIPTIONS, MapRole),
    (BUYING_ROLES, BuyingRole),
    (BUYING_ROLE_DESCRIPTIONS, BuyingRole),
    (DECISION_TYPES, DecisionType),
    (DECISION_TYPE_CONCERNS, DecisionType),
    (ATTITUDES, Attitude),
    (DECISION_MODES, DecisionMode),
    (DECISION_MODE_DESCRIPTIONS, DecisionMode),
    (ACCOUNT_GRADES, AccountGrade),
    (ACCOUNT_GRADE_DESCRIPTIONS, AccountGrade),
    (OPPORTUNITY_STATUSES, OpportunityStatus),
]


def assert_localized(text: dict) -> None:
    assert set(text) == set(LOCALES)
    assert all(isinstance(value, str) and value.strip() for value in text.values())


def test_default_model_has_the_five_stages_in_order():
    assert DEFAULT_STAGE_MODEL.key == "default"
    assert DEFAULT_STAGE_MODEL.stage_codes() == (
        "demand",
        "technical",
        "business",
        "bidding",
        "delivery",
    )
    assert [stage.name["zh_CN"] for stage in DEFAULT_STAGE_MODEL.stages] == [
        "需求激发",
        "技术评估",
        "商务评估",
        "招标谈判",
        "交付实施",
    ]
    assert DEFAULT_STAGE_MODEL.stages[3].name["en"] == "Bidding & negotiation"


def test_eight_step_model_follows_article_002():
    assert EIGHT_STEP_STAGE_MODEL.stage_codes() == (
        "planning",
        "visit",
        "preliminary_proposal",
        "demo",
        "formal_proposal",
        "evaluation",
        "negotiation",
        "signing",
    )
    assert EIGHT_STEP_STAGE_MODEL.stages[-1].name["zh_CN"] == "签约"


@pytest.mark.parametrize("model", STAGE_MODELS.values(), ids=lambda model: model.key)
def test_every_stage_text_is_localized_and_codes_unique(model):
    assert STAGE_MODELS[model.key] is model
    assert_localized(model.name)
    codes = model.stage_codes()
    assert len(set(codes)) == len(codes)
    for stage in model.stages:
        assert stage.code.isidentifier() and stage.code.islower()
        assert_localized(stage.name)
        assert_localized(stage.milestone)


def test_index_of_finds_stage_position_and_rejects_unknown_code():
    assert DEFAULT_STAGE_MODEL.index_of("demand") == 0
    assert DEFAULT_STAGE_MODEL.index_of("delivery") == 4
    with pytest.raises(ValueError, match="signing"):
        DEFAULT_STAGE_MODEL.index_of("signing")


def test_nsabc_grid_is_five_stages_by_five_elements_in_order():
    assert tuple(NSABC_ACTIVITIES) == DEFAULT_STAGE_MODEL.stage_codes()
    for stage_code, row in NSABC_ACTIVITIES.items():
        assert list(row) == list(NsabcElement)
        for element, activity in row.items():
            assert activity.stage_code == stage_code
            assert activity.element is element
            assert_localized(activity.title)
            assert_localized(activity.hint)
            # One sentence each: ends with a full stop and has no second one inside.
            assert activity.hint["en"].endswith(".")
            assert activity.hint["en"].count(". ") == 0
            assert activity.hint["zh_CN"].endswith("。")
            assert activity.hint["zh_CN"].count("。") == 1


def test_nsabc_titles_match_the_domain_grid():
    assert nsabc_activity("demand", NsabcElement.AUTHORITY).title["en"] == (
        "Identify the key decision maker"
    )
    assert nsabc_activity("business", "competitor").title["zh_CN"] == "引导采购形式"
    assert nsabc_activity("bidding", NsabcElement.BENEFIT).title["en"] == (
        "Contract signing and first payment"
    )
    with pytest.raises(KeyError):
        nsabc_activity("signing", NsabcElement.NEEDS)


def test_hints_are_not_repeated_between_activities():
    hints = [
        activity.hint[locale]
        for row in NSABC_ACTIVITIES.values()
        for activity in row.values()
        for locale in LOCALES
    ]
    assert len(set(hints)) == len(hints) == 50


@pytest.mark.parametrize(("table", "enum"), LABEL_TABLES, ids=lambda x: getattr(x, "__name__", ""))
def test_label_tables_cover_their_enum_exactly_with_uniform_shape(table, enum):
    assert list(table) == list(enum)
    for member in enum:
        # Lookups by plain string must work: templates and the database only see strings.
        assert table[str(member.value)] is table[member]
        assert_localized(table[member])


def test_chinese_labels_use_the_terms_users_know():
    assert [NSABC_ELEMENTS[e]["zh_CN"] for e in NsabcElement] == [
        "需求",
        "解决方案",
        "决策",
        "利益",
        "竞争",
    ]
    assert [PROCUREMENT_FORMS[f]["zh_CN"] for f in ProcurementForm] == [
        "公开招标",
        "竞争性谈判",
        "单一来源",
        "询价",
    ]
    assert BUYING_ROLES[BuyingRole.COACH]["zh_CN"] == "内线"
    assert "EB" in BUYING_ROLES[BuyingRole.ECONOMIC]["en"]


def test_enum_values_are_the_codes_named_in_the_brief():
    assert [m.value for m in MapRole] == ["money", "authority", "product"]
    assert [m.value for m in BuyingRole] == ["economic", "user", "technical", "coach"]
    assert [m.value for m in DecisionType] == ["final", "user", "technical", "financial"]
    assert [m.value for m in Attitude] == ["supporter", "neutral", "opponent"]
    assert [m.value for m in DecisionMode] == ["centralized", "distributed", "hybrid"]
    assert [m.value for m in AccountGrade] == ["A", "B", "C", "D"]
    assert [m.value for m in OpportunityStatus] == ["open", "won", "lost", "abandoned"]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Grade A"), ("zh_CN", "A级"), ("zh-CN", "A级"), ("zh", "A级"), ("fr", "Grade A")],
)
def test_localized_falls_back_to_english(locale, expected):
    assert localized(ACCOUNT_GRADES["A"], locale) == expected


def test_module_exposes_no_shorthand_names():
    # The grid uses N/S/A/B/C as local shorthand; they must not leak as public names.
    for name in ("N", "S", "A", "B", "C"):
        assert not hasattr(stages, name)
