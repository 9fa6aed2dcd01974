"""Writes on accounts and pseuds, and the log-in throttle."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from ficarchive.accounts.models import (
    ORPHAN_USERNAME,
    RESERVED_USERNAMES,
    DataExport,
    DataExportStatus,
    LoginFailure,
    Pseud,
    User,
    UsernameChange,
)
from ficarchive.bookmarks.models import Bookmark
from ficarchive.comments.actions import render_comment
from ficarchive.comments.models import DELETED_USER_EMAIL, Comment, CommentStatus
from ficarchive.kudos.models import Kudos
from ficarchive.moderation.limits import counter_key, lock_counters
from ficarchive.moderation.sanctions import check_active
from ficarchive.search.index import reindex_works, remove_work
from ficarchive.series.models import Series
from ficarchive.works.models import Creatorship, Work

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,40}$")
PSEUD_RE = re.compile(r"^[\w .\-]{1,40}$")
RESERVED_NAMES = RESERVED_USERNAMES


def validate_username(username: str, *, for_user: User | None = None) -> None:
    """Raise ValidationError unless the name is 3-40 letters, digits or underscores, not
    reserved, not another account's and not an old name another account gave up recently
    (`for_user` is the account that would take it: its own names do not count)."""
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Usernames are 3 to 40 characters: letters, digits and underscores only."
        )
    if username.lower() in RESERVED_NAMES:
        raise ValidationError("That username is reserved: choose another.")
    others = User.objects.filter(username__iexact=username)
    held = UsernameChange.objects.filter(
        old_username__iexact=username, changed_at__gte=timezone.now() - username_hold()
    )
    if for_user is not None:
        others = others.exclude(pk=for_user.pk)
        held = held.exclude(user=for_user)
    if others.exists():
        raise ValidationError("That username is taken: choose another.")
    if held.exists():
        raise ValidationError(
            "That username belonged to another account until recently and is held for it: "
            "choose another."
        )


@transaction.atomic
def sign_up(username: str, email: str, password: str) -> User:
    """Create an account with its default pseud (named like the account). Returns the user."""
    validate_username(username)
    candidate = User(username=username, email=email)
    validate_password(password, candidate)
    try:
        user = User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        raise ValidationError("That username is taken: choose another.") from None
    ensure_default_pseud(user)  # made by the post_save receiver already; this only checks
    return user


def ensure_default_pseud(user: User) -> Pseud:
    """Return the user's default pseud, creating it (named like the account) if they have
    none. Every way of making a user reaches this through accounts/signals.py."""
    existing = Pseud.objects.filter(user=user, is_default=True).first()
    if existing is not None:
        return existing
    name = user.username[:40]
    same = Pseud.objects.filter(user=user, name__iexact=name).first()
    if same is not None:
        same.is_default = True
        same.save(update_fields=["is_default"])
        return same
    return Pseud.objects.create(user=user, name=name, is_default=True)


def validate_pseud_name(user: User, name: str, *, renaming: Pseud | None = None) -> str:
    """Return the cleaned pseud name, or raise ValidationError. `renaming` is the pseud being
    renamed (its own name does not count as taken)."""
    name = " ".join(name.split())
    if not PSEUD_RE.match(name):
        raise ValidationError(
            "Pseuds are 1 to 40 characters: letters, digits, spaces, dots, dashes, underscores."
        )
    taken = user.pseuds.filter(name__iexact=name)
    if renaming is not None:
        taken = taken.exclude(pk=renaming.pk)
    if taken.exists():
        raise ValidationError(f"You already have a pseud named “{name}”.")
    return name


@transaction.atomic
def add_pseud(user: User, name: str, description: str = "") -> Pseud:
    """Add a pen name to the user. Returns the new pseud."""
    check_active(user)
    name = validate_pseud_name(user, name)
    return Pseud.objects.create(user=user, name=name, description=description[:500])


def login_key(username: str) -> str:
    """Return the name the throttle counts under: as the log-in form reads it (NFKC, no
    surrounding whitespace), case-folded, so " Bob\t" and "BOB" are the same account."""
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def _recent_failures() -> QuerySet[LoginFailure]:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    return LoginFailure.objects.filter(created_at__gte=since)


def login_blocked(username: str, address: str) -> bool:
    """Return True when this account has failed too often recently from this address: then
    even the right password is refused there (the owner elsewhere is not locked out)."""
    pair = _recent_failures().filter(username=login_key(username), address=address)
    return pair.count() >= settings.LOGIN_THROTTLE_PER_ACCOUNT


def reserve_login_attempt(username: str, address: str) -> int | None:
    """Take one of the account's attempts from this address before the password is checked,
    or return None when none is left (the account is locked out here).

    The attempt is written as a failure at once, and counting and writing are one serialized
    step, so log-ins sent at the same moment cannot all pass the count while the slow password
    hash runs: with a limit of 5, exactly 5 passwords are ever checked. A log-in that succeeds
    clears the pair's failures, this one included (`clear_login_failures`). Returns the id of
    the failure written."""
    key = login_key(username)
    with transaction.atomic():
        lock_counters([counter_key("login", "pair", f"{key}\0{address}")])
        if login_blocked(username, address):
            return None
        return LoginFailure.objects.create(username=key, address=address).pk


def address_over_limit(address: str) -> bool:
    """Return True when the address has failed too often recently, whatever the accounts.
    Its wrong passwords are then answered 429; a right one still logs in, since behind a
    proxy many readers share one address."""
    failures = _recent_failures().filter(address=address)
    return failures.count() >= settings.LOGIN_THROTTLE_PER_ADDRESS


def forget_old_login_failures() -> None:
    """Forget failed log-ins older than a day (no window looks that far back)."""
    LoginFailure.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_login_failures(username: str, address: str) -> None:
    """Forget the account's failures from this address after a successful log-in there."""
    LoginFailure.objects.filter(username=login_key(username), address=address).delete()


