"""`clotwatch activity summary` on a large generated Apple Health export vs a bare streaming loop.

Usage (from the repository root; the file is written to /tmp and deleted afterwards):
    .venv/bin/python benchmarks/activity_apple.py                  # 1 GB (the issue's goal)
    .venv/bin/python benchmarks/activity_apple.py --size-mb 50     # a quick look
Goal (issue 9): the summary within 2x the time of the faster bare loop (lxml or the standard
library's iterparse, each only reading the step records), and under 200 MB peak memory. A third
loop, lxml with a parser target (how the summary's reader parses), is measured for information.

Each measurement runs in its own process (peak RSS from getrusage of that process); the
baselines and the summary alternate, each run --repeat times, and the medians are reported.
The generated export is realistic in shape: the HealthKit DTD header, then for each 5 minutes
of waking hours over as many days as it takes, a watch step record, a phone step record on
every other period (overlapping the watch's), a heart-rate, an active-energy and a distance
record (2 in 5 records are steps, 1 in 5 from the phone), times with their +0100 offset.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED device CDATA #IMPLIED creationDate CDATA #IMPLIED
  startDate CDATA #REQUIRED endDate CDATA #REQUIRED>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-11-03 09:00:00 +0100"/>
 <Me/>
"""
WATCH = ("&lt;&lt;HKDevice: 0x283a3c8c0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
         "model:Watch, hardware:Watch6,1, software:10.1&gt;")
PHONE = ("&lt;&lt;HKDevice: 0x283a3c9d0&gt;, name:iPhone, manufacturer:Apple Inc., "
         "model:iPhone, hardware:iPhone14,5, software:17.1&gt;")
STEP = "HKQuantityTypeIdentifierStepCount"


def generate(path: Path, size_bytes: int) -> dict[str, int]:
    """Write the export; returns how many records and step records it holds."""
    day = date(2018, 1, 1)
    records = steps = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        written = len(HEADER)
        while written < size_bytes:
            d = day.isoformat()
            chunk = []
            for period in range(7 * 12, 23 * 12):
                h, m = divmod(period * 5, 60)
                h2, m2 = divmod(period * 5 + 5, 60)
                a = f"{d} {h:02d}:{m:02d}:00 +0100"
                b = f"{d} {h2:02d}:{m2:02d}:00 +0100" if h2 < 24 else f"{d} 23:59:59 +0100"
                n = (period * 37 + day.toordinal()) % 600
                chunk.append(
                    f' <Record type="{STEP}" sourceName="Ann’s Apple Watch" sourceVersion="10.1"'
                    f' device="{WATCH}" unit="count" creationDate="{b}" startDate="{a}"'
                    f' endDate="{b}" value="{n}"/>\n')
                if period % 2:
                    chunk.append(
                        f' <Record type="{STEP}" sourceName="Ann’s iPhone" sourceVersion="17.1"'
                        f' device="{PHONE}" unit="count" creationDate="{b}" startDate="{a}"'
                        f' endDate="{b}" value="{n + 13}"/>\n')
                    steps += 1
                chunk.append(
                    f' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Ann’s Apple'
                    f' Watch" sourceVersion="10.1" device="{WATCH}" unit="count/min"'
                    f' creationDate="{b}" startDate="{a}" endDate="{a}" value="{60 + n % 40}">\n'
                    '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                    ' </Record>\n')
                chunk.append(
                    f' <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" sourceName="Ann’s'
                    f' Apple Watch" sourceVersion="10.1" device="{WATCH}" unit="kcal"'
                    f' creationDate="{b}" startDate="{a}" endDate="{b}" value="{n / 50:.3f}"/>\n')
                if period % 2 == 0:
                    chunk.append(
                        f' <Record type="HKQuantityTypeIdentifierDistanceWalkingRunning"'
                        f' sourceName="Ann’s Apple Watch" sourceVersion="10.1" device="{WATCH}"'
                        f' unit="km" creationDate="{b}" startDate="{a}" endDate="{b}"'
                        f' value="{n / 1300:.4f}"/>\n')
                steps += 1
            text = "".join(chunk)
            out.write(text)
            written += len(text.encode("utf-8"))
            records += len(chunk)
            day += timedelta(days=1)
        out.write("</HealthData>\n")
    return {"records": records, "step_records": steps, "days": (day - date(2018, 1, 1)).days}


def bare_lxml(path: str) -> int:
    """The baseline: stream the file with lxml, read each step record's fields, nothing more."""
    from lxml import etree

    count = 0
    for _, element in etree.iterparse(path, events=("end",), tag="Record",
                                      resolve_entities=False, no_network=True):
        attrib = element.attrib
        if attrib.get("type") == STEP:
            (attrib.get("sourceName"), attrib.get("device"), attrib.get("startDate"),
             attrib.get("endDate"), attrib.get("value"))
            count += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
    return count


def bare_stdlib(path: str) -> int:
    """The same loop with the standard library's iterparse."""
    import xml.etree.ElementTree as ET

    count = 0
    context = ET.iterparse(path, events=("start", "end"))
    _, root = next(context)
    for event, element in context:
        if event == "end" and element.tag == "Record":
            attrib = element.attrib
            if attrib.get("type") == STEP:
                (attrib.get("sourceName"), attrib.get("device"), attrib.get("startDate"),
                 attrib.get("endDate"), attrib.get("value"))
                count += 1
            root.clear()
    return count


def bare_target(path: str) -> int:
    """A stricter loop, for information (not the issue's baseline): lxml fed 64 KB chunks with
    a parser target, as the summary's reader does, reading the same five attributes."""
    from lxml import etree

    class Target:
        count = 0

        def start(self, tag: str, attrib: dict[str, str]) -> None:
            if tag == "Record" and attrib.get("type") == STEP:
                (attrib.get("sourceName"), attrib.get("device"), attrib.get("startDate"),
                 attrib.get("endDate"), attrib.get("value"))
                self.count += 1

        def close(self) -> int:
            return self.count

    target = Target()
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True,  # type: ignore[arg-type]
                             load_dtd=False)
    with open(path, "rb") as stream:
        while chunk := stream.read(64 * 1024):
            parser.feed(chunk)
    parser.close()  # calls target.close(); lxml-stubs types it as returning an element
    return target.count


