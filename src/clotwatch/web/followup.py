"""Remote follow-up pages: sign-in (with TOTP), invitations, the patient's check-in and data
rights, the clinician's worklist and patient page, the clinic admin's settings.

Routes are thin: read the form (CSRF-checked), call ``clotwatch.service.followup`` (which asks
``clotwatch.service.policy``), render. Access is never decided here: a route only knows whether
someone is signed in; the service answers ``AccessDenied``/``NotFound`` otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from clotwatch import followup as followup_core
from clotwatch.errors import InputError, StoreError
from clotwatch.service import accounts, activity, followup, notify, rules
from clotwatch.service.accounts import Principal
from clotwatch.service.followup import CheckInInput, NotFound
from clotwatch.service.policy import AccessDenied
from clotwatch.store.followup_models import Clinic, User
from clotwatch.web import activity_charts, charts, csrf
from clotwatch.web.forms import convert
from clotwatch.web.i18n import gettext
from clotwatch.web.reasons import reason_text
from clotwatch.web.render import render
from clotwatch.web.routes import PageRoute, checked_form, not_found

router = APIRouter(include_in_schema=False, route_class=PageRoute)
SESSION_COOKIE = "cw_session"
# The triage questions a check-in asks, declared once in the core (``clotwatch check`` asks
# the same first): the warning signs (step 1), which leg, and the leg findings asked as one
# group: the ticked ones "yes", the others "no" or "don't know" as the person says
# (``leg_signs_rest``), never "no" by silence.
WARNING_KEYS = followup_core.WARNING_KEYS
LEG_KEYS = ("leg_side",)
LEG_SIGNS = followup_core.LEG_SIGNS


# --- who is asking --------------------------------------------------------------------------

def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


def _session_principal(request: Request) -> tuple[Principal, bool] | None:
    store = request.app.state.store
    with store.session() as session:
        found = accounts.session_user(session, request.cookies.get(SESSION_COOKIE),
                                      _now(request))
        if found is None:
            return None
        user, row = found
        return accounts.principal_for(session, user, totp_ok=row.totp_ok), row.totp_ok


async def signed_in(request: Request, lang: str) -> Principal | Response:
    """The signed-in principal, or a redirect to sign in (or to the second factor)."""
    found = await run_in_threadpool(_session_principal, request)
    if found is None:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/{lang}/account/signin?next={target}", status_code=303)
    principal, totp_ok = found
    if not totp_ok:
        return RedirectResponse(f"/{lang}/account/totp", status_code=303)
    return principal


def _denied(request: Request, lang: str, status: int = 404) -> Response:
    _ = gettext(lang)
    if status == 404:
        return not_found(request, lang)
    return render(request, lang, "error.html", status_code=403, title=_("Not allowed"),
                  message=_("Your account cannot do this."))


def _field_error(request: Request, lang: str, exc: InputError) -> Response:
    """The 422 page naming the field and the reason (in the page's language: web.reasons)."""
    _ = gettext(lang)
    reason = reason_text(exc.reason, lang)
    return render(request, lang, "error.html", status_code=422, title=_("Please check"),
                  message=f"{exc.field}: {reason}" if exc.field else reason)


def _text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _safe_next(target: str, lang: str) -> str:
    return target if target.startswith(f"/{lang}/") and "//" not in target else f"/{lang}/me"


async def _call(request: Request, page_lang: str, fn: Callable[..., Any], *args: Any,
                **kwargs: Any) -> Any:
    """Run a service call in the thread pool; map its refusals to pages."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except NotFound:
        return not_found(request, page_lang)
    except AccessDenied:
        return _denied(request, page_lang, 403)
    except InputError as exc:
        return _field_error(request, page_lang, exc)


async def signed_form(request: Request, lang: str) -> tuple[Principal, FormData] | Response:
    """The signed-in principal and the posted, CSRF-checked form; or the page to show instead
    (the redirect to sign in, or the 403 of an expired form), in that order."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    return actor, form


async def form_action(request: Request, lang: str, act: Callable[[Principal, FormData], Any],
                      then: str | Callable[[FormData], str]) -> Response:
    """A posted form that changes something and goes back: ``signed_form``, then
    ``act(actor, form)`` in the thread pool (its NotFound, AccessDenied and InputError become
    their pages, as ``_call``), then a 303 to ``then`` (or ``then(form)``)."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    done = await _call(request, lang, act, actor, form)
    if isinstance(done, Response):
        return done
    return RedirectResponse(then if isinstance(then, str) else then(form), status_code=303)


# --- sign-in, second factor, sign-out, reset -----------------------------------------------

@router.get("/{lang}/account/signin")
async def signin_form(request: Request, lang: str, next: str = "") -> Response:
    """The sign-in form."""
    return render(request, lang, "fu_signin.html", next=_safe_next(next, lang), error=None,
                  email="")


def _sign_in(request: Request, email: str, password: str) -> tuple[str, bool]:
    store = request.app.state.store
    now = _now(request)
    with store.session() as session:
        try:
            user = accounts.authenticate(session, email, password, now)
        except accounts.SignInRefused:
            session.commit()  # keep the failure count and the backoff
            raise
        totp = accounts.needs_totp(session, user)
        return accounts.start_session(session, user, now, totp_ok=not totp), totp


def _set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(accounts.SESSION_TTL.total_seconds()))


@router.post("/{lang}/account/signin")
async def signin(request: Request, lang: str) -> Response:
    """Check the password; start a session (then the second factor if needed)."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    _ = gettext(lang)
    email, target = _text(form, "email", 320), _safe_next(_text(form, "next"), lang)
    try:
        token, totp = await run_in_threadpool(_sign_in, request, email,
                                              _text(form, "password", 300))
    except accounts.SignInRefused as exc:
        message = (_("Too many attempts. Wait {seconds} seconds and try again.",
                     seconds=exc.retry_after) if exc.retry_after
                   else _("Email or password not recognised."))
        refused = render(request, lang, "fu_signin.html", status_code=401, next=target,
                         error=message, email=email)
        if exc.retry_after:
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    response = RedirectResponse(f"/{lang}/account/totp" if totp else target, status_code=303)
    _set_session(response, request, token)
    return response


@router.post("/{lang}/account/signout")
async def signout(request: Request, lang: str) -> Response:
    """End the session."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    store = request.app.state.store

    def end() -> None:
        with store.session() as session:
            accounts.end_session(session, request.cookies.get(SESSION_COOKIE))

    await run_in_threadpool(end)
    response = RedirectResponse(f"/{lang}/account/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _totp_state(request: Request) -> tuple[User, str | None] | None:
    store = request.app.state.store
    with store.session() as session:
        found = accounts.session_user(session, request.cookies.get(SESSION_COOKIE),
                                      _now(request))
        if found is None:
            return None
        return found[0], found[0].totp_secret


@router.get("/{lang}/account/totp")
async def totp_form(request: Request, lang: str) -> Response:
    """Enter the authenticator code (or set the authenticator up first)."""
    state = await run_in_threadpool(_totp_state, request)
    if state is None:
        return RedirectResponse(f"/{lang}/account/signin", status_code=303)
    user, secret = state
    setup = None
    if secret is None:
        setup = accounts.new_totp_secret()
    return render(request, lang, "fu_totp.html", error=None, setup=setup,
                  qr=_qr_svg(accounts.totp_uri(setup, user.email)) if setup else None)


@router.post("/{lang}/account/totp")
async def totp_check(request: Request, lang: str) -> Response:
    """Check the code; on first use, keep the new secret once a code from it is right."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    _ = gettext(lang)
    code, setup = _text(form, "code", 20), _text(form, "setup", 64) or None
    store, now = request.app.state.store, _now(request)

    def check() -> bool:
        with store.session() as session:
            found = accounts.session_user(session, request.cookies.get(SESSION_COOKIE), now)
            if found is None:
                return False
            user, row = found
            secret = user.totp_secret or setup
            if not secret or not accounts.totp_valid(secret, code, now):
                return False
            user.totp_secret = secret
            row.totp_ok = True
            return True

    if await run_in_threadpool(check):
        return RedirectResponse(f"/{lang}/me", status_code=303)
    return render(request, lang, "fu_totp.html", status_code=422, setup=setup,
                  qr=None, error=_("That code is not right. Enter the 6 digits your "
                                   "authenticator app shows now."))


@router.get("/{lang}/account/reset")
async def reset_request_form(request: Request, lang: str) -> Response:
    """Ask for a password reset link."""
    return render(request, lang, "fu_reset_request.html", sent=False)


@router.post("/{lang}/account/reset")
async def reset_request(request: Request, lang: str) -> Response:
    """Email a single-use reset link (the answer is the same whether the account exists)."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    store, now = request.app.state.store, _now(request)
    base = str(request.base_url).rstrip("/")

    def send() -> None:
        with store.session() as session:
            found = accounts.request_reset(session, _text(form, "email", 320), now)
            if found is not None:
                user, token = found
                link = f"{base}/{user.lang}/account/reset/{token}"
                _ = gettext(user.lang)
                notify.password_reset(
                    session, user=user, link=link, now=now,
                    subject=_("Reset your clotwatch password"),
                    body=_("To choose a new password, open this link within an hour (it works "
                           "once): {link}. If you did not ask for it, ignore this email.",
                           link=link))

    await run_in_threadpool(send)
    return render(request, lang, "fu_reset_request.html", sent=True)


@router.get("/{lang}/account/reset/{token}")
async def reset_form(request: Request, lang: str, token: str) -> Response:
    """Choose a new password."""
    return render(request, lang, "fu_reset.html", token=token, error=None)


@router.post("/{lang}/account/reset/{token}")
async def reset(request: Request, lang: str, token: str) -> Response:
    """Set the new password once; every session of the account ends."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    store, now = request.app.state.store, _now(request)

    def do() -> None:
        with store.session() as session:
            accounts.reset_password(session, token, _text(form, "password", 300), now)

    try:
        await run_in_threadpool(do)
    except InputError as exc:
        return render(request, lang, "fu_reset.html", status_code=422, token=token,
                      error=exc.reason)
    return RedirectResponse(f"/{lang}/account/signin", status_code=303)


# --- invitations and joining ----------------------------------------------------------------

@router.get("/{lang}/join")
async def join_form(request: Request, lang: str, code: str = "") -> Response:
    """Accept an invitation (from its link, QR or typed code) or join with a clinic's code."""
    view = None
    error = None
    if code:
        try:
            view = await run_in_threadpool(followup.look_up_invitation,
                                           request.app.state.store, code, _now(request))
        except InputError as exc:
            error = exc.reason
    found = await run_in_threadpool(_session_principal, request)
    return render(request, lang, "fu_join.html", code=code, invitation=view, error=error,
                  signed_in=found is not None, programmes=rules.programmes(lang), values={})


@router.post("/{lang}/join")
async def join(request: Request, lang: str) -> Response:
    """Use the invitation (signed in, or with a new account) or the clinic's code."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    store, now = request.app.state.store, _now(request)
    found = await run_in_threadpool(_session_principal, request)
    code, clinic_code = _text(form, "code", 100), _text(form, "clinic_code", 40)
    values = {k: _text(form, k, 320) for k in ("email", "name", "code", "clinic_code")}
    try:
        if clinic_code:
            if found is None:
                raise InputError("clinic_code", "sign in or accept an invitation first")
            await run_in_threadpool(followup.join_clinic, store, found[0], clinic_code,
                                    _text(form, "programme", 64), _start(form), now)
            return RedirectResponse(f"/{lang}/me", status_code=303)
        if found is not None:
            await run_in_threadpool(followup.accept_invitation, store, code, now,
                                    user_id=found[0].user_id)
            return RedirectResponse(f"/{lang}/me", status_code=303)
        account = {"email": values["email"], "name": values["name"],
                   "password": _text(form, "password", 300), "lang": lang,
                   "timezone": _text(form, "timezone", 64) or "UTC"}
        user = await run_in_threadpool(followup.accept_invitation, store, code, now,
                                       new_account=account)
        token, totp = await run_in_threadpool(_sign_in, request, user.email,
                                              account["password"])
    except InputError as exc:
        _ = gettext(lang)
        return render(request, lang, "fu_join.html", status_code=422, code=code,
                      invitation=None, error=f"{exc.field}: {exc.reason}",
                      signed_in=found is not None, programmes=rules.programmes(lang),
                      values=values)
    response = RedirectResponse(f"/{lang}/account/totp" if totp else f"/{lang}/me",
                                status_code=303)
    _set_session(response, request, token)
    return response


def _doses_until_day(form: FormData) -> int | None:
    """The enrolment's dose questions: ``doses`` = ``programme`` (the programme's length),
    ``none`` (no anticoagulant or prophylaxis: 0) or ``until`` with ``doses_until_day``."""
    choice = _text(form, "doses", 10) or "programme"
    if choice == "programme":
        return None
    if choice == "none":
        return 0
    if choice != "until":
        raise InputError("doses", "choose the programme's length, none, or until a day")
    days = convert("doses_until_day", "integer", _text(form, "doses_until_day", 5))
    if days is None:
        raise InputError("doses_until_day", "enter the day the dose questions stop")
    return rules.check_doses_until_day(days)


def _start(form: FormData) -> date:
    text = _text(form, "start_date", 10)
    if not text:
        raise InputError("start_date", "enter the programme's start date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("start_date", "enter a date as YYYY-MM-DD") from None


def _qr_svg(text: str) -> str:
    """An inline SVG QR code (segno, pure Python), sized by CSS."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True,
                                     scale=4, omitsize=True)
    return buffer.getvalue().decode("utf-8")


