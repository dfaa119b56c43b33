"""Trusting CDS Clients: verification of the EHR's signed bearer JWT (CDS Hooks 2.0, "Trusting
CDS Clients").

An EHR (the CDS Client) signs a short-lived JWT for every call and sends it as
``Authorization: Bearer <JWT>``. clotwatch accepts it only if all of these hold:

- the header carries ``typ`` "JWT" and a ``kid`` (both required by the specification);
- ``alg`` is ES384 or RS384 (the two the specification recommends). ``none``, every HMAC
  algorithm (a shared secret is forbidden by the specification) and everything else is refused;
- ``iss`` is on the issuer allow-list of the trust configuration, and the signature verifies
  with one of *that issuer's* configured public keys (chosen by ``kid``; the key type must fit
  the algorithm: P-384 for ES384, RSA of 2048 bits or more for RS384). Keys are configured,
  never fetched: a ``jku`` header is ignored, so a token cannot point at keys of its choosing;
- ``aud`` is this service's endpoint URL exactly (string, or array containing it);
- ``exp`` and ``iat`` are present and sane: not expired, not issued in the future, and no
  more than five minutes of lifetime (the specification's limit), each with 60 s of clock skew;
- ``jti`` is present and not seen before from this issuer while the token is valid.

The replay cache the app uses is in the store (``clotwatch.store.StoreReplayCache``), shared
by every worker process and instance; ``ReplayCache`` here is the in-memory one with the same
interface (tests, a single process without a store).

The trust configuration is a JSON document (``CLOTWATCH_CDS_TRUST_FILE``, or inline in
``CLOTWATCH_CDS_TRUST``)::

    {"issuers": [
        {"iss": "https://ehr.example.org",
         "jwks": {"keys": [{"kty": "EC", "crv": "P-384", "kid": "ehr-1", "x": "...", "y": "..."}]}},
        {"iss": "https://other-ehr.example.net", "jwks_file": "other-ehr-jwks.json"}
     ]}

``jwks_file`` is read relative to the trust file. Unsigned calls are accepted only when the
settings explicitly allow them (``CLOTWATCH_CDS_ALLOW_UNSIGNED``, development only).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from clotwatch.errors import ClotwatchError, ConfigError

ALLOWED_ALGORITHMS: tuple[str, ...] = ("ES384", "RS384")
MAX_LIFETIME_SECONDS = 300  # "exp ... SHALL NOT be more than 5 minutes in the future"
CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_LENGTH = 16_384
MAX_JTI_LENGTH = 256
MIN_RSA_BITS = 2048

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class TokenRejected(ClotwatchError):
    """The bearer token is missing or does not prove a trusted EHR sent this call."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class TrustedKey:
    """One configured public key of an issuer."""

    kid: str | None
    alg: str
    key: PublicKey


@dataclass(frozen=True)
class TrustedIssuer:
    """An EHR on the allow-list, with the public keys its tokens must verify with."""

    iss: str
    keys: tuple[TrustedKey, ...]