# --- account settings ---------------------------------------------------------------------

DISPLAY_NAME_MAX = 100
BIO_MAX = 5000
EMAIL_MAX = 254
# How long old names redirect and are held, how often a name may change, how long an e-mail
# link and a data export last. Each can be set in Django settings (tests shorten them).
USERNAME_HOLD_DAYS = 30
USERNAME_CHANGE_INTERVAL_DAYS = 7
EMAIL_CHANGE_LINK_SECONDS = 3 * 24 * 3600
DATA_EXPORT_DAYS = 7
DATA_EXPORTS_PER_DAY = 3
EMAIL_CHANGE_SALT = "ficarchive.accounts.email-change"
# A comment whose account was deleted and which its writer let stay: no user, this name.
DELETED_USER_NAME = "deleted user"


def username_hold() -> timedelta:
    return timedelta(days=getattr(settings, "USERNAME_HOLD_DAYS", USERNAME_HOLD_DAYS))


def username_change_interval() -> timedelta:
    days = getattr(settings, "USERNAME_CHANGE_INTERVAL_DAYS", USERNAME_CHANGE_INTERVAL_DAYS)
    return timedelta(days=days)


def _check_text(label: str, value: str, limit: int) -> str:
    if "\x00" in value:
        raise ValidationError(f"{label} cannot contain NUL characters.")
    if len(value) > limit:
        raise ValidationError(f"{label} is {len(value):,} characters; at most {limit:,} fit.")
    return value


def check_password(user: User, password: str) -> None:
    """Raise ValidationError unless `password` is the account's current password."""
    if not password or not user.check_password(password):
        raise ValidationError("That is not your current password.")


def _touch_works(work_ids: Iterable[int]) -> None:
    """After creators' names changed: move `revised_at` (so cached blurbs and download files
    are made again) and bring the search index up to date."""
    ids = sorted(set(work_ids))
    if ids:
        Work.objects.filter(pk__in=ids).update(revised_at=timezone.now())
        reindex_works(ids)


def _work_ids_of_user(user: User) -> list[int]:
    return list(
        Creatorship.objects.filter(pseud__user=user).values_list("work_id", flat=True).distinct()
    )