# --- the patient ----------------------------------------------------------------------------

@router.get("/{lang}/me")
async def me(request: Request, lang: str) -> Response:
    """Home after sign-in: a patient's programmes and who can see their data; staff go on to
    the worklist."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    store = request.app.state.store
    viewers = await run_in_threadpool(followup.who_can_see, store, actor)
    prefs = await run_in_threadpool(_preferences, request, actor)
    push = await _push_state(request, actor)
    movement = {**await _movement(request, lang, actor, actor.user_id), "activity_upload": True}\
        if any(v.kind == "clinic" for v in viewers) else {}
    from clotwatch.web import movement as move_web

    moving = await move_web.section(request, actor, actor.user_id) if movement else {}
    return render(request, lang, "fu_me.html", actor=actor, viewers=viewers, prefs=prefs,
                  push=push,
                  programmes={p.id: p for p in rules.programmes(lang)}, invitation=None, qr=None,
                  **movement, **moving)


@router.post("/{lang}/me/activity")
async def upload_activity(request: Request, lang: str) -> Response:
    """The patient uploads an export from their phone or watch (any format the importers read);
    every record must be usable or nothing is stored (the page names the problem)."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    _ = gettext(lang)

    def too_large() -> Response:
        return render(
            request, lang, "error.html", status_code=413, title=_("Please check"),
            message=_("file: larger than {mb} MB, the most one upload can be. Export a "
                      "shorter period, or let the app send the samples through the API.",
                      mb=f"{activity.MAX_UPLOAD_BYTES / 1_000_000:g}"))

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > activity.MAX_UPLOAD_BYTES:
        return too_large()
    # The body streams to a temporary file as it arrives (Starlette spools each file part to
    # disk past 1 MB); a body without a length, or longer than it said, is counted as it
    # comes and refused as soon as it passes the limit, not after it has all arrived.
    limited = Request(request.scope, _limited_receive(request.receive,
                                                      activity.MAX_UPLOAD_BYTES + 64 * 1024))
    try:
        async with limited.form(max_files=1, max_fields=10) as form:  # closes the spooled file
            return await _stored_upload(request, lang, actor, form)
    except _BodyTooLarge:
        return too_large()


