"""An Admin imports learners from a CSV: upload, match columns, read the problems, fix the
file, check again, import, and find the learners."""

import pytest
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.learners.models import Learner

HEADER = "Student No,First name,Surname,Birth,Email\n"
ROWS = (
    "S001,Mia,Nguyen,14/07/1998,mia@example.com\n"
    "S002,Noah,Smith,02/03/1985,noah@example.com\n"
    "S003,Ava,Lee,{born},ava@example.com\n"
)


def _choose_file(page, content: str) -> None:
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "learners.csv", "mimeType": "text/csv", "buffer": content.encode()}]
    )


@pytest.mark.django_db(transaction=True)
def test_import_learners_from_a_csv(page, sign_in, make_user):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    sign_in("alex")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import")
    page.get_by_label("The file holds").select_option(label="Learners")
    _choose_file(page, HEADER + ROWS.format(born="31/02/2001"))
    page.get_by_role("button", name="Upload and match columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Match the columns of learners.csv")
    expect(page.get_by_label("Learner ID")).to_have_value("Student No")
    expect(page.get_by_label("Given name (required)")).to_have_value("First name")
    expect(page.get_by_label("Date of birth")).to_have_value("")
    page.get_by_label("Date of birth").select_option("Birth")
    expect(page.get_by_label("Dry run: check every row and change nothing")).to_be_checked()
    page.get_by_role("button", name="Check the file").click()

    expect(
        page.get_by_role("heading", name="1 problem found — nothing was imported")
    ).to_be_visible()
    problem = page.locator(".problems-table tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("4")
    expect(problem).to_contain_text("Birth")
    expect(problem).to_contain_text("'31/02/2001' is not a date")
    assert not Learner.objects.exists()

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("The file holds").select_option(label="Learners")
    _choose_file(page, HEADER + ROWS.format(born="28/02/2001"))
    page.get_by_role("button", name="Upload and match columns").click()
    expect(page.get_by_label("Date of birth")).to_have_value("Birth")  # remembered
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Dry run: nothing has changed yet")).to_be_visible()
    expect(page.get_by_role("row", name="Learners")).to_contain_text("3")
    assert not Learner.objects.exists()
    page.get_by_role("button", name="Import 3 rows").click()

    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    page.get_by_role("link", name="See the learners").click()
    for name in ("Mia Nguyen", "Noah Smith", "Ava Lee"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_role("link", name="Ava Lee").click()
    expect(page.locator("body")).to_contain_text("28/02/2001")
