"""Every account is whole, however it was made: sign-up, `ficarchive createsuperuser`, the
Django admin, `import-archive`, `demo` and plain `User.objects.create_user` all give the user
a default pseud, and each can post a work (through the posting action and `ficarchive
import`)."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import Pseud, User
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, make_work
from tests.test_backup import export, fresh_database, restore


def _posts_a_work(user: User) -> None:
    pseud = user.default_pseud()
    assert pseud.name == user.username
    work = make_work(user, f"By {user.username}")
    assert [p.pk for p in work.creator_pseuds()] == [pseud.pk]


def _imports_a_work(username: str, tmp_path: Path) -> None:
    story = tmp_path / f"{username}.txt"
    story.write_text("Rain under the dome.\n\nNobody believed it.\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import",
        str(story),
        "--author",
        username,
        "--title",
        "Imported",
        "--fandom",
        "Original Work",
        stdout=out,
    )
    assert "/works/" in out.getvalue()
    assert (
        Work.objects.created_by(User.objects.get(username=username))
        .filter(title="Imported")
        .exists()
    )


def test_it_gives_a_signed_up_user_one_default_pseud(db: None) -> None:
    user = sign_up("signed_up", "s@example.org", PASSWORD)
    assert list(user.pseuds.values_list("name", "is_default")) == [("signed_up", True)]
    _posts_a_work(user)


def test_it_gives_a_createsuperuser_user_a_pseud_and_import_works(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        "--noinput",
        username="chief",
        email="chief@example.org",
        stdout=io.StringIO(),
    )
    chief = User.objects.get(username="chief")
    assert chief.is_superuser
    _imports_a_work("chief", tmp_path)
    _posts_a_work(chief)


def test_it_gives_a_user_made_in_the_django_admin_a_pseud(db: None) -> None:
    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    response = client_for(boss).post(
        "/admin/accounts/user/add/",
        {
            "username": "from_admin",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    _posts_a_work(User.objects.get(username="from_admin"))


def test_it_gives_a_scripted_user_a_pseud(db: None) -> None:
    _posts_a_work(User.objects.create_user("scripted", "x@example.org", PASSWORD))


def test_it_keeps_every_restored_user_whole(db: None, tmp_path: Path) -> None:
    author = sign_up("archived", "a@example.org", PASSWORD)
    make_work(author, "Before the move")
    User.objects.create_superuser("admin_before", "b@example.org", PASSWORD)
    export(tmp_path / "archive", "--include-passwords")
    fresh_database()
    restore(tmp_path / "archive")
    for name in ("archived", "admin_before"):
        user = User.objects.get(username=name)
        assert user.pseuds.filter(is_default=True).count() == 1
        _posts_a_work(user)


def test_it_gives_demo_users_pseuds(db: None) -> None:
    call_command("demo", "--works", "3", "--seed", "3", stdout=io.StringIO())
    users = list(User.objects.all())
    assert users
    for user in users:
        assert user.pseuds.filter(is_default=True).count() == 1, user.username
    _posts_a_work(User.objects.get(username="demo"))


def test_the_migration_gives_old_accounts_without_a_pseud_one(db: None) -> None:
    """Accounts made by createsuperuser before the fix get a default pseud on migrate."""
    migration = importlib.import_module("ficarchive.accounts.migrations.0003_account_lifecycle")
    old = User.objects.create_user("old_admin", "o@example.org", PASSWORD)
    old.pseuds.all().delete()
    other = User.objects.create_user("old_named", "n@example.org", PASSWORD)
    other.pseuds.update(is_default=False)
    migration.give_default_pseuds(django_apps, None)
    assert Pseud.objects.filter(user=old, is_default=True, name="old_admin").exists()
    assert list(other.pseuds.values_list("name", "is_default")) == [("old_named", True)]


@pytest.mark.parametrize("name", ["orphan_account", "Admin", "staff"])
def test_it_refuses_reserved_names_from_createsuperuser_and_the_admin(
    db: None, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="reserved"):
        call_command("createsuperuser", "--noinput", username=name, email="r@example.org")
    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    response = client_for(boss).post(
        "/admin/accounts/user/add/",
        {"username": name, "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 200 and "reserved" in response.content.decode()
    assert not User.objects.filter(username__iexact=name).exists()
