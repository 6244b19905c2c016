"""Quote pricing for proposals: line amounts, option totals, TCO, margin, approval limits.

Framework-free domain core: pure functions over plain values and frozen dataclasses.
Nothing here imports Flask or SQLAlchemy; the web layer parses forms, calls these
functions and renders the result.

Units and conventions (stated once, used by every module in ``proposals``):

* Money is ``Decimal`` in the quote's single currency. Floats are rejected, because a
  binary float cannot hold 0.10 exactly and the error shows up as a one-cent mismatch.
* Percentages are ``Decimal`` on a 0–100 scale: ``Decimal("15")`` means 15 %.
* Rounding of money: each line's list, net and cost amounts are rounded to 2 decimal
  places ``ROUND_HALF_UP`` exactly once, at the line. Every total is the exact sum of
  rounded line amounts (maintenance totals multiply the rounded annual amount by a whole
  number of years), so a total always equals the sum of the lines the customer sees and
  never drifts by a cent.
* Rounding of percentages: margin % and discount % are computed from the exact (already
  rounded-to-cents) totals and kept unrounded in the result objects; round them with
  :func:`display_pct` (1 decimal, ``ROUND_HALF_UP``) only when showing them. Approval
  checks compare the unrounded values, so 15.04 % is above a 15 % limit even though it
  displays as "15.0".

Quote structure (报价体系): a proposal has 1–3 options; each option has lines in three
parts: ``solution``, ``services`` (implementation and training, one-off) and
``maintenance`` (after-sales, priced **per year**, with ``maintenance_years`` on the option).

Option figures:

* first-year price = solution + services + one year of maintenance (none if the term is 0)
* contract value   = solution + services + maintenance × maintenance_years
  (this is also the customer's total cost of ownership over the maintenance term, as far
  as our quote is concerned; :func:`tco_over_years` compares options over a common horizon)
* margin           = contract value − contract cost; margin % is of contract value (net)
* discount %       = (contract list − contract value) / contract list
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import Protocol

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# Generous precision for line arithmetic: 11 integer digits × 11 integer digits plus
# decimals exceeds the default 28 significant digits, and a silently rounded product
# would break the "cents exact" promise.
_LINE_PRECISION = 60
_LINE_CONTEXT = Context(prec=_LINE_PRECISION, rounding=ROUND_HALF_UP)

# 11 digits before the point and 4 after make 15 significant digits: what SQLite (which
# keeps NUMERIC columns as doubles) stores exactly. With 12, about one value in eleven
# would read back changed in its last decimal (973483096584.1358 → …1357).
MAX_INTEGER_DIGITS = 11
MAX_MONEY_DECIMALS = 4  # unit prices may be fractions of a cent (per-call, per-GB pricing)
MAX_QUANTITY_DECIMALS = 4
MAX_DISCOUNT_DECIMALS = 2
MAX_DESCRIPTION_LENGTH = 500
MAX_OPTION_NAME_LENGTH = 120
MIN_OPTIONS = 1
MAX_OPTIONS = 3  # 2–3 options move the buyer from "whether" to "which"; more is noise
MAX_MAINTENANCE_YEARS = 10


class QuotePart(StrEnum):
    """The three parts of a quote. Maintenance lines are annual amounts."""

    SOLUTION = "solution"
    SERVICES = "services"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True)
class FieldError:
    """A validation problem: a stable ``code`` the web layer translates, plus English text.

    Shared by all modules of the domain core so the web layer has one error shape.
    """

    code: str
    message: str


def round_money(amount: Decimal) -> Decimal:
    """Round a money amount to cents, ``ROUND_HALF_UP`` (2.345 → 2.35, -2.345 → -2.35)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def display_pct(pct: Decimal | None) -> Decimal | None:
    """Round a 0–100 percentage to 1 decimal ``ROUND_HALF_UP`` for display; ``None`` stays ``None``.

    Only for showing values: compute and compare with the unrounded value.
    """
    if pct is None:
        return None
    return pct.quantize(TENTH, rounding=ROUND_HALF_UP)


def _require_decimal(name: str, value: object) -> None:
    # A float slipping in from a form or JSON would carry binary noise into cents.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be finite, got {value}")