def child(kind: str, path: str) -> None:
    start = time.perf_counter()
    if kind == "summary":
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        from clotwatch.cli import main

        result = main(["activity", "summary", path, "--json", "--tz", "Europe/Paris"])
    else:
        result = {"lxml": bare_lxml, "stdlib": bare_stdlib, "target": bare_target}[kind](path)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = usage.ru_maxrss / 1024
    # CPU time too: on a shared machine it is steadier than the wall clock (both are reported).
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"kind": kind, "seconds": seconds, "cpu_seconds": cpu, "rss_mb": rss_mb,
                      "result": result}), file=sys.stderr)


def measure(kind: str, path: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", kind, path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = Path(tempfile.mkdtemp(prefix="clotwatch-bench-", dir="/tmp"))
    path = folder / "export.xml"
    try:
        t0 = time.perf_counter()
        shape: dict[str, float] = dict(generate(path, args.size_mb * 1024 * 1024))
        shape["bytes"] = path.stat().st_size
        shape["generate_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"generated {shape}", file=sys.stderr)
        runs: dict[str, list[dict[str, float]]] = {"lxml": [], "stdlib": [], "target": [],
                                                   "summary": []}
        for _ in range(args.repeat):
            for kind in runs:
                runs[kind].append(measure(kind, str(path)))
                print(runs[kind][-1], file=sys.stderr)
        med = {k: {"seconds": statistics.median(r["seconds"] for r in v),
                   "cpu_seconds": statistics.median(r["cpu_seconds"] for r in v),
                   "rss_mb": max(r["rss_mb"] for r in v)} for k, v in runs.items()}
        base_kind = min(("lxml", "stdlib"), key=lambda k: med[k]["seconds"])
        ratio = med["summary"]["seconds"] / med[base_kind]["seconds"]
        cpu_ratio = med["summary"]["cpu_seconds"] / med[base_kind]["cpu_seconds"]
        target_ratio = med["summary"]["cpu_seconds"] / med["target"]["cpu_seconds"]
        report = {"shape": shape, "median": med, "baseline": base_kind,
                  "ratio_to_baseline": round(ratio, 2),
                  "cpu_ratio_to_baseline": round(cpu_ratio, 2),
                  "cpu_ratio_to_target_loop": round(target_ratio, 2),
                  "goal_time_met": ratio <= 2.0, "goal_memory_met": med["summary"]["rss_mb"] < 200,
                  "load_average": os.getloadavg()}
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            mb = shape["bytes"] / 2**20
            print(f"export.xml {mb:.0f} MB, {shape['records']:,} records "
                  f"({shape['step_records']:,} steps), {shape['days']:,} days")
            for kind in ("lxml", "stdlib", "target", "summary"):
                m = med[kind]
                print(f"  {kind:8s} {m['seconds']:7.1f} s wall  {m['cpu_seconds']:7.1f} s cpu  "
                      f"{mb / m['seconds']:6.1f} MB/s  peak {m['rss_mb']:6.1f} MB")
            print(f"summary / {base_kind} = {ratio:.2f} wall, {cpu_ratio:.2f} cpu (goal <= 2); "
                  f"summary peak {med['summary']['rss_mb']:.0f} MB (goal < 200); load "
                  f"{os.getloadavg()[0]:.1f}; for information, summary / the parser-target "
                  f"loop = {target_ratio:.2f} cpu")
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


if __name__ == "__main__":
    main()
