import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from testamur.accounts.roles import Role
from testamur.core.downloads import IMAGE_POLICY
from testamur.core.models import Event
from testamur.core.uploads import NOT_AN_IMAGE
from testamur.organisation.models import Signatory
from testamur.organisation.selectors import organisation_missing_for_issue
from tests.organisation.helpers import page_text, png_bytes, png_upload, svg_upload

LIST_URL = reverse("organisation:signatory_list")
CREATE_URL = reverse("organisation:signatory_create")


def add_signatory(client, **overrides):
    data = {"name": "Jane Citizen", "title": "Chief Executive Officer", "is_active": "on"}
    data.update(overrides)
    return client.post(CREATE_URL, data, follow=True)


def test_owner_adds_a_signatory_with_a_signature(owner_client, owner):
    response = add_signatory(owner_client, signature=png_upload("signature.png"))

    text = page_text(response)
    assert "Signatory Jane Citizen added." in text
    assert "Chief Executive Officer" in text
    signatory = Signatory.objects.get()
    assert signatory.is_active
    assert 'alt="Signature of Jane Citizen"' in text
    served = owner_client.get(reverse("organisation:signature_image", args=[signatory.pk]))
    assert served["Content-Type"] == "image/png"
    assert served.content == png_bytes()
    assert served["Content-Security-Policy"] == IMAGE_POLICY
    assert Event.objects.filter(subject_type="signatory", action="created").count() == 1
    assert "an active signatory" not in organisation_missing_for_issue()


def test_a_signatory_without_an_image_is_flagged(owner_client):
    response = add_signatory(owner_client)

    assert "No signature image" in page_text(response)
    signatory = Signatory.objects.get()
    url = reverse("organisation:signature_image", args=[signatory.pk])
    assert owner_client.get(url).status_code == 404


def test_a_bad_signature_file_is_refused_and_nothing_is_added(owner_client):
    fake = SimpleUploadedFile("signature.png", b"%PDF-1.7 not an image", "image/png")

    response = add_signatory(owner_client, signature=fake)

    assert NOT_AN_IMAGE in page_text(response)
    assert not Signatory.objects.exists()


def test_a_script_in_a_signature_svg_is_refused(owner_client):
    evil = svg_upload(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')

    response = add_signatory(owner_client, signature=evil)

    assert "This SVG contains a <script> element" in page_text(response)
    assert not Signatory.objects.exists()


def test_name_and_title_are_required(owner_client):
    response = add_signatory(owner_client, name="", title="")

    assert page_text(response).count("This field is required.") == 2
    assert not Signatory.objects.exists()


def test_deactivating_a_signatory_keeps_them_on_the_list(owner_client):
    add_signatory(owner_client)
    signatory = Signatory.objects.get()
    edit_url = reverse("organisation:signatory_edit", args=[signatory.pk])

    response = owner_client.post(
        edit_url, {"name": "Jane Citizen", "title": "Former CEO"}, follow=True
    )

    text = page_text(response)
    assert "Signatory Jane Citizen saved." in text
    assert "Former CEO" in text
    assert "Inactive" in text
    signatory.refresh_from_db()
    assert not signatory.is_active
    assert "an active signatory" in organisation_missing_for_issue()
    event = Event.objects.get(subject_type="signatory", action="updated")
    assert (event.from_state, event.to_state) == ("active", "inactive")


def test_replacing_a_signature_keeps_the_signatory(owner_client):
    add_signatory(owner_client, signature=png_upload())
    signatory = Signatory.objects.get()

    owner_client.post(
        reverse("organisation:signatory_edit", args=[signatory.pk]),
        {"name": "Jane Citizen", "title": "CEO", "is_active": "on", "signature": svg_upload()},
    )

    signatory.refresh_from_db()
    assert signatory.signature.name.endswith(".svg")
    served = owner_client.get(reverse("organisation:signature_image", args=[signatory.pk]))
    assert served["Content-Type"] == "image/svg+xml"


def test_signatories_cannot_be_deleted():
    with pytest.raises(NoReverseMatch):
        reverse("organisation:signatory_delete", args=[1])


def test_an_unknown_signatory_is_not_found(owner_client):
    assert owner_client.get(reverse("organisation:signatory_edit", args=[999])).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_only_owners_manage_signatories(role, role_client):
    signatory = Signatory.objects.create(name="Jane Citizen", title="CEO")
    client = role_client(role)

    for url in (
        LIST_URL,
        CREATE_URL,
        reverse("organisation:signatory_edit", args=[signatory.pk]),
        reverse("organisation:signature_image", args=[signatory.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert add_signatory(client, name="Mallory").status_code == 403
    assert Signatory.objects.count() == 1
