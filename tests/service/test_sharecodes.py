"""Share codes: 100 random bits, human-typeable, hashed for storage."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clotwatch.errors import InputError
from clotwatch.service import sharecodes

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")


def test_a_code_is_four_groups_of_five_crockford_characters() -> None:
    for _ in range(200):
        assert SHAPE.match(sharecodes.new_code())


def test_a_code_carries_at_least_80_bits() -> None:
    assert sharecodes.CODE_BITS >= 80
    assert len(sharecodes.ALPHABET) ** sharecodes.CODE_LENGTH >= 2**sharecodes.CODE_BITS
    assert len({sharecodes.new_code() for _ in range(2000)}) == 2000


@given(st.integers(min_value=0, max_value=2**100 - 1))
def test_canonical_form_survives_case_dashes_and_confusable_letters(number: int) -> None:
    chars = "".join(sharecodes.ALPHABET[(number >> (5 * i)) & 31] for i in range(20))
    code = sharecodes.format_code(chars)
    mangled = code.lower().replace("0", "o").replace("1", "i").replace("-", " ")
    assert sharecodes.canonical_code(mangled) == chars
    assert sharecodes.hash_code(mangled) == sharecodes.hash_code(code)


@pytest.mark.parametrize("text", ["", "ABCDE", "U" * 20, "ABCDE-12345-FGHJK-6789!", "A" * 21])
def test_malformed_codes_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InputError) as info:
        sharecodes.canonical_code(text)
    assert info.value.field == "code"


def test_hash_is_sha256_hex_and_differs_from_the_code() -> None:
    code = sharecodes.new_code()
    digest = sharecodes.hash_code(code)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert sharecodes.canonical_code(code) not in digest


def test_revoke_tokens_match_only_themselves() -> None:
    token = sharecodes.new_revoke_token()
    assert len(token) >= 32
    stored = sharecodes.hash_token(token)
    assert sharecodes.token_matches(token, stored)
    assert not sharecodes.token_matches(token + "x", stored)