class _BodyTooLarge(Exception):
    """The request body went past the upload limit while it was being read."""


def _limited_receive(receive: Any, limit: int) -> Any:
    """``receive`` that raises _BodyTooLarge once more than ``limit`` body bytes came."""
    seen = 0

    async def limited() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
        return message

    return limited


async def _stored_upload(request: Request, lang: str, actor: Principal,
                         form: FormData) -> Response:
    _ = gettext(lang)
    token = form.get(csrf.FIELD)
    if not csrf.is_valid(request.app.state.secret_key, request.cookies.get(csrf.COOKIE),
                         token if isinstance(token, str) else None):
        return render(request, lang, "error.html", status_code=403,
                      title=_("This form has expired"),
                      message=_("For your safety the form could not be accepted. Go back, "
                                "reload the page and try again."))
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            done = await _call(request, lang, activity.check_upload_allowed,
                               request.app.state.store, actor)
            if isinstance(done, Response):
                return done
            raise InputError("file", "choose a file to upload")
        result = await _call(request, lang, _import_upload, request, actor, upload)
    except AccessDenied:
        return _denied(request, lang)
    except InputError as exc:
        return _field_error(request, lang, exc)
    if isinstance(result, Response):
        return result
    return render(request, lang, "error.html", title=_("Step data stored"),
                  message=_("{stored} new samples stored, {duplicates} already stored.",
                            stored=result.stored, duplicates=result.duplicates))


