"""``POST /v1/subscriptions/{id}/renew`` answers with the renewal's quote (both stores)."""

from __future__ import annotations

from .conftest import Api


def test_renew_answers_with_the_new_terms_quote_and_shows_the_commitment(api: Api) -> None:
    # given account A's Team × 5 monthly from 2026-03-10 (term to 2027-03-10, under 2026.1)
    sub = api.ids["sub_a"]
    api.clock.advance(days=250)  # 2026-11-15

    # when renewed for 2 years
    answer = api.client.post(
        f"/v1/subscriptions/{sub}/renew",
        json={"term_years": 2, "reason": "signed renewal"},
        headers=api.headers("admin", **{"Idempotency-Key": "renew-a-1"}),
    )

    # then the quote prices 2027-03-10 .. 2029-03-10 under 2026.7: 5 × 14.00 = 70.00,
    # − 4.20 (6 % for 2 years) − 3.50 (5 % loyalty) = 62.30 a month, nothing due now
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["command"] == "renew.schedule"
    quote = body["quote"]
    assert (quote["timing"], quote["due_now"]) == ("end_of_term", "0.00")
    assert quote["recurring"]["per_period"] == "62.30"
    assert [d["policy"] for d in quote["discounts"]] == ["term_years", "loyalty"]
    assert quote["renewal"]["previous_catalog_version"] == "2026.1"
    assert body["subscription"]["renewal"]["term_years"] == 2
    assert body["subscription"]["term_end"] == "2027-03-10"
    history = api.client.get(
        f"/v1/subscriptions/{sub}/history", headers=api.headers("admin")
    ).json()
    assert history[0]["transition"] == "renew.schedule"
    assert history[0]["quote"] == quote
