"""Writes of the site app: settings, terms and their acceptance, invitations and the queue,
e-mail confirmation, sign-up as the site's settings allow it, and roles. Each runs in one
transaction; staff changes are logged in the moderation log in that same transaction.

`actor` None means the command line (an operator on the server)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.moderation.models import ModerationLog
from ficarchive.site import conf
from ficarchive.site.models import (
    DEFAULT_VERSIONS_KEPT,
    DOMAINS_MAX,
    MAX_VERSIONS_KEPT,
    MIN_VERSIONS_KEPT,
    NAME_MAX,
    NOTICE_MAX,
    TERMS_MAX,
    Invitation,
    InvitationRequest,
    RequestStatus,
    SignupMode,
    SiteSettings,
    TermsAcceptance,
    TermsKind,
    TermsVersion,
)
from ficarchive.site.roles import ROLE_GROUPS, ROLES, forget_groups, is_staff
from ficarchive.text import render_text

MAX_SEND = 500  # invitations sent from the queue in one go
MAX_GIVE = 100  # invitations given to a member in one go
MAX_DAYS = 365
CONFIRM_SALT = "ficarchive.site.confirm-email"
CONFIRM_DAYS = 7


# Helpers ------------------------------------------------------------------------------------


def clean_line(text: str, limit: int) -> str:
    """Return one line of plain text: control characters removed, spaces collapsed."""
    kept = "".join(c if ord(c) >= 32 and ord(c) != 127 else " " for c in text)
    return " ".join(kept.split())[:limit]


def clean_text(text: str, limit: int) -> str:
    """Return plain text without NUL and other control characters (newlines and tabs kept)."""
    kept = "".join(c for c in text if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))
    return kept.replace("\r", "").strip()[:limit]


def _require_staff(actor: User | None) -> None:
    if actor is not None and not is_staff(actor):
        raise PermissionDenied("Only staff can do that.")


def _log(actor: User | None, action: str, target: str, url: str = "", reason: str = "") -> None:
    ModerationLog.objects.create(
        moderator=actor,
        action=action[:30],
        target=target[:300],
        target_url=url[:300],
        reason=clean_text(reason, 2000) or ("from the command line" if actor is None else ""),
    )


def _settings_row() -> SiteSettings:
    row, _ = SiteSettings.objects.select_for_update().get_or_create(pk=1)
    return row


def _save_row(row: SiteSettings, actor: User | None, fields: list[str]) -> None:
    row.token = secrets.token_hex(16)
    row.updated_by = actor
    row.save(update_fields=[*fields, "token", "updated_at", "updated_by"])
    token = row.token
    conf.changed(token)
    # If this transaction rolls back, the token names nothing and conf reads the row again.
    transaction.on_commit(lambda: conf.changed(token))


def _email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower().rstrip(".")


def check_email_allowed(email: str) -> None:
    """Raise ValidationError if the address is on a domain the operator lists as throwaway
    (or a subdomain of one)."""
    domain = _email_domain(email)
    listed = conf.current().throwaway_domains
    parts = domain.split(".")
    if any(".".join(parts[i:]) in listed for i in range(len(parts))):
        raise ValidationError(
            f"Addresses at {domain} are not accepted here (a throwaway e-mail service): use "
            "another address."
        )


def normalize_email(value: str) -> str:
    """Return a checked e-mail address, or raise ValidationError saying what is wrong."""
    email = value.strip()
    if not email:
        raise ValidationError("Email is empty: type your e-mail address.")
    if len(email) > 254:
        raise ValidationError("Email is longer than 254 characters: that is no e-mail address.")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email[:80]}” is not an e-mail address.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


# Settings -----------------------------------------------------------------------------------


@dataclass
class SettingsInput:
    archive_name: str
    notice: str
    signup_mode: str
    guest_comments: bool
    guest_kudos: bool
    invitations_per_day: int
    invitation_days: int
    throwaway_domains: str
    chapter_versions_kept: int = DEFAULT_VERSIONS_KEPT


def settings_input() -> SettingsInput:
    """Return the settings as they are, as input for a form or a change."""
    row = SiteSettings.objects.filter(pk=1).first() or SiteSettings()
    return SettingsInput(**{f.name: getattr(row, f.name) for f in fields(SettingsInput)})


def _check_settings(data: SettingsInput) -> SettingsInput:
    if data.signup_mode not in SignupMode.values:
        raise ValidationError(
            f"Sign-up mode must be one of {', '.join(SignupMode.values)}, not “{data.signup_mode[:40]}”."
        )
    name = clean_line(data.archive_name, NAME_MAX + 1)
    if len(name) > NAME_MAX:
        raise ValidationError(f"Archive name is longer than {NAME_MAX} characters.")
    notice = clean_text(data.notice, NOTICE_MAX + 1)
    if len(notice) > NOTICE_MAX:
        raise ValidationError(f"Site notice is longer than {NOTICE_MAX} characters.")
    if not 0 <= data.invitations_per_day <= MAX_SEND:
        raise ValidationError(f"Invitations per day is a number from 0 to {MAX_SEND}.")
    if not 1 <= data.invitation_days <= MAX_DAYS:
        raise ValidationError(f"Days an invitation lasts is a number from 1 to {MAX_DAYS}.")
    if not MIN_VERSIONS_KEPT <= data.chapter_versions_kept <= MAX_VERSIONS_KEPT:
        raise ValidationError(
            f"Versions kept per chapter is a number from {MIN_VERSIONS_KEPT} to "
            f"{MAX_VERSIONS_KEPT:,}: writers must be able to go back a long way."
        )
    domains = conf.parse_domains(clean_text(data.throwaway_domains, DOMAINS_MAX * 2))
    for domain in domains:
        if (
            len(domain) > 253
            or "." not in domain
            or not all(c.isalnum() or c in ".-" for c in domain)
        ):
            raise ValidationError(
                f"“{domain[:80]}” is not a domain name: list domains like mailinator.com, "
                "one a line."
            )
    listing = "\n".join(sorted(domains))
    if len(listing) > DOMAINS_MAX:
        raise ValidationError(f"The throwaway domains take more than {DOMAINS_MAX:,} characters.")
    return SettingsInput(
        archive_name=name,
        notice=notice,
        signup_mode=data.signup_mode,
        guest_comments=bool(data.guest_comments),
        guest_kudos=bool(data.guest_kudos),
        invitations_per_day=data.invitations_per_day,
        invitation_days=data.invitation_days,
        throwaway_domains=listing,
        chapter_versions_kept=data.chapter_versions_kept,
    )


@transaction.atomic
def save_settings(actor: User | None, data: SettingsInput) -> list[str]:
    """Change the site settings. Returns the names of the settings that changed (logged)."""
    _require_staff(actor)
    data = _check_settings(data)
    row = _settings_row()
    changed = [name for name, value in vars(data).items() if getattr(row, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(row, name, getattr(data, name))
    if "invitations_per_day" in changed:
        changed_fields = [*changed, "daily_chain"]
        row.daily_chain = secrets.token_hex(16) if data.invitations_per_day else ""
        if row.daily_chain:
            from ficarchive.site.tasks import send_daily_invitations

            send_daily_invitations.enqueue(row.daily_chain)
    else:
        changed_fields = changed
    _save_row(row, actor, changed_fields)
    words = ", ".join(
        f"sign-up {data.signup_mode}" if name == "signup_mode" else name.replace("_", " ")
        for name in changed
    )
    _log(actor, "change site settings", f"Site settings: {words}", "/staff/settings/")
    return changed


def set_signup_mode(actor: User | None, mode: str) -> bool:
    """Switch the sign-up mode. Returns True if it changed."""
    data = settings_input()
    data.signup_mode = mode
    return bool(save_settings(actor, data))


# Terms of Service and Privacy ---------------------------------------------------------------


@transaction.atomic
def publish_terms(
    actor: User | None,
    kind: str,
    text: str,
    *,
    effective_at: datetime | None = None,
    text_format: str = "markdown",
) -> TermsVersion:
    """Publish a new version of the Terms of Service or the Privacy policy (Markdown through
    the text pipeline's sanitizer). A new Terms of Service version asks every member to
    accept it again once it is in force. Returns the version."""
    _require_staff(actor)
    if kind not in TermsKind.values:
        raise ValidationError("Choose the Terms of Service or the Privacy policy.")
    if text_format not in ("markdown", "text", "html"):
        raise ValidationError("Text format is markdown, text or html.")
    source = clean_text(text, TERMS_MAX + 1)
    if len(source) > TERMS_MAX:
        raise ValidationError(f"The text is longer than {TERMS_MAX:,} characters: shorten it.")
    html = render_text(source, text_format, paragraph_ids=False).html  # type: ignore[arg-type]
    if not source or not html.strip():
        raise ValidationError("The text is empty (or nothing is left once unsafe markup goes).")
    now = timezone.now()
    if effective_at is None:
        effective_at = now
    if effective_at < now - timedelta(minutes=5):
        raise ValidationError("The effective date is in the past: choose today or later.")
    row = _settings_row()  # locks the row: two publishes get different numbers
    last = TermsVersion.objects.filter(kind=kind).order_by("-number").first()
    version = TermsVersion.objects.create(
        kind=kind,
        number=(last.number if last else 0) + 1,
        text=source,
        text_format=text_format,
        text_html=html,
        effective_at=effective_at,
        created_by=actor,
    )
    _save_row(row, actor, [])
    label = f"{version.get_kind_display()} version {version.number}"
    url = "/terms/" if kind == TermsKind.TOS else "/privacy/"
    _log(actor, "publish terms", label, url)
    return version


def has_accepted(user: User, version_id: int) -> bool:
    return TermsAcceptance.objects.filter(user=user, version_id=version_id).exists()


@transaction.atomic
def accept_terms(user: User, version_id: int) -> None:
    """Record that the user accepted a version of the Terms of Service (again: no change)."""
    if not TermsVersion.objects.filter(pk=version_id, kind=TermsKind.TOS).exists():
        raise ValidationError("Those terms no longer exist: reload the page and accept again.")
    try:
        with transaction.atomic():
            TermsAcceptance.objects.create(user=user, version_id=version_id)
    except IntegrityError:
        pass  # accepted already (a double click)


# Invitations --------------------------------------------------------------------------------


def _new_code() -> str:
    return secrets.token_urlsafe(18)


def _expiry() -> datetime:
    return timezone.now() + timedelta(days=conf.current().invitation_days)


@transaction.atomic
def request_invitation(email: str, *, address: str = "") -> InvitationRequest:
    """Put an address in the invitation queue. Raises ValidationError for a bad address, a
    listed throwaway domain, or an address already waiting in the queue."""
    if conf.current().signup_mode != SignupMode.INVITE:
        raise ValidationError("The archive is not taking invitation requests now.")
    email = normalize_email(email)
    check_email_allowed(email)
    waiting = InvitationRequest.objects.filter(
        email__iexact=email, status=RequestStatus.PENDING
    ).exists()
    if waiting:
        raise ValidationError(
            "That address is in the queue already: the invitation comes by e-mail when it is "
            "its turn."
        )
    try:
        with transaction.atomic():
            return InvitationRequest.objects.create(email=email, address=address[:64])
    except IntegrityError:
        raise ValidationError("That address is in the queue already.") from None


def queue_position(request_id: int) -> int:
    """Return the 1-based place of a waiting request in the queue."""
    found = InvitationRequest.objects.filter(pk=request_id).first()
    if found is None:
        return 0
    return InvitationRequest.objects.filter(
        status=RequestStatus.PENDING, created_at__lte=found.created_at, pk__lte=found.pk
    ).count()


@transaction.atomic
def send_invitations(actor: User | None, count: int, reason: str = "") -> list[Invitation]:
    """Send invitations to the oldest `count` addresses waiting in the queue (e-mail goes
    through the background worker). Returns the invitations made."""
    from ficarchive.site.tasks import send_invitation_email

    _require_staff(actor)
    if not 1 <= count <= MAX_SEND:
        raise ValidationError(f"Send from 1 to {MAX_SEND} invitations at a time.")
    waiting = list(
        InvitationRequest.objects.select_for_update()
        .filter(status=RequestStatus.PENDING)
        .order_by("created_at", "pk")[:count]
    )
    made = []
    expires = _expiry()
    for item in waiting:  # at most MAX_SEND: a bounded loop of inserts, not a page
        invitation = Invitation.objects.create(
            code=_new_code(), email=item.email, created_by=actor, expires_at=expires
        )
        item.status = RequestStatus.SENT
        item.invitation = invitation
        item.save(update_fields=["status", "invitation"])
        send_invitation_email.enqueue(invitation.pk)
        made.append(invitation)
    if made:
        _log(
            actor,
            "send invitations",
            f"{len(made)} invitation(s) from the queue",
            "/staff/invitations/",
            reason,
        )
    return made


@transaction.atomic
def give_invitations(actor: User | None, member: User, count: int) -> list[Invitation]:
    """Give a member `count` invitations to share (they find them at /invitations/)."""
    _require_staff(actor)
    if not 1 <= count <= MAX_GIVE:
        raise ValidationError(f"Give from 1 to {MAX_GIVE} invitations at a time.")
    if not member.is_active:
        raise ValidationError(
            f"{member.username} cannot log in: give invitations to an active member."
        )
    expires = _expiry()
    made = Invitation.objects.bulk_create(
        [
            Invitation(code=_new_code(), owner=member, created_by=actor, expires_at=expires)
            for _ in range(count)
        ]
    )
    _log(
        actor,
        "give invitations",
        f"{count} invitation(s) to User {member.username}",
        f"/staff/people/{member.username}/",
    )
    return made


def usable_invitation(code: str) -> Invitation:
    """Return the invitation with this code if it can still be used, else raise
    ValidationError saying why not."""
    code = code.strip()
    if not code:
        raise ValidationError("Invitation code is empty: sign-up needs an invitation now.")
    if len(code) > 64 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationError("That is not an invitation code: copy it from the invitation.")
    invitation = Invitation.objects.filter(code=code).first()
    if invitation is None:
        raise ValidationError("No invitation has that code: check it, or request an invitation.")
    if invitation.used_at is not None:
        raise ValidationError("That invitation was used already: each invitation works once.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("That invitation has expired: request a new one.")
    return invitation


def _redeem(code: str, user: User) -> Invitation:
    invitation = usable_invitation(code)
    claimed = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now(), used_by=user)
    if not claimed:  # another sign-up used it a moment ago
        raise ValidationError("That invitation was used already: each invitation works once.")
    return invitation


# Sign-up and e-mail confirmation ------------------------------------------------------------


def signup_refusal(mode: str) -> str:
    """Return why sign-up is closed in this mode, or "" when it is open in some way."""
    if mode == SignupMode.CLOSED:
        return "Sign-up is closed on this archive for now."
    return ""


@transaction.atomic
def register(
    username: str,
    email: str,
    password: str,
    *,
    invitation_code: str = "",
    accepted_terms: int | None = None,
) -> User:
    """Create an account as the site's settings allow: refused while sign-up is closed; an
    invitation is used up in invitation mode; the Terms of Service in force must be the
    accepted ones; in confirmation mode a confirmation link is e-mailed. Returns the user."""
    from ficarchive.accounts.actions import sign_up

    config = conf.current()
    if refusal := signup_refusal(config.signup_mode):
        raise ValidationError(refusal)
    email = normalize_email(email)
    check_email_allowed(email)
    tos_id = config.tos_id()
    if tos_id is not None and accepted_terms != tos_id:
        raise ValidationError(
            "Accept the Terms of Service to sign up (they changed while you read them? Read "
            "them again and tick the box)."
        )
    if config.signup_mode == SignupMode.INVITE:
        usable_invitation(invitation_code)  # says why before anything else is checked
    user = sign_up(username, email, password)
    confirmed = False
    if config.signup_mode == SignupMode.INVITE:
        invitation = _redeem(invitation_code, user)
        # The invitation came to this address: it is confirmed.
        confirmed = bool(invitation.email) and invitation.email.lower() == email.lower()
    if confirmed:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    if tos_id is not None:
        TermsAcceptance.objects.create(user=user, version_id=tos_id)
    if config.signup_mode == SignupMode.CONFIRM and not confirmed:
        send_confirmation(user)
    return user


def confirmation_token(user: User) -> str:
    """Return the signed token of a confirmation link (the user and the address it is for)."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT, compress=True)


def send_confirmation(user: User) -> None:
    """E-mail the user a link that confirms their address (through the background worker)."""
    from ficarchive.site.tasks import send_confirmation_email

    if user.email_confirmed_at is not None:
        raise ValidationError("Your e-mail address is confirmed already.")
    if not user.email:
        raise ValidationError("Your account has no e-mail address to confirm.")
    send_confirmation_email.enqueue(user.pk)


@transaction.atomic
def confirm_email(token: str) -> User:
    """Mark the address in a confirmation link confirmed. Returns the user."""
    try:
        data: Any = signing.loads(
            token[:1000], salt=CONFIRM_SALT, max_age=timedelta(days=CONFIRM_DAYS)
        )
    except signing.SignatureExpired:
        raise ValidationError("This confirmation link has expired: ask for a new one.") from None
    except signing.BadSignature:
        raise ValidationError("This confirmation link is not valid: ask for a new one.") from None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None or user.email != data.get("e"):
        raise ValidationError(
            "This confirmation link is for an address the account no longer has: ask for a new one."
        )
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


# Roles --------------------------------------------------------------------------------------


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"Unknown role “{role[:40]}”: choose {', '.join(ROLES)}.")
    return role


