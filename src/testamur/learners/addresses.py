"""A street address as AVETMISS splits it (building, flat/unit, street number, street name),
and as one line for people and documents."""

import re

_ADDRESS = re.compile(
    r"^(?:(?P<building>[^,]+), )?(?:(?P<unit>[^/\s]+)/)?(?P<number>\d[\w-]*) (?P<street>\S.*)$"
)


def address_parts(line: str) -> dict[str, str]:
    """'Level 3, 12/88 George Street' → building, unit, street number, street name."""
    match = _ADDRESS.match((line or "").strip())
    if not match:
        return {"building": "", "unit": "", "street_number": "", "street_name": line or ""}
    return {
        "building": match["building"] or "",
        "unit": match["unit"] or "",
        "street_number": match["number"],
        "street_name": match["street"],
    }


def address_line(building: str, unit: str, street_number: str, street_name: str) -> str:
    """The inverse of address_parts: the address as one line."""
    number = f"{unit}/{street_number}" if unit and street_number else unit or street_number
    street = " ".join(part for part in (number, street_name) if part)
    return ", ".join(part for part in (building, street) if part)
