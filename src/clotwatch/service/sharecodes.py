"""Share codes: unguessable, human-typeable, stored only as hashes.

A code is 20 Crockford base32 characters (100 bits from ``secrets``), shown in four groups of
five: ``7KQ2M-X9T4D-...``. Crockford's alphabet has no I, L, O or U, so a code read aloud or
typed from paper survives the usual confusions: lower case, I/L for 1, O for 0, and spaces or
dashes anywhere are accepted.

Only SHA-256 of the canonical code is stored. A slow or salted hash is not needed: with 100
random bits there is nothing to brute-force from a leaked hash, and an unsalted hash lets the
store find a code with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from clotwatch.errors import InputError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_BITS = 100
CODE_LENGTH = CODE_BITS // 5  # 20 characters
GROUP = 5
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    """A fresh share code, grouped for reading: XXXXX-XXXXX-XXXXX-XXXXX."""
    number = secrets.randbits(CODE_BITS)
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return format_code("".join(chars))


def format_code(canonical: str) -> str:
    """Group a canonical code in fives with dashes."""
    return "-".join(canonical[i:i + GROUP] for i in range(0, len(canonical), GROUP))


def canonical_code(text: str, field: str = "code") -> str:
    """The canonical form of a typed code; InputError if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -_\t").translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        raise InputError(field, f"a share code is {CODE_LENGTH} letters and digits, "
                                "like ABCDE-12345-FGHJK-67890")
    return cleaned


def hash_code(text: str) -> str:
    """SHA-256 (hex) of the canonical form of a code; InputError if malformed."""
    return hashlib.sha256(canonical_code(text).encode("ascii")).hexdigest()


def new_revoke_token() -> str:
    """A secret given only to the person who saved the assessment (192 bits)."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a revoke token."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented revoke token with the stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)
