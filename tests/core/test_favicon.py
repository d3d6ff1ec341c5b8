"""Every page names the Testamur icon, and /favicon.ico (which browsers ask for anyway) leads
to it instead of a 404."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_pages_link_the_icon_and_the_icon_exists(client, db):
    page = client.get("/login/").content.decode()
    icon = static("testamur/favicon.svg")
    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in page
    with open(finders.find("testamur/favicon.svg")) as svg:
        assert svg.read().startswith("<svg")


def test_favicon_ico_redirects_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("testamur/favicon.svg")
