"""The demo company: a seeded, realistic synthetic customer base for ``tierwise demo``."""
