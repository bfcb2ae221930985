"""Rules about policies and versions: discounts, the plan-change table, effective-dated versions.

The approval rule is a warning, not an error: the automatic discounts a quote can stack (the
largest term discount plus the largest seat-volume discount, added) should not exceed
``max_without_approval_percent``, or an ordinary self-serve quote would need a person's approval.
"""

from __future__ import annotations

from tierwise.catalog.model import DiscountPolicy
from tierwise.catalog.review import ChangeView, DocumentView, Findings

__all__ = ["check_policies"]

#: Committed terms a discount may be stated for, in years.
TERM_YEARS = range(1, 6)
_ANY = "any"


def check_policies(view: DocumentView, findings: Findings) -> None:
    """Report problems of the discount policy, the change table and the versions."""
    if view.discounts is not None:
        _check_discounts(view.discounts, findings)
    if view.changes is not None:
        _check_changes(view.changes, view, findings)
    _check_versions(view, findings)


def _check_discounts(policy: DiscountPolicy, findings: Findings) -> None:
    for years in policy.term_years:
        if years not in TERM_YEARS:
            findings.error(
                "term_years_out_of_range",
                f"discounts.term_years.{years}",
                f"a term discount is for 1 to 5 years, got {years}",
            )
    previous = None
    for index, step in enumerate(policy.seat_volume):
        if previous is not None and step.min_seats <= previous.min_seats:
            findings.error(
                "seat_volume_not_ascending",
                f"discounts.seat_volume.{index}.min_seats",
                f"min_seats {step.min_seats} is not above the previous step's "
                f"{previous.min_seats}; list volume steps from the fewest seats up",
            )
        elif previous is not None and step.percent < previous.percent:
            findings.error(
                "seat_volume_not_ascending",
                f"discounts.seat_volume.{index}.percent",
                f"{step.percent}% for {step.min_seats} seats is less than {previous.percent}% "
                f"for {previous.min_seats}; more seats may not earn a smaller discount",
            )
        previous = step
    term = max(policy.term_years.values(), default=0)
    volume = max((step.percent for step in policy.seat_volume), default=0)
    if term + volume > policy.max_without_approval_percent:
        findings.warning(
            "approval_limit_below_automatic_discount",
            "discounts.max_without_approval_percent",
            f"a quote can combine {term}% (term) and {volume}% (seat volume) = {term + volume}%, "
            f"above the {policy.max_without_approval_percent}% allowed without approval",
        )


def _check_changes(changes: ChangeView, view: DocumentView, findings: Findings) -> None:
    if not changes.has_default:
        findings.error(
            "no_default_change_case",
            "changes.default",
            "the change policy needs a `default` timing for changes no case matches",
        )
    plans = ", ".join(sorted(view.plan_keys))
    for path, plan in changes.case_plans:
        if plan != _ANY and plan not in view.plan_keys:
            findings.error(
                "change_case_unknown_plan",
                path,
                f"plan {plan!r} is not defined (plans: {plans}, or 'any')",
            )


def _check_versions(view: DocumentView, findings: Findings) -> None:
    names: dict[str, str] = {}
    if view.version is not None:
        names[view.version] = "the first version"
    previous, previous_name = view.effective, "the first version's date"
    for version in view.versions:
        path = f"versions.{version.index}"
        if version.version is not None:
            owner = names.get(version.version)
            if owner is not None:
                findings.error(
                    "duplicate_version",
                    f"{path}.version",
                    f"version {version.version!r} is also the name of {owner}",
                )
            names.setdefault(version.version, path)
        effective = version.effective
        if effective is not None and previous is not None and effective <= previous:
            findings.error(
                "version_effective_not_increasing",
                f"{path}.effective",
                f"effective {effective} is not after {previous_name} ({previous}); "
                "list versions oldest first, each with a later date",
            )
        if effective is not None and (previous is None or effective > previous):
            previous, previous_name = effective, f"version {version.version!r}"
        for key in version.plan_keys:
            if key not in view.plan_keys:
                findings.error(
                    "version_unknown_plan",
                    f"{path}.plans.{key}",
                    f"plan {key!r} is not defined; a version only reprices existing plans",
                )
        for key in version.add_on_keys:
            if key not in view.add_on_keys:
                findings.error(
                    "version_unknown_add_on",
                    f"{path}.add_ons.{key}",
                    f"add-on {key!r} is not defined; a version only reprices existing add-ons",
                )
