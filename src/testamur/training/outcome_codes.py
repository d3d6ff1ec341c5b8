"""The outcome code reference data (domain-research.md §2.1, §2.2, §2.4).

Loaded by a data migration; RTOs may change descriptions or the achieved flag in the database.
(code, description, achieved, final, current)
"""

NATIONAL = [
    ("00", "Not set (not yet commenced or not reported)", False, False, True),
    ("20", "Competency achieved / pass", True, True, True),
    ("30", "Competency not achieved / fail", False, True, True),
    ("40", "Withdrawn / discontinued", False, True, True),
    ("41", "Incomplete due to RTO closure", False, True, True),
    ("51", "Recognition of prior learning granted", True, True, True),
    ("52", "Recognition of prior learning not granted", False, True, True),
    ("53", "Recognition of current competency granted (legacy)", True, True, False),
    ("54", "Recognition of current competency not granted (legacy)", False, True, False),
    ("60", "Credit transfer / national recognition", True, True, True),
    ("61", "Superseded subject", False, True, True),
    ("70", "Continuing activity", False, False, True),
    ("81", "Non-assessable activity, satisfactorily completed", False, True, True),
    ("82", "Non-assessable activity, withdrawn or not satisfactorily completed", False, True, True),
    ("85", "Not yet started", False, False, True),
]

WA = [
    ("00", "Not set (not yet commenced or not reported)", False, False, True),
    ("01", "Competent (C)", True, True, True),
    ("02", "Not competent (NC)", False, True, True),
    ("03", "Non-assessable, withdrawn or not satisfactorily completed (NAS)", False, True, True),
    ("04", "Non-assessable, satisfactorily completed (NAS)", True, True, True),
    ("05", "Participating, studies not finished (P+E)", False, False, True),
    ("06", "Recognition of prior learning granted (RPL-G)", True, True, True),
    ("07", "Recognition of prior learning not granted (RPL-NG)", False, True, True),
    ("08", "Provisionally competent off the job (CJOB, deprecated)", False, True, False),
    ("09", "Credit transfer granted (CT)", True, True, True),
    ("10", "Withdrawn formally after some participation (W-FP)", False, True, True),
    ("11", "Discontinued, no formal withdrawal (W-P)", False, True, True),
    ("15", "Recognition of current competency granted (RCC-G, deprecated)", True, True, False),
    (
        "16",
        "Recognition of current competency not granted (RCC-NG, deprecated)",
        False,
        True,
        False,
    ),
    ("25", "Achieved (as listed by WA credential rules)", True, True, True),
    ("55", "Participating, no evidence of training", False, False, True),
    ("71", "Continuing enrolment ending in this collection year", False, False, True),
    ("100", "Withdrawn, never started, no participation (W-N)", False, True, True),
    ("105", "Not yet started", False, False, True),
]

# The code finalisation writes for a unit that had commenced when the learner withdrew.
WITHDRAWN = {"national": "40", "wa": "10"}
# Testamur's own "no outcome recorded yet"; never a reported outcome.
NOT_SET = "00"
# What an AVETMISS file reports for activity under way, or not yet started, at a period's end.
CONTINUING = {"national": "70", "wa": "05"}
NOT_YET_STARTED = {"national": "85", "wa": "105"}


def outcome_codes_sync(outcome_code_model=None, using: str = "default") -> None:
    """Make sure every code above exists (new ones added, existing rows left as the RTO set them).

    Runs from the data migration and after every migrate/flush, so a database emptied by a
    flush (tests, a fresh start) gets its reference data back.
    """
    if outcome_code_model is None:
        from testamur.training.models import OutcomeCode as outcome_code_model
    for jurisdiction, rows in (("national", NATIONAL), ("wa", WA)):
        for code, description, achieved, final, current in rows:
            outcome_code_model.objects.using(using).get_or_create(
                jurisdiction=jurisdiction,
                code=code,
                defaults={
                    "description": description,
                    "is_achieved": achieved,
                    "is_final": final,
                    "is_current": current,
                },
            )
