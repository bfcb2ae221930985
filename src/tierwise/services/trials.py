"""Handlers of trials: try a higher tier now, then convert (buy it) or revert (nothing lost).

During a trial the paid terms stay untouched in the subscription; only the plan whose
entitlements apply changes. Reverting therefore restores nothing: it simply stops the trial, and
plan, add-ons, seats, settings, named seats and grants are exactly as they were.
"""

from __future__ import annotations

import datetime as dt

from tierwise.catalog.model import ChangeTiming
from tierwise.catalog.versions import plan_of
from tierwise.errors import ChangeNotAllowed, InvalidInput, TransitionNotAllowed
from tierwise.licensing.timestamps import day_start
from tierwise.pricing.periods import add_months
from tierwise.pricing.quotes import ProposedChange
from tierwise.services.commands import ConvertTrial, RevertTrial, StartTrial
from tierwise.services.context import LedgerContext
from tierwise.services.loading import finish, load
from tierwise.services.ports import UnitOfWork
from tierwise.services.quoting import period_after, price_lock, quote_for, terms_after
from tierwise.services.receipts import Receipt

__all__ = ["convert_trial", "revert_trial", "start_trial"]


def start_trial(command: StartTrial, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    subscription = load(uow, context, command)
    version = price_lock(context, subscription)
    target = plan_of(version, command.plan)
    current = plan_of(version, subscription.terms.plan)
    if target.rank <= current.rank:
        raise InvalidInput(
            f"a trial is of a higher tier than {current.name}; {target.name} is not",
            field="plan",
        )
    policy = target.trial
    if policy is None:
        raise TransitionNotAllowed(f"{target.name} offers no trial", field="plan")
    days = policy.days if command.days is None else command.days
    if not 1 <= days <= policy.days:
        raise InvalidInput(
            f"a {target.name} trial lasts 1 to {policy.days} days, not {days}", field="days"
        )
    last = subscription.last_trial_at
    if last is not None:
        next_allowed = day_start(add_months(last.date(), policy.once_per_months))
        if command.at < next_allowed:
            raise TransitionNotAllowed(
                f"one trial per {policy.once_per_months} months; the next one can start on "
                f"{next_allowed.date().isoformat()}",
                field="plan",
            )
    before = subscription.snapshot()
    ends_at = command.at + dt.timedelta(days=days)
    subscription.start_trial(
        command.plan, command.at, ends_at, convert_at_end=command.convert_at_end
    )
    return finish(uow, subscription, command, "trial.start", before)


def convert_trial(command: ConvertTrial, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    subscription = load(uow, context, command)
    trial = subscription.trial
    if trial is None:
        raise TransitionNotAllowed("there is no running trial to convert", field="trial")
    change = ProposedChange(to_plan=trial.plan, to_seats=command.seats)
    quote = quote_for(context, subscription, change, command.at)
    if quote.timing is not ChangeTiming.IMMEDIATE:
        raise ChangeNotAllowed(
            f"converting to {trial.plan} would only take effect at {quote.effective_at} "
            f"({quote.rule.explanation()}); revert the trial and schedule the change instead",
            field="plan",
        )
    before = subscription.snapshot()
    subscription.convert_trial(terms_after(quote), command.at, period=period_after(quote))
    return finish(uow, subscription, command, "trial.convert", before, quote=quote.as_dict())


def revert_trial(command: RevertTrial, uow: UnitOfWork, context: LedgerContext) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    subscription.revert_trial(command.at)
    return finish(uow, subscription, command, "trial.revert", before)
