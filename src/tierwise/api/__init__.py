"""The REST API (FastAPI): :func:`tierwise.api.app.create_app` builds it; nothing runs at import."""
