"""What the Spark tests share: the check that Spark can run here.

A Spark test is skipped with the reason when Java or PySpark is missing, unless ``CI=true``:
then it fails, so CI never passes without the Spark half.
"""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["SPARK_WARNINGS", "require_spark"]

#: py4j leaves sockets to the JVM for the garbage collector (not our leaks), and PySpark 4.0's
#: toPandas passes pandas 3 a deprecated copy= keyword.
SPARK_WARNINGS = pytest.mark.filterwarnings(
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore::pandas.errors.Pandas4Warning",
)


def require_spark() -> None:
    """Skip (fail on CI) unless Java and PySpark are installed."""
    missing = None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing = "Java is not installed (Spark needs Java 17)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            missing = "pyspark is not installed (pip install -e '.[dev]' or '.[spark]')"
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{missing}; the Spark tests are required on CI")
    pytest.skip(missing)
