"""How many processes a batch decision uses when the caller does not say."""

from __future__ import annotations

import os

import pytest

from tierwise.services import decision_batch


def _cpus(monkeypatch: pytest.MonkeyPatch, cpus: int, idle: float | None, load: float) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(decision_batch, "_idle_cpus", lambda: idle)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="splitting needs os.fork")
def test_a_large_batch_splits_when_the_second_cpu_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    # given two idle CPUs (the load average still counting work that has ended)
    _cpus(monkeypatch, cpus=2, idle=1.9, load=1.8)
    # then a large batch uses both, a small one one
    assert decision_batch._processes(decision_batch.SPLIT_FROM) == 2
    assert decision_batch._processes(decision_batch.SPLIT_FROM - 1) == 1


def test_a_batch_stays_in_one_process_when_the_cpus_are_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two CPUs, one of them busy with other work
    _cpus(monkeypatch, cpus=2, idle=1.1, load=0.0)
    # then
    assert decision_batch._processes(10 * decision_batch.SPLIT_FROM) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="splitting needs os.fork")
def test_without_proc_stat_the_load_average_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    _cpus(monkeypatch, cpus=2, idle=None, load=1.2)
    assert decision_batch._processes(decision_batch.SPLIT_FROM) == 2
    _cpus(monkeypatch, cpus=2, idle=None, load=2.5)
    assert decision_batch._processes(decision_batch.SPLIT_FROM) == 1


def test_a_batch_stays_in_one_process_on_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _cpus(monkeypatch, cpus=1, idle=1.0, load=0.0)
    assert decision_batch._processes(10 * decision_batch.SPLIT_FROM) == 1


def test_idle_cpus_are_measured_where_proc_stat_exists() -> None:
    idle = decision_batch._idle_cpus(0.01)
    if os.path.exists("/proc/stat"):
        assert idle is not None
        assert 0 <= idle <= (os.cpu_count() or 1)
    else:
        assert idle is None