@dataclass(frozen=True)
class Trust:
    """The trust configuration: the issuer allow-list, and whether unsigned calls pass."""

    issuers: Mapping[str, TrustedIssuer]
    allow_unsigned: bool = False

    @classmethod
    def load(cls, path: Path, *, allow_unsigned: bool = False) -> Trust:
        """Read the trust file; ConfigError names what is wrong with it."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"CLOTWATCH_CDS_TRUST_FILE: cannot read {path}: "
                              f"{exc.strerror}") from exc
        except ValueError as exc:
            raise ConfigError(f"CLOTWATCH_CDS_TRUST_FILE: {path} is not JSON: {exc}") from exc
        return cls.from_document(document, base_dir=path.parent, allow_unsigned=allow_unsigned)

    @classmethod
    def from_document(cls, document: Any, *, base_dir: Path | None = None,
                      allow_unsigned: bool = False) -> Trust:
        """Build the trust configuration from its JSON document."""
        if not isinstance(document, Mapping) or not isinstance(document.get("issuers"), list):
            raise ConfigError("CDS trust: the document must be an object with an 'issuers' list")
        issuers: dict[str, TrustedIssuer] = {}
        for index, entry in enumerate(document["issuers"]):
            where = f"CDS trust: issuers[{index}]"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("iss"), str) \
                    or not entry["iss"]:
                raise ConfigError(f"{where}: 'iss' (the EHR's issuer URI) is required")
            iss = entry["iss"]
            if iss in issuers:
                raise ConfigError(f"{where}: issuer {iss!r} is listed twice")
            jwks = _jwks_of(entry, base_dir, where)
            keys = tuple(_trusted_key(jwk, f"{where}.keys[{i}]")
                         for i, jwk in enumerate(jwks))
            if not keys:
                raise ConfigError(f"{where}: no public keys for {iss!r}")
            issuers[iss] = TrustedIssuer(iss=iss, keys=keys)
        return cls(issuers=issuers, allow_unsigned=allow_unsigned)


def _jwks_of(entry: Mapping[str, Any], base_dir: Path | None, where: str) -> list[Any]:
    if "jwks" in entry:
        jwks = entry["jwks"]
    elif "jwks_file" in entry:
        path = Path(str(entry["jwks_file"]))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            jwks = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{where}: cannot read the JWK Set {path}: {exc}") from exc
    else:
        raise ConfigError(f"{where}: give the issuer's public keys as 'jwks' or 'jwks_file'")
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise ConfigError(f"{where}: a JWK Set is an object with a 'keys' list")
    return list(jwks["keys"])


def _trusted_key(jwk: Any, where: str) -> TrustedKey:
    if not isinstance(jwk, Mapping):
        raise ConfigError(f"{where}: a JWK must be an object")
    if "d" in jwk or "p" in jwk or "k" in jwk:
        raise ConfigError(f"{where}: private or symmetric key material does not belong in the "
                          "trust file; give the EHR's public key only")
    kty = jwk.get("kty")
    declared = jwk.get("alg")
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise ConfigError(f"{where}: 'kid' must be a string")
    try:
        if kty == "EC":
            if jwk.get("crv") != "P-384":
                raise ConfigError(f"{where}: only P-384 EC keys are accepted (ES384)")
            key: PublicKey = ECAlgorithm.from_jwk(dict(jwk))  # type: ignore[assignment]
            alg = "ES384"
        elif kty == "RSA":
            key = RSAAlgorithm.from_jwk(dict(jwk))  # type: ignore[assignment]
            alg = "RS384"
        else:
            raise ConfigError(f"{where}: key type {kty!r} is not accepted; use EC P-384 "
                              "(ES384) or RSA (RS384)")
    except jwt.InvalidKeyError as exc:
        raise ConfigError(f"{where}: not a valid public JWK: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ConfigError(f"{where}: not a public key")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ConfigError(f"{where}: RSA keys under {MIN_RSA_BITS} bits are refused")
    if declared is not None and declared != alg:
        raise ConfigError(f"{where}: key 'alg' {declared!r} is not accepted; "
                          f"only {alg} is used with this key type")
    return TrustedKey(kid=kid, alg=alg, key=key)


@dataclass(frozen=True)
class Caller:
    """Who made a verified call: the EHR's issuer, client and tenant (None when unsigned)."""

    iss: str | None
    sub: str | None = None
    tenant: str | None = None
    jti: str | None = None

    @property
    def signed(self) -> bool:
        """True when the call carried a verified token."""
        return self.iss is not None