def _import_upload(request: Request, actor: Principal, upload: UploadFile) -> Any:
    """Copy the upload to a temporary file named like it (the importers recognise formats by
    content and name) and import it."""
    import re
    import shutil
    import tempfile

    name = upload.filename or "upload"
    suffix = "".join(re.findall(r"\.[A-Za-z0-9]{1,8}$", name))
    with tempfile.TemporaryDirectory(prefix="clotwatch-upload-") as directory:
        path = f"{directory}/upload{suffix}"
        with open(path, "wb") as target:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, target, 1 << 20)
        return activity.import_file(request.app.state.store, actor, path, name[:200],
                                    _now(request))


async def _movement(request: Request, lang: str, actor: Principal,
                    patient_id: int) -> dict[str, Any]:
    """The movement section's figures and charts (issue #9), for a reader the policy allows."""
    try:
        view = await run_in_threadpool(activity.activity_view, request.app.state.store, actor,
                                       patient_id, _now(request))
    except NotFound:
        return {}
    return {"activity": view,
            "activity_charts": activity_charts.for_activity(view, gettext(lang))}


@router.post("/{lang}/me/settings")
async def my_settings(request: Request, lang: str) -> Response:
    """Time zone, reminder time, quiet hours and language (reminders come at that local
    time, moved out of the quiet hours)."""
    store = request.app.state.store
    return await form_action(request, lang, lambda actor, form: followup.set_preferences(
        store, actor, time_zone=_text(form, "timezone", 64),
        reminder_time=_text(form, "reminder_time", 5),
        lang=_text(form, "language", 2) or lang, now=_now(request),
        quiet_start=_text(form, "quiet_start", 5), quiet_end=_text(form, "quiet_end", 5)),
        then=f"/{lang}/me")


def _push_key(request: Request) -> str | None:
    """The server's VAPID public key for the browser, or None if Web Push is not set up
    (no key or subject in Settings, or the ``push`` extra is not installed)."""
    settings = request.app.state.settings
    if settings.vapid_private_key is None or not settings.vapid_subject:
        return None
    from clotwatch.errors import ConfigError
    from clotwatch.worker.channels import WebPushChannel

    try:
        return WebPushChannel(settings.vapid_private_key.get_secret_value(),
                              settings.vapid_subject).public_key()
    except ConfigError:
        return None


async def _push_state(request: Request, actor: Principal) -> dict[str, Any]:
    """What the push box of a page needs: the server's key (None: not set up) and how many
    of the account's browsers receive notifications."""
    return {"key": _push_key(request), "devices": await run_in_threadpool(
        followup.push_subscriptions, request.app.state.store, actor)}


