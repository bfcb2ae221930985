"""Notifications to other systems, as pure computation (core layer).

Webhooks: which public event a ledger event becomes and what its payload says
(:mod:`~tierwise.notifications.webhook_events`), how a message is signed per the Standard
Webhooks specification (:mod:`~tierwise.notifications.webhooks`), when a failed delivery is tried
again (:mod:`~tierwise.notifications.retries`), and the state of endpoints and deliveries
(:mod:`~tierwise.notifications.endpoints`, :mod:`~tierwise.notifications.deliveries`).
Nothing here reads the clock, draws random numbers or does I/O: callers pass them in.
"""