@transaction.atomic
def grant_role(actor: User | None, user: User, role: str, reason: str = "") -> bool:
    """Give the user a role (moderator, wrangler or staff). Returns False if they had it."""
    _require_staff(actor)
    _check_role(role)
    if not user.is_active:
        raise ValidationError(f"{user.username} cannot log in: roles go to active accounts.")
    if role == "staff":
        if user.is_staff:
            return False
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    else:
        group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
        if user.groups.filter(pk=group.pk).exists():
            return False
        user.groups.add(group)
    forget_groups(user)
    _log(actor, f"grant {role}", f"User {user.username}", f"/staff/people/{user.username}/", reason)
    return True


@transaction.atomic
def revoke_role(actor: User | None, user: User, role: str, reason: str = "") -> bool:
    """Take a role away. Returns False if the user did not have it."""
    _require_staff(actor)
    _check_role(role)
    if role == "staff":
        if not user.is_staff:
            return False
        if actor is not None and actor.pk == user.pk:
            raise ValidationError("You cannot take away your own staff role: ask other staff.")
        if user.is_superuser:
            raise ValidationError(
                f"{user.username} is a superuser: change that in the admin site first."
            )
        User.objects.filter(pk=user.pk).update(is_staff=False)
        user.is_staff = False
    else:
        group = Group.objects.filter(name=ROLE_GROUPS[role]).first()
        if group is None or not user.groups.filter(pk=group.pk).exists():
            return False
        user.groups.remove(group)
    forget_groups(user)
    _log(
        actor, f"revoke {role}", f"User {user.username}", f"/staff/people/{user.username}/", reason
    )
    return True
