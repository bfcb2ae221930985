"""Health: liveness (the process answers) and readiness (the database answers, schema current)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from tierwise.adapters.sql import schema_is_current
from tierwise.api.deps import Runtime
from tierwise.api.problems import problem_response

__all__ = ["router"]

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str


@router.get("", response_model=Health)
async def live() -> Health:
    """Liveness: 200 while the process serves requests. No key needed."""
    return Health(status="ok")


@router.get("/ready", response_model=Health, responses={503: {"description": "Not ready."}})
async def ready(runtime: Runtime) -> Health | JSONResponse:
    """Readiness: 200 when the database answers and its schema is current, else 503."""
    try:
        current = await run_in_threadpool(schema_is_current, runtime.engine)
    except SQLAlchemyError:
        return problem_response(503, "database_unavailable", "the database does not answer")
    if not current:
        return problem_response(503, "schema_outdated", "run `tierwise db upgrade`")
    return Health(status="ready")
