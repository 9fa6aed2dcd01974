"""Writes on series and related works. Each function runs in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_by
from ficarchive.moderation.sanctions import check_active
from ficarchive.notifications.actions import notify
from ficarchive.series.models import RelatedWork, Series, SeriesWork
from ficarchive.text import render_text
from ficarchive.works.models import Work


@dataclass
class SeriesInput:
    """A series as its creator gives it (sources, not HTML)."""

    title: str
    summary: str = ""
    notes: str = ""
    complete: bool = False


def _check_creator(user: User, series: Series) -> None:
    if series.creator_id != user.pk:
        raise PermissionDenied("Only the series' creator can change it.")


def _apply(series: Series, data: SeriesInput) -> None:
    title = " ".join(data.title.split())
    if not title:
        raise ValidationError("Give the series a title.")
    series.title = title
    series.summary = data.summary
    series.summary_html = render_text(data.summary, "html", paragraph_ids=False).html
    series.notes = data.notes
    series.notes_html = render_text(data.notes, "html", paragraph_ids=False).html
    series.complete = data.complete


def create_series(user: User, data: SeriesInput) -> Series:
    """Return a new, empty series made by the user."""
    check_active(user)
    series = Series(creator=user)
    _apply(series, data)
    with transaction.atomic():
        series.save()
    return series


def update_series(user: User, series: Series, data: SeriesInput) -> Series:
    check_active(user)
    _check_creator(user, series)
    _apply(series, data)
    with transaction.atomic():
        series.save()
    return series


def delete_series(user: User, series: Series) -> None:
    """Delete the series (its works stay; bookmarks of the series go with it)."""
    check_active(user)
    _check_creator(user, series)
    with transaction.atomic():
        series.delete()


def add_work(user: User, series: Series, work: Work) -> SeriesWork:
    """Append one of the user's works to their series and return its entry. Adding a work
    that is already in the series returns the existing entry (a double submit adds one)."""
    check_active(user)
    _check_creator(user, series)
    if not Work.objects.credited_to(user).filter(pk=work.pk).exists():
        raise PermissionDenied("You can only add works you created.")
    with transaction.atomic():
        # Lock the series row so two additions never take the same position.
        Series.objects.select_for_update().filter(pk=series.pk).first()
        existing = SeriesWork.objects.filter(series=series, work=work).first()
        if existing is not None:
            return existing
        last = SeriesWork.objects.filter(series=series).aggregate(m=Max("position"))["m"] or 0
        try:
            with transaction.atomic():
                entry = SeriesWork.objects.create(series=series, work=work, position=last + 1)
        except IntegrityError:
            entry = SeriesWork.objects.get(series=series, work=work)
        series.save(update_fields=["updated_at"])
    return entry


def _renumber(series: Series, ordered_ids: Sequence[int]) -> None:
    """Give the entries (by id, in order) positions 1..n without breaking the unique
    (series, position) constraint midway: move them out of the way first."""
    offset = len(ordered_ids) + (
        SeriesWork.objects.filter(series=series).aggregate(m=Max("position"))["m"] or 0
    )
    SeriesWork.objects.filter(series=series).update(position=F("position") + offset)
    for position, entry_id in enumerate(ordered_ids, start=1):
        SeriesWork.objects.filter(series=series, pk=entry_id).update(position=position)


def remove_work(user: User, series: Series, work_id: int) -> bool:
    """Take a work out of the series (the later parts move up); return whether it was in."""
    check_active(user)
    _check_creator(user, series)
    with transaction.atomic():
        Series.objects.select_for_update().filter(pk=series.pk).first()
        deleted, _ = SeriesWork.objects.filter(series=series, work_id=work_id).delete()
        if deleted:
            remaining = list(
                SeriesWork.objects.filter(series=series)
                .order_by("position")
                .values_list("pk", flat=True)
            )
            _renumber(series, remaining)
            series.save(update_fields=["updated_at"])
    return deleted > 0


def reorder_works(user: User, series: Series, ordered_work_ids: Sequence[int]) -> None:
    """Put the series' works in this order (work ids, each once, all of them)."""
    check_active(user)
    _check_creator(user, series)
    with transaction.atomic():
        Series.objects.select_for_update().filter(pk=series.pk).first()
        entries = dict(SeriesWork.objects.filter(series=series).values_list("work_id", "pk"))
        if sorted(ordered_work_ids) != sorted(entries) or len(set(ordered_work_ids)) != len(
            ordered_work_ids
        ):
            raise ValidationError("The series changed meanwhile: reload the page and try again.")
        _renumber(series, [entries[work_id] for work_id in ordered_work_ids])
        series.save(update_fields=["updated_at"])


