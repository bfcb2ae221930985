"""Webhooks as use cases: endpoint management and the dispatcher (see each module).

Public names: :class:`WebhookEndpoints`, :class:`WebhookDispatcher`, :class:`DispatchPolicy`,
:class:`PassReport` and the ports (:class:`WebhookUnitOfWork`, :class:`WebhookSender`,
:class:`WebhookRequest`).
"""

from tierwise.services.webhooks.dispatcher import DispatchPolicy, PassReport, WebhookDispatcher
from tierwise.services.webhooks.endpoints import WebhookEndpoints
from tierwise.services.webhooks.ports import WebhookRequest, WebhookSender, WebhookUnitOfWork

__all__ = [
    "DispatchPolicy",
    "PassReport",
    "WebhookDispatcher",
    "WebhookEndpoints",
    "WebhookRequest",
    "WebhookSender",
    "WebhookUnitOfWork",
]
