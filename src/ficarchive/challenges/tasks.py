"""Background tasks of the challenges app (run by `ficarchive worker`): matching a gift
exchange with `matching.match`, its progress saved on the `MatchingRun` row as it goes."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.challenges import matching
from ficarchive.challenges.models import (
    EXCHANGE_TYPES,
    Assignment,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    MatchingRun,
    PromptKind,
    RunStatus,
)

logger = logging.getLogger(__name__)


def _prompt(prompt: ExchangePrompt) -> matching.Prompt:
    tags: dict[str, set[str]] = {t: set() for t in EXCHANGE_TYPES}
    for tag in prompt.tags.all():
        if tag.type in tags:
            tags[tag.type].add(tag.name.casefold())
    tags["rating"] = set(prompt.ratings)
    return matching.Prompt(tags={t: frozenset(v) for t, v in tags.items() if v})


def signups_for_matching(exchange_id: int) -> list[matching.SignUp]:
    """Return the exchange's sign-ups (not taken out) as the matcher's plain data."""
    signups = ExchangeSignUp.objects.filter(exchange_id=exchange_id, excluded=False).order_by("pk")
    prompts = ExchangePrompt.objects.filter(
        signup__exchange_id=exchange_id, signup__excluded=False
    ).prefetch_related("tags")
    by_signup: dict[int, tuple[list[matching.Prompt], list[matching.Prompt]]] = {}
    for prompt in prompts:
        requests, offers = by_signup.setdefault(prompt.signup_id, ([], []))
        (requests if prompt.kind == PromptKind.REQUEST else offers).append(_prompt(prompt))
    return [
        matching.SignUp(
            participant=s.pk,
            requests=by_signup.get(s.pk, ([], []))[0],
            offers=by_signup.get(s.pk, ([], []))[1],
        )
        for s in signups
    ]


def _fail(run_id: int, message: str) -> None:
    MatchingRun.objects.filter(pk=run_id).update(
        status=RunStatus.FAILED, message=message, finished_at=timezone.now()
    )


@task()
def run_matching(run_id: int) -> bool:
    """Match the run's exchange and store the proposed assignments (replacing unsent ones).
    Returns True if this run did it (False when the run is gone or not queued)."""
    if not MatchingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, stage="loading"
    ):
        return False
    run = MatchingRun.objects.select_related("exchange").get(pk=run_id)
    exchange = run.exchange
    try:
        signups = signups_for_matching(exchange.pk)
        if len(signups) < 2:
            _fail(
                run_id,
                f"A gift exchange needs at least two sign-ups to match; it has {len(signups)}.",
            )
            return True
        rules = matching.Rules(
            required=dict(exchange.match_counts), prompts_required=exchange.prompts_required
        )

        def progress(stage: str, done: int, total: int) -> None:
            MatchingRun.objects.filter(pk=run_id).update(stage=stage, done=done, total=total)

        result = matching.match(signups, rules, progress)
    except ValueError as error:
        _fail(run_id, str(error))
        return True
    except Exception:
        logger.exception("Matching run %s failed", run_id)
        _fail(run_id, "The matching failed unexpectedly; the error is in the worker's log.")
        return True
    if result.potential_pairs == 0:
        _fail(
            run_id,
            "No sign-up's offers meet anyone else's requests under the matching rules: "
            "no assignment is possible. Loosen the rules or ask for more sign-ups.",
        )
        return True
    unmatched = set(result.unmatched)
    with transaction.atomic():
        try:
            exchange.refresh_from_db()
        except GiftExchange.DoesNotExist:  # deleted with its collection meanwhile
            return False
        if exchange.assignments_sent_at is not None:
            _fail(run_id, "Assignments were sent while this ran: nothing was changed.")
            return True
        Assignment.objects.filter(exchange=exchange, sent_at__isnull=True).delete()
        Assignment.objects.bulk_create(
            [
                Assignment(
                    exchange=exchange,
                    giver_id=giver,
                    recipient_id=recipient,
                    score=0 if recipient in unmatched else result.scores.get((giver, recipient), 0),
                )
                for giver, recipient in result.assignments.items()
            ]
        )
        message = f"{len(result.assignments)} assignments proposed."
        if unmatched:
            message += (
                f" {len(unmatched)} recipient(s) have no potential giver under the rules: "
                "their givers are marked “not a match”; swap givers or leave them for pinch hits."
            )
        MatchingRun.objects.filter(pk=run_id).update(
            status=RunStatus.DONE, stage="done", message=message, finished_at=timezone.now()
        )
    return True
