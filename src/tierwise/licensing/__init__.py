"""Licensing: subscriptions, transitions, entitlements, seats, signed license files (pure core)."""