@dataclass(frozen=True)
class QuoteLine:
    """One priced line.

    ``quantity`` (units), ``unit_price`` (list price per unit), ``unit_cost`` (our cost per
    unit) are non-negative Decimals; ``discount_pct`` is 0–100. Maintenance lines are per
    year. Amounts are derived, rounded to cents once (see module docstring).
    Raises ``TypeError`` for non-Decimal numbers and ``ValueError`` for out-of-range ones;
    use :func:`validate_line` to turn user input into a line with field errors instead.
    """

    part: QuotePart
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal
    discount_pct: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.part.__class__ is not QuotePart:
            object.__setattr__(self, "part", QuotePart(self.part))
        quantity, price, cost, discount = (
            self.quantity,
            self.unit_price,
            self.unit_cost,
            self.discount_pct,
        )
        for name, value in (
            ("quantity", quantity),
            ("unit_price", price),
            ("unit_cost", cost),
            ("discount_pct", discount),
        ):
            _require_decimal(name, value)
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        if discount > HUNDRED:
            raise ValueError(f"discount_pct must be 0–100, got {discount}")
        # The three amounts, each rounded to cents once, computed once: a quote is priced on
        # every autosave, so the line does its arithmetic here rather than on each access.
        ctx = _LINE_CONTEXT
        exact_list = ctx.multiply(quantity, price)
        exact_net = ctx.divide(ctx.multiply(exact_list, ctx.subtract(HUNDRED, discount)), HUNDRED)
        object.__setattr__(
            self,
            "_amounts",
            (
                exact_list.quantize(CENT, rounding=ROUND_HALF_UP, context=ctx),
                exact_net.quantize(CENT, rounding=ROUND_HALF_UP, context=ctx),
                ctx.multiply(quantity, cost).quantize(CENT, rounding=ROUND_HALF_UP, context=ctx),
            ),
        )

    @property
    def list_amount(self) -> Decimal:
        """quantity × unit_price, rounded to cents."""
        return self._amounts[0]

    @property
    def net_amount(self) -> Decimal:
        """quantity × unit_price × (1 − discount/100), rounded to cents once.

        Computed from the exact list amount, not the rounded one, so the discount is not
        applied to an already rounded figure (no double rounding).
        """
        return self._amounts[1]

    @property
    def cost_amount(self) -> Decimal:
        """quantity × unit_cost, rounded to cents."""
        return self._amounts[2]


@dataclass(frozen=True)
class QuoteOption:
    """One of the 1–3 options offered. ``maintenance_years`` is the term (whole years, ≥ 0)."""

    name: str
    recommended: bool
    maintenance_years: int
    lines: tuple[QuoteLine, ...]

    def __post_init__(self) -> None:
        # Accept any iterable of lines but store a tuple so the option stays immutable.
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))
        if isinstance(self.maintenance_years, bool) or not isinstance(self.maintenance_years, int):
            raise TypeError("maintenance_years must be int")
        if self.maintenance_years < 0:
            raise ValueError("maintenance_years must not be negative")


@dataclass(frozen=True)
class PartTotals:
    """Sums of rounded line amounts for one part. Maintenance: per year."""

    list_amount: Decimal
    net_amount: Decimal
    cost_amount: Decimal


@dataclass(frozen=True)
class OptionTotals:
    """Priced figures of one option (money in quote currency, percentages 0–100 unrounded).

    ``maintenance_per_year`` is one year; contract figures include the whole term.
    ``margin_pct`` is ``None`` when the contract value is zero and ``discount_pct`` is
    ``None`` when the contract list amount is zero (no division by zero).
    """

    option_name: str
    recommended: bool
    maintenance_years: int
    solution: PartTotals
    services: PartTotals
    maintenance_per_year: PartTotals
    first_year_price: Decimal
    contract_list: Decimal
    contract_value: Decimal
    contract_cost: Decimal
    margin_amount: Decimal
    margin_pct: Decimal | None
    discount_pct: Decimal | None

    def part(self, part: QuotePart) -> PartTotals:
        """Totals of one part (maintenance per year)."""
        return {
            QuotePart.SOLUTION: self.solution,
            QuotePart.SERVICES: self.services,
            QuotePart.MAINTENANCE: self.maintenance_per_year,
        }[QuotePart(part)]

    def part_net_over_term(self, part: QuotePart) -> Decimal:
        """Net amount of one part over the contract (maintenance × years)."""
        net = self.part(part).net_amount
        return net * self.maintenance_years if QuotePart(part) is QuotePart.MAINTENANCE else net

    @property
    def tco(self) -> Decimal:
        """Customer's total cost of our offer over the maintenance term (= contract value)."""
        return self.contract_value


