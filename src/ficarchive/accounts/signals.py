"""Every account is whole however it was made: sign-up, `ficarchive createsuperuser`, the
Django admin, the API or a script calling `User.objects.create_user` all give the new user
their default pseud, in the same transaction as the user row.

`import-archive` restores pseuds from the archive (raw inserts, no signal) and the bulk demo
writes its own; fixtures loaded with `loaddata` (raw=True) bring their own pseuds too.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete

from ficarchive.accounts.models import User


def _give_default_pseud(
    sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        from ficarchive.accounts.actions import ensure_default_pseud

        ensure_default_pseud(instance)


post_save.connect(_give_default_pseud, sender=User, dispatch_uid="accounts_default_pseud")


# However a user is deleted (`delete_account`, the Django admin, a script), the counters of
# the works their kudos, bookmarks and comments were on are set again from the rows that are
# left, in the same transaction.
def _remember_touched_works(sender: type[User], instance: User, **kwargs: Any) -> None:
    from ficarchive.accounts.actions import works_touched_by

    instance._touched_work_ids = works_touched_by(instance)  # type: ignore[attr-defined]


def _recount_touched_works(sender: type[User], instance: User, **kwargs: Any) -> None:
    from ficarchive.accounts import actions

    touched = getattr(instance, "_touched_work_ids", None)
    if touched:
        actions.recount_work_counters(touched)


pre_delete.connect(_remember_touched_works, sender=User, dispatch_uid="accounts_touched_works")
post_delete.connect(_recount_touched_works, sender=User, dispatch_uid="accounts_recount_works")
