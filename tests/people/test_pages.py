import pytest

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Log in to Lodestar" in response.content


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logging_in_with_email_reaches_home(client, nobody):
    response = client.post(
        "/login/", {"username": "no.role@example.com", "password": "pass-word-123"}, follow=True
    )
    assert response.status_code == 200
    assert b"no Lodestar role yet" in response.content


def test_api_docs_use_local_assets_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/me/" in response.content
