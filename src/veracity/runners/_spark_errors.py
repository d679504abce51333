"""A Spark job that fails during an audit, as one line a user can act on.

pyspark raises many kinds: ``Py4JJavaError`` (a job aborted: a task's Java or Python error, a
JVM out of memory, results over ``spark.driver.maxResultSize``), ``Py4JError`` (the JVM stopped
answering), pyspark's own ``PySparkException`` family (a worker's Python error, Spark Connect's
errors). :func:`spark_failure` turns any of them into a :class:`SparkJobError`: what failed (the
root cause's first line, with values scrubbed: a Java or Python message can quote the data),
and how to get more (``--debug``) or what to raise.
"""

from __future__ import annotations

import re

from veracity.errors import VeracityError
from veracity.safetext import scrub_message

__all__ = ["SparkJobError", "is_spark_error", "spark_failure"]

#: A Java exception line: ``java.lang.OutOfMemoryError: Java heap space``.
_JAVA = re.compile(
    r"^(?:Caused by: )?((?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))(?:: (.*))?$"
)
#: The exception of a failed task: ``... most recent failure: Lost task 0.0 in stage 3.0 (TID 7)
#: (host executor driver): org.apache.spark.SparkException: ...``.
_LOST_TASK = re.compile(r"most recent failure: Lost task [^:]*\): (.*)$")
#: The last line of a Python traceback: ``ValueError: ...``.
_PYTHON = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))(?:: (.*))?$")
_MODULES = ("py4j.", "pyspark.")
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+\s*$")
_DEBUG = "rerun with --debug for Spark's error"
_MEMORY = (
    "give Spark more memory: spark.driver.memory in local mode (it holds the executors), "
    "spark.executor.memory on a cluster, e.g. PYSPARK_SUBMIT_ARGS='--driver-memory 4g pyspark-shell' "
    "or spark-defaults.conf (docs/spark.md)"
)


class SparkJobError(VeracityError):
    """A Spark job of the audit failed: the message says what and what to do."""


def is_spark_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from pyspark or py4j (not from veracity's own code)."""
    return any(cls.__module__.startswith(_MODULES) for cls in type(exc).__mro__)


def spark_failure(exc: BaseException) -> SparkJobError:
    """The one-line error for a failed Spark job (:func:`is_spark_error`)."""
    text = str(exc)
    name = type(exc).__name__
    if name in ("Py4JNetworkError", "Py4JError") and _java_line(text) is None:
        return SparkJobError(
            "Spark stopped answering during the audit (its JVM may have run out of memory and been "
            f"stopped); {_DEBUG}, or {_MEMORY}"
        )
    python = _python_line(text)
    if python is not None:
        kind, message = python
        if kind in ("ModuleNotFoundError", "ImportError"):
            # A module's name is not data: it says what the workers' Python lacks.
            return SparkJobError(
                f"a Spark worker's Python failed: {kind}: {message}; the workers' Python must import "
                f"veracity, polars and pyarrow (docs/spark.md, where it runs); {_DEBUG}"
            )
        return SparkJobError(f"a Spark worker's Python failed: {_shown(kind, message)}; {_DEBUG}")
    java = _java_line(text)
    kind, message = java if java is not None else (name, (text.strip().splitlines() or [""])[0])
    what = _shown(kind, message)
    message = message or ""
    if "OutOfMemory" in kind or "OUT_OF_MEMORY" in message:
        return SparkJobError(f"a Spark job ran out of memory ({what}); {_MEMORY}")
    if "maxResultSize" in message:
        return SparkJobError(
            f"a Spark job's results are larger than the driver accepts ({what}); raise "
            "spark.driver.maxResultSize (or 0 for no limit) with spark.driver.memory (docs/spark.md)"
        )
    return SparkJobError(f"a Spark job failed: {what}; {_DEBUG}")


def _shown(kind: str, message: str | None) -> str:
    short = kind.rsplit(".", 1)[-1]
    # Spark's SQL state code says nothing more than the error class before it.
    plain = _SQLSTATE.sub("", message) if message else ""
    scrubbed = scrub_message(plain).removesuffix(" […]") if plain else ""
    return f"{short}: {scrubbed}" if scrubbed else short


def _java_line(text: str) -> tuple[str, str | None] | None:
    """The root cause: the last ``Caused by:`` line, else the failed task's exception, else
    the first Java exception line."""
    lines = [line.strip() for line in text.splitlines()]
    causes = [line for line in lines if line.startswith("Caused by: ")]
    candidates = [*reversed(causes)]
    for line in lines:
        lost = _LOST_TASK.search(line)
        if lost is not None:
            candidates.append(lost.group(1))
    candidates += [line.removeprefix(": ") for line in lines]
    for line in candidates:
        found = _JAVA.match(line)
        if found is not None and "PythonException" not in found.group(1):
            return found.group(1), found.group(2)
    return None


def _python_line(text: str) -> tuple[str, str | None] | None:
    """The exception a worker's Python raised: the last line of its traceback."""
    if "Traceback (most recent call last)" not in text and "PythonException" not in text:
        return None
    tail = text[text.find("Traceback (most recent call last)") :].splitlines()
    for line in reversed(tail):
        found = _PYTHON.match(line.strip())
        if found is not None and not found.group(1).startswith(("org.", "java.")):
            return found.group(1).rsplit(".", 1)[-1], found.group(2)
    return None