@router.post("/{lang}/me/push")
async def push_subscribe(request: Request, lang: str) -> Response:
    """Store this browser's Web Push subscription (posted by static/push.js with the CSRF
    token); reminders then come by push."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    if _push_key(request) is None:
        return _field_error(request, lang, InputError("endpoint", "push is not set up on this "
                                                                  "server"))
    done = await _call(request, lang, followup.save_push_subscription, request.app.state.store,
                       actor, endpoint=_text(form, "endpoint", 1001),
                       p256dh=_text(form, "p256dh", 200), auth=_text(form, "auth", 100),
                       now=_now(request))
    if isinstance(done, Response):
        return done
    return Response(status_code=204)


@router.post("/{lang}/me/push/off")
async def push_off(request: Request, lang: str) -> Response:
    """Stop notifications to every browser: reminders come by email again."""
    store = request.app.state.store
    return await form_action(
        request, lang,
        lambda actor, form: followup.remove_push_subscriptions(store, actor, _now(request)),
        then=lambda form: _safe_next(_text(form, "next", 200), lang))


def _preferences(request: Request, actor: Principal) -> dict[str, str]:
    with request.app.state.store.session() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            return {}
        return {"timezone": user.timezone, "reminder_time": user.reminder_time or "09:00",
                "language": user.lang, "quiet_start": user.quiet_start or "22:00",
                "quiet_end": user.quiet_end or "08:00"}


@router.post("/{lang}/me/caregivers")
async def invite_caregiver(request: Request, lang: str) -> Response:
    """The patient invites a caregiver: a link, a code and a QR to hand over."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    store = request.app.state.store
    issued = await _call(request, lang, followup.invite_caregiver, store, actor, _now(request))
    if isinstance(issued, Response):
        return issued
    viewers = await run_in_threadpool(followup.who_can_see, store, actor)
    prefs = await run_in_threadpool(_preferences, request, actor)
    push = await _push_state(request, actor)
    link = f"{str(request.base_url).rstrip('/')}/{lang}/join?code={issued.token}"
    return render(request, lang, "fu_me.html", actor=actor, viewers=viewers, prefs=prefs,
                  push=push,
                  programmes={p.id: p for p in rules.programmes(lang)},
                  invitation={"link": link, "code": issued.code,
                              "expires_at": issued.expires_at}, qr=_qr_svg(link))


@router.post("/{lang}/me/withdraw")
async def withdraw(request: Request, lang: str) -> Response:
    """The patient withdraws a clinic's or a caregiver's access."""
    store = request.app.state.store

    def act(actor: Principal, form: FormData) -> None:
        try:
            item = int(_text(form, "id", 20))
        except ValueError:
            raise InputError("id", "not a number") from None
        followup.withdraw(store, actor, _text(form, "kind", 20), item, _now(request))

    return await form_action(request, lang, act, then=f"/{lang}/me")


@router.get("/{lang}/me/checkin")
async def checkin_start(request: Request, lang: str) -> Response:
    """Step 1: the warning signs, before anything else."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    return render(request, lang, "fu_checkin_signs.html", **_triage_text(lang), errors={})


def _triage_text(lang: str) -> dict[str, Any]:
    from clotwatch import triage

    t = triage.translator(lang)
    _ = gettext(lang)
    questions = {q.id: q for q in triage.QUESTIONS}
    items = {k: t(group.item_id(k)) for group in (triage.SCREENS_BY_ID["leg_signs"],
                                                  triage.SCREENS_BY_ID["leg_history"])
             if isinstance(group, triage.Group) for k in group.keys}
    items["leg_pain"] = _("Pain, aching, tightness or tenderness in a leg")
    items["cramp"] = _("A cramp: a leg muscle that suddenly tightens up hard by itself")
    return {"warning": [(k, t(questions[k].text_id)) for k in WARNING_KEYS],
            "leg": [(k, t(questions[k].text_id),
                     [(o, t(questions[k].option_id(o))) for o in questions[k].options
                      if not isinstance(o, bool)]) for k in LEG_KEYS],
            "leg_signs": [(k, items[k]) for k in LEG_SIGNS],
            "yes": t("answer.yes"), "no": t("answer.no"), "dont_know": t("answer.dont_know")}


def _read_signs(form: FormData) -> tuple[dict[str, bool | None], dict[str, str]]:
    signs: dict[str, bool | None] = {}
    errors: dict[str, str] = {}
    for key in WARNING_KEYS:
        raw = form.get(key)
        if not isinstance(raw, str) or raw == "":
            errors[key] = "choose yes, no or don't know"
            continue
        try:
            signs[key] = convert(key, "bool", raw)
        except InputError as exc:
            errors[key] = exc.reason
    return signs, errors


@router.post("/{lang}/me/checkin/signs")
async def checkin_signs(request: Request, lang: str) -> Response:
    """A warning sign: the emergency screen at once (and the check-in is stored, opening the
    care team's alert, after the screen's content is decided). Otherwise step 2."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    signs, errors = _read_signs(form)
    if errors:
        return render(request, lang, "fu_checkin_signs.html", status_code=422,
                      **_triage_text(lang), errors=errors)
    if followup.has_warning_sign(signs):
        stored = True
        try:
            await run_in_threadpool(followup.submit_checkin, request.app.state.store, actor,
                                    CheckInInput(warning_signs=signs), _now(request))
        except (StoreError, AccessDenied, InputError):
            stored = False  # the emergency screen is shown whatever happened to the record
        return render(request, lang, "fu_emergency.html", stored=stored)
    ask_doses = await run_in_threadpool(followup.asks_doses, request.app.state.store, actor,
                                        _now(request))
    # A finding that needs a doctor today whatever the legs (a racing heart at rest): said
    # now, in the triage's words, before the leg questions decide whether it is an emergency.
    floor, hits = followup_core.least_told(signs)
    today = None
    if floor == "urgent":
        from clotwatch import triage

        t = triage.translator(lang)
        today = {"headline": t("headline.urgent"),
                 "reasons": list(dict.fromkeys(t(h.message) for h in hits
                                               if h.level == "urgent"))}
    return render(request, lang, "fu_checkin.html", **_triage_text(lang), signs=signs,
                  errors={}, values={}, symptoms=followup.VILLALTA_SYMPTOMS,
                  ask_doses=ask_doses, today=today)


