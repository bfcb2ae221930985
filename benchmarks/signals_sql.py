"""The floor of the signals benchmark: one hand-written DuckDB query for the example catalog.

It computes the same columns as :func:`tierwise.adapters.analytics.signals.compute_signals` with
the default conventions and rules, for the features of ``examples/catalog.yaml`` (projects and
guests are gauges; automation runs count per billing period, API calls per month, storage is the
latest report of the month). Tables: ``events`` (the Parquet files), ``licenses``,
``entitlements``, ``paywall``, ``offers`` (the ledger snapshot).
"""

from __future__ import annotations

import datetime as dt
import re

_SQL = """
WITH ev AS (
    SELECT account, subject, type, time, properties FROM events
    WHERE account IS NOT NULL AND time < A
), usage AS (
    SELECT * FROM ev WHERE type NOT IN ('support.ticket.opened', 'support.ticket.closed',
        'survey.nps', 'survey.csat', 'payment.failed', 'user.identified', 'account.champion',
        'feature.gauge')
), per_user AS (
    SELECT account, subject, max(time) AS last_seen,
        max(CASE WHEN time >= A - INTERVAL 1 DAY THEN 1 ELSE 0 END) AS d1,
        max(CASE WHEN time >= A - INTERVAL 7 DAY THEN 1 ELSE 0 END) AS d7,
        max(CASE WHEN time >= A - INTERVAL 30 DAY THEN 1 ELSE 0 END) AS d30,
        max(CASE WHEN time >= A - INTERVAL 60 DAY AND time < A - INTERVAL 30 DAY
            THEN 1 ELSE 0 END) AS p30,
        count(*) FILTER (WHERE time >= A - INTERVAL 30 DAY) AS n30,
        count(*) FILTER (WHERE time >= A - INTERVAL 60 DAY AND time < A - INTERVAL 30 DAY) AS np30
    FROM usage GROUP BY account, subject
), activity AS (
    SELECT account,
        sum(d1) FILTER (WHERE subject IS NOT NULL) AS dau,
        sum(d7) FILTER (WHERE subject IS NOT NULL) AS wau,
        sum(d30) FILTER (WHERE subject IS NOT NULL) AS mau,
        sum(p30) FILTER (WHERE subject IS NOT NULL) AS mau_prior,
        sum(n30) AS n30, sum(np30) AS np30
    FROM per_user GROUP BY account
), roles AS (
    SELECT subject, role FROM (
        SELECT subject, time, json_extract_string(properties, '$.role') AS role FROM ev
        WHERE type = 'user.identified' AND subject IS NOT NULL
    ) WHERE role IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY subject ORDER BY time DESC, role DESC) = 1
), role_mix AS (
    SELECT account, role AS role_mix FROM (
        SELECT u.account, r.role, count(*) AS n FROM per_user u JOIN roles r USING (subject)
        WHERE u.d30 = 1 GROUP BY ALL
    ) QUALIFY row_number() OVER (PARTITION BY account ORDER BY n DESC, role) = 1
), champions AS (
    SELECT account, usr, time AS named_at FROM (
        SELECT account, time, json_extract_string(properties, '$.user_id') AS usr FROM ev
        WHERE type = 'account.champion'
    ) WHERE usr IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY account ORDER BY time DESC, usr DESC) = 1
), champion AS (
    SELECT c.account,
        floor((EPOCH_S - floor(epoch(coalesce(u.last_seen, c.named_at)))) / 86400)::BIGINT
            AS champion_inactive_days
    FROM champions c LEFT JOIN per_user u ON u.account = c.account AND u.subject = c.usr
), adopted AS (
    SELECT DISTINCT account, CASE type WHEN 'automation.run' THEN 'automation_runs'
        WHEN 'api.call' THEN 'api_calls' ELSE 'storage_gb' END AS feature
    FROM usage WHERE time >= A - INTERVAL 30 DAY
        AND type IN ('automation.run', 'api.call', 'storage.measured')
    UNION
    SELECT account, json_extract_string(properties, '$.feature') FROM ev
    WHERE time >= A - INTERVAL 30 DAY AND type = 'feature.used'
    UNION
    SELECT account, json_extract_string(properties, '$.feature') FROM ev
    WHERE time >= A - INTERVAL 30 DAY AND type = 'feature.gauge'
        AND TRY_CAST(json_extract_string(properties, '$.value') AS DOUBLE) > 0
), adoption AS (
    SELECT a.account, count(DISTINCT a.feature) AS features_adopted
    FROM adopted a JOIN licenses l ON l.external_id = a.account
    JOIN entitlements e ON e.profile = l.profile AND e.feature = a.feature AND e.entitled
    GROUP BY a.account
), opened AS (
    SELECT account, time, json_extract_string(properties, '$.ticket_id') AS ticket,
        json_extract_string(properties, '$.severity') AS severity
    FROM ev WHERE type = 'support.ticket.opened'
), tickets AS (
    SELECT account,
        count(DISTINCT ticket) FILTER (WHERE time >= A - INTERVAL 30 DAY)
        + count(*) FILTER (WHERE time >= A - INTERVAL 30 DAY AND ticket IS NULL) AS tickets_30d
    FROM opened GROUP BY account
), open_severe AS (
    SELECT o.account, count(DISTINCT o.ticket) AS open_severe_tickets FROM opened o
    WHERE o.severity IN ('high', 'urgent') AND o.ticket IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM ev c WHERE c.type = 'support.ticket.closed' AND c.account = o.account
            AND json_extract_string(c.properties, '$.ticket_id') = o.ticket)
    GROUP BY o.account
), scores AS (
    SELECT account, type, score FROM (
        SELECT account, type, time,
            TRY_CAST(json_extract_string(properties, '$.score') AS DOUBLE) AS score
        FROM ev WHERE type IN ('survey.nps', 'survey.csat')
    ) WHERE score IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY account, type ORDER BY time DESC, score DESC) = 1
), satisfaction AS (
    SELECT account, max(score) FILTER (WHERE type = 'survey.nps') AS nps,
        max(score) FILTER (WHERE type = 'survey.csat') AS csat
    FROM scores GROUP BY account
), payments AS (
    SELECT account, count(*) AS failed_payments_30d FROM ev
    WHERE type = 'payment.failed' AND time >= A - INTERVAL 30 DAY GROUP BY account
), runs AS (
    SELECT e.account,
        count(*) FILTER (WHERE floor(epoch(e.time)) >= epoch(l.period_start::TIMESTAMP)) AS u,
        count(*) FILTER (WHERE e.time >= A - INTERVAL 30 DAY) AS r,
        count(*) FILTER (WHERE e.time >= A - INTERVAL 60 DAY AND e.time < A - INTERVAL 30 DAY)
            AS p
    FROM ev e JOIN licenses l ON l.external_id = e.account
    WHERE e.type = 'automation.run' AND e.time >= A - INTERVAL 367 DAY GROUP BY e.account
), calls AS (
    SELECT account, count(*) FILTER (WHERE time >= MONTH_START) AS u,
        count(*) FILTER (WHERE time >= A - INTERVAL 30 DAY) AS r,
        count(*) FILTER (WHERE time >= A - INTERVAL 60 DAY AND time < A - INTERVAL 30 DAY) AS p
    FROM ev WHERE type = 'api.call' AND time >= A - INTERVAL 60 DAY GROUP BY account
), storage_rows AS (
    SELECT account, time, TRY_CAST(json_extract_string(properties, '$.gigabytes') AS DOUBLE) AS v
    FROM ev WHERE type = 'storage.measured' AND time >= A - INTERVAL 60 DAY
), storage AS (
    SELECT account,
        max(v) FILTER (WHERE in_window AND wr = 1) AS u,
        max(v) FILTER (WHERE recent AND rr = 1) AS r,
        max(v) FILTER (WHERE prior AND pr = 1) AS p
    FROM (
        SELECT *, row_number() OVER (PARTITION BY account, in_window ORDER BY time DESC, v DESC)
                AS wr,
            row_number() OVER (PARTITION BY account, recent ORDER BY time DESC, v DESC) AS rr,
            row_number() OVER (PARTITION BY account, prior ORDER BY time DESC, v DESC) AS pr
        FROM (SELECT *, time >= MONTH_START AS in_window,
                time >= A - INTERVAL 30 DAY AS recent,
                time >= A - INTERVAL 60 DAY AND time < A - INTERVAL 30 DAY AS prior
              FROM storage_rows WHERE v IS NOT NULL)
    ) GROUP BY account
), gauge_rows AS (
    SELECT account, time, json_extract_string(properties, '$.feature') AS feature,
        TRY_CAST(json_extract_string(properties, '$.value') AS DOUBLE) AS v
    FROM ev WHERE type = 'feature.gauge'
), gauges AS (
    SELECT account,
        max(v) FILTER (WHERE feature = 'projects' AND nr = 1) AS projects_now,
        max(v) FILTER (WHERE feature = 'projects' AND old AND orr = 1) AS projects_then,
        max(v) FILTER (WHERE feature = 'guests' AND nr = 1) AS guests_now,
        max(v) FILTER (WHERE feature = 'guests' AND old AND orr = 1) AS guests_then
    FROM (
        SELECT *, row_number() OVER (PARTITION BY account, feature ORDER BY time DESC, v DESC)
                AS nr,
            row_number() OVER (PARTITION BY account, feature, old ORDER BY time DESC, v DESC)
                AS orr
        FROM (SELECT *, time < A - INTERVAL 30 DAY AS old FROM gauge_rows
              WHERE v IS NOT NULL AND feature IN ('projects', 'guests'))
    ) GROUP BY account
), limits AS (
    SELECT profile,
        max("limit") FILTER (WHERE feature = 'projects') AS limit_projects,
        max("limit") FILTER (WHERE feature = 'automation_runs') AS limit_automation_runs,
        max("limit") FILTER (WHERE feature = 'api_calls') AS limit_api_calls,
        max("limit") FILTER (WHERE feature = 'storage_gb') AS limit_storage_gb,
        max("limit") FILTER (WHERE feature = 'guests') AS limit_guests,
        ENTITLED_COLUMNS
    FROM entitlements GROUP BY profile
), walls AS (
    SELECT account_id, count(*) AS paywall_hits_30d, PAYWALL_COLUMNS
    FROM paywall WHERE "at" >= A - INTERVAL 30 DAY AND "at" < A GROUP BY account_id
), offer_summary AS (
    SELECT account_id, max("at") FILTER (WHERE outcome = 'shown') AS last_shown,
        count(*) FILTER (WHERE outcome = 'shown' AND "at" >= A - INTERVAL 30 DAY)
            AS offers_shown_30d
    FROM offers WHERE "at" < A GROUP BY account_id
), offer_last AS (
    SELECT account_id, CASE step WHEN 0 THEN 'shown' WHEN 1 THEN 'dismissed'
        WHEN 2 THEN 'declined' WHEN 3 THEN 'accepted' END AS last_offer_outcome
    FROM (SELECT account_id, "at", CASE outcome WHEN 'shown' THEN 0 WHEN 'dismissed' THEN 1
            WHEN 'declined' THEN 2 WHEN 'accepted' THEN 3 ELSE -1 END AS step
          FROM offers WHERE "at" < A)
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY "at" DESC, step DESC) = 1
), base AS (
    SELECT l.account_id, l.external_id, l.plan, l.plan_rank, l.interval, l.term_years,
        l.industry, l.region,
        CASE WHEN l.company_size IS NULL THEN NULL WHEN l.company_size <= 10 THEN '1-10'
            WHEN l.company_size <= 50 THEN '11-50' WHEN l.company_size <= 200 THEN '51-200'
            WHEN l.company_size <= 1000 THEN '201-1000' ELSE '1000+' END AS size_band,
        rm.role_mix, l.status, l.trial_plan IS NOT NULL AS on_trial,
        floor((EPOCH_S - floor(epoch(l.last_trial_at))) / 86400)::BIGINT AS trial_used_days_ago,
        l.seats, l.seats_assigned,
        CASE WHEN l.seats > 0 THEN l.seats_assigned / l.seats::DOUBLE END AS seat_utilisation,
        coalesce(a.dau, 0) AS dau, coalesce(a.wau, 0) AS wau, coalesce(a.mau, 0) AS mau,
        CASE WHEN coalesce(a.mau_prior, 0) > 0
            THEN coalesce(a.mau, 0) / a.mau_prior::DOUBLE - 1 END AS active_growth_30d,
        coalesce(a.n30, 0) AS usage_events_30d,
        CASE WHEN coalesce(a.np30, 0) > 0
            THEN coalesce(a.n30, 0) / a.np30::DOUBLE - 1 END AS usage_change_30d,
        coalesce(ad.features_adopted, 0) AS features_adopted,
        CASE WHEN ENTITLED_COUNT > 0
            THEN coalesce(ad.features_adopted, 0) / (ENTITLED_COUNT)::DOUBLE END
            AS adoption_breadth,
        0 AS milestones_reached,
        coalesce(w.paywall_hits_30d, 0) AS paywall_hits_30d,
        coalesce(t.tickets_30d, 0) AS tickets_30d,
        coalesce(os.open_severe_tickets, 0) AS open_severe_tickets,
        s.nps, s.csat, coalesce(pm.failed_payments_30d, 0) AS failed_payments_30d,
        ch.champion_inactive_days,
        DAY_NUMBER - (l.first_started - DATE '1970-01-01') AS tenure_days,
        (l.term_end - DATE '1970-01-01') - DAY_NUMBER AS days_to_renewal,
        floor((EPOCH_S - floor(epoch(os2.last_shown))) / 86400)::BIGINT AS last_offer_days_ago,
        ol.last_offer_outcome, coalesce(os2.offers_shown_30d, 0) AS offers_shown_30d,
        g.projects_now AS usage_projects, coalesce(runs.u, 0)::DOUBLE AS usage_automation_runs,
        coalesce(calls.u, 0)::DOUBLE AS usage_api_calls, st.u AS usage_storage_gb,
        g.guests_now AS usage_guests,
        g.projects_then, g.guests_then, coalesce(runs.r, 0)::DOUBLE AS runs_r,
        coalesce(runs.p, 0)::DOUBLE AS runs_p, coalesce(calls.r, 0)::DOUBLE AS calls_r,
        coalesce(calls.p, 0)::DOUBLE AS calls_p, st.r AS storage_r, st.p AS storage_p,
        (EPOCH_S - (l.period_start - DATE '1970-01-01') * 86400) / 86400.0 AS runs_elapsed,
        (l.period_end - l.period_start) AS runs_length,
        lim.* EXCLUDE (profile), PAYWALL_SELECT
    FROM licenses l
    LEFT JOIN limits lim ON lim.profile = l.profile
    LEFT JOIN activity a ON a.account = l.external_id
    LEFT JOIN role_mix rm ON rm.account = l.external_id
    LEFT JOIN champion ch ON ch.account = l.external_id
    LEFT JOIN adoption ad ON ad.account = l.external_id
    LEFT JOIN tickets t ON t.account = l.external_id
    LEFT JOIN open_severe os ON os.account = l.external_id
    LEFT JOIN satisfaction s ON s.account = l.external_id
    LEFT JOIN payments pm ON pm.account = l.external_id
    LEFT JOIN runs ON runs.account = l.external_id
    LEFT JOIN calls ON calls.account = l.external_id
    LEFT JOIN storage st ON st.account = l.external_id
    LEFT JOIN gauges g ON g.account = l.external_id
    LEFT JOIN walls w ON w.account_id = l.account_id
    LEFT JOIN offer_summary os2 ON os2.account_id = l.account_id
    LEFT JOIN offer_last ol ON ol.account_id = l.account_id
), features AS (
    SELECT *,
        CASE WHEN limit_projects > 0 THEN usage_projects / limit_projects END AS util_projects,
        CASE WHEN limit_automation_runs > 0 THEN usage_automation_runs / limit_automation_runs
            END AS util_automation_runs,
        CASE WHEN limit_api_calls > 0 THEN usage_api_calls / limit_api_calls END
            AS util_api_calls,
        CASE WHEN limit_storage_gb > 0 THEN usage_storage_gb / limit_storage_gb END
            AS util_storage_gb,
        CASE WHEN limit_guests > 0 THEN usage_guests / limit_guests END AS util_guests,
        CASE WHEN limit_projects > 0 THEN (usage_projects - projects_then) / limit_projects END
            AS trend_projects,
        CASE WHEN limit_automation_runs > 0 THEN (runs_r - runs_p) / limit_automation_runs END
            AS trend_automation_runs,
        CASE WHEN limit_api_calls > 0 THEN (calls_r - calls_p) / limit_api_calls END
            AS trend_api_calls,
        CASE WHEN limit_storage_gb > 0 THEN (storage_r - storage_p) / limit_storage_gb END
            AS trend_storage_gb,
        CASE WHEN limit_guests > 0 THEN (usage_guests - guests_then) / limit_guests END
            AS trend_guests,
        CASE WHEN limit_automation_runs IS NULL THEN NULL
            WHEN limit_automation_runs - usage_automation_runs <= 0 THEN 0.0
            WHEN usage_automation_runs <= 0 OR runs_elapsed <= 0 THEN NULL
            WHEN (limit_automation_runs - usage_automation_runs)
                / (usage_automation_runs / runs_elapsed) > runs_length - runs_elapsed THEN NULL
            ELSE (limit_automation_runs - usage_automation_runs)
                / (usage_automation_runs / runs_elapsed) END AS runout_days_automation_runs,
        CASE WHEN limit_api_calls IS NULL THEN NULL
            WHEN limit_api_calls - usage_api_calls <= 0 THEN 0.0
            WHEN usage_api_calls <= 0 THEN NULL
            WHEN (limit_api_calls - usage_api_calls) / (usage_api_calls / MONTH_ELAPSED)
                > MONTH_LEFT THEN NULL
            ELSE (limit_api_calls - usage_api_calls) / (usage_api_calls / MONTH_ELAPSED) END
            AS runout_days_api_calls,
        NULL::DOUBLE AS runout_days_storage_gb
    FROM base
), health AS (
    SELECT *,
        NULLIF(greatest(coalesce(util_projects, -1e300), coalesce(util_automation_runs, -1e300),
            coalesce(util_api_calls, -1e300), coalesce(util_storage_gb, -1e300),
            coalesce(util_guests, -1e300)), -1e300) AS util_max,
        25.0 * (CASE WHEN seats_assigned IS NULL OR seats_assigned = 0 THEN 0.5
            ELSE least(greatest((mau / seats_assigned::DOUBLE) / 0.6, 0.0), 1.0) + 0.0 END)
            AS health_engagement,
        20.0 * (CASE WHEN usage_change_30d IS NULL THEN 0.5
            ELSE least(greatest((usage_change_30d + 0.5) / 0.5, 0.0), 1.0) + 0.0 END)
            AS health_usage_trend,
        15.0 * (CASE WHEN adoption_breadth IS NULL THEN 0.0
            ELSE least(greatest(adoption_breadth / 0.6, 0.0), 1.0) + 0.0 END)
            AS health_adoption,
        15.0 * (least(greatest((open_severe_tickets - 2.0) / -2.0, 0.0), 1.0) + 0.0)
            AS health_support,
        15.0 * (CASE WHEN nps IS NOT NULL THEN least(greatest((nps - 4.0) / 5.0, 0.0), 1.0) + 0.0
            WHEN csat IS NOT NULL THEN least(greatest((csat - 2.0) / 2.5, 0.0), 1.0) + 0.0
            ELSE 0.5 END) AS health_satisfaction,
        10.0 * (least(greatest((failed_payments_30d - 1.0) / -1.0, 0.0), 1.0) + 0.0)
            AS health_payments,
        coalesce(usage_change_30d <= -0.3, false) AS red_flag_usage_drop,
        open_severe_tickets >= 1 AS red_flag_severe_open_tickets,
        coalesce(nps <= 6, false) AS red_flag_detractor_nps,
        failed_payments_30d >= 1 AS red_flag_failed_payments,
        coalesce(champion_inactive_days >= 30, false) AS red_flag_champion_inactive
    FROM features
), scored AS (
    SELECT *, 0.0 + health_engagement + health_usage_trend + health_adoption + health_support
            + health_satisfaction + health_payments AS health_score,
        red_flag_usage_drop::INT + red_flag_severe_open_tickets::INT
            + red_flag_detractor_nps::INT + red_flag_failed_payments::INT
            + red_flag_champion_inactive::INT AS red_flags
    FROM health
)
SELECT *,
    CASE WHEN health_score < 40 OR red_flags >= 2 THEN 'at_risk'
        WHEN days_to_renewal <= 60 THEN 'renewal_window'
        WHEN tenure_days < 30 THEN 'onboarding'
        WHEN seat_utilisation >= 0.9 OR util_max >= 0.8 OR active_growth_30d >= 0.2
            OR paywall_hits_30d >= 3 THEN 'expanding'
        WHEN tenure_days < 180 OR adoption_breadth < 0.5 THEN 'adopting'
        ELSE 'mature' END AS lifecycle_stage,
    CASE WHEN size_band IN ('1-10', '11-50') THEN 'smb'
        WHEN size_band IN ('51-200', '201-1000') THEN 'mid_market'
        WHEN size_band = '1000+' THEN 'enterprise' ELSE 'unsized' END AS segment
FROM scored
"""

