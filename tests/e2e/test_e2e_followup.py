"""Remote follow-up in the browser, in English and in Russian (issue #12):

a clinic is set up with `clotwatch admin`; a clinician enrols a patient; the patient joins with
the invitation, checks in normally, then reports chest pain and sees the emergency screen at
once; the clinician finds the alert at the top of the worklist and acknowledges it in place; the
patient's audit view shows the clinician's reads; a caregiver sees but cannot change. axe-core
runs on every follow-up page on the way (no serious or critical violations).
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import expect

PASSWORD = "a long test password"


def _report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> "
                     f"{[n['target'] for n in v['nodes']][:3]}" for v in violations)


def admin(server: Any, *args: str, subprocess_: bool = False) -> str:
    """Run `clotwatch admin ...` against the server's database; return what it printed.

    In this process (``clotwatch.cli.main``, the environment and stdin swapped for the call):
    a `python -m clotwatch.cli` subprocess costs a Python start-up and the imports, about a
    second of CPU each, and the browser tests make a clinic and a clinician for each of six
    tests. ``subprocess_=True`` runs the real command (one test keeps doing so, so that the
    command as installed stays covered here)."""
    data = server.log_path.parent
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLOTWATCH_") and k != "DATABASE_URL"}
    env["CLOTWATCH_DATA_DIR"] = str(data)
    if subprocess_:
        done = subprocess.run([sys.executable, "-m", "clotwatch.cli", "admin", *args], env=env,
                              capture_output=True, text=True, timeout=60,
                              input=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        return done.stdout
    from clotwatch.cli import main

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")   # dump_json writes to sys.stdout.buffer
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k not in env]:  # CLOTWATCH_*, DATABASE_URL
            patch.delenv(key)
        patch.setenv("CLOTWATCH_DATA_DIR", str(data))
        patch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["admin", *args])
    out.flush()
    assert code == 0, err.getvalue()
    return raw.getvalue().decode("utf-8")


def sign_in(page: Any, url: str, lang: str, email: str) -> None:
    page.goto(f"{url}/{lang}/account/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(me|care)"))


def accessible(page: Any, axe: Any) -> None:
    violations = axe(page)
    assert not violations, f"{page.url}:\n{_report(violations)}"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_enrol_join_check_in_emergency_worklist_audit_caregiver(
        browser: Any, server: Any, axe: Any, shoot: Any, lang: str) -> None:
    # The real `clotwatch admin` once (in English); in this process elsewhere.
    clinic = admin(server, "create-clinic", "--name", f"Ward {lang}", "--json",
                   subprocess_=lang == "en")
    clinic_id = re.search(r'"id": (\d+)', clinic).group(1)  # type: ignore[union-attr]
    nurse = f"nurse-{lang}@example.org"
    admin(server, "add-clinician", "--clinic", clinic_id, "--email", nurse, "--name",
          f"Nurse {lang}", "--password-file", "-")

    def context() -> Any:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
        ctx.set_default_timeout(15_000)
        return ctx

    staff_ctx, patient_ctx, carer_ctx = context(), context(), context()
    try:
        staff = staff_ctx.new_page()
        sign_in(staff, server.url, lang, nurse)
        staff.goto(f"{server.url}/{lang}/care/enrol")
        accessible(staff, axe)
        staff.select_option("#clinic", clinic_id)
        staff.select_option("#programme", "after_vte")
        staff.locator("form button.primary").click()
        link = staff.locator("#invitation-link").get_attribute("href")
        accessible(staff, axe)
        shoot(staff, f"followup-invitation-{lang}")

        patient = patient_ctx.new_page()
        patient.goto(link)
        accessible(patient, axe)
        patient.fill("#name", f"Pat {lang}")
        patient.fill("#email", f"pat-{lang}@example.org")
        patient.fill("#password", PASSWORD)
        patient.fill("#timezone", "Europe/Moscow")
        patient.locator("form button.primary").first.click()
        patient.wait_for_url(re.compile(r"/me$"))
        accessible(patient, axe)

        # A normal check-in: every warning sign "no", then the legs (none of the signs).
        signs = ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                 "cold_pale_numb_leg", "fast_heartbeat")
        patient.goto(f"{server.url}/{lang}/me/checkin")
        accessible(patient, axe)
        for key in signs:
            patient.locator(f"input[name={key}][value=false]").check()
        patient.locator("form button.primary").click()
        expect(patient.locator("#calf_left_cm")).to_be_visible()
        accessible(patient, axe)
        patient.locator("input[name=leg_side][value=none]").check()
        patient.locator("input[name=leg_signs_rest][value=false]").check()
        patient.fill("#calf_left_cm", "36")
        patient.fill("#calf_right_cm", "35.5")
        patient.fill("#doses_taken", "2")
        patient.fill("#doses_missed", "0")
        patient.fill("#leg_pain", "1")
        patient.locator("form button.primary").click()
        expect(patient.locator(".disposition.self_care")).to_be_visible()
        assert "/me/checkin" in patient.url and patient.locator(".emergency-banner").count() == 0
        accessible(patient, axe)

        # A racing heart at rest: asked with the warning signs; the legs decide, as in
        # `clotwatch check`. Legs ruled out: seen today. Legs "don't know": emergency.
        for side, screen in (("none", ".disposition.urgent"), ("unknown", ".emergency-banner")):
            patient.goto(f"{server.url}/{lang}/me/checkin")
            for key in signs:
                value = "true" if key == "fast_heartbeat" else "false"
                patient.locator(f"input[name={key}][value={value}]").check()
            patient.locator("form button.primary").click()
            expect(patient.locator("#calf_left_cm")).to_be_visible()
            # A doctor today whatever the legs: said before they are asked.
            expect(patient.locator(".disposition.urgent")).to_be_visible()
            accessible(patient, axe)
            patient.locator(f"input[name=leg_side][value={side}]").check()
            patient.locator("input[name=leg_signs_rest][value=false]").check()
            patient.fill("#doses_taken", "2")
            patient.fill("#doses_missed", "0")
            patient.locator("form button.primary").click()
            expect(patient.locator("#calf_left_cm")).to_have_count(0)
            expect(patient.locator(screen)).to_be_visible()
            accessible(patient, axe)
            if side == "none":
                assert patient.locator(".emergency-banner").count() == 0
                shoot(patient, f"followup-racing-heart-same-day-{lang}")

        # Chest pain: the emergency screen at once, before anything else is asked.
        patient.goto(f"{server.url}/{lang}/me/checkin")
        for key in signs:
            patient.locator(f"input[name={key}][value=false]").check()
        patient.locator("input[name=chest_pain][value=true]").check()
        patient.locator("form button.primary").click()
        expect(patient.locator(".emergency-banner")).to_be_visible()
        assert patient.locator("#calf_left_cm").count() == 0
        accessible(patient, axe)
        shoot(patient, f"followup-emergency-{lang}")

        # The clinician: the alert at the top of the worklist, acknowledged in place.
        staff.goto(f"{server.url}/{lang}/care")
        first = staff.locator("#worklist tbody tr").first
        expect(first).to_contain_text(f"Pat {lang}")
        expect(first.locator(".sev.emergency")).to_be_visible()
        accessible(staff, axe)
        shoot(staff, f"followup-worklist-{lang}")
        first.locator("a").click()
        alert = staff.locator("article.fu-alert.emergency").first
        expect(alert).to_be_visible()
        accessible(staff, axe)
        alert_id = alert.get_attribute("id")
        alert.locator("input[name=note]").fill("called, ambulance on its way")
        alert.locator("button[value=acknowledge]").click()
        acknowledged = staff.locator(f"#{alert_id}")
        expect(acknowledged.locator("button[value=acknowledge]")).to_have_count(1)
        expect(acknowledged).to_contain_text("called, ambulance on its way")
        shoot(staff, f"followup-patient-{lang}")

        # The patient sees who read their data.
        patient.goto(f"{server.url}/{lang}/me/audit")
        expect(patient.locator("table")).to_contain_text(f"Nurse {lang}")
        accessible(patient, axe)

        # A caregiver: invited by the patient, reads, cannot change.
        patient.goto(f"{server.url}/{lang}/me")
        patient.locator("form[action$='/me/caregivers'] button").click()
        carer_link = patient.locator("#invitation-link").get_attribute("href")
        carer = carer_ctx.new_page()
        carer.goto(carer_link)
        carer.fill("#name", f"Carer {lang}")
        carer.fill("#email", f"carer-{lang}@example.org")
        carer.fill("#password", PASSWORD)
        carer.locator("form button.primary").first.click()
        carer.wait_for_url(re.compile(r"/me$"))
        carer.locator("nav a[href*='/care/patients/']").first.click()
        expect(carer.locator("article.fu-alert").first).to_be_visible()
        assert carer.locator("button[value=acknowledge]").count() == 0
        accessible(carer, axe)
    finally:
        for ctx in (staff_ctx, patient_ctx, carer_ctx):
            ctx.close()


# What headless Chromium cannot do here: reach a real push service (subscribing needs the
# browser vendor's push service and its keys, which Debian's chromium does not have offline),
# and show a real notification. So PushManager.subscribe is stubbed in the page: it records
# the applicationServerKey it is given and answers a subscription as a browser would (a
# P-256 point and an auth secret). Everything else is real: the page's button, the
# notification permission (granted, or denied), the service worker's registration
# (static/push-sw.js), push.js reading the key, and its POST with the CSRF token reaching the
# server, which stores the subscription (the page then counts it). The worker's side (VAPID
# signing, encryption, a gone subscription pruned) is tested in tests/worker and
# tests/followup/test_followup_push.py.
PUSH_STUB = """
(() => {
  const p256dh = "BPp1AZ7Yzse5S0jo8y6zKu7fM4CqGYyuo6cz24u3KhZYI0a13ZiKCEcHwItJvJk1" +
    "YFS66wx7_xzuvwn5j1kjs3E";
  window.__push = {key: null, subscribed: 0};
  if (!("PushManager" in window)) { window.PushManager = function () {}; }
  const fake = {
    subscribe(options) {
      if (Notification.permission !== "granted") {
        return Promise.reject(new DOMException("permission denied", "NotAllowedError"));
      }
      window.__push.key = Array.from(new Uint8Array(options.applicationServerKey));
      window.__push.subscribed += 1;
      return Promise.resolve({toJSON: () => ({
        endpoint: "https://push.example/send/e2e-" + window.__push.subscribed,
        keys: {p256dh: p256dh, auth: "MDEyMzQ1Njc4OWFiY2RlZg"}})});
    },
  };
  Object.defineProperty(ServiceWorkerRegistration.prototype, "pushManager",
                        {get() { return fake; }, configurable: true});
})();
"""


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_push_button_subscribes_this_browser_for_alerts(
        full_browser: Any, push_server: Any, axe: Any, lang: str) -> None:
    # The full chromium: the headless shell of the other browser tests has no notification
    # permission to grant (Notification.permission stays "denied").
    browser = full_browser
    clinic = admin(push_server, "create-clinic", "--name", f"Push ward {lang}", "--json")
    clinic_id = re.search(r'"id": (\d+)', clinic).group(1)  # type: ignore[union-attr]
    nurse = f"push-nurse-{lang}@example.org"
    admin(push_server, "add-clinician", "--clinic", clinic_id, "--email", nurse, "--name",
          f"Nurse {lang}", "--password-file", "-")
    for permission, works in (("granted", True), ("denied", False)):
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
        ctx.set_default_timeout(15_000)
        if permission == "granted":
            ctx.grant_permissions(["notifications"], origin=push_server.url)
        ctx.add_init_script(PUSH_STUB)
        try:
            page = ctx.new_page()
            sign_in(page, push_server.url, lang, nurse)
            page.goto(f"{push_server.url}/{lang}/care")
            box = page.locator("[data-push-key]")
            expect(box).to_be_visible()   # push.js un-hides it: this browser can push
            key = box.get_attribute("data-push-key")
            box.locator("button").click()
            status = box.locator("[data-push-status]")
            expect(status).to_have_text(box.get_attribute(
                "data-done" if works else "data-failed") or "")
            accessible(page, axe)
            registered = page.evaluate(
                "navigator.serviceWorker.getRegistration('/static/')"
                ".then(r => r ? r.active || r.installing || r.waiting ? 1 : 0 : 0)")
            assert registered == 1   # the real service worker was registered
            if works:
                # The server's VAPID key went to subscribe(), the POST reached the server.
                sent = page.evaluate("window.__push.key")
                raw = base64.urlsafe_b64decode((key or "") + "=" * (-len(key or "") % 4))
                assert sent == list(raw) and len(raw) == 65
                page.reload()
                expect(page.locator("form[action$='/me/push/off'] button")).to_be_visible()
                assert "1" in page.locator("#push-heading + p").inner_text()
            else:
                assert page.evaluate("window.__push.subscribed") == 0
        finally:
            ctx.close()
