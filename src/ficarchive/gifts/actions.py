"""Writes on gifts, co-creator invitations and the choice to accept them. Each public function
runs in one transaction; `set_gifts` and `invite_co_creators` run inside the work's own
posting or editing transaction (`works.actions`), so a name that cannot be used leaves the
whole post unsaved, with a message that says why."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.blocking.models import Block
from ficarchive.gifts.models import (
    MAX_INVITATIONS,
    MAX_RECIPIENTS,
    RECIPIENT_NAME_MAX,
    CreatorInvitation,
    CreditPreferences,
    Gift,
)
from ficarchive.moderation.sanctions import check_active
from ficarchive.notifications.actions import notify
from ficarchive.search.index import reindex_work
from ficarchive.works.models import Creatorship, Status, Work

GIFT_KIND = "gift"
INVITATION_KIND = "co-creator-invitation"
INVITATIONS_PAGE = "/co-creators/"

# "pseud (account)": a pseud of one account, when several accounts have a pseud so named.
_WITH_ACCOUNT = re.compile(r"(?P<pseud>.+?)\s*\((?P<account>[^()]+)\)")
_SPACES = re.compile(r"\s+")


def clean_name(raw: str) -> str:
    """Return a recipient or pseud name as stored and matched: control and format characters
    (bidirectional overrides, zero-width marks) removed, runs of white space made one space.
    Raises ValidationError for a name longer than RECIPIENT_NAME_MAX."""
    kept = "".join(ch for ch in raw if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    name = _SPACES.sub(" ", kept).strip()
    if len(name) > RECIPIENT_NAME_MAX:
        raise ValidationError(
            f"“{name[:40]}…” is {len(name):,} characters long; a name has at most "
            f"{RECIPIENT_NAME_MAX}."
        )
    return name


def split_names(value: str) -> list[str]:
    """Return the names of a comma-separated form field, cleaned, without repeats."""
    names: list[str] = []
    for part in value.split(","):
        name = clean_name(part)
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def find_pseud(name: str) -> Pseud | None:
    """Return the active member's pseud a name means, or None when no member has it:
    "pseud (account)" names one account's pseud; a bare name is the only pseud so named, or
    the default pseud of the account so named. Raises ValidationError when the name is
    ambiguous or names an account that has no such pseud."""
    active = Pseud.objects.filter(user__is_active=True).select_related("user")
    if match := _WITH_ACCOUNT.fullmatch(name):
        found = active.filter(
            name__iexact=match["pseud"].strip()[:40],
            user__username__iexact=match["account"].strip()[:150],
        ).first()
        if found is not None:
            return found
    candidates = list(active.filter(name__iexact=name[:40])[:10]) if len(name) <= 40 else []
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    own = [p for p in candidates if p.is_default and p.user.username.lower() == name.lower()]
    if len(own) == 1:
        return own[0]
    raise ValidationError(
        f"Several members have a pseud named “{name}”: write it with the account's name, as "
        f"“{name} (account)”."
    )


def _creator_ids(work: Work) -> set[int]:
    return set(Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True))


def _check_creator(work: Work, user: User) -> None:
    if not Creatorship.objects.filter(work=work, pseud__user=user).exists():
        raise PermissionDenied("Only the work's creators can change it.")


def _preferences(user_ids: Iterable[int]) -> dict[int, CreditPreferences]:
    return {p.user_id: p for p in CreditPreferences.objects.filter(user_id__in=list(user_ids))}


def _blockers(user_ids: Iterable[int], creator_ids: Iterable[int]) -> set[int]:
    """Return which of `user_ids` blocked any of `creator_ids`."""
    return set(
        Block.objects.filter(blocker_id__in=list(user_ids), blocked_id__in=list(creator_ids))
        .values_list("blocker_id", flat=True)
        .distinct()
    )


def _work_url(work: Work) -> str:
    return work.get_absolute_url()


# --- gifts --------------------------------------------------------------------------------


@dataclass
class Recipient:
    name: str  # as written, cleaned
    pseud: Pseud | None


def resolve_recipients(names: Sequence[str]) -> list[Recipient]:
    """Return each name as a member's pseud or a name without an account (see `find_pseud`),
    without repeats. Raises ValidationError for too many names or an ambiguous one."""
    cleaned = split_names(",".join(n.replace(",", " ") for n in names))
    if len(cleaned) > MAX_RECIPIENTS:
        raise ValidationError(f"A work can be a gift to at most {MAX_RECIPIENTS} recipients.")
    recipients: list[Recipient] = []
    seen: set[int] = set()
    for name in cleaned:
        pseud = find_pseud(name)
        if pseud is not None:
            if pseud.pk in seen:
                continue
            seen.add(pseud.pk)
        recipients.append(Recipient(name=name, pseud=pseud))
    return recipients


def set_gifts(user: User, work: Work, names: Sequence[str]) -> list[Gift]:
    """Make the work a gift to exactly these recipients (refused gifts are kept as refused:
    the recipient's refusal is theirs to take back). New member recipients of a posted work
    are notified. Call inside the work's own transaction, after its credits are saved.
    Returns the gifts the work now shows. Raises ValidationError, naming the recipient, for
    one who turned gifts off, who blocked one of the work's creators, or who is the user."""
    recipients = resolve_recipients(names)
    if not recipients and not Gift.objects.filter(work=work).exists():
        return []  # the common case, a work that is no gift: one query
    existing = {g.pseud_id: g for g in Gift.objects.filter(work=work, pseud__isnull=False)}
    named_ids = {r.pseud.pk for r in recipients if r.pseud is not None}
    new_members = [r for r in recipients if r.pseud is not None and r.pseud.pk not in existing]
    creators = _creator_ids(work) | {user.pk}
    members = {r.pseud.user_id for r in new_members if r.pseud is not None}
    prefs = _preferences(members)
    blockers = _blockers(members, creators)
    for r in new_members:
        assert r.pseud is not None
        owner = r.pseud.user_id
        if owner in creators:
            raise ValidationError(f"“{r.name}” is a creator of this work: a gift is for others.")
        if owner in blockers:
            raise ValidationError(f"{r.name} does not accept gifts from you.")
        if owner in prefs and not prefs[owner].allow_gifts:
            raise ValidationError(f"{r.name} does not accept gifts.")
    # Unnamed recipients lose the gift, unless they refused it (then it stays refused).
    Gift.objects.filter(work=work, refused_at__isnull=True).exclude(pseud_id__in=named_ids).filter(
        pseud__isnull=False
    ).delete()
    names_kept = {r.name.casefold() for r in recipients if r.pseud is None}
    for gift in Gift.objects.filter(work=work, pseud__isnull=True):
        if gift.recipient_name.casefold() not in names_kept:
            gift.delete()
    have_names = {
        g.recipient_name.casefold() for g in Gift.objects.filter(work=work, pseud__isnull=True)
    }
    made: list[Gift] = []
    for position, r in enumerate(recipients):
        if r.pseud is not None:
            if r.pseud.pk in existing:
                continue
            made.append(Gift(work=work, pseud=r.pseud, position=position))
        elif r.name.casefold() not in have_names:
            made.append(Gift(work=work, recipient_name=r.name, position=position))
    Gift.objects.bulk_create(made)
    # Positions follow the order written, so "For a, b" reads as the creator wrote it.
    order = {r.pseud.pk if r.pseud else r.name.casefold(): i for i, r in enumerate(recipients)}
    shown = list(Gift.objects.filter(work=work).select_related("pseud__user"))
    for gift in shown:
        key: int | str = gift.pseud_id if gift.pseud_id else gift.recipient_name.casefold()
        gift.position = order.get(key, len(order))
    Gift.objects.bulk_update(shown, ["position"])
    work.save(update_fields=["revised_at"])  # blurbs, downloads and cached pages show gifts
    if work.status == Status.POSTED and not work.hidden:
        notify_recipients(work, sender=user)
    return [g for g in shown if g.refused_at is None]


def notify_recipients(work: Work, *, sender: User | None = None) -> int:
    """Tell each member the work is a gift to (not refused) that it is theirs: once per
    recipient and work, however often this runs (a draft's recipients hear when it is
    posted). Returns how many notifications were made."""
    made = 0
    gifts = Gift.objects.accepted().filter(work=work, pseud__isnull=False).select_related("pseud")
    for gift in gifts:
        assert gift.pseud is not None
        made += notify(
            gift.pseud.user,
            kind=GIFT_KIND,
            message=f"“{work.title}” was posted as a gift for {gift.pseud.name}.",
            url=_work_url(work),
            key=f"gift:{work.pk}:{gift.pseud_id}",
            sender=sender,
        )
    return made


def _own_gift(user: User, gift_id: int) -> Gift:
    gift = Gift.objects.filter(pk=gift_id, pseud__user=user).select_related("work").first()
    if gift is None:
        raise PermissionDenied("That gift is not yours.")
    return gift


@transaction.atomic
def refuse_gift(user: User, gift_id: int) -> Gift:
    """Refuse a gift to one of the user's pseuds: the work no longer names them anywhere (nor
    any other of their pseuds it was given to; the creators cannot name them again; the user
    can take the refusal back). Returns it."""
    gift = _own_gift(user, gift_id)
    mine = Gift.objects.filter(work_id=gift.work_id, pseud__user=user, refused_at__isnull=True)
    if mine.update(refused_at=timezone.now()):
        gift.work.save(update_fields=["revised_at"])  # moves cached pages, blurbs and files
        reindex_work(gift.work)
    gift.refresh_from_db(fields=["refused_at"])
    return gift


@transaction.atomic
def accept_gift(user: User, gift_id: int) -> Gift:
    """Take back the refusal of a gift: the work names the user's pseud again. Returns it."""
    gift = _own_gift(user, gift_id)
    mine = Gift.objects.filter(work_id=gift.work_id, pseud__user=user, refused_at__isnull=False)
    if mine.update(refused_at=None):
        gift.work.save(update_fields=["revised_at"])
        reindex_work(gift.work)
    gift.refresh_from_db(fields=["refused_at"])
    return gift


@transaction.atomic
def save_credit_preferences(
    user: User, *, allow_gifts: bool, allow_co_creator_invitations: bool
) -> CreditPreferences:
    """Store whether others may give the user gifts and invite them as co-creator (what was
    given or accepted before stays). Returns the row."""
    prefs, _ = CreditPreferences.objects.update_or_create(
        user=user,
        defaults={
            "allow_gifts": allow_gifts,
            "allow_co_creator_invitations": allow_co_creator_invitations,
        },
    )
    return prefs


# --- co-creators --------------------------------------------------------------------------


def invite_co_creators(user: User, work: Work, names: Sequence[str]) -> list[CreatorInvitation]:
    """Invite the pseuds named (of other members) to be credited on the work, and withdraw
    pending invitations no longer named; credits already accepted are left alone (a
    co-creator leaves by their own action). Each invitee is notified once. Call inside the
    work's own transaction. Returns the pending invitations. Raises ValidationError, naming
    the pseud, for an unknown name, a member who turned invitations off or blocked one of the
    work's creators."""
    cleaned = split_names(",".join(n.replace(",", " ") for n in names))
    if len(cleaned) > MAX_INVITATIONS:
        raise ValidationError(f"A work can have at most {MAX_INVITATIONS} pending invitations.")
    if not cleaned and not CreatorInvitation.objects.filter(work=work).exists():
        return []  # the common case, nobody invited: one query
    pseuds: list[tuple[str, Pseud]] = []
    for name in cleaned:
        pseud = find_pseud(name)
        if pseud is None:
            raise ValidationError(f"No member has a pseud named “{name}”.")
        if pseud.pk not in {p.pk for _, p in pseuds}:
            pseuds.append((name, pseud))
    credited = set(Creatorship.objects.filter(work=work).values_list("pseud_id", flat=True))
    pending = {i.pseud_id: i for i in CreatorInvitation.objects.filter(work=work)}
    wanted = [(n, p) for n, p in pseuds if p.pk not in credited]
    new = [(n, p) for n, p in wanted if p.pk not in pending]
    creators = _creator_ids(work) | {user.pk}
    members = {p.user_id for _, p in new}
    prefs = _preferences(members)
    blockers = _blockers(members, creators)
    for name, pseud in new:
        owner = pseud.user_id
        if owner == user.pk:
            raise ValidationError(
                f"“{name}” is your own pseud: tick it under Creators instead of inviting it."
            )
        if owner in blockers:
            raise ValidationError(f"{name} does not accept co-creator invitations from you.")
        if owner in prefs and not prefs[owner].allow_co_creator_invitations:
            raise ValidationError(f"{name} does not accept co-creator invitations.")
    CreatorInvitation.objects.filter(work=work).exclude(
        pseud_id__in=[p.pk for _, p in wanted]
    ).delete()
    made = CreatorInvitation.objects.bulk_create(
        [CreatorInvitation(work=work, pseud=p, inviter=user) for _, p in new]
    )
    for invitation, (_, pseud) in zip(made, new, strict=True):
        notify(
            pseud.user,
            kind=INVITATION_KIND,
            message=f"{user.username} invited {pseud.name} to be a co-creator of “{work.title}”.",
            url=INVITATIONS_PAGE,
            key=f"co-creator:{work.pk}:{pseud.pk}:{invitation.pk}",
            sender=user,
        )
    return list(CreatorInvitation.objects.filter(work=work).select_related("pseud__user"))


def _own_invitation(user: User, invitation_id: int) -> CreatorInvitation:
    invitation = (
        CreatorInvitation.objects.filter(pk=invitation_id, pseud__user=user)
        .select_related("work", "pseud")
        .first()
    )
    if invitation is None:
        raise PermissionDenied("That invitation is not yours.")
    return invitation


@transaction.atomic
def accept_invitation(user: User, invitation_id: int) -> Work:
    """Accept an invitation: the pseud is credited on the work, after its other creators.
    Returns the work."""
    check_active(user)
    invitation = _own_invitation(user, invitation_id)
    work = Work.objects.select_for_update().get(pk=invitation.work_id)
    if not Creatorship.objects.filter(work=work, pseud=invitation.pseud).exists():
        last = Creatorship.objects.filter(work=work).aggregate(m=Max("position"))["m"]
        Creatorship.objects.create(
            work=work, pseud=invitation.pseud, position=0 if last is None else last + 1
        )
    invitation.delete()
    work.save(update_fields=["revised_at"])
    reindex_work(work)
    return work


@transaction.atomic
def decline_invitation(user: User, invitation_id: int) -> None:
    """Decline an invitation: it is deleted, and the pseud is never credited."""
    _own_invitation(user, invitation_id).delete()


@transaction.atomic
def leave_work(user: User, work: Work) -> None:
    """Remove the user's own credits from a work another member is also credited on (their
    pseuds only; the work and the others' credits stay). Raises ValidationError when the user
    is its only creator (delete or orphan it instead)."""
    check_active(user)
    work = Work.objects.select_for_update().get(pk=work.pk)
    _check_creator(work, user)
    if not Creatorship.objects.filter(work=work).exclude(pseud__user=user).exists():
        raise ValidationError(
            "You are this work's only creator: you can't leave it (delete or orphan it instead)."
        )
    Creatorship.objects.filter(work=work, pseud__user=user).delete()
    # Invitations this user sent stay: the other creators can withdraw them.
    work.save(update_fields=["revised_at"])
    reindex_work(work)