NUMBER_FIELDS = {"calf_left_cm": "number", "calf_right_cm": "number", "leg_pain": "integer",
                 "doses_taken": "integer", "doses_missed": "integer"}


@router.post("/{lang}/me/checkin")
async def checkin_submit(request: Request, lang: str) -> Response:
    """Step 2: the measurements and symptoms; stored in one transaction with its alerts."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    errors: dict[str, str] = {}
    try:
        raw_signs = json.loads(_text(form, "signs", 1000) or "{}")
        signs = {k: raw_signs.get(k) for k in WARNING_KEYS}
        if not all(v is None or isinstance(v, bool) for v in signs.values()):
            raise ValueError
    except (ValueError, AttributeError):
        return _field_error(request, lang, InputError("signs", "malformed; start again"))
    values: dict[str, Any] = {}
    ask_doses = await run_in_threadpool(followup.asks_doses, request.app.state.store, actor,
                                        _now(request))
    for name, kind in NUMBER_FIELDS.items():
        if name.startswith("doses_") and not ask_doses:
            continue  # not asked: no anticoagulant or prophylaxis, or past its last day
        try:
            values[name] = convert(name, kind, _text(form, name, 20))
        except InputError as exc:
            errors[name] = exc.reason
    leg: dict[str, Any] = {}
    for key in LEG_KEYS:
        raw = _text(form, key, 20)
        if raw:
            try:
                leg[key] = convert(key, "enum", raw)
            except InputError as exc:
                errors[key] = exc.reason
    rest = _text(form, "leg_signs_rest", 20)
    if rest not in ("", "false", "unknown"):
        errors["leg_signs_rest"] = "choose: I don't have them, or don't know"
    for key in LEG_SIGNS:
        # "sign.<key>": the form's leg_pain is the 0-10 score, the triage's is yes/no.
        raw = _text(form, f"sign.{key}", 20) or ("false" if rest == "false" else "")
        if raw:
            try:
                leg[key] = convert(key, "bool", raw)
            except InputError as exc:
                errors["leg_signs_rest"] = f"{key}: {exc.reason}"
    symptoms: dict[str, int | None] = {}
    for item in followup.VILLALTA_SYMPTOMS:
        try:
            symptoms[item] = convert(f"villalta.{item}", "integer",
                                     _text(form, f"villalta.{item}", 5))
        except InputError as exc:
            errors[f"villalta.{item}"] = exc.reason
    ulcer_raw = _text(form, "venous_ulcer", 10)
    data = None
    if not errors:
        try:
            data = followup.validate_checkin(CheckInInput(
                warning_signs=signs, leg=leg, villalta_symptoms=symptoms,
                venous_ulcer=convert("venous_ulcer", "bool", ulcer_raw), **values))
        except InputError as exc:
            errors[exc.field or "_form"] = exc.reason
    if data is None:
        return render(request, lang, "fu_checkin.html", status_code=422, **_triage_text(lang),
                      signs=signs, errors=errors,
                      values={k: _text(form, k, 20) for k in form.keys()},
                      symptoms=followup.VILLALTA_SYMPTOMS, ask_doses=ask_doses)
    outcome = await _call(request, lang, followup.submit_checkin, request.app.state.store,
                          actor, data, _now(request))
    if isinstance(outcome, Response):
        return outcome
    if outcome.emergency:
        return render(request, lang, "fu_emergency.html", stored=True)
    told = [text for text in (rules.rule_text(r, lang).patient for r in outcome.alerts_opened)
            if text]
    return render(request, lang, "fu_checkin_done.html", outcome=outcome, told=told,
                  result=_told(outcome, lang))


def _told(outcome: followup.CheckInOutcome, lang: str) -> dict[str, Any]:
    """What ``clotwatch check`` says on the check-in's facts: the triage's result, worded by
    the triage itself (the disposition is the service's, which is the same ``decide``)."""
    from clotwatch import triage

    result = triage.assess(dict(outcome.triage_answers), lang=lang,
                           asked=followup_core.TRIAGE_QUESTIONS)
    t = triage.translator(lang)
    return {"disposition": outcome.disposition, "label": t(f"disposition.{outcome.disposition}"),
            "headline": result["headline"],
            "reasons": list(dict.fromkeys(r["text"] for r in result["reasons"])),
            "safety_net": list(result.get("safety_net") or ())}


@router.get("/{lang}/me/audit")
async def my_audit(request: Request, lang: str) -> Response:
    """Who read or changed the patient's data."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    trail = await _call(request, lang, followup.audit_trail, request.app.state.store, actor,
                        _now(request))
    if isinstance(trail, Response):
        return trail
    return render(request, lang, "fu_audit.html", actor=actor, trail=trail)


@router.get("/{lang}/me/export.json")
async def my_export(request: Request, lang: str) -> Response:
    """All the patient's data as JSON (a download)."""
    return await _export(request, lang, "application/json", "clotwatch.json", dict)


@router.get("/{lang}/me/export.fhir.json")
async def my_export_fhir(request: Request, lang: str) -> Response:
    """All the patient's data as a FHIR R4 Bundle (a download)."""
    from clotwatch.fhir import followup_export

    return await _export(request, lang, "application/fhir+json", "clotwatch-fhir.json",
                         followup_export.bundle)


async def _export(request: Request, lang: str, media_type: str, filename: str,
                  shape: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
    """The signed-in patient's data (``followup.export``, audited) as a download."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    data = await _call(request, lang, followup.export, request.app.state.store, actor,
                       _now(request))
    if isinstance(data, Response):
        return data
    return Response(json.dumps(shape(data), ensure_ascii=False, indent=1),
                    media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@router.post("/{lang}/me/delete")
async def delete_me(request: Request, lang: str) -> Response:
    """Delete the account and every stored datum (the password confirms)."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    done = await _call(request, lang, followup.delete_account, request.app.state.store, actor,
                       _text(form, "password", 300), _now(request))
    if isinstance(done, Response):
        return done
    _ = gettext(lang)
    response = render(request, lang, "error.html", title=_("Account deleted"),
                      message=_("Your account and all your follow-up data have been deleted."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the care team --------------------------------------------------------------------------

@router.get("/{lang}/care")
async def worklist(request: Request, lang: str, programme: str = "") -> Response:
    """The clinician's worklist: most urgent open alert first, then the oldest data."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    rows = await _call(request, lang, followup.worklist, request.app.state.store, actor,
                       _now(request), programme=programme or None, lang=lang)
    if isinstance(rows, Response):
        return rows
    return render(request, lang, "fu_worklist.html", actor=actor, rows=rows, programme=programme,
                  programmes=rules.programmes(lang), now=_now(request),
                  push=await _push_state(request, actor))


@router.get("/{lang}/care/patients/{patient_id}")
async def patient_page(request: Request, lang: str, patient_id: int) -> Response:
    """A patient's timeline, charts and alerts (caregivers and the patient read it too)."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    record = await _call(request, lang, followup.patient_record, request.app.state.store,
                         actor, patient_id, _now(request), lang=lang)
    if isinstance(record, Response):
        return record
    _ = gettext(lang)
    movement = await _movement(request, lang, actor, patient_id)
    from clotwatch.web import movement as move_web

    moving = await move_web.section(request, actor, patient_id) \
        if actor.user_id != patient_id else {}
    return render(request, lang, "fu_patient.html", actor=actor, record=record,
                  villalta_items=[(k, _(v)) for k, v in VILLALTA_LABELS.items()],
                  charts=charts.for_record(record, gettext(lang)),
                  programmes={p.id: p for p in rules.programmes(lang)}, **movement, **moving)


VILLALTA_LABELS = {
    "pain": "Pain", "cramps": "Cramps", "heaviness": "Heaviness",
    "paresthesia": "Pins and needles", "pruritus": "Itching",
    "pretibial_edema": "Pretibial oedema", "skin_induration": "Skin induration",
    "hyperpigmentation": "Hyperpigmentation", "redness": "Redness",
    "venous_ectasia": "Venous ectasia", "pain_on_calf_compression": "Pain on calf compression",
}


@router.post("/{lang}/care/patients/{patient_id}/visit")
async def visit(request: Request, lang: str, patient_id: int) -> Response:
    """A clinician records the Villalta rating of a visit (symptoms and signs)."""
    store = request.app.state.store

    def act(actor: Principal, form: FormData) -> None:
        grades = {item: convert(f"villalta.{item}", "integer", _text(form, f"villalta.{item}", 5))
                  for item in followup.VILLALTA_ITEMS}
        ulcer = convert("venous_ulcer", "bool", _text(form, "venous_ulcer", 10))
        followup.record_visit(store, actor, patient_id, grades, ulcer, _now(request))

    return await form_action(request, lang, act, then=f"/{lang}/care/patients/{patient_id}")


@router.post("/{lang}/care/alerts/{alert_id}")
async def alert_action(request: Request, lang: str, alert_id: int) -> Response:
    """Acknowledge, snooze or resolve one alert; htmx swaps the alert in place."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    hours_text = _text(form, "hours", 10)
    try:
        hours = float(hours_text) if hours_text else None
    except ValueError:
        return _field_error(request, lang, InputError("hours", "enter a number of hours"))
    alert = await _call(request, lang, followup.act_on_alert, request.app.state.store, actor,
                        alert_id, _text(form, "action", 20), _now(request),
                        note=_text(form, "note", 2000), snooze_hours=hours, lang=lang)
    if isinstance(alert, Response):
        return alert
    if request.headers.get("hx-request") == "true" and \
            request.headers.get("hx-target", "").startswith("alert-"):
        alert["can_act"] = True
        return render(request, lang, "fu_alert.html", alert=alert)
    return RedirectResponse(f"/{lang}/care/patients/{alert['patient_id']}", status_code=303)


@router.post("/{lang}/care/enrolments/{enrolment_id}")
async def adjust_schedule(request: Request, lang: str, enrolment_id: int) -> Response:
    """A clinician sets a patient's check-in interval (empty: the programme's own) and how
    long the dose questions apply (if the form has the ``doses`` choice)."""
    store = request.app.state.store

    def act(actor: Principal, form: FormData) -> None:
        days = convert("interval_days", "integer", _text(form, "interval_days", 5))
        doses: int | None | bool = _doses_until_day(form) if "doses" in form else False
        followup.set_interval(store, actor, enrolment_id, days, _now(request),
                              doses_until_day=doses)

    def back(form: FormData) -> str:
        patient = _text(form, "patient", 12)
        return f"/{lang}/care/patients/{patient}" if patient.isdigit() else f"/{lang}/care"

    return await form_action(request, lang, act, then=back)


@router.get("/{lang}/care/enrol")
async def enrol_form(request: Request, lang: str) -> Response:
    """A clinician enrols a patient in a programme: an invitation to hand over."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    if not actor.staff:
        return _denied(request, lang, 403)
    clinics = await run_in_threadpool(followup.clinics_of, request.app.state.store, actor)
    return render(request, lang, "fu_enrol.html", actor=actor, clinics=clinics,
                  programmes=rules.programmes(lang), issued=None, qr=None,
                  today=_now(request).date().isoformat())


@router.post("/{lang}/care/enrol")
async def enrol(request: Request, lang: str) -> Response:
    """Issue the invitation: link, code and QR, single-use, for seven days."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    try:
        clinic_id = int(_text(form, "clinic", 20))
        start = _start(form)
        doses = _doses_until_day(form)
    except InputError as exc:  # before ValueError: InputError is one
        return _field_error(request, lang, exc)
    except ValueError:
        return _field_error(request, lang, InputError("clinic", "choose a clinic"))
    issued = await _call(request, lang, followup.invite_patient, request.app.state.store,
                         actor, clinic_id, _text(form, "programme", 64), start, _now(request),
                         doses_until_day=doses)
    if isinstance(issued, Response):
        return issued
    clinics = await run_in_threadpool(followup.clinics_of, request.app.state.store, actor)
    link = f"{str(request.base_url).rstrip('/')}/{lang}/join?code={issued.token}"
    return render(request, lang, "fu_enrol.html", actor=actor, clinics=clinics,
                  programmes=rules.programmes(lang), today=start.isoformat(),
                  issued={"link": link, "code": issued.code, "expires_at": issued.expires_at},
                  qr=_qr_svg(link))


def _clinic(store: Any, clinic_id: int) -> Clinic | None:
    """The clinic row for its admin's page (the route checked the admin role)."""
    with store.session() as session:
        clinic: Clinic | None = session.get(Clinic, clinic_id)
        return clinic


@router.get("/{lang}/clinic/{clinic_id}")
async def clinic_settings(request: Request, lang: str, clinic_id: int) -> Response:
    """A clinic admin's page: the join code, TOTP requirement, staff invitations."""
    actor = await signed_in(request, lang)
    if isinstance(actor, Response):
        return actor
    if actor.staff.get(clinic_id) != "admin":
        return _denied(request, lang, 404)

    clinic = await run_in_threadpool(_clinic, request.app.state.store, clinic_id)
    if clinic is None:
        return not_found(request, lang)
    return render(request, lang, "fu_clinic.html", actor=actor, clinic=clinic, issued=None, qr=None)


@router.post("/{lang}/clinic/{clinic_id}")
async def clinic_update(request: Request, lang: str, clinic_id: int) -> Response:
    """Require TOTP, or invite a clinician or admin."""
    found = await signed_form(request, lang)
    if isinstance(found, Response):
        return found
    actor, form = found
    store, now = request.app.state.store, _now(request)
    if _text(form, "action", 20) == "invite":
        issued = await _call(request, lang, followup.invite_staff, store, actor, clinic_id,
                             _text(form, "role", 16), now)
        if isinstance(issued, Response):
            return issued

        link = f"{str(request.base_url).rstrip('/')}/{lang}/join?code={issued.token}"
        clinic = await run_in_threadpool(_clinic, store, clinic_id)
        return render(request, lang, "fu_clinic.html", actor=actor, clinic=clinic,
                      issued={"link": link, "code": issued.code,
                              "expires_at": issued.expires_at}, qr=_qr_svg(link))
    if _text(form, "action", 20) == "escalation":
        windows: dict[str, int | None] = {}
        for name in ("escalate_emergency_minutes", "escalate_urgent_minutes"):
            try:
                windows[name] = convert(name, "integer", _text(form, name, 10))
            except InputError as exc:
                return _field_error(request, lang, exc)
        done = await _call(request, lang, followup.set_escalation_windows, store, actor,
                           clinic_id, windows["escalate_emergency_minutes"],
                           windows["escalate_urgent_minutes"], now)
        if isinstance(done, Response):
            return done
        return RedirectResponse(f"/{lang}/clinic/{clinic_id}", status_code=303)
    done = await _call(request, lang, followup.set_require_totp, store, actor, clinic_id,
                       _text(form, "require_totp", 5) == "true", now)
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"/{lang}/clinic/{clinic_id}", status_code=303)
