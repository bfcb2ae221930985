"""Licensing: subscriptions, transitions, entitlements, seats and signed license files (pure core)."""
