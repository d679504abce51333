"""One local[2] Spark session for every Spark test (starting one takes seconds).

The tests skip, saying why, where pyspark (``pip install 'veracity[spark]'``) or a Java runtime
(``.ci/install-spark`` installs Debian's) is missing; ``make test`` installs both.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def _missing() -> str | None:
    for module in ("pyspark", "pyarrow", "pandas"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'veracity[spark]', or make test)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (.ci/install-spark installs openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    why = _missing()
    if why is not None:
        pytest.skip(f"Spark tests: {why}")
    from pyspark.sql import SparkSession

    # The workers run this interpreter, which has veracity installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("veracity-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
