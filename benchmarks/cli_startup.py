"""How long the ``tierwise`` command takes to start: wall clock and CPU time per run.

Run with ``.venv/bin/python -m benchmarks.cli_startup`` (``--runs N`` for more repetitions,
``--importtime`` to also list the slowest imports of each command by ``python -X importtime``,
``--before DIR`` to time another source tree, e.g. an export of an older commit, side by side:
``git archive HEAD~3 src | tar -x -C /tmp/before`` then ``--before /tmp/before/src``).

Each command runs as its own process, ``python -c`` calling the console script's ``main`` with the
source tree first on ``PYTHONPATH``, so interpreter start, imports and Typer's parsing are all
counted. Wall clock and the child's user + system CPU time are taken per run; the figure is the
median of the runs. Commands and trees take turns within each repetition so that load from other
work falls on all of them alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = str(ROOT / "examples" / "catalog.yaml")
ENTRY = "import sys; from tierwise.cli.app import main; sys.argv[0] = 'tierwise'; main()"

UPGRADE = [
    "quote",
    "--plan",
    "team",
    "--interval",
    "month",
    "--seats",
    "8",
    "--period-start",
    "2026-03-01",
    "--to",
    "business",
    "--to-seats",
    "12",
    "--at",
    "2026-03-15T09:30:00Z",
]
COMMANDS: dict[str, list[str]] = {
    "tierwise --help": ["--help"],
    "tierwise quote --help": ["quote", "--help"],
    "tierwise catalog validate": ["catalog", "validate", CATALOG],
    "tierwise quote (upgrade)": [*UPGRADE, "--catalog", CATALOG],
    "tierwise account --help": ["account", "--help"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(src)}


def time_once(src: Path, args: list[str]) -> tuple[float, float]:
    """Wall clock and CPU seconds of one ``tierwise ARGS`` from ``src`` (output discarded)."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(src),
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"tierwise {' '.join(args)} failed: {done.stderr.decode()}")
    return wall, _children_cpu() - cpu_before


def slowest_imports(src: Path, args: list[str], most: int) -> list[tuple[int, str]]:
    """The ``most`` packages (and ``tierwise.cli.app``) with the largest cumulative import time.

    Cumulative microseconds from ``python -X importtime``, counted where the package was first
    imported; a package imported by another one is counted inside it as well.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", ENTRY, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(src),
        text=True,
        check=False,
    )
    rows: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2].strip()
        if "." not in name or name == "tierwise.cli.app":
            rows.append((int(fields[1]), name))
    rows.sort(reverse=True)
    return rows[:most]


def main() -> None:
    """Time each command ``--runs`` times, in turns, and print medians (milliseconds)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--before", type=Path, help="another source tree to time side by side")
    options = parser.parse_args()
    trees = {"now": ROOT / "src"}
    if options.before is not None:
        trees = {"before": options.before.resolve(), **trees}
    print(f"CPython {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    keys = [(tree, name) for name in COMMANDS for tree in trees]
    walls: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    cpus: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    for _ in range(options.runs):
        for tree, name in keys:
            wall, cpu = time_once(trees[tree], COMMANDS[name])
            walls[tree, name].append(wall)
            cpus[tree, name].append(cpu)
    print(f"{'tree':<7} {'command':<28} {'wall ms':>8} {'min':>6} {'max':>6} {'CPU ms':>7}")
    for tree, name in keys:
        wall_ms = [w * 1000 for w in walls[tree, name]]
        print(
            f"{tree:<7} {name:<28} {statistics.median(wall_ms):>8.0f} {min(wall_ms):>6.0f} "
            f"{max(wall_ms):>6.0f} {statistics.median(cpus[tree, name]) * 1000:>7.0f}"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")
    if options.importtime:
        for tree, name in keys:
            print(f"\n{tree}: slowest imports of {name} (cumulative ms):")
            for micros, module in slowest_imports(trees[tree], COMMANDS[name], 8):
                print(f"  {micros / 1000:>8.1f}  {module}")


if __name__ == "__main__":
    main()
