"""Signals: per-account measurements as of a date; the segments, stages and health on them."""
