"""The one place that wires adapters into services (entrypoint layer).

Entry points (CLI, API, scheduled jobs) ask this module for ready-to-use services; nothing is
built at import time.
"""