def margin_pct_of(net: Decimal, cost: Decimal) -> Decimal | None:
    """(net − cost) / net × 100, unrounded; ``None`` when net is zero. Negative for a loss."""
    if net == 0:
        return None
    return (net - cost) / net * HUNDRED


def discount_pct_of(list_amount: Decimal, net: Decimal) -> Decimal | None:
    """(list − net) / list × 100, unrounded; ``None`` when the list amount is zero."""
    if list_amount == 0:
        return None
    return (list_amount - net) / list_amount * HUNDRED


def _part_sums(lines: Iterable[QuoteLine]) -> dict[QuotePart, PartTotals]:
    """Totals of each part in one pass over the lines (exact sums of rounded amounts)."""
    sums = {part: [ZERO, ZERO, ZERO] for part in QuotePart}
    for line in lines:
        acc = sums[line.part]
        list_amount, net_amount, cost_amount = line._amounts
        acc[0] += list_amount
        acc[1] += net_amount
        acc[2] += cost_amount
    return {part: PartTotals(*acc) for part, acc in sums.items()}


def option_totals(option: QuoteOption) -> OptionTotals:
    """Price one option.

    Part totals are exact sums of cent-rounded line amounts; maintenance is per year and
    multiplied by ``maintenance_years`` for contract figures (so a total is still a whole
    number of cents). First-year price includes one year of maintenance only if the term
    is at least one year. Margin % is of the contract value; discount % is against the
    contract list amount; both unrounded and ``None`` when the denominator is zero.
    """
    parts = _part_sums(option.lines)
    solution = parts[QuotePart.SOLUTION]
    services = parts[QuotePart.SERVICES]
    maintenance = parts[QuotePart.MAINTENANCE]
    years = option.maintenance_years

    contract_list = solution.list_amount + services.list_amount + maintenance.list_amount * years
    contract_value = solution.net_amount + services.net_amount + maintenance.net_amount * years
    contract_cost = solution.cost_amount + services.cost_amount + maintenance.cost_amount * years
    first_year = solution.net_amount + services.net_amount + maintenance.net_amount * min(years, 1)

    return OptionTotals(
        option_name=option.name,
        recommended=option.recommended,
        maintenance_years=years,
        solution=solution,
        services=services,
        maintenance_per_year=maintenance,
        first_year_price=first_year,
        contract_list=contract_list,
        contract_value=contract_value,
        contract_cost=contract_cost,
        margin_amount=contract_value - contract_cost,
        margin_pct=margin_pct_of(contract_value, contract_cost),
        discount_pct=discount_pct_of(contract_list, contract_value),
    )


