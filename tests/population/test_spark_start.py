"""The Spark driver's JVM as a user's terminal sees it: Spark's incubator-module line is not
shown, anything else the JVM writes on stderr is, and a JVM that does not start says why.

The JVM is started in a child process (``python -m clotwatch.cli``), as the command starts it:
the tests' own session (conftest's ``spark_small``) is already running in this one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from clotwatch.population.spark import INCUBATOR_WARNING, forward_stderr

VIEW = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views" / \
    "patient.json"


def _forwarded(written: bytes) -> bytes:
    """What ``forward_stderr`` passes on of ``written`` (the JVM's stderr)."""
    jvm_read, jvm_write = os.pipe()
    out_read, out_write = os.pipe()
    forward = threading.Thread(target=forward_stderr, args=(jvm_read, out_write))
    forward.start()
    os.write(jvm_write, written)
    os.close(jvm_write)  # the JVM exits
    forward.join(timeout=10)
    assert not forward.is_alive()
    os.close(out_write)
    with os.fdopen(out_read, "rb") as out:
        return out.read()


def test_only_sparks_incubator_line_is_left_out() -> None:
    """Every other line passes whole and in order: the JVM's reasons for not starting, a
    line listing other incubator modules (the user's, not Spark's), a last line without a
    newline."""
    kept = (b"Unrecognized VM option 'Bogus'\n"
            b"WARNING: Using incubator modules: jdk.incubator.vector, jdk.incubator.foreign\n"
            b"Error: Could not create the Java Virtual Machine.\r\n"
            b"26/12/01 11:00:00 ERROR Executor: Exception in task 0.0")
    written = INCUBATOR_WARNING + b"\n" + kept
    assert _forwarded(written) == kept
    assert _forwarded(b"") == b""


def _clotwatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clotwatch.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})},
                          check=False)


def _tiny_export(tmp_path: Path) -> Path:
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(
        '{"resourceType": "Patient", "id": "p1", "gender": "female"}\n', encoding="utf-8")
    return folder


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_a_spark_run_shows_no_jvm_warning_but_the_jvms_stderr_still_reaches_the_user(
        tmp_path: Path) -> None:
    """``--engine spark`` printed "WARNING: Using incubator modules: jdk.incubator.vector"
    (the JVM's own line, for the module Spark's launcher adds) over clotwatch's output."""
    pytest.importorskip("pyspark", reason="PySpark is not installed")
    run = _clotwatch("views", "run", str(VIEW), "--data", str(_tiny_export(tmp_path)),
                     "--engine", "spark")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert '"patient_id":"p1"' in run.stdout.replace(" ", "")
    # what the JVM writes on stderr after its start is still shown
    script = ("import time\n"
              "from clotwatch.population.spark import SMALL_DATA, session\n"
              "spark = session(conf=SMALL_DATA)\n"
              "spark.sparkContext._jvm.java.lang.System.err.println('from the JVM')\n"
              "time.sleep(1)\n")
    run2 = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert run2.returncode == 0, run2.stderr
    assert run2.stderr == "from the JVM\n"


@pytest.mark.spark
def test_a_jvm_that_does_not_start_shows_its_reason_then_one_line(tmp_path: Path) -> None:
    """It showed the JVM's reason and then a traceback ending in PySpark's "Java gateway
    process exited before sending its port number"."""
    pytest.importorskip("pyspark", reason="PySpark is not installed")
    run = _clotwatch("views", "run", str(VIEW), "--data", str(_tiny_export(tmp_path)),
                     "--engine", "spark", env={"JDK_JAVA_OPTIONS": "-XX:+NoSuchOption"})
    assert run.returncode == 2
    err = run.stderr.splitlines()
    assert "Unrecognized VM option 'NoSuchOption'" in err  # the JVM's own reason, first
    assert err[-1] == ("clotwatch: error: engine: spark: Java did not start (its reason is "
                       "above); Spark needs Java 17 (JAVA_HOME, or java on the PATH), or use "
                       "--engine duckdb")
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
