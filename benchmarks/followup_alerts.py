"""Alert evaluation per check-in against triage alone, in the same run.

evaluate() runs every rule of the "after a DVT or PE" programme (triage's emergency and same-day
rules through one apply_rules call, the calf rules over the history, Villalta through the
instrument, missed doses, stale data, escalations) on one new check-in with a history of 90 days
of daily check-ins. The baseline is the triage decision alone (``apply_rules``) on the same
answers: the least any follow-up evaluation must do.

    .venv/bin/python benchmarks/followup_alerts.py [--history-days 90] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import timeit
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clotwatch.core.followup import OpenAlert, Schedule, evaluate, get_programme, validate_checkin
from clotwatch.core.followup.checkin import CheckIn
from clotwatch.core.triage.rules import apply_rules

INDEX = date(2026, 1, 5)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SIGNS = ("short_of_breath", "chest_pain", "coughing_blood", "fainting", "fast_heartbeat",
         "cold_pale_numb_leg")


def _raw(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {k: False for k in SIGNS}
    answers["leg_side"] = rng.choice(["none", "left"])
    answers["swelling"] = rng.random() < 0.1
    left = round(rng.uniform(35, 38), 1)
    return {"answers": answers, "calf_cm": {"left": left, "right": 35.0},
            "doses_missed": int(rng.random() < 0.05), "leg_pain": rng.randint(0, 4),
            "villalta": {k: rng.randint(0, 2) for k in ("pain", "cramps", "heaviness",
                                                        "paresthesia", "pruritus")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(12)
    schedule = Schedule(get_programme("after_vte"), INDEX, "Europe/London")
    history = [validate_checkin(_raw(rng), START + timedelta(days=d))
               for d in range(args.history_days)]
    new = validate_checkin(_raw(rng), START + timedelta(days=args.history_days))
    open_alerts = {"missed_doses": OpenAlert("missed_doses", "soon", START)}
    answers = dict(new.answers)

    def followup() -> object:
        return evaluate(schedule, new, history, open_alerts, new.at, START)

    def triage_only() -> object:
        return apply_rules(answers)

    # The service's path (clotwatch.service.rules.evaluate): the history comes as stored rows
    # (service.followup._checkin_dict) and is turned back into CheckIns on every check-in.
    # "before": every stored row re-validated (core_checkin), as until issue 12's follow-up;
    # "after": rows the store wrote are rebuilt without validation (stored_checkin).
    from clotwatch.core.followup import OpenAlert as CoreOpenAlert
    from clotwatch.service import rules as service

    def stored(c: CheckIn, i: int) -> dict[str, Any]:
        return {"id": i, "at": c.at.isoformat(), "answers": dict(c.answers),
                "calf_left_cm": c.calf_left_cm, "calf_right_cm": c.calf_right_cm,
                "leg_pain": c.leg_pain, "doses_missed": c.doses_missed,
                "villalta_symptoms": dict(c.villalta), "kind": c.kind}

    rows = [stored(c, i) for i, c in enumerate(history)]
    current = stored(new, len(history))
    enrolment = service.EnrolmentFacts("after_vte", INDEX, "Europe/London", None, None, START)
    open_facts = {"missed_doses": service.OpenAlertFacts("missed_doses", "soon", START, None,
                                                         None)}
    core_open = {"missed_doses": CoreOpenAlert("missed_doses", "soon", START)}

    def service_after() -> object:
        return service.evaluate(enrolment, current, rows, open_facts, new.at)

    def service_before() -> object:
        return evaluate(service.schedule(enrolment), service.core_checkin(current),
                        [service.core_checkin(r) for r in rows], core_open, new.at, START)

    assert [d.rule_id for d in service_after()] == [d.rule for d in service_before()]  # type: ignore[attr-defined]
    results = {}
    for name, fn in (("evaluate", followup), ("triage apply_rules", triage_only),
                     ("service, rows re-validated (before)", service_before),
                     ("service, rows trusted (after)", service_after)):
        timer = timeit.Timer(fn)
        number, _ = timer.autorange()
        runs = [t / number for t in timer.repeat(args.repeat, number)]
        results[name] = {"median_us": statistics.median(runs) * 1e6,
                         "best_us": min(runs) * 1e6, "per_second": 1 / statistics.median(runs)}
    ratio = results["evaluate"]["median_us"] / results["triage apply_rules"]["median_us"]
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "history_days": args.history_days, "ratio": ratio,
            "service_before_over_after": results["service, rows re-validated (before)"][
                "median_us"] / results["service, rows trusted (after)"]["median_us"],
            "load_average": os.getloadavg()[0]}
    if args.json:
        json.dump({"results": results, **meta}, sys.stdout, indent=2)
        print()
        return 0
    print(f"Python {meta['python']} on {meta['machine']}; history {args.history_days} days")
    for name, r in results.items():
        print(f"{name:>36}: median {r['median_us']:8.1f} us  best {r['best_us']:8.1f} us  "
              f"({r['per_second']:,.0f}/s)")
    print(f"evaluate / triage = {ratio:.2f}; service before / after = "
          f"{meta['service_before_over_after']:.2f}; load average {meta['load_average']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