def tco_over_years(option: QuoteOption, years: int) -> Decimal:
    """Customer's cost of the option over a common horizon of ``years`` (whole years, ≥ 1).

    = solution + services + annual maintenance net × ``years``. Beyond the quoted term the
    maintenance is assumed to renew at the same annual price; this lets options with
    different terms be compared over one horizon (a TCO answer to a price objection).
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    totals = option_totals(option)
    return (
        totals.solution.net_amount
        + totals.services.net_amount
        + totals.maintenance_per_year.net_amount * years
    )


@dataclass(frozen=True)
class QuoteTotals:
    """All options priced, in the order given, plus the recommended one (if exactly one)."""

    options: tuple[OptionTotals, ...]
    recommended: OptionTotals | None

    @property
    def lowest_contract_value(self) -> Decimal | None:
        """Smallest contract value across options, ``None`` without options."""
        return min((o.contract_value for o in self.options), default=None)

    @property
    def highest_contract_value(self) -> Decimal | None:
        """Largest contract value across options, ``None`` without options."""
        return max((o.contract_value for o in self.options), default=None)


def quote_totals(options: Sequence[QuoteOption]) -> QuoteTotals:
    """Price every option. ``recommended`` is ``None`` unless exactly one option is recommended
    (use :func:`validate_quote` to report why)."""
    priced = tuple(option_totals(option) for option in options)
    recommended = [t for t in priced if t.recommended]
    return QuoteTotals(
        options=priced, recommended=recommended[0] if len(recommended) == 1 else None
    )


# --- validation of user input ---------------------------------------------------------

# NUL (refused by PostgreSQL), the other control characters except tab and newlines, DEL, C1.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# ASCII digits only: Decimal() would also accept "1e400", "NaN", "١٢" and "1_000", none of
# which a sales rep means to type. Thousands separators are accepted only in groups of 3.
_NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?", re.ASCII)
_NON_FINITE_RE = re.compile(r"[+-]?(?:nan|snan|inf|infinity)", re.IGNORECASE)


# Full-width forms (U+FF01–FF5E, typed with a Chinese input method) map onto ASCII;
# the spaces people put between digit groups are dropped. Not NFKC: it would read
# "10²" as 102.
_NUMBER_CHARS = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_NUMBER_CHARS.update({ord("、"): ord(","), ord("。"): ord(".")})
_NUMBER_CHARS.update(dict.fromkeys(map(ord, " \u00a0\u2009\u202f\u3000")))


def normalise_number_text(text: str) -> str:
    """Typed number text in the plain form the parsers read: full-width digits, signs,
    commas and points become ASCII, and spaces inside the number are dropped
    ("１８０ ０００" → "180000"). Grouping commas stay (parse_decimal checks that they
    group by three)."""
    return text.strip().translate(_NUMBER_CHARS)


def parse_decimal(
    raw: object,
    *,
    max_decimals: int,
    max_integer_digits: int = MAX_INTEGER_DIGITS,
) -> tuple[Decimal | None, FieldError | None]:
    """Parse user-typed text into a Decimal, or return a :class:`FieldError`.

    Accepts ``"1234.5"``, ``"1,234.50"``, full-width digits (``"１８０，０００"``), spaces
    around and between digit groups, and an existing ``Decimal``.
    Error codes: ``required`` (blank), ``not_finite`` (NaN/Infinity), ``not_a_number``
    (anything else, including exponents and floats), ``too_large`` (more than
    ``max_integer_digits`` digits before the point), ``too_many_decimals``.
    Sign is not checked here; callers decide whether negatives are allowed.
    """
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return None, FieldError("not_finite", "Enter a finite number.")
        text = format(raw, "f")
    elif isinstance(raw, str):
        text = normalise_number_text(raw)
    else:
        # int is fine, float is not: its binary value is not what the user typed.
        if isinstance(raw, int) and not isinstance(raw, bool):
            text = str(raw)
        else:
            return None, FieldError("not_a_number", "Enter a number.")
    if text == "":
        return None, FieldError("required", "This field is required.")
    if _NON_FINITE_RE.fullmatch(text):
        return None, FieldError("not_finite", "Enter a finite number.")
    if not _NUMBER_RE.fullmatch(text) or not any(ch.isdigit() for ch in text):
        return None, FieldError("not_a_number", "Enter a number, for example 1234.50.")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a valid literal
        return None, FieldError("not_a_number", "Enter a number, for example 1234.50.")
    integer_part = text.lstrip("+-").split(".")[0].replace(",", "").lstrip("0")
    if len(integer_part) > max_integer_digits:
        return None, FieldError(
            "too_large", f"Use at most {max_integer_digits} digits before the decimal point."
        )
    decimals = len(text.split(".")[1]) if "." in text else 0
    if decimals > max_decimals:
        return None, FieldError("too_many_decimals", f"Use at most {max_decimals} decimal places.")
    return value, None


def validate_line(raw: Mapping[str, object]) -> tuple[QuoteLine | None, dict[str, FieldError]]:
    """Turn form input (strings) into a :class:`QuoteLine`, or collect errors per field.

    Fields: ``part`` (solution/services/maintenance), ``description`` (non-blank, ≤ 500
    chars, no control characters), ``quantity`` (≥ 0, ≤ 4 decimals), ``unit_price`` and
    ``unit_cost`` (≥ 0, ≤ 4 decimals), ``discount_pct`` (0–100, ≤ 2 decimals, blank means
    0). Every number has at most 12 integer digits. Returns ``(line, {})`` on success,
    ``(None, errors)`` otherwise; all fields are checked so the form can show every problem
    at once.
    """
    errors: dict[str, FieldError] = {}

    part_text = str(raw.get("part") or "").strip().lower()
    part: QuotePart | None = None
    if not part_text:
        errors["part"] = FieldError("required", "Choose a quote part.")
    else:
        try:
            part = QuotePart(part_text)
        except ValueError:
            errors["part"] = FieldError(
                "invalid_choice", "Choose solution, services or maintenance."
            )

    description = str(raw.get("description") or "").strip()
    if not description:
        errors["description"] = FieldError("required", "Describe what this line is for.")
    elif len(description) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = FieldError(
            "too_long", f"Use at most {MAX_DESCRIPTION_LENGTH} characters."
        )
    elif _CONTROL_RE.search(description):
        errors["description"] = FieldError(
            "control_characters", "Remove the invisible control characters from this text."
        )

    numbers: dict[str, Decimal] = {}
    specs = {
        "quantity": MAX_QUANTITY_DECIMALS,
        "unit_price": MAX_MONEY_DECIMALS,
        "unit_cost": MAX_MONEY_DECIMALS,
        "discount_pct": MAX_DISCOUNT_DECIMALS,
    }
    for field, max_decimals in specs.items():
        value_raw = raw.get(field)
        if field == "discount_pct" and (
            value_raw is None or (isinstance(value_raw, str) and not value_raw.strip())
        ):
            numbers[field] = ZERO
            continue
        value, error = parse_decimal(
            "" if value_raw is None else value_raw, max_decimals=max_decimals
        )
        if error is None and value is not None:
            if field == "discount_pct" and not (ZERO <= value <= HUNDRED):
                error = FieldError("out_of_range", "Enter a discount between 0 and 100.")
            elif value < 0:
                error = FieldError("negative", "Enter zero or a positive number.")
        if error is not None:
            errors[field] = error
        elif value is not None:
            numbers[field] = value

    if errors or part is None:
        return None, errors
    line = QuoteLine(
        part=part,
        description=description,
        quantity=numbers["quantity"],
        unit_price=numbers["unit_price"],
        unit_cost=numbers["unit_cost"],
        discount_pct=numbers["discount_pct"],
    )
    return line, {}


def validate_option(option: QuoteOption) -> dict[str, FieldError]:
    """Check one option on its own. Keys: ``name``, ``maintenance_years``, ``lines``.

    Codes: ``required`` (blank name), ``too_long``, ``out_of_range`` (term not 0–10 years),
    ``maintenance_term_required`` (maintenance lines but a 0-year term: they would never be
    charged), ``no_lines``.
    """
    errors: dict[str, FieldError] = {}
    name = option.name.strip()
    if not name:
        errors["name"] = FieldError("required", "Give the option a name.")
    elif len(name) > MAX_OPTION_NAME_LENGTH:
        errors["name"] = FieldError("too_long", f"Use at most {MAX_OPTION_NAME_LENGTH} characters.")
    if not 0 <= option.maintenance_years <= MAX_MAINTENANCE_YEARS:
        errors["maintenance_years"] = FieldError(
            "out_of_range", f"Enter a maintenance term from 0 to {MAX_MAINTENANCE_YEARS} years."
        )
    elif option.maintenance_years == 0 and any(
        line.part is QuotePart.MAINTENANCE for line in option.lines
    ):
        errors["maintenance_years"] = FieldError(
            "maintenance_term_required",
            "Maintenance lines are annual: enter a term of at least one year.",
        )
    if not option.lines:
        errors["lines"] = FieldError("no_lines", "Add at least one line.")
    return errors


def validate_quote(options: Sequence[QuoteOption]) -> dict[str, FieldError]:
    """Check the option set of a proposal, plus each option.

    Keys: ``options`` (codes ``too_few`` / ``too_many``: 1–3 options), ``recommended``
    (``no_recommended`` / ``several_recommended``: exactly one must be recommended),
    ``names`` (``duplicate_name``, compared case-insensitively), and
    ``option.<index>.<field>`` for errors of one option (index from 0).
    """
    errors: dict[str, FieldError] = {}
    if len(options) < MIN_OPTIONS:
        errors["options"] = FieldError("too_few", "Add at least one option.")
    elif len(options) > MAX_OPTIONS:
        errors["options"] = FieldError("too_many", f"Offer at most {MAX_OPTIONS} options.")
    recommended = sum(1 for option in options if option.recommended)
    if options and recommended == 0:
        errors["recommended"] = FieldError("no_recommended", "Mark one option as recommended.")
    elif recommended > 1:
        errors["recommended"] = FieldError(
            "several_recommended", "Only one option can be recommended."
        )
    names = [option.name.strip().casefold() for option in options if option.name.strip()]
    if len(names) != len(set(names)):
        errors["names"] = FieldError("duplicate_name", "Give each option a different name.")
    for index, option in enumerate(options):
        for field, error in validate_option(option).items():
            errors[f"option.{index}.{field}"] = error
    return errors


# --- approval authority (报价审批权限) ------------------------------------------------

DEFAULT_ROLE_ORDER: tuple[str, ...] = ("presales", "rep", "leader", "admin")


@dataclass(frozen=True)
class ApprovalRule:
    """Limits beyond which ``role`` (or a higher role) must approve.

    A breach is strictly beyond the limit: discount % **above** ``max_discount_pct`` or
    margin % **below** ``min_margin_pct``. Exactly at the limit needs no approval from
    this role. Either limit may be ``None`` (not checked). Percentages 0–100.
    """

    role: str
    max_discount_pct: Decimal | None
    min_margin_pct: Decimal | None


# Discount above 15 % or margin below 25 % needs a leader; above 30 % / below 15 % an admin.
DEFAULT_APPROVAL_RULES: tuple[ApprovalRule, ...] = (
    ApprovalRule(role="leader", max_discount_pct=Decimal("15"), min_margin_pct=Decimal("25")),
    ApprovalRule(role="admin", max_discount_pct=Decimal("30"), min_margin_pct=Decimal("15")),
)


class ApprovalMetric(StrEnum):
    """Figures the approval matrix checks (both percentages, 0–100)."""

    DISCOUNT_PCT = "discount_pct"
    MARGIN_PCT = "margin_pct"


class PricedForApproval(Protocol):
    """Anything with the figures the approval matrix looks at (e.g. :class:`OptionTotals`)."""

    @property
    def discount_pct(self) -> Decimal | None: ...

    @property
    def margin_pct(self) -> Decimal | None: ...

    @property
    def contract_cost(self) -> Decimal: ...


@dataclass(frozen=True)
class ApprovalReason:
    """One breached limit: ``value`` (unrounded %, ``None`` for margin of a zero-revenue quote),
    the ``limit`` it breaches and the ``role`` that limit belongs to."""

    metric: ApprovalMetric
    value: Decimal | None
    limit: Decimal
    role: str
    option_name: str = ""


@dataclass(frozen=True)
class ApprovalDecision:
    """Who must approve (``None``: nobody beyond the person quoting) and why."""

    required_role: str | None
    reasons: tuple[ApprovalReason, ...]

    @property
    def needs_approval(self) -> bool:
        """True when someone above the person quoting must approve."""
        return self.required_role is not None


def _rank(role: str, role_order: Sequence[str]) -> int:
    try:
        return list(role_order).index(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(role_order)}") from None


def required_approver(
    totals: PricedForApproval,
    rules: Sequence[ApprovalRule] = DEFAULT_APPROVAL_RULES,
    role_rank: Sequence[str] = DEFAULT_ROLE_ORDER,
) -> ApprovalDecision:
    """The highest-ranked role whose limit the priced figures breach, with every breach.

    ``role_rank`` lists roles from least to most authority. A discount breach is
    ``discount_pct > max_discount_pct`` (strictly); a margin breach is
    ``margin_pct < min_margin_pct`` (strictly), compared unrounded. A ``None`` discount
    (zero list amount) breaches nothing. A ``None`` margin (zero revenue) breaches every
    margin limit when there is any cost, since we would be giving the work away; with no
    cost either, there is nothing to approve. Raises ``ValueError`` for a rule whose role
    is not in ``role_rank``.
    """
    option_name = getattr(totals, "option_name", "")
    reasons: list[ApprovalReason] = []
    for rule in rules:
        _rank(rule.role, role_rank)
        discount = totals.discount_pct
        if (
            rule.max_discount_pct is not None
            and discount is not None
            and discount > rule.max_discount_pct
        ):
            reasons.append(
                ApprovalReason(
                    ApprovalMetric.DISCOUNT_PCT,
                    discount,
                    rule.max_discount_pct,
                    rule.role,
                    option_name,
                )
            )
        if rule.min_margin_pct is not None:
            margin = totals.margin_pct
            if (margin is None and totals.contract_cost > 0) or (
                margin is not None and margin < rule.min_margin_pct
            ):
                reasons.append(
                    ApprovalReason(
                        ApprovalMetric.MARGIN_PCT,
                        margin,
                        rule.min_margin_pct,
                        rule.role,
                        option_name,
                    )
                )
    if not reasons:
        return ApprovalDecision(required_role=None, reasons=())
    top = max(reasons, key=lambda reason: _rank(reason.role, role_rank))
    return ApprovalDecision(required_role=top.role, reasons=tuple(reasons))


def required_approver_for_quote(
    quote: QuoteTotals,
    rules: Sequence[ApprovalRule] = DEFAULT_APPROVAL_RULES,
    role_rank: Sequence[str] = DEFAULT_ROLE_ORDER,
) -> ApprovalDecision:
    """Approval for the whole proposal: the customer may pick any option, so the highest
    role required by any option, with the reasons of all options (each names its option)."""
    decisions = [required_approver(option, rules, role_rank) for option in quote.options]
    reasons = tuple(reason for decision in decisions for reason in decision.reasons)
    roles = [d.required_role for d in decisions if d.required_role is not None]
    top = max(roles, key=lambda role: _rank(role, role_rank), default=None)
    return ApprovalDecision(required_role=top, reasons=reasons)


def can_approve_alone(
    role: str,
    decision: ApprovalDecision,
    role_order: Sequence[str] = DEFAULT_ROLE_ORDER,
) -> bool:
    """True when ``role`` ranks at or above the role the decision requires (or none is required).

    Raises ``ValueError`` for a role not in ``role_order``.
    """
    rank = _rank(role, role_order)
    if decision.required_role is None:
        return True
    return rank >= _rank(decision.required_role, role_order)


def discount_limit_for_role(
    role: str,
    rules: Sequence[ApprovalRule] = DEFAULT_APPROVAL_RULES,
    role_order: Sequence[str] = DEFAULT_ROLE_ORDER,
) -> Decimal | None:
    """Highest discount % (0–100) ``role`` may give without anyone else approving.

    = the smallest ``max_discount_pct`` among rules of roles ranked above ``role``;
    ``None`` when no higher role limits discounts (e.g. the top role). With the default
    rules a rep may give 15 %, a leader 30 %.
    """
    rank = _rank(role, role_order)
    limits = [
        rule.max_discount_pct
        for rule in rules
        if rule.max_discount_pct is not None and _rank(rule.role, role_order) > rank
    ]
    return min(limits, default=None)


# --- fingerprint ----------------------------------------------------------------------

_FINGERPRINT_VERSION = "quote-v1"


def _canonical_number(value: Decimal) -> str:
    # 10, 10.0 and 10.00 are the same price; -0 and 0 too. Fixed-point text avoids "1E+1".
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _canonical_line(line: QuoteLine) -> list[str]:
    return [
        line.part.value,
        line.description.strip(),
        _canonical_number(line.quantity),
        _canonical_number(line.unit_price),
        _canonical_number(line.unit_cost),
        _canonical_number(line.discount_pct),
    ]


def quote_fingerprint(options: Iterable[QuoteOption]) -> str:
    """A stable SHA-256 hex digest of the priced content of a proposal.

    Store it with an approval; if the fingerprint of the current quote differs, the quote
    changed after approval and the approval no longer holds. Covers option names,
    recommended flag, maintenance term and every line field. Numbers are compared by
    value (10 == 10.00). Order of options and of lines is ignored, because the same
    prices listed in another order are the same offer and storage order may vary.
    """
    canonical_options = []
    for option in options:
        lines = sorted(
            json.dumps(_canonical_line(line), ensure_ascii=False) for line in option.lines
        )
        canonical_options.append(
            json.dumps(
                [option.name.strip(), bool(option.recommended), option.maintenance_years, lines],
                ensure_ascii=False,
            )
        )
    payload = json.dumps([_FINGERPRINT_VERSION, sorted(canonical_options)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
