"""How many processes a batch decision uses when the caller does not say."""

from __future__ import annotations

import os

import pytest

from tierwise.services import decision_batch


def _two_cpus(monkeypatch: pytest.MonkeyPatch, load: float) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="splitting needs os.fork")
def test_a_large_batch_splits_when_the_second_cpu_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    # given two CPUs and only this process running
    _two_cpus(monkeypatch, load=1.0)
    # then a large batch uses both, a small one one
    assert decision_batch._processes(decision_batch.SPLIT_FROM) == 2
    assert decision_batch._processes(decision_batch.SPLIT_FROM - 1) == 1


def test_a_batch_stays_in_one_process_when_the_cpus_are_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two CPUs with other work on the second
    _two_cpus(monkeypatch, load=2.5)
    # then
    assert decision_batch._processes(10 * decision_batch.SPLIT_FROM) == 1


def test_a_batch_stays_in_one_process_on_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert decision_batch._processes(10 * decision_batch.SPLIT_FROM) == 1
