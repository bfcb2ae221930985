"""One router per resource; :mod:`tierwise.api.app` mounts them. Ingest and webhook endpoint
routers are added beside these by their own modules."""
