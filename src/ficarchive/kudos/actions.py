"""Leave kudos on a work."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_by
from ficarchive.kudos.models import Kudos
from ficarchive.moderation.sanctions import check_active
from ficarchive.site.access import check_guest_kudos
from ficarchive.works.models import Creatorship, Work


def guest_key(browser_id: str, address: str) -> str:
    """Return the key that identifies a guest for kudos: a keyed hash of the browser's guest
    cookie and the network address (neither is stored)."""
    return salted_hmac("ficarchive.kudos.guest", f"{browser_id}|{address}").hexdigest()


def creator_ids(work: Work) -> set[int]:
    """Return the ids of the users credited on the work."""
    return set(Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True))


@transaction.atomic
def leave_kudos(work: Work, *, user: User | None, guest: str = "") -> bool:
    """Leave kudos on `work` from `user`, or from the guest with key `guest` when `user` is
    None. Returns True if new, False if this reader had already left kudos.

    Raises ValidationError for a creator's own work or a work that takes no guest kudos,
    PermissionDenied for a reader a creator blocked."""
    check_active(user)
    creators = creator_ids(work)
    if user is not None:
        if user.pk in creators:
            raise ValidationError("You can't leave kudos on your own work.")
        if blocked_by(creators, user):
            raise PermissionDenied("A creator of this work has blocked you: you can't leave kudos.")
    else:
        check_guest_kudos()
        if not work.allow_guest_kudos:
            raise ValidationError("Log in to leave kudos: this work takes kudos from members only.")
        if not guest:
            raise ValidationError("Your browser sent no guest id: allow cookies to leave kudos.")
    try:
        with transaction.atomic():  # a savepoint: the duplicate fails alone
            Kudos.objects.create(work=work, user=user, guest_key="" if user else guest)
    except IntegrityError:
        return False
    Work.objects.filter(pk=work.pk).update(kudos_count=F("kudos_count") + 1)
    return True
