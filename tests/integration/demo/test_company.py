"""The demo company: seeded and deterministic, every story present, written faithfully."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, text

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.catalog.versions import Catalog
from tierwise.demo.archetypes import SHARES
from tierwise.demo.build import MARKER, BuiltCompany, build_company, fresh_demo_dir
from tierwise.demo.company import CompanySpec, generate_company
from tierwise.demo.customers import Archetype
from tierwise.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[3]
AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog_path(ROOT / "examples" / "catalog.yaml")


@pytest.fixture(scope="module")
def built(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuiltCompany]:
    data_dir = tmp_path_factory.mktemp("demo")
    return data_dir, build_company(data_dir, catalog, CompanySpec(accounts=100))


def _ledger(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{data_dir / 'tierwise.db'}")
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def _events(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(data_dir / "events.duckdb"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def test_the_same_seed_makes_the_same_company_and_another_seed_another(catalog: Catalog) -> None:
    # when
    first = generate_company(catalog, CompanySpec(accounts=60, seed=3))
    again = generate_company(catalog, CompanySpec(accounts=60, seed=3))
    other = generate_company(catalog, CompanySpec(accounts=60, seed=4))
    # then
    assert first.customers == again.customers
    assert first.customers != other.customers


def test_an_account_does_not_depend_on_how_many_accounts_there_are(catalog: Catalog) -> None:
    # when
    small = generate_company(catalog, CompanySpec(accounts=20))
    large = generate_company(catalog, CompanySpec(accounts=200))
    # then
    assert small.customers == large.customers[:20]


def test_a_hundred_accounts_tell_every_story_in_its_share(catalog: Catalog) -> None:
    # when
    company = generate_company(catalog, CompanySpec(accounts=100))
    # then
    told = collections.Counter(c.archetype for c in company.customers)
    assert told == collections.Counter(SHARES)


def test_every_story_happens_before_the_as_of_moment(catalog: Catalog) -> None:
    # when
    company = generate_company(catalog, CompanySpec(accounts=100))
    # then
    moments = [
        *(c.created for c in company.customers),
        *(h.at for c in company.customers for h in c.paywall_hits),
        *(t.opened for c in company.customers for t in c.tickets),
        *(s.at for c in company.customers for s in c.surveys),
        *(started for c in company.customers for _, started in c.trials),
    ]
    assert max(moments) < company.as_of == AS_OF


def test_the_company_is_written_identically_twice(
    catalog: Catalog, built: tuple[Path, BuiltCompany], tmp_path: Path
) -> None:
    # given the module's company, built once
    data_dir, _ = built
    # when the same spec is built again elsewhere
    build_company(tmp_path, catalog, CompanySpec(accounts=100))
    # then every event and every ledger row is the same
    digest = (
        "SELECT count(*), md5(string_agg(concat_ws('|', id, type, account, subject, "
        "time::VARCHAR, properties), ',' ORDER BY id)) FROM usage_events"
    )
    assert _events(tmp_path, digest) == _events(data_dir, digest)
    for table in ("accounts", "subscriptions", "seats", "history", "signals", "gauges"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert _ledger(tmp_path, query) == _ledger(data_dir, query), table


def test_growing_teams_fill_every_seat(built: tuple[Path, BuiltCompany]) -> None:
    # given
    data_dir, result = built
    crunch = [
        c.external_id for c in result.company.customers if c.archetype is Archetype.SEAT_CRUNCH
    ]
    # when
    rows = _ledger(
        data_dir,
        "SELECT a.external_id, s.seats, (SELECT count(*) FROM seats t "
        "WHERE t.subscription_id = s.id AND t.status = 'assigned') "
        "FROM subscriptions s JOIN accounts a ON a.id = s.account_id",
    )
    # then every seat of a growing team is taken, and some joined in the last 60 days
    full = {account: (seats, taken) for account, seats, taken in rows}
    assert crunch
    assert all(full[a][0] == full[a][1] for a in crunch)
    joined = _ledger(
        data_dir,
        "SELECT count(*) FROM seats t JOIN subscriptions s ON s.id = t.subscription_id "
        "JOIN accounts a ON a.id = s.account_id "
        f"WHERE a.external_id IN ({', '.join(repr(a) for a in crunch)}) "
        "AND t.assigned_at >= '2026-09-21'",
    )
    assert joined[0][0] >= len(crunch)


def test_security_paywall_hits_are_the_ledgers_own_denials(
    built: tuple[Path, BuiltCompany],
) -> None:
    # given
    data_dir, result = built
    stories = {c.external_id: c for c in result.company.customers}
    # when
    rows = _ledger(
        data_dir,
        "SELECT a.external_id, g.feature, count(*) FROM signals g "
        "JOIN accounts a ON a.id = g.account_id WHERE g.kind = 'denied' "
        "AND g.at >= '2026-10-21' GROUP BY 1, 2",
    )
    # then each security story has at least three SSO or audit-log denials in 30 days
    denials = {(account, feature): n for account, feature, n in rows}
    security = [a for a, c in stories.items() if c.archetype is Archetype.SECURITY_PAYWALL]
    assert security
    for account in security:
        feature = "audit_logs" if stories[account].plan == "business" else "sso"
        assert denials.get((account, feature), 0) >= 3, account


def test_declining_accounts_lose_activity_and_have_severe_tickets_open(
    built: tuple[Path, BuiltCompany],
) -> None:
    # given
    data_dir, result = built
    declining = [
        c.external_id for c in result.company.customers if c.archetype is Archetype.DECLINING
    ]
    accounts = ", ".join(f"'{a}'" for a in declining)
    # when
    activity = _events(
        data_dir,
        "SELECT account, count(*) FILTER (WHERE time >= '2026-10-21'), "
        "count(*) FILTER (WHERE time >= '2026-09-21' AND time < '2026-10-21') "
        f"FROM usage_events WHERE subject IS NOT NULL AND account IN ({accounts}) "
        "AND type NOT IN ('user.identified', 'account.champion') GROUP BY account",
    )
    open_severe = _events(
        data_dir,
        "SELECT o.account, count(*) FROM usage_events o "
        "WHERE o.type = 'support.ticket.opened' "
        "AND json_extract_string(o.properties, '$.severity') IN ('high', 'urgent') "
        "AND NOT EXISTS (SELECT 1 FROM usage_events c WHERE c.type = 'support.ticket.closed' "
        "AND json_extract_string(c.properties, '$.ticket_id') = "
        "json_extract_string(o.properties, '$.ticket_id')) GROUP BY 1",
    )
    # then the last 30 days are quieter than the 30 before, and severe tickets are open
    assert declining
    recent = sum(r for _, r, _ in activity)
    prior = sum(p for _, _, p in activity)
    assert recent < 0.7 * prior
    teams = {c.external_id for c in result.company.customers if len(c.people) >= 5}
    assert all(r < p for account, r, p in activity if account in teams)
    assert {account for account, _ in open_severe} >= set(declining)


def test_new_signups_renewals_and_trials_are_where_their_story_puts_them(
    built: tuple[Path, BuiltCompany],
) -> None:
    # given
    data_dir, result = built
    stories = {c.external_id: c.archetype for c in result.company.customers}
    # when
    rows = _ledger(
        data_dir,
        "SELECT a.external_id, a.created_at, s.term_end, s.trial FROM accounts a "
        "JOIN subscriptions s ON s.account_id = a.id",
    )
    # then
    for account, created, term_end, trial in rows:
        created_day = dt.date.fromisoformat(str(created)[:10])
        renewal_in = (dt.date.fromisoformat(str(term_end)) - AS_OF.date()).days
        if stories[account] is Archetype.ONBOARDING:
            assert (AS_OF.date() - created_day).days <= 25
        if stories[account] is Archetype.RENEWAL:
            assert 20 <= renewal_in <= 75
        if stories[account] is Archetype.TRIALING:
            assert trial is not None


def test_the_demo_refuses_a_data_directory_that_is_not_its_own(tmp_path: Path) -> None:
    # given a directory with someone's data in it
    (tmp_path / "tierwise.db").write_text("precious")
    # when / then
    with pytest.raises(InvalidInput, match="not a tierwise demo"):
        fresh_demo_dir(tmp_path)
    assert (tmp_path / "tierwise.db").read_text() == "precious"


def test_the_demo_rebuilds_its_own_directory(tmp_path: Path) -> None:
    # given a previous demo's directory
    fresh_demo_dir(tmp_path)
    (tmp_path / "old.txt").write_text("from the last run")
    # when
    fresh_demo_dir(tmp_path)
    # then
    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER]