@transaction.atomic
def update_profile(user: User, *, display_name: str, bio: str) -> User:
    """Set the display name and the bio (kept as written, shown as the pipeline's sanitized
    HTML). Returns the user."""
    check_active(user)
    display_name = " ".join(_check_text("Display name", display_name, DISPLAY_NAME_MAX).split())
    bio = _check_text("About you", bio, BIO_MAX)
    user.display_name = display_name
    user.bio = bio
    # The comments' rendering: the pipeline's sanitized HTML, links marked nofollow ugc.
    user.bio_html = render_comment(bio) if bio.strip() else ""
    user.save(update_fields=["display_name", "bio", "bio_html"])
    return user


def _email_fingerprint(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _clean_email(email: str) -> str:
    email = _check_text("Email", email.strip(), EMAIL_MAX)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError("Enter an e-mail address such as name@example.org.") from None
    return email


def email_change_token(user: User, new_email: str) -> str:
    """Return the signed token of a link that sets the account's address to new_email. It
    names the current address too, so it works once: after the change it no longer matches."""
    payload = {"u": user.pk, "e": new_email, "o": _email_fingerprint(user.email)}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)


def _site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/")


def request_email_change(user: User, new_email: str, password: str, *, base_url: str = "") -> str:
    """Check the password and the new address, and send the address a confirmation link
    (nothing changes until it is opened). Returns the token sent."""
    check_password(user, password)
    new_email = _clean_email(new_email)
    if new_email.lower() == user.email.lower():
        raise ValidationError("That is already your e-mail address.")
    token = email_change_token(user, new_email)
    site = _site_url() or base_url.rstrip("/")
    hours = getattr(settings, "EMAIL_CHANGE_LINK_SECONDS", EMAIL_CHANGE_LINK_SECONDS) // 3600
    send_mail(
        f"[{settings.SITE_NAME}] Confirm your new e-mail address",
        f"Someone (we hope you) asked to use this address for the account "
        f"{user.username} on {settings.SITE_NAME}.\n\n"
        f"To confirm, open this link while logged in as {user.username}:\n\n"
        f"{site}/settings/email/confirm/{token}/\n\n"
        f"The link works once, for {hours} hours. If you did not ask for this, ignore this "
        f"e-mail: nothing changes.\n",
        None,
        [new_email],
    )
    return token