# ----------------------------------------------------------------- related works


def _notify_parent_creators(related: RelatedWork, sender: User) -> None:
    """Tell the parent work's creators about a new "inspired by" link awaiting them."""
    parent = related.parent_work
    assert parent is not None
    child = related.work
    recipients = User.objects.filter(pseuds__creatorships__work=parent).distinct()
    for recipient in recipients:
        notify(
            recipient,
            kind="related-work",
            message=f"“{child.title}” says it was inspired by your work “{parent.title}”.",
            url="/related/",
            key=f"related-work:{related.pk}",
            sender=sender,
        )


def add_related_work(
    user: User,
    work: Work,
    *,
    parent_work: Work | None = None,
    external_title: str = "",
    external_author: str = "",
    external_url: str = "",
) -> RelatedWork:
    """Record that `work` (one of the user's) was inspired by `parent_work` (a work here the
    user may read) or by an external work. External values are kept exactly as given. A link
    to a work here waits for one of its creators to approve it, unless the user created both;
    linking the same parent twice returns the existing link."""
    check_active(user)
    if not Work.objects.credited_to(user).filter(pk=work.pk).exists():
        raise PermissionDenied("Only the work's creators can say what inspired it.")
    if parent_work is None:
        if not external_title.strip():
            raise ValidationError("Give the title of the work that inspired yours.")
        if external_url and not external_url.lower().startswith(("http://", "https://")):
            raise ValidationError("The link must start with http:// or https://.")
        with transaction.atomic():
            return RelatedWork.objects.create(
                work=work,
                external_title=external_title,
                external_author=external_author,
                external_url=external_url,
            )
    if parent_work.pk == work.pk:
        raise ValidationError("A work cannot be inspired by itself.")
    if not Work.objects.visible_to(user).filter(pk=parent_work.pk).exists():
        raise ValidationError("There is no work with that number that you can read.")
    parent_creators = User.objects.filter(pseuds__creatorships__work=parent_work).values("pk")
    if blocked_by([row["pk"] for row in parent_creators], user):
        raise ValidationError("A creator of that work has blocked you: you cannot link to it.")
    own_parent = Work.objects.credited_to(user).filter(pk=parent_work.pk).exists()
    with transaction.atomic():
        existing = RelatedWork.objects.filter(work=work, parent_work=parent_work).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                related = RelatedWork.objects.create(
                    work=work, parent_work=parent_work, approved=own_parent
                )
        except IntegrityError:
            return RelatedWork.objects.get(work=work, parent_work=parent_work)
        # A draft stays private: no notification; once posted, the link shows on /related/.
        if not own_parent and not work.is_draft:
            _notify_parent_creators(related, user)
    return related


def may_approve(user: User, related: RelatedWork) -> bool:
    """Return whether the user is one of the parent work's creators."""
    return (
        related.parent_work_id is not None
        and Work.objects.credited_to(user).filter(pk=related.parent_work_id).exists()
    )


def approve_related_work(user: User, related: RelatedWork) -> RelatedWork:
    """Let the link show on the parent work (one of the parent's creators decides)."""
    check_active(user)
    if not may_approve(user, related):
        raise PermissionDenied("Only the inspiring work's creators can approve the link.")
    with transaction.atomic():
        RelatedWork.objects.filter(pk=related.pk).update(approved=True)
    related.approved = True
    return related


def reject_related_work(user: User, related: RelatedWork) -> None:
    """Refuse (or later withdraw) the link: it is deleted, from the child work too."""
    check_active(user)
    if not may_approve(user, related):
        raise PermissionDenied("Only the inspiring work's creators can reject the link.")
    with transaction.atomic():
        related.delete()


def remove_related_work(user: User, related: RelatedWork) -> None:
    """Delete a link (the child work's creators may remove what they added)."""
    check_active(user)
    if not Work.objects.credited_to(user).filter(pk=related.work_id).exists():
        raise PermissionDenied("Only the work's creators can remove this link.")
    with transaction.atomic():
        related.delete()
