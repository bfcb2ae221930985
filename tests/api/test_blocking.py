"""Where the hot paths' blocking calls run: reads on the loop from SQLite, else in threads."""

from __future__ import annotations

import asyncio
import threading

from tierwise.api.blocking import BlockingCalls
from tierwise.api.runtime import ApiRuntime

from .conftest import Api


def _thread_name() -> str:
    return threading.current_thread().name


def test_inline_reads_run_on_the_loop_and_other_work_in_the_api_threads() -> None:
    # given blocking calls with inline reads, and blocking calls without
    inline = BlockingCalls(inline_reads=True)
    threaded = BlockingCalls(inline_reads=False)

    async def scenario() -> tuple[str, str, str, str]:
        return (
            _thread_name(),
            await inline.read(_thread_name),
            await inline.run(_thread_name),
            await threaded.read(_thread_name),
        )

    # when each reports the thread it ran in
    try:
        loop_thread, inline_read, inline_run, threaded_read = asyncio.run(scenario())
    finally:
        inline.close()
        threaded.close()
    # then only the inline read ran on the loop's thread; the rest ran in the API's threads
    assert inline_read == loop_thread
    assert inline_run.startswith("tierwise-api")
    assert threaded_read.startswith("tierwise-api")


def test_keyword_arguments_reach_the_call_in_either_place() -> None:
    # given blocking calls with inline reads
    calls = BlockingCalls(inline_reads=True)

    async def scenario() -> tuple[str, int]:
        return await calls.read("-".join, ["a", "b"]), await calls.run(int, "ff", base=16)

    # when a read and a threaded call take positional and keyword arguments
    try:
        read, ran = asyncio.run(scenario())
    finally:
        calls.close()
    # then both got them
    assert (read, ran) == ("a-b", 255)


def test_the_served_runtime_reads_inline_only_from_sqlite(api: Api) -> None:
    # given the API's runtime on this test's database
    runtime: ApiRuntime = api.client.app.state.runtime  # type: ignore[attr-defined]
    # then its short reads are made on the loop from SQLite, and in threads from PostgreSQL
    assert runtime.blocking.inline_reads is (runtime.engine.dialect.name == "sqlite")
    # and a publishable key still authenticates through that path (the key read when due)
    answer = api.client.post(
        "/v1/checks",
        json={"account": "crm-a", "feature": "sso"},
        headers=api.headers("publishable"),
    )
    assert answer.status_code == 200, answer.text