def read_email_change_token(user: User, token: str) -> str:
    """Return the new address a confirmation link carries, or raise ValidationError saying
    why it cannot be used (broken, someone else's, expired, already used)."""
    max_age = getattr(settings, "EMAIL_CHANGE_LINK_SECONDS", EMAIL_CHANGE_LINK_SECONDS)
    try:
        payload = signing.loads(token[:2000], salt=EMAIL_CHANGE_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(
            "This confirmation link has expired: ask for a new one on the e-mail settings page."
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            "This confirmation link is broken: copy the whole link from the e-mail, or ask "
            "for a new one."
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise ValidationError("This confirmation link is broken: ask for a new one.")
    if payload.get("u") != user.pk:
        raise ValidationError(
            "This confirmation link is for another account: log in as the account that asked."
        )
    if payload.get("o") != _email_fingerprint(user.email):
        raise ValidationError(
            "This confirmation link was already used, or a newer change was made since: "
            "ask for a new one if the address is still not right."
        )
    return str(payload["e"])


@transaction.atomic
def confirm_email_change(user: User, token: str) -> User:
    """Set the address a confirmation link carries, mark it confirmed, and tell the old
    address. Returns the user."""
    user = User.objects.select_for_update().get(pk=user.pk)
    new_email = read_email_change_token(user, token)
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email", "email_confirmed_at"])
    if old_email:
        message = (
            f"The e-mail address of your account {user.username} on {settings.SITE_NAME} was "
            f"changed to {new_email}.\n\nIf you did not do this, reset your password and "
            f"tell the site's staff at once.\n"
        )
        transaction.on_commit(
            partial(
                send_mail,
                f"[{settings.SITE_NAME}] Your e-mail address was changed",
                message,
                None,
                [old_email],
                fail_silently=True,
            )
        )
    return user


@transaction.atomic
def change_username(user: User, new_username: str, password: str) -> User:
    """Rename the account (and its default pseud when that carried the old name). The old
    name redirects and is held for USERNAME_HOLD_DAYS; one change per
    USERNAME_CHANGE_INTERVAL_DAYS. Returns the user."""
    check_active(user)
    user = User.objects.select_for_update().get(pk=user.pk)
    check_password(user, password)
    new_username = new_username.strip()
    if new_username == user.username:
        raise ValidationError("That is already your username.")
    last = user.username_changes.order_by("-changed_at").first()
    if last is not None and last.changed_at > timezone.now() - username_change_interval():
        next_time = last.changed_at + username_change_interval()
        raise ValidationError(
            f"You changed your username on {last.changed_at:%d %B %Y}; the next change is "
            f"possible from {next_time:%d %B %Y, %H:%M} UTC."
        )
    validate_username(new_username, for_user=user)
    old_username = user.username
    user.username = new_username
    try:
        with transaction.atomic():
            user.save(update_fields=["username"])
    except IntegrityError:
        raise ValidationError("That username is taken: choose another.") from None
    UsernameChange.objects.create(user=user, old_username=old_username, new_username=new_username)
    default = Pseud.objects.filter(user=user, is_default=True).first()
    if (
        default is not None
        and default.name.lower() == old_username.lower()
        and not user.pseuds.filter(name__iexact=new_username[:40]).exclude(pk=default.pk).exists()
    ):
        default.name = new_username[:40]
        default.save(update_fields=["name"])
    _touch_works(_work_ids_of_user(user))
    return user


def renamed_user(old_username: str) -> User | None:
    """Return the account that gave up `old_username` within USERNAME_HOLD_DAYS (for
    redirects), or None."""
    change = (
        UsernameChange.objects.filter(
            old_username__iexact=old_username[:150],
            changed_at__gte=timezone.now() - username_hold(),
        )
        .select_related("user")
        .order_by("-changed_at")
        .first()
    )
    return change.user if change is not None and change.user.is_active else None


@transaction.atomic
def rename_pseud(user: User, pseud: Pseud, name: str, description: str) -> Pseud:
    """Rename a pseud and set its description. Returns the pseud."""
    check_active(user)
    if pseud.user_id != user.pk:
        raise PermissionDenied("You can only change your own pseuds.")
    name = validate_pseud_name(user, name, renaming=pseud)
    description = _check_text("Description", description, 500)
    renamed = name != pseud.name
    pseud.name = name
    pseud.description = description
    pseud.save(update_fields=["name", "description"])
    if renamed:
        _touch_works(Creatorship.objects.filter(pseud=pseud).values_list("work_id", flat=True))
    return pseud


def _move_credits(
    source: Iterable[int], target: Pseud, work_ids: Iterable[int] | None = None
) -> set[int]:
    """Credit `target` instead of the pseuds `source` (ids) on their works (or only those in
    work_ids), keeping each credit's place; where target is credited already the credit goes.
    Returns the ids of the works changed."""
    credits = Creatorship.objects.filter(pseud_id__in=list(source)).select_for_update()
    if work_ids is not None:
        credits = credits.filter(work_id__in=list(work_ids))
    changed: set[int] = set()
    rows = list(credits)
    already = set(
        Creatorship.objects.filter(pseud=target, work_id__in=[c.work_id for c in rows]).values_list(
            "work_id", flat=True
        )
    )
    for credit in rows:
        changed.add(credit.work_id)
        if credit.work_id in already:
            credit.delete()
        else:
            credit.pseud = target
            credit.save(update_fields=["pseud"])
            already.add(credit.work_id)
    return changed


@transaction.atomic
def delete_pseud(user: User, pseud: Pseud) -> int:
    """Delete a pseud that is not the default; its works are credited to the default pseud.
    Returns how many works moved."""
    check_active(user)
    if pseud.user_id != user.pk:
        raise PermissionDenied("You can only delete your own pseuds.")
    if pseud.is_default:
        raise ValidationError(
            "The default pseud cannot be deleted: rename it, or make works under another one."
        )
    moved = _move_credits([pseud.pk], ensure_default_pseud(user))
    pseud.delete()
    _touch_works(moved)
    return len(moved)


# --- orphaning ----------------------------------------------------------------------------


def orphan_account() -> User:
    """Return the shared account orphaned works are credited to, making it the first time."""
    found = User.objects.filter(username=ORPHAN_USERNAME).first()
    if found is not None:
        return found
    with transaction.atomic():
        user = User(username=ORPHAN_USERNAME, email="", display_name="Orphaned works")
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            return User.objects.get(username=ORPHAN_USERNAME)
    return user


def _orphan_pseud(name: str | None) -> Pseud:
    """Return the orphan account's pseud named `name` (made if new), or its default."""
    orphans = orphan_account()
    if not name:
        return ensure_default_pseud(orphans)
    found = orphans.pseuds.filter(name__iexact=name).first()
    if found is not None:
        return found
    return Pseud.objects.create(user=orphans, name=name[:40])


def _orphan_credits(user: User, work_ids: Iterable[int], keep_pseud: bool) -> set[int]:
    ids = list(work_ids)
    changed: set[int] = set()
    for pseud in list(user.pseuds.filter(creatorships__work_id__in=ids).distinct()):
        target = _orphan_pseud(pseud.name if keep_pseud else None)
        changed |= _move_credits([pseud.pk], target, ids)
    return changed


@transaction.atomic
def orphan_works(user: User, works: Iterable[Work], *, keep_pseud: bool) -> int:
    """Give the user's credits on these works to orphan_account (under a pseud named like
    theirs when keep_pseud, else its default pseud). Returns how many works changed."""
    check_active(user)
    ids = [w.pk for w in works]
    mine = set(
        Creatorship.objects.filter(pseud__user=user, work_id__in=ids).values_list(
            "work_id", flat=True
        )
    )
    if set(ids) - mine:
        raise PermissionDenied("You can only orphan works you are credited on.")
    changed = _orphan_credits(user, ids, keep_pseud)
    _touch_works(changed)
    return len(changed)


@transaction.atomic
def orphan_series(user: User, series: Series, *, keep_pseud: bool) -> int:
    """Give a series and the user's works in it to orphan_account. Returns how many works
    changed."""
    check_active(user)
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.creator_id != user.pk:
        raise PermissionDenied("You can only orphan your own series.")
    series.creator = orphan_account()
    series.save(update_fields=["creator", "updated_at"])
    work_ids = Creatorship.objects.filter(
        pseud__user=user, work__series_entries__series=series
    ).values_list("work_id", flat=True)
    changed = _orphan_credits(user, list(work_ids), keep_pseud)
    _touch_works(changed)
    return len(changed)


# --- deleting an account ------------------------------------------------------------------


@dataclass(frozen=True)
class DeletionChoices:
    """What the member chose for what they leave behind."""

    works: str  # "orphan" or "delete"
    keep_pseud_names: bool = False  # orphaned works show their pseud's name
    comments: str = "keep"  # "keep" (as "deleted user", with text) or "remove"


def recount_work_counters(work_ids: Iterable[int]) -> None:
    """Set kudos_count, bookmark_count (public) and comment_count (published) of these works
    from their rows, in one UPDATE per 500 works."""
    ids = sorted(set(work_ids))

    def count_of(queryset: QuerySet[Any]) -> Coalesce:
        counted = queryset.filter(work=OuterRef("pk")).values("work").annotate(n=Count("pk"))
        return Coalesce(Subquery(counted.values("n")[:1]), Value(0))

    for start in range(0, len(ids), 500):
        Work.objects.filter(pk__in=ids[start : start + 500]).update(
            kudos_count=count_of(Kudos.objects.all()),
            bookmark_count=count_of(Bookmark.objects.filter(private=False)),
            comment_count=count_of(Comment.objects.filter(status=CommentStatus.PUBLISHED)),
        )


def works_touched_by(user: User) -> set[int]:
    """Return the ids of the works the user left kudos, a bookmark or a comment on."""
    touched = set(Kudos.objects.filter(user=user).values_list("work_id", flat=True))
    touched |= set(
        Bookmark.objects.filter(user=user, work__isnull=False).values_list("work_id", flat=True)
    )
    touched |= set(Comment.objects.filter(user=user).values_list("work_id", flat=True))
    return touched


def _keep_comments_as_deleted_user(user: User) -> None:
    Comment.objects.filter(user=user).update(
        user=None,
        guest_name=DELETED_USER_NAME,
        guest_email=DELETED_USER_EMAIL,
        # Guest nonces are unique among guests: make these unique whatever they were.
        nonce=Concat(Value("deleted-"), Cast("pk", output_field=CharField())),
    )


def _remove_comments(user: User) -> None:
    # A comment others replied to stays as "(This comment was deleted.)" so their replies keep
    # their place; every other comment of the user goes.
    mine = Comment.objects.filter(user=user)
    mine.filter(replies__isnull=True).delete()
    mine.update(status=CommentStatus.DELETED, text="", text_html="")
    _keep_comments_as_deleted_user(user)


@transaction.atomic
def delete_account(user: User, password: str, choices: DeletionChoices) -> None:
    """Delete the account in one transaction: its works orphaned or deleted (drafts always
    go), its series likewise, its comments kept as "deleted user" or removed, and everything
    else of it (kudos, bookmarks, subscriptions, history, notifications, pseuds, tokens, data
    exports). Counters on the works it touched are set again from the rows."""
    if choices.works not in {"orphan", "delete"} or choices.comments not in {"keep", "remove"}:
        raise ValidationError("Choose what happens to your works and to your comments.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.username == ORPHAN_USERNAME:
        raise PermissionDenied("The orphan account cannot be deleted.")
    check_password(user, password)

    touched = works_touched_by(user)
    own = Creatorship.objects.filter(pseud__user=user).values_list("work_id", flat=True)
    works = list(Work.objects.filter(pk__in=own))
    others = set(
        Creatorship.objects.filter(work__in=works)
        .exclude(pseud__user=user)
        .values_list("work_id", flat=True)
    )
    doomed = [
        w
        for w in works
        if w.pk not in others and (choices.works == "delete" or w.status != "posted")
    ]
    kept = [w for w in works if w not in doomed]
    if choices.works == "orphan":
        _orphan_credits(user, [w.pk for w in kept], choices.keep_pseud_names)
        for series in Series.objects.filter(creator=user):
            series.creator = orphan_account()
            series.save(update_fields=["creator"])
    else:
        Series.objects.filter(creator=user).delete()
        Creatorship.objects.filter(pseud__user=user, work__in=kept).delete()
    _touch_works(w.pk for w in kept)
    for work in doomed:
        remove_work(work)
        work.delete()

    if choices.comments == "remove":
        _remove_comments(user)
    else:
        _keep_comments_as_deleted_user(user)

    files = [e.file_name for e in user.data_exports.exclude(file_name="")]
    user.delete()
    recount_work_counters(touched - {w.pk for w in doomed})
    transaction.on_commit(partial(_remove_export_files, files))


# --- data export --------------------------------------------------------------------------


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _remove_export_files(names: Iterable[str]) -> None:
    for name in names:
        if name:
            (exports_dir() / Path(name).name).unlink(missing_ok=True)


@transaction.atomic
def request_data_export(user: User) -> DataExport:
    """Queue a "download my data" ZIP for the worker (the one already being built, if any).
    At most DATA_EXPORTS_PER_DAY a day. Returns the export."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    pending = user.data_exports.filter(status=DataExportStatus.PENDING).first()
    if pending is not None:
        return pending
    limit = getattr(settings, "DATA_EXPORTS_PER_DAY", DATA_EXPORTS_PER_DAY)
    since = timezone.now() - timedelta(days=1)
    if user.data_exports.filter(created_at__gte=since).count() >= limit:
        raise ValidationError(
            f"You asked for {limit} exports in the last 24 hours: download one of those, or "
            "try again tomorrow."
        )
    export = DataExport.objects.create(user=user)
    from ficarchive.accounts.tasks import build_data_export

    transaction.on_commit(partial(build_data_export.enqueue, export.pk))
    return export


def purge_expired_exports() -> int:
    """Delete expired exports and their files. Returns how many went."""
    expired = list(DataExport.objects.filter(expires_at__lt=timezone.now()))
    _remove_export_files(e.file_name for e in expired)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)
