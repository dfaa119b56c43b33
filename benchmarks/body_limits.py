#!/usr/bin/env python3
"""How fast hostile bodies are refused (issue 13), against a small valid call of the same app in
the same run (in process, FastAPI's TestClient; no network).

- baseline: ``POST /api/v1/instruments/wells-dvt/evaluate`` with a valid answer set;
- 400,000 keys (about 5.5 MB) on ``/api/v1/assessments``: 413 (over the size limit);
- 30,000 values in 200 KB: 422 (over the shape limit);
- ``NaN``: 422 (not JSON);
- 20,000 heart-rate Observations (about 6 MB) as a CDS prefetch: 413.

Usage: .venv/bin/python benchmarks/body_limits.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from clotwatch.api import create_app
    from clotwatch.config import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)), migrate=True)
        json_type = {"content-type": "application/json"}
        hr = [{"resourceType": "Observation", "id": f"hr-{i}", "status": "final",
               "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
               "subject": {"reference": "Patient/p"},
               "effectiveDateTime": "2026-11-24T10:00:00Z",
               "valueQuantity": {"value": 80, "unit": "/min"}} for i in range(20_000)]
        cases = {
            "baseline: valid Wells DVT evaluate": (
                "/api/v1/instruments/wells-dvt/evaluate",
                json.dumps({"active_cancer": True}).encode(), 200),
            "400,000 keys -> 413": (
                "/api/v1/assessments",
                json.dumps({"answers": {f"k{i}": 1 for i in range(400_000)}}).encode(), 413),
            "30,000 values in 200 KB -> 422": (
                "/api/v1/assessments", json.dumps({"answers": [0] * 30_000}).encode(), 422),
            "NaN -> 422": ("/api/v1/assessments", b'{"answers": {"x": NaN}}', 422),
            "20,000 Observations as CDS prefetch -> 413": (
                "/cds-services/clotwatch-vte-risk", json.dumps({"prefetch": {
                    "heart_rate": {"resourceType": "Bundle", "type": "searchset",
                                   "entry": [{"resource": r} for r in hr]}}}).encode(), 413),
        }
        with TestClient(app) as client:
            for name, (path, body, status) in cases.items():
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.post(path, content=body, headers=json_type)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == status, (name, response.status_code)
                median = statistics.median(times)
                print(f"{name:45s} {len(body) / 1e6:6.2f} MB  median {median:8.2f} ms  "
                      f"max {max(times):8.2f} ms")


if __name__ == "__main__":
    main()
