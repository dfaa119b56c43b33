"""The trust configuration and the token checks that the HTTP tests do not reach."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from clotwatch.cdshooks.trust import (
    CLOCK_SKEW_SECONDS,
    ReplayCache,
    TokenRejected,
    Trust,
    bearer_token,
    verify,
)
from clotwatch.errors import ConfigError

ISS = "https://ehr.example.org"
AUD = "https://cds.example.org/cds-services/clotwatch-vte-risk"
NOW = 1_795_000_000.0
ED25519_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"


@pytest.fixture(scope="module")
def es_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def public_jwk(key: Any, kid: str | None = "k1") -> dict[str, Any]:
    algorithm = ECAlgorithm if isinstance(key, ec.EllipticCurvePrivateKey) else RSAAlgorithm
    jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
    return jwk | ({"kid": kid} if kid else {})


def trust_with(*jwks: dict[str, Any]) -> Trust:
    return Trust.from_document({"issuers": [{"iss": ISS, "jwks": {"keys": list(jwks)}}]})


def token(key: Any, alg: str = "ES384", kid: str | None = "k1", **claims: Any) -> str:
    payload = {"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 300,
               "jti": "jti-1"} | claims
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


def test_a_valid_token_names_the_caller(es_key: Any) -> None:
    caller = verify(f"Bearer {token(es_key, tenant='t-1', sub='client-9')}", audience=AUD,
                    trust=trust_with(public_jwk(es_key)), replay=ReplayCache(), now=NOW)
    assert (caller.iss, caller.sub, caller.tenant, caller.jti) == (ISS, "client-9", "t-1",
                                                                   "jti-1")
    assert caller.signed


def test_aud_may_be_an_array_containing_the_endpoint(es_key: Any) -> None:
    signed = token(es_key, aud=["https://other.example.org", AUD])
    verify(f"Bearer {signed}", audience=AUD, trust=trust_with(public_jwk(es_key)),
           replay=ReplayCache(), now=NOW)


def test_a_key_without_kid_is_tried_for_any_kid(es_key: Any) -> None:
    verify(f"Bearer {token(es_key, kid='rotated')}", audience=AUD,
           trust=trust_with(public_jwk(es_key, kid=None)), replay=ReplayCache(), now=NOW)


def test_the_kid_must_name_a_configured_key(es_key: Any) -> None:
    with pytest.raises(TokenRejected, match="kid"):
        verify(f"Bearer {token(es_key, kid='unknown')}", audience=AUD,
               trust=trust_with(public_jwk(es_key)), replay=ReplayCache(), now=NOW)


def test_an_rsa_key_cannot_verify_an_es384_token(es_key: Any) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenRejected):
        verify(f"Bearer {token(es_key)}", audience=AUD, trust=trust_with(public_jwk(rsa_key)),
               replay=ReplayCache(), now=NOW)


def test_clock_skew_is_tolerated_but_not_more(es_key: Any) -> None:
    trust = trust_with(public_jwk(es_key))
    verify(f"Bearer {token(es_key, jti='a')}", audience=AUD, trust=trust,
           replay=ReplayCache(), now=NOW + 300 + CLOCK_SKEW_SECONDS - 1)
    with pytest.raises(TokenRejected, match="expired"):
        verify(f"Bearer {token(es_key, jti='b')}", audience=AUD, trust=trust,
               replay=ReplayCache(), now=NOW + 300 + CLOCK_SKEW_SECONDS)


@pytest.mark.parametrize(("claims", "reason"), [
    ({"exp": "soon"}, "exp"),
    ({"iat": True}, "iat"),
    ({"jti": ""}, "jti"),
    ({"jti": "x" * 300}, "jti"),
    ({"exp": int(NOW) - 10, "iat": int(NOW)}, "expires before"),
    ({"nbf": int(NOW) + 3600}, "nbf"),
    ({"iat": int(NOW) - 600, "exp": int(NOW) + 200}, "5 minutes"),
])
def test_claims_of_the_wrong_kind_are_refused(es_key: Any, claims: dict[str, Any],
                                              reason: str) -> None:
    with pytest.raises(TokenRejected, match=reason):
        verify(f"Bearer {token(es_key, **claims)}", audience=AUD,
               trust=trust_with(public_jwk(es_key)), replay=ReplayCache(), now=NOW)


def test_a_wrong_typ_header_is_refused(es_key: Any) -> None:
    signed = jwt.encode({"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 60,
                         "jti": "j"}, es_key, algorithm="ES384",
                        headers={"kid": "k1", "typ": "at+jwt"})
    with pytest.raises(TokenRejected, match="typ"):
        verify(f"Bearer {signed}", audience=AUD, trust=trust_with(public_jwk(es_key)),
               replay=ReplayCache(), now=NOW)


def test_replay_is_per_issuer_and_forgotten_after_expiry() -> None:
    cache = ReplayCache()
    assert cache.check_and_remember(ISS, "j", exp=NOW + 300, now=NOW)
    assert not cache.check_and_remember(ISS, "j", exp=NOW + 300, now=NOW + 1)
    assert cache.check_and_remember("https://other.example.org", "j", exp=NOW + 300, now=NOW)
    later = NOW + 300 + CLOCK_SKEW_SECONDS + 31
    assert cache.check_and_remember(ISS, "k", exp=later + 300, now=later)
    assert len(cache) == 1  # the expired pairs were pruned


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_authorization_header_means_no_token(header: str | None) -> None:
    assert bearer_token(header) is None


def test_unsigned_calls_pass_only_when_the_trust_allows_them() -> None:
    with pytest.raises(TokenRejected):
        verify(None, audience=AUD, trust=Trust(issuers={}), replay=ReplayCache(), now=NOW)
    caller = verify(None, audience=AUD, trust=Trust(issuers={}, allow_unsigned=True),
                    replay=ReplayCache(), now=NOW)
    assert not caller.signed


@pytest.mark.parametrize(("document", "message"), [
    ([], "issuers"),
    ({"issuers": [{}]}, "iss"),
    ({"issuers": [{"iss": ISS}]}, "jwks"),
    ({"issuers": [{"iss": ISS, "jwks": {"keys": []}}]}, "no public keys"),
    ({"issuers": [{"iss": ISS, "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}]},
     "symmetric"),
    ({"issuers": [{"iss": ISS, "jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519",
                                                  "x": ED25519_X}]}}]},
     "key type"),
    ({"issuers": [{"iss": ISS, "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "a",
                                                  "y": "b"}]}}]}, "P-384"),
])
def test_a_bad_trust_document_is_a_config_error(document: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Trust.from_document(document)


def test_a_private_key_in_the_trust_file_is_refused(es_key: Any) -> None:
    private = ECAlgorithm.to_jwk(es_key, as_dict=True)
    with pytest.raises(ConfigError, match="private"):
        trust_with(private)


def test_short_rsa_keys_and_foreign_alg_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ConfigError, match="2048"):
        trust_with(public_jwk(small))
    big = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ConfigError, match="RS256"):
        trust_with(public_jwk(big) | {"alg": "RS256"})


def test_the_trust_file_reads_jwks_files_beside_it(tmp_path: Path, es_key: Any) -> None:
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [public_jwk(es_key)]}))
    path = tmp_path / "trust.json"
    path.write_text(json.dumps({"issuers": [{"iss": ISS, "jwks_file": "keys.json"}]}))
    trust = Trust.load(path)
    assert list(trust.issuers) == [ISS]
    with pytest.raises(ConfigError, match="cannot read"):
        Trust.load(tmp_path / "missing.json")
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        Trust.load(path)


def test_a_token_without_kid_is_refused(es_key: Any) -> None:
    # CDS Hooks 2.0: "kid" is required in the JWT header, even when the issuer has one key.
    with pytest.raises(TokenRejected, match="'kid'.* is required"):
        verify(f"Bearer {token(es_key, kid=None)}", audience=AUD,
               trust=trust_with(public_jwk(es_key, kid=None)), replay=ReplayCache(), now=NOW)


def test_a_token_without_typ_is_refused(es_key: Any) -> None:
    signed = jwt.encode({"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 60,
                         "jti": "j"}, es_key, algorithm="ES384",
                        headers={"kid": "k1", "typ": None})
    assert "typ" not in jwt.get_unverified_header(signed)
    with pytest.raises(TokenRejected, match="'typ' is required"):
        verify(f"Bearer {signed}", audience=AUD, trust=trust_with(public_jwk(es_key)),
               replay=ReplayCache(), now=NOW)
