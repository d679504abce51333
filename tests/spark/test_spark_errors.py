"""A Spark job that fails during an audit ends in one line and exit 2, never "internal error":
the root cause's first line (values scrubbed), and what to do (--debug, or the memory to raise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from veracity.cli import app
from veracity.runners import _work
from veracity.runners._spark_errors import is_spark_error, spark_failure

_TASK = (
    "An error occurred while calling o1317.collectToPython.\n"
    ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 2 in stage 60.0 failed 1 "
    "times, most recent failure: Lost task 2.0 in stage 60.0 (TID 346) (192.0.2.2 executor driver): {cause}\n"
    "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2935)\n"
    "\nDriver stacktrace:\n\tat org.apache.spark.scheduler.DAGScheduler.abortStage(DAGScheduler.scala:2871)\n"
)


def _raised(module: str, name: str, text: str) -> Exception:
    """An exception of pyspark's or py4j's kind ``name`` saying ``text`` (the real ones need a
    JVM to be printed)."""
    kind = type(name, (Exception,), {"__module__": module})
    return kind(text)


# Each: the exception (module, class, text) and the exact line it becomes.
CASES = {
    "the JVM's heap is exhausted in an aggregation": (
        "py4j.protocol",
        "Py4JJavaError",
        _TASK.format(
            cause="org.apache.spark.memory.SparkOutOfMemoryError: [AGGREGATE_OUT_OF_MEMORY] No enough memory "
            "for aggregation SQLSTATE: 82001"
        ),
        "a Spark job ran out of memory (SparkOutOfMemoryError: [AGGREGATE_OUT_OF_MEMORY] No enough memory for "
        "aggregation); give Spark more memory: spark.driver.memory in local mode (it holds the "
        "executors), spark.executor.memory on a cluster, e.g. PYSPARK_SUBMIT_ARGS='--driver-memory 4g "
        "pyspark-shell' or spark-defaults.conf (docs/spark.md)",
    ),
    "a root cause below the task's error": (
        "py4j.protocol",
        "Py4JJavaError",
        _TASK.format(cause="org.apache.spark.SparkException: Task failed while writing rows.")
        + "Caused by: java.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf\n",
        "a Spark job ran out of memory (OutOfMemoryError: Java heap space); give Spark more memory: "
        "spark.driver.memory in local mode (it holds the executors), spark.executor.memory on a cluster, e.g. "
        "PYSPARK_SUBMIT_ARGS='--driver-memory 4g pyspark-shell' or spark-defaults.conf (docs/spark.md)",
    ),
    "results over spark.driver.maxResultSize": (
        "py4j.protocol",
        "Py4JJavaError",
        "An error occurred while calling o88.collectToPython.\n: org.apache.spark.SparkException: Job aborted "
        "due to stage failure: Total size of serialized results of 3 tasks (1030.2 KiB) is bigger than "
        "spark.driver.maxResultSize (1024.0 KiB)\n\tat org.apache.spark.scheduler.DAGScheduler.abortStage\n",
        "a Spark job's results are larger than the driver accepts (SparkException: Job aborted due to stage "
        "failure: … size of serialized results of 3 tasks (1030.2 KiB) is bigger than spark.driver.maxResultSize "
        "(1024.0 KiB)); raise spark.driver.maxResultSize (or 0 for no limit) with spark.driver.memory "
        "(docs/spark.md)",
    ),
    "a worker's Python error quoting a value": (
        "pyspark.errors.exceptions.captured",
        "PythonException",
        "\n  An exception was thrown from the Python worker. Please see the stack trace below.\n"
        'Traceback (most recent call last):\n  File "/x/worker.py", line 1, in main\n'
        "ValueError: cannot read 'ann@example.com' in row 123456\n",
        "a Spark worker's Python failed: ValueError: cannot read '…' in row …; rerun with --debug for "
        "Spark's error",
    ),
    "a worker without veracity": (
        "py4j.protocol",
        "Py4JJavaError",
        _TASK.format(cause="org.apache.spark.api.python.PythonException: Traceback (most recent call last):")
        + '  File "/w/pyspark/worker.py", line 9, in main\n'
        "ModuleNotFoundError: No module named 'veracity'\n\n\tat org.apache.spark.api.python.BasePythonRunner\n",
        "a Spark worker's Python failed: ModuleNotFoundError: No module named 'veracity'; the workers' Python "
        "must import veracity, polars and pyarrow (docs/spark.md, where it runs); rerun with --debug for "
        "Spark's error",
    ),
    "the JVM stopped answering": (
        "py4j.protocol",
        "Py4JError",
        "An error occurred while calling o57.collectToPython",
        "Spark stopped answering during the audit (its JVM may have run out of memory and been stopped); "
        "rerun with --debug for Spark's error, or give Spark more memory: spark.driver.memory in local mode "
        "(it holds the executors), spark.executor.memory on a cluster, e.g. PYSPARK_SUBMIT_ARGS='--driver-memory "
        "4g pyspark-shell' or spark-defaults.conf (docs/spark.md)",
    ),
    "a Spark Connect error": (
        "pyspark.errors.exceptions.connect",
        "SparkConnectGrpcException",
        "<_MultiThreadedRendezvous of RPC that terminated with:\n\tstatus = StatusCode.UNAVAILABLE",
        "a Spark job failed: SparkConnectGrpcException: <_MultiThreadedRendezvous of RPC that terminated "
        "with:; rerun with --debug for Spark's error",
    ),
}


@pytest.mark.parametrize(("module", "name", "text", "line"), CASES.values(), ids=CASES.keys())
def test_a_failed_spark_job_is_one_line(module: str, name: str, text: str, line: str) -> None:
    exc = _raised(module, name, text)
    assert is_spark_error(exc)
    assert str(spark_failure(exc)) == line
    assert "\n" not in line


@pytest.mark.parametrize(
    "exc", [ValueError("x"), KeyError("y"), _raised("polars.exceptions", "ComputeError", "z")]
)
def test_errors_that_are_not_spark_s_are_left_alone(exc: Exception) -> None:
    assert not is_spark_error(exc)


def test_a_task_that_fails_on_a_worker_ends_the_audit_in_one_line(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "people.parquet"
    pl.DataFrame({"name": ["Ann", "Bob"]}).write_parquet(data)
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nrules:\n  - {id: named, check: not_null, field: name}\n", encoding="utf-8")

    def failing(batches: Any, **_: Any) -> Any:
        raise ZeroDivisionError("division of 'Smith' by zero")
        yield  # a generator, as mapInArrow expects

    # A local function is pickled by value: the workers run it instead of veracity's.
    monkeypatch.setattr(_work, "prepare_partition", failing)
    result = CliRunner().invoke(
        app, ["audit", "--rules", str(rules), "--runner", "spark", "--no-progress", str(data)]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: a Spark worker's Python failed: ZeroDivisionError: division of '…' by zero; rerun with "
        "--debug for Spark's error"
    )
