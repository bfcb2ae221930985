"""The demo's top offers: the best account of each offer, currencies never compared."""

from __future__ import annotations

from typing import Any

from tierwise.demo.report import top_offers


def _decision(account: str, currency: str, **chosen: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "external_id": account,
        "currency": currency,
        "chosen": {
            channel: {"offer": offer, "strength": strength, "expected_value": value}
            for channel, (offer, strength, value) in chosen.items()
        },
    }


def test_each_offer_once_with_its_best_account_in_the_main_currency() -> None:
    # given three USD accounts on SSO, two on Free -> Team, one EUR-only offer, a nudge and a
    # save play
    decisions = [
        _decision("a", "USD", in_app=("sso", "offer", "300.00"), email=("yearly", "offer", "9")),
        _decision("b", "USD", in_app=("sso", "offer", "250.00")),
        _decision("c", "USD", in_app=("free_team", "offer", "83.25")),
        _decision("d", "USD", email=("free_team", "offer", "116.55")),
        _decision("e", "EUR", in_app=("sso", "offer", "900.00")),  # never compared with USD
        _decision("f", "EUR", email=("bundle", "offer", "62.67")),
        _decision("g", "USD", in_app=("seats", "nudge", "500.00")),
        {"external_id": "h", "currency": "USD", "chosen": {"csm": {"save_play": {}}}},
    ]
    # when
    top = [(d["external_id"], channel, item["offer"]) for d, channel, item in top_offers(decisions)]
    # then USD is the main currency (4 accounts with an offer against 2): SSO's best USD account,
    # then Free -> Team's; the bundle only in EUR comes after; "yearly" is never an account's best
    assert top == [("a", "in_app", "sso"), ("d", "email", "free_team"), ("f", "email", "bundle")]


def test_no_offers_no_top() -> None:
    assert top_offers([_decision("a", "USD", in_app=("seats", "nudge", "5"))]) == []