FEATURES = (
    "projects",
    "automation_runs",
    "api_calls",
    "storage_gb",
    "guests",
    "advanced_reports",
    "sso",
    "audit_logs",
    "data_residency",
    "priority_support",
)


def hand_sql(as_of: dt.datetime) -> str:
    """The query, with as-of and the catalog's feature lists written in."""
    month_start = as_of.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    elapsed = (as_of - month_start).total_seconds() / 86_400
    length = (next_month - month_start).days
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    entitled = ",\n        ".join(
        f"coalesce(bool_or(entitled) FILTER (WHERE feature = '{key}'), false) AS entitled_{key}"
        for key in FEATURES
    )
    walls = ", ".join(
        f"count(*) FILTER (WHERE feature = '{key}') AS paywall_{key}" for key in FEATURES
    )
    wall_select = ", ".join(f"coalesce(w.paywall_{key}, 0) AS paywall_{key}" for key in FEATURES)
    count = " + ".join(f"lim.entitled_{key}::INT" for key in FEATURES)
    replacements = {
        "ENTITLED_COLUMNS": entitled,
        "ENTITLED_COUNT": f"({count})",
        "PAYWALL_COLUMNS": walls,
        "PAYWALL_SELECT": wall_select,
        "MONTH_START": f"TIMESTAMPTZ '{month_start.isoformat()}'",
        "MONTH_ELAPSED": repr(elapsed),
        "MONTH_LEFT": repr(length - elapsed),
        "EPOCH_S": str(int((as_of - epoch).total_seconds())),
        "DAY_NUMBER": str((as_of.date() - epoch.date()).days),
    }
    sql = _SQL
    for placeholder, text in replacements.items():
        sql = sql.replace(placeholder, text)
    return re.sub(r"\bA\b", f"TIMESTAMPTZ '{as_of.isoformat()}'", sql)
