"""Offers: the playbook, triggers, eligibility, cadence, value cases, ranking and decisions."""