class ReplayCache:
    """The ``(iss, jti)`` pairs seen, each kept until its token expires (in this process).

    Bounded in practice: a token lives at most ``MAX_LIFETIME_SECONDS`` plus skew, so the cache
    holds at most that many seconds' worth of calls. Thread-safe (routes run in a thread pool).
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def check_and_remember(self, iss: str, jti: str, exp: float, now: float) -> bool:
        """True (and remembered) if this ``jti`` is new for ``iss``; False if a replay."""
        key = (iss, jti)
        with self._lock:
            if now >= self._next_prune:
                self._seen = {k: e for k, e in self._seen.items()
                              if e + CLOCK_SKEW_SECONDS > now}
                self._next_prune = now + 30
            seen_until = self._seen.get(key)
            if seen_until is not None and seen_until + CLOCK_SKEW_SECONDS > now:
                return False
            self._seen[key] = exp
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is none."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("the Authorization header must be 'Bearer <JWT>'")
    return token.strip()


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise TokenRejected(f"the '{name}' claim must be a number of seconds since the epoch")
    return float(value)


class Replay(Protocol):
    """Remembers token ids: ``check_and_remember`` is False for one seen before."""

    def check_and_remember(self, iss: str, jti: str, exp: float, now: float) -> bool:
        """True (and remembered) if new."""
        ...


def verify(authorization: str | None, *, audience: str, trust: Trust | None,
           replay: Replay, now: float) -> Caller:
    """The verified caller of one CDS Hooks call; TokenRejected says why not.

    ``audience`` is the full URL of the endpoint called; ``now`` is seconds since the epoch.
    """
    token = bearer_token(authorization)
    if token is None:
        if trust is not None and trust.allow_unsigned:
            return Caller(iss=None)
        raise TokenRejected("a signed bearer JWT from a trusted EHR is required "
                            "(Authorization: Bearer <JWT>)")
    if trust is None or not trust.issuers:
        raise TokenRejected("no EHR is trusted yet: configure CLOTWATCH_CDS_TRUST_FILE")
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenRejected("the bearer token is too long")
    try:
        # header and claims read in one pass (checked below, then verified with the key)
        unverified_token = jwt.decode_complete(token, options={"verify_signature": False})
        header = unverified_token["header"]
        unverified = unverified_token["payload"]
    except jwt.PyJWTError as exc:
        raise TokenRejected(f"the bearer token is not a well-formed JWT: {exc}") from exc
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise TokenRejected(f"JWT algorithm {alg!r} is refused; only ES384 and RS384 are "
                            "accepted")
    # CDS Hooks 2.0 "Trusting CDS Clients": the JWT header's alg, kid and typ (JWT) are
    # required; a token without kid or typ is refused.
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.upper() != "JWT":
        raise TokenRejected("the JWT header 'typ' is required and must be 'JWT'")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("the JWT header 'kid' (the signing key's id) is required")
    iss = unverified.get("iss")
    if not isinstance(iss, str) or not iss:
        raise TokenRejected("the 'iss' claim is required")
    issuer = trust.issuers.get(iss)
    if issuer is None:
        raise TokenRejected("the token's issuer is not on this service's allow-list")
    candidates = [k for k in issuer.keys if k.alg == alg and (k.kid is None or k.kid == kid)]
    if not candidates:
        raise TokenRejected("no configured key of this issuer matches the token's kid and "
                            "algorithm")
    claims = _verified_claims(token, candidates, alg, audience, iss)
    exp = _number(claims, "exp")
    iat = _number(claims, "iat")
    if exp <= now - CLOCK_SKEW_SECONDS:
        raise TokenRejected("the token has expired")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise TokenRejected("the token's 'iat' is in the future")
    if exp < iat:
        raise TokenRejected("the token expires before it was issued")
    if exp - min(iat, now) > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS:
        raise TokenRejected("the token lives too long: 'exp' may be at most 5 minutes ahead")
    if "nbf" in claims and _number(claims, "nbf") > now + CLOCK_SKEW_SECONDS:
        raise TokenRejected("the token is not valid yet ('nbf')")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise TokenRejected(f"the 'jti' claim must be a string of 1 to {MAX_JTI_LENGTH} "
                            "characters")
    if not replay.check_and_remember(iss, jti, exp, now):
        raise TokenRejected("this token has been used before (replayed 'jti')")
    sub = claims.get("sub")
    tenant = claims.get("tenant")
    return Caller(iss=iss, sub=sub if isinstance(sub, str) else None,
                  tenant=tenant if isinstance(tenant, str) else None, jti=jti)


def _verified_claims(token: str, candidates: list[TrustedKey], alg: str, audience: str,
                     iss: str) -> dict[str, Any]:
    last: Exception | None = None
    for candidate in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, candidate.key, algorithms=[alg], audience=audience, issuer=iss,
                options={"require": ["iss", "aud", "exp", "iat", "jti"],
                         "verify_exp": False, "verify_iat": False, "verify_nbf": False})
            return claims
        except jwt.InvalidSignatureError as exc:
            last = exc
            continue
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"the '{exc.claim}' claim is required") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected(f"the 'aud' claim must be this endpoint's URL ({audience})") \
                from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the token was refused: {exc}") from exc
    raise TokenRejected("the token's signature does not verify with this issuer's keys") \
        from last
