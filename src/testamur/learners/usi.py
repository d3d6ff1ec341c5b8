"""The Unique Student Identifier: format and check character (Luhn mod 32).

Local validation proves the format only; verification with the USI Registrar is recorded
separately as the learner's USI status.
"""

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_N = len(ALPHABET)

USI_WRONG_LENGTH = "A USI is exactly 10 characters; this one has {length}."
USI_LOWERCASE = "A USI is written in capital letters (e.g. BNGH7C75FN)."
USI_BAD_CHARACTER = (
    "A USI uses only the digits 2–9 and the letters A–Z without I and O; '{char}' is not allowed."
)
USI_BAD_CHECK = (
    "This USI's last character is not the check character its first nine give. "
    "Check it was typed correctly."
)
USI_EXEMPTION_TYPED = (
    "Exemptions (INDIV, INTOFF) are recorded with the USI status, not typed into the USI box."
)


def usi_check_character(first_nine: str) -> str:
    """Luhn mod N over the first nine characters; the rightmost gets factor 2."""
    factor, total = 2, 0
    for char in reversed(first_nine):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def usi_problem(value: str) -> str | None:
    """The reason a USI is invalid, or None when it is valid. Input is taken as typed."""
    if value.strip().upper() in {"INDIV", "INTOFF"}:
        return USI_EXEMPTION_TYPED
    if len(value) != 10:
        return USI_WRONG_LENGTH.format(length=len(value))
    for char in value:
        if char not in ALPHABET:
            if char.upper() in ALPHABET:
                return USI_LOWERCASE
            return USI_BAD_CHARACTER.format(char=char)
    if usi_check_character(value[:9]) != value[9]:
        return USI_BAD_CHECK
    return None


def is_valid_usi(value: str) -> bool:
    return usi_problem(value) is None
