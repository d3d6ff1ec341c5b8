"""A USI is checked for its format and check character before it is saved."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from testamur.learners.models import validate_usi
from testamur.learners.usi import (
    ALPHABET,
    USI_BAD_CHARACTER,
    USI_BAD_CHECK,
    USI_EXEMPTION_TYPED,
    USI_LOWERCASE,
    USI_WRONG_LENGTH,
    usi_check_character,
    usi_problem,
)


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
def test_every_generated_usi_passes_and_every_single_change_fails(body):
    usi = body + usi_check_character(body)
    assert usi_problem(usi) is None
    for position, original in enumerate(usi):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            changed = usi[:position] + replacement + usi[position + 1 :]
            assert usi_problem(changed) == USI_BAD_CHECK, (usi, changed)


@pytest.mark.parametrize("usi", ["BNGH7C75FN", "BP6LKB3C7X", "RVJ5DM8LXJ"])
def test_known_valid_usis(usi):
    assert usi_problem(usi) is None
    validate_usi(usi)


@pytest.mark.parametrize("usi", ["BNGH7C75FM", "BNHG7C75FN"])
def test_known_invalid_usis(usi):
    assert usi_problem(usi) == USI_BAD_CHECK
    with pytest.raises(ValidationError):
        validate_usi(usi)


@pytest.mark.parametrize(
    "typed,message",
    [
        ("bngh7c75fn", USI_LOWERCASE),
        ("BNGH7C75F", USI_WRONG_LENGTH.format(length=9)),
        ("BNGH7C75FNN", USI_WRONG_LENGTH.format(length=11)),
        ("BNGH7C75FI", USI_BAD_CHARACTER.format(char="I")),
        ("BNGH7C75F0", USI_BAD_CHARACTER.format(char="0")),
        ("INDIV", USI_EXEMPTION_TYPED),
        ("intoff", USI_EXEMPTION_TYPED),
    ],
)
def test_each_kind_of_mistake_gets_its_own_message(typed, message):
    assert usi_problem(typed) == message
