"""Australian postcodes and the state or territory each belongs to (Australia Post's ranges),
so an address whose postcode and state disagree is caught with a message that says why."""

import re

_STATE_NAMES = {
    "NSW": "New South Wales",
    "VIC": "Victoria",
    "QLD": "Queensland",
    "SA": "South Australia",
    "WA": "Western Australia",
    "TAS": "Tasmania",
    "NT": "the Northern Territory",
    "ACT": "the Australian Capital Territory",
    "OTH": "another Australian territory",
}

# Inclusive ranges. Border areas overlap (2618–2620 are both NSW and ACT).
_RANGES = {
    "NSW": [(1000, 2599), (2618, 2899), (2921, 2999)],
    "ACT": [(200, 299), (2600, 2620), (2900, 2920)],
    "VIC": [(3000, 3999), (8000, 8999)],
    "QLD": [(4000, 4999), (9000, 9999)],
    "SA": [(5000, 5999)],
    "WA": [(6000, 6797), (6800, 6999)],
    "TAS": [(7000, 7999)],
    "NT": [(800, 999)],
    # Jervis Bay, Norfolk Island, Christmas Island, Cocos (Keeling) Islands, Antarctic bases.
    "OTH": [(2540, 2540), (2899, 2899), (6798, 6799), (7151, 7151)],
}
# Towns served from across a border: Barooga NSW 3644, Mungindi QLD 2406, the remote
# communities of SA and WA on NT's 0872, and the like.
_ACROSS_BORDERS = {
    "NSW": {3585, 3586, 3644, 3691, 3707, 4375, 4377, 4380, 4383, 4385},
    "QLD": {2406},
    "SA": {872},
    "WA": {872},
}

POSTCODE_NOT_FOUR_DIGITS = "An Australian postcode is 4 digits, e.g. 2150."
POSTCODE_OVERSEAS = "An overseas address has no Australian postcode: leave the postcode blank."
POSTCODE_WRONG_STATE = (
    "Postcode {postcode} is in {actual}, not in {chosen}: check the postcode and the state."
)
POSTCODE_UNKNOWN = "{postcode} is not an Australian postcode: check it."

_FOUR_DIGITS = re.compile(r"^\d{4}$")


def postcode_states(postcode: str) -> list[str]:
    """The states and territories a 4-digit postcode belongs to, most likely first."""
    number = int(postcode)
    found = [
        state
        for state, ranges in _RANGES.items()
        if any(low <= number <= high for low, high in ranges)
    ]
    found += [state for state, extra in _ACROSS_BORDERS.items() if number in extra]
    return list(dict.fromkeys(found))


def postcode_problem(postcode: str, state: str) -> str:
    """Why this postcode cannot go with this state ("" when it can, or either is blank)."""
    postcode = (postcode or "").strip()
    if not postcode:
        return ""
    if state == "OVS":
        return POSTCODE_OVERSEAS
    if not _FOUR_DIGITS.match(postcode):
        return POSTCODE_NOT_FOUR_DIGITS
    states = postcode_states(postcode)
    if not states:
        return POSTCODE_UNKNOWN.format(postcode=postcode)
    if state and state in _STATE_NAMES and state not in states:
        return POSTCODE_WRONG_STATE.format(
            postcode=postcode, actual=_STATE_NAMES[states[0]], chosen=_STATE_NAMES[state]
        )
    return ""
