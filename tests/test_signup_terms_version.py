"""The sign-up form's hidden Terms of Service version is a number only when it is ASCII
digits: "²" passes str.isdigit() but not int()."""

from __future__ import annotations

import pytest
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.site.actions import publish_terms


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["²", "①", "١٢", "12a", "-1", " "])
def test_it_refuses_a_terms_version_that_is_not_a_number(client: Client, version: str) -> None:
    admin = User.objects.create_user("boss", "boss@example.org", "x", is_staff=True)
    publish_terms(admin, "tos", "Be kind.")
    response = client.post(
        "/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password": "correct horse battery staple 42",
            "password_again": "correct horse battery staple 42",
            "accept_terms": "on",
            "terms_version": version,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
