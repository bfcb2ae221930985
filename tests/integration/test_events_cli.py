"""``tierwise events``: import with a report, stats, export; bad input exits 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierwise.cli.events import events_app

runner = CliRunner()

_CSV = """event_id,type,account,time,n
1,api.call,acme,2025-03-01T10:00:00Z,2
2,api.call,acme,2025-03-02T10:00:00Z,3
3,api.call,globex,2025-03-02T11:00:00Z,1
"""


def _csv(tmp_path: Path, text: str = _CSV) -> Path:
    path = tmp_path / "usage.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_counts_as_json_and_a_rerun_stores_nothing_twice(tmp_path: Path) -> None:
    # given
    path = _csv(tmp_path)
    args = ["import", str(path), "--data-dir", str(tmp_path / "d"), "--source", "crm"]
    args += ["--map", "id=event_id", "--json"]

    # when
    first = runner.invoke(events_app, args)
    second = runner.invoke(events_app, args)

    # then
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["inserted"] == 3
    assert json.loads(second.stdout) | {"examples": []} == {
        "files": 1,
        "rows": 3,
        "inserted": 0,
        "duplicates": 3,
        "rejected": 0,
        "reasons": {},
        "examples": [],
    }


def test_rejected_rows_are_listed_and_exit_1(tmp_path: Path) -> None:
    # given the second row has no time
    path = _csv(tmp_path, "id,source,type,time\na,s,api.call,2025-03-01T00:00:00Z\nb,s,api.call,\n")

    # when
    result = runner.invoke(events_app, ["import", str(path), "--data-dir", str(tmp_path / "d")])

    # then
    assert result.exit_code == 1
    assert "1 stored" in result.stdout
    assert "missing time" in result.stdout


def test_stats_and_export_after_an_import(tmp_path: Path) -> None:
    # given
    data = str(tmp_path / "d")
    runner.invoke(
        events_app,
        [
            "import",
            str(_csv(tmp_path)),
            "--data-dir",
            data,
            "--source",
            "crm",
            "--map",
            "id=event_id",
        ],
    )

    # when
    stats = runner.invoke(events_app, ["stats", "--data-dir", data, "--json"])
    export = runner.invoke(events_app, ["export", str(tmp_path / "pq"), "--data-dir", data])

    # then
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["accounts"] == 2
    assert json.loads(stats.stdout)["types"] == {"api.call": 3}
    assert export.exit_code == 0, export.output
    assert (tmp_path / "pq" / "month=2025-03").is_dir()
    assert "1 of 1 months rewritten" in " ".join(export.output.split())
    # and exported again without new events, no month is rewritten
    again = runner.invoke(
        events_app, ["export", str(tmp_path / "pq"), "--data-dir", data, "--json"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) | {"directory": None} == {
        "events": 3,
        "directory": None,
        "months": 1,
        "rewritten": [],
        "removed": [],
        "full": False,
    }


def test_bad_input_exits_2_with_a_message_naming_the_field(tmp_path: Path) -> None:
    # given unmapped columns, an unknown extension, a bad mapping, a missing file
    cases = [
        (["import", str(_csv(tmp_path))], "columns.id"),
        (["import", str(_csv(tmp_path)), "--map", "id=event_id"], "columns.source"),
        (["import", str(tmp_path / "usage.txt")], "format"),
        (["import", str(_csv(tmp_path)), "--map", "nope=x"], "map"),
        (["import", str(tmp_path / "missing.csv")], "file"),
    ]
    for args, field in cases:
        # when
        result = runner.invoke(events_app, [*args, "--data-dir", str(tmp_path / "d")])

        # then
        assert result.exit_code == 2, (args, result.output)
        assert field in result.stderr
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
