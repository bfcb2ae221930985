"""Pricing: billing periods, proration, discounts and quotes (pure core)."""
