"""Every URL of the site. A feature is found from its URL here, then its view."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, register_converter

from ficarchive.accounts import forms as account_forms
from ficarchive.accounts import settings_views as account_settings
from ficarchive.accounts import views as accounts
from ficarchive.api import views as api
from ficarchive.blocking import views as blocking
from ficarchive.bookmarks import views as bookmarks
from ficarchive.browse import views as browse
from ficarchive.challenges import exchange_views as exchange
from ficarchive.challenges import views as challenges
from ficarchive.collections import views as collections
from ficarchive.comments import views as comments
from ficarchive.core import health
from ficarchive.feeds import views as feeds
from ficarchive.formats import views as formats
from ficarchive.gifts import views as gifts
from ficarchive.history import views as history
from ficarchive.kudos import views as kudos
from ficarchive.moderation import views as moderation
from ficarchive.notifications import views as notifications
from ficarchive.preferences import views as preferences
from ficarchive.prompt_memes import views as prompt_memes
from ficarchive.revisions import views as revisions
from ficarchive.series import views as series
from ficarchive.site import views as site
from ficarchive.subscriptions import views as subscriptions
from ficarchive.tags import views as tags
from ficarchive.tags.urlnames import TagNameConverter
from ficarchive.works import views as works

register_converter(TagNameConverter, "tag")

urlpatterns: list[URLPattern | URLResolver] = [
    path("", works.home, name="home"),
    # Reading
    path("works/", works.work_list, name="work_list"),
    path("works/<int:work_id>/", works.work_detail, name="work"),
    path("works/<int:work_id>/full/", works.work_full, name="work_full"),
    path("works/<int:work_id>/chapters/<int:position>/", works.chapter_detail, name="chapter"),
    path("works/<int:work_id>/download/<str:fmt>/", formats.download, name="download"),
    # Posting and editing
    path("works/new/", works.new_work, name="new_work"),
    path("works/import/", works.import_work, name="import_work"),
    path("works/<int:work_id>/edit/", works.edit_work, name="edit_work"),
    path("works/<int:work_id>/delete/", works.delete_work, name="delete_work"),
    path("works/<int:work_id>/post/", works.post_draft, name="post_draft"),
    path("works/<int:work_id>/chapters/new/", works.new_chapter, name="new_chapter"),
    path("works/<int:work_id>/chapters/order/", works.reorder_chapters, name="reorder_chapters"),
    path(
        "works/<int:work_id>/chapters/<int:position>/history/",
        revisions.chapter_history,
        name="chapter_history",
    ),
    path(
        "works/<int:work_id>/chapters/<int:position>/edit/", works.edit_chapter, name="edit_chapter"
    ),
    path(
        "works/<int:work_id>/chapters/<int:position>/delete/",
        works.delete_chapter,
        name="delete_chapter",
    ),
    path(
        "works/<int:work_id>/chapters/<int:position>/post/", works.post_chapter, name="post_chapter"
    ),
    # Browsing: fandoms by medium, languages, people and tags
    path("media/", browse.media_index, name="media"),
    path("media/<path:medium>/fandoms/", browse.media_fandoms, name="media_fandoms"),
    path("languages/", browse.languages, name="languages"),
    path("people/search/", browse.people_search, name="people_search"),
    # Tags (wrangling, search and autocomplete before tags/<tag:name>/, which would take them)
    path("tags/search/", browse.tag_search, name="tag_search"),
    path("tags/wrangle/", tags.wrangle, name="wrangle"),
    path("tags/autocomplete/", tags.autocomplete, name="tag_autocomplete"),
    path("tags/<tag:name>/", tags.tag_detail, name="tag"),
    path("tags/<tag:name>/works/", tags.tag_works, name="tag_works"),
    # Feeds and OPDS
    path("tags/<tag:name>/feed.atom", feeds.tag_feed, name="tag_feed"),
    path("opds/", feeds.opds_root, name="opds"),
    path("opds/new/", feeds.opds_new, name="opds_new"),
    path("opds/kudos/", feeds.opds_kudos, name="opds_kudos"),
    path("opds/fandoms/", feeds.opds_fandoms, name="opds_fandoms"),
    path("opds/fandoms/<tag:name>/", feeds.opds_fandom, name="opds_fandom"),
    path("opds/search/", feeds.opds_search, name="opds_search"),
    path("opds/opensearch.xml", feeds.opensearch, name="opensearch"),
    # Moderation
    path("report/work/<int:work_id>/", moderation.report_work, name="report_work"),
    path("report/comment/<int:comment_id>/", moderation.report_comment, name="report_comment"),
    path("report/user/<str:username>/", moderation.report_user, name="report_user"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/log/", moderation.log, name="moderation_log"),
    path("moderation/works/<int:work_id>/", moderation.moderate_work, name="moderate_work"),
    path(
        "moderation/comments/<int:comment_id>/",
        moderation.moderate_comment,
        name="moderate_comment",
    ),
    path("moderation/users/<str:username>/", moderation.moderate_user, name="moderate_user"),
    path("moderation/reports/<int:report_id>/", moderation.close_report, name="close_report"),
    # Subscriptions and inbox
    path("subscriptions/", subscriptions.subscription_list, name="subscriptions"),
    path("subscriptions/new/", subscriptions.subscribe, name="subscribe"),
    path(
        "subscriptions/<int:subscription_id>/delete/",
        subscriptions.unsubscribe,
        name="unsubscribe",
    ),
    path("inbox/", notifications.inbox, name="inbox"),
    path("inbox/update/", notifications.update, name="inbox_update"),
    path("inbox/settings/", notifications.notification_settings, name="notification_settings"),
    # Collections
    path("collections/", collections.collection_list, name="collections"),
    path("collections/new/", collections.new_collection, name="new_collection"),
    path("collections/items/", collections.my_items, name="my_collection_items"),
    path("collections/<str:name>/", collections.collection_detail, name="collection"),
    path("collections/<str:name>/works/", collections.collection_works, name="collection_works"),
    path(
        "collections/<str:name>/bookmarks/",
        collections.collection_bookmarks,
        name="collection_bookmarks",
    ),
    path(
        "collections/<str:name>/participants/",
        collections.collection_participants,
        name="collection_participants",
    ),
    path(
        "collections/<str:name>/fandoms/",
        collections.collection_fandoms,
        name="collection_fandoms",
    ),
    path("collections/<str:name>/feed.atom", feeds.collection_feed, name="collection_feed"),
    path("collections/<str:name>/edit/", collections.edit_collection, name="edit_collection"),
    path("collections/<str:name>/reveal/", collections.reveal_collection, name="reveal_collection"),
    path(
        "collections/<str:name>/delete/",
        collections.delete_collection,
        name="delete_collection",
    ),
    path(
        "collections/<str:name>/members/",
        collections.collection_members,
        name="collection_members",
    ),
    path("collections/<str:name>/items/", collections.collection_items, name="collection_items"),
    # Prompt memes (a collection's challenge: prompts, claims, fills)
    path("collections/<str:name>/prompt_meme/", prompt_memes.meme_settings, name="prompt_meme"),
    path("collections/<str:name>/prompts/", prompt_memes.prompt_list, name="prompts"),
    path("collections/<str:name>/prompts/new/", prompt_memes.new_prompt, name="new_prompt"),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/",
        prompt_memes.prompt_detail,
        name="prompt",
    ),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/edit/",
        prompt_memes.edit_prompt,
        name="edit_prompt",
    ),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/delete/",
        prompt_memes.delete_prompt,
        name="delete_prompt",
    ),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/claim/",
        prompt_memes.claim,
        name="claim_prompt",
    ),
    path("claims/", prompt_memes.claims, name="claims"),
    path("claims/<int:claim_id>/drop/", prompt_memes.drop_claim, name="drop_claim"),
    # Gift exchanges (challenges/exchange_views.py)
    path("collections/<str:name>/exchange/", exchange.exchange_detail, name="exchange"),
    path("collections/<str:name>/exchange/signup/", exchange.signup_form, name="exchange_signup"),
    path(
        "collections/<str:name>/exchange/signup/delete/",
        exchange.delete_signup,
        name="exchange_signup_delete",
    ),
    path("collections/<str:name>/exchange/signups/", exchange.signup_list, name="exchange_signups"),
    path(
        "collections/<str:name>/exchange/matching/",
        exchange.matching_page,
        name="exchange_matching",
    ),
    path("assignments/", exchange.my_assignments, name="assignments"),
    path("assignments/<int:assignment_id>/", exchange.assignment_detail, name="assignment"),
    # Bookmarks, series, related works and reading history
    path("bookmarks/", bookmarks.my_bookmarks, name="my_bookmarks"),
    path("users/<str:username>/bookmarks/", bookmarks.user_bookmarks, name="user_bookmarks"),
    path("works/<int:work_id>/bookmarks/", bookmarks.work_bookmarks, name="work_bookmarks"),
    path("works/<int:work_id>/bookmark/", bookmarks.work_bookmark, name="work_bookmark"),
    path("works/<int:work_id>/later/", bookmarks.mark_for_later, name="mark_for_later"),
    path("series/<int:series_id>/bookmark/", bookmarks.series_bookmark, name="series_bookmark"),
    # Tag sets (challenges' lists of tags, with nominations)
    path("tag_sets/", challenges.tag_set_list, name="tag_sets"),
    path("tag_sets/new/", challenges.new_tag_set, name="new_tag_set"),
    path("tag_sets/<int:tag_set_id>/", challenges.tag_set_detail, name="tag_set"),
    path("tag_sets/<int:tag_set_id>/edit/", challenges.edit_tag_set, name="edit_tag_set"),
    path("tag_sets/<int:tag_set_id>/delete/", challenges.delete_tag_set, name="delete_tag_set"),
    path("tag_sets/<int:tag_set_id>/nominate/", challenges.nominate, name="nominate_tags"),
    path(
        "tag_sets/<int:tag_set_id>/nominations/",
        challenges.review_nominations,
        name="review_nominations",
    ),
    path("series/new/", series.new_series, name="new_series"),
    path("series/<int:series_id>/", series.series_detail, name="series"),
    path("series/<int:series_id>/edit/", series.edit_series, name="edit_series"),
    path("series/<int:series_id>/delete/", series.delete_series, name="delete_series"),
    path("series/<int:series_id>/add/", series.add_series_work, name="add_series_work"),
    path("series/<int:series_id>/remove/", series.remove_series_work, name="remove_series_work"),
    path("series/<int:series_id>/order/", series.reorder_series, name="reorder_series"),
    path("users/<str:username>/series/", series.user_series, name="user_series"),
    # Gifts and co-creators
    path("users/<str:username>/gifts/", gifts.user_gifts, name="user_gifts"),
    path("gifts/<int:gift_id>/refuse/", gifts.change_gift, {"verb": "refuse"}, name="refuse_gift"),
    path("gifts/<int:gift_id>/accept/", gifts.change_gift, {"verb": "accept"}, name="accept_gift"),
    path("co-creators/", gifts.invitations, name="creator_invitations"),
    path(
        "co-creators/<int:invitation_id>/accept/",
        gifts.answer_invitation,
        {"verb": "accept"},
        name="accept_invitation",
    ),
    path(
        "co-creators/<int:invitation_id>/decline/",
        gifts.answer_invitation,
        {"verb": "decline"},
        name="decline_invitation",
    ),
    path("works/<int:work_id>/leave/", gifts.leave_work, name="leave_work"),
    path("preferences/gifts/", gifts.credit_preferences, name="credit_preferences"),
    path("works/<int:work_id>/related/", series.related_works, name="related_works"),
    path("related/", series.pending_related, name="pending_related"),
    path("history/", history.history, name="history"),
    path("history/pause/", history.pause, name="history_pause"),
    path("history/clear/", history.clear, name="history_clear"),
    path("history/<int:work_id>/remove/", history.remove, name="history_remove"),
    # Kudos, comments, blocking and muting
    path("works/<int:work_id>/kudos/", kudos.kudos, name="kudos"),
    path("works/<int:work_id>/comments/", comments.new_comment, name="new_comment"),
    path("comments/<int:comment_id>/", comments.thread, name="comment"),
    path("comments/<int:comment_id>/reply/", comments.reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", comments.edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", comments.delete, name="comment_delete"),
    path("comments/<int:comment_id>/approve/", comments.approve, name="comment_approve"),
    path("comments/<int:comment_id>/freeze/", comments.freeze, name="comment_freeze"),
    path("blocked/", blocking.blocked_and_muted, name="blocked_and_muted"),
    path("users/<str:username>/block/", blocking.change, {"verb": "block"}, name="block"),
    path("users/<str:username>/unblock/", blocking.change, {"verb": "unblock"}, name="unblock"),
    path("users/<str:username>/mute/", blocking.change, {"verb": "mute"}, name="mute"),
    path("users/<str:username>/unmute/", blocking.change, {"verb": "unmute"}, name="unmute"),
    # API (every /api/ URL answers JSON, a 404 too; the token settings page is HTML)
    path("api/", include("ficarchive.api.urls")),
    path("settings/tokens/", api.tokens, name="api_tokens"),
    # People
    path("users/<str:username>/", accounts.user_page, name="user"),
    path("users/<str:username>/pseuds/<str:pseud>/", accounts.pseud_page, name="pseud"),
    path("pseuds/", accounts.manage_pseuds, name="manage_pseuds"),
    # Account settings (the token page above is the api app's)
    path("settings/", account_settings.profile, name="settings"),
    path("settings/email/", account_settings.change_email, name="settings_email"),
    path(
        "settings/email/confirm/<str:token>/",
        account_settings.confirm_email,
        name="settings_email_confirm",
    ),
    path("settings/username/", account_settings.change_username, name="settings_username"),
    path("settings/pseuds/", account_settings.pseuds, name="settings_pseuds"),
    path("settings/pseuds/<int:pseud_id>/", account_settings.edit_pseud, name="edit_pseud"),
    path(
        "settings/pseuds/<int:pseud_id>/delete/",
        account_settings.delete_pseud,
        name="delete_pseud",
    ),
    path("settings/data/", account_settings.data_export, name="data_export"),
    path(
        "settings/data/<int:export_id>/download/",
        account_settings.download_export,
        name="download_export",
    ),
    path("settings/delete/", account_settings.delete_account, name="delete_account"),
    path("works/<int:work_id>/orphan/", account_settings.orphan_work, name="orphan_work"),
    path("series/<int:series_id>/orphan/", account_settings.orphan_series, name="orphan_series"),
    # Accounts
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            form_class=account_forms.PasswordChangeForm,
            template_name="accounts/form_page.html",
            success_url="/password/change/done/",
            extra_context={"title": "Change password", "button": "Change password"},
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/message_page.html",
            extra_context={"title": "Password changed", "message": "Your password was changed."},
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=account_forms.PasswordResetForm,
            template_name="accounts/form_page.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url="/password/reset/sent/",
            extra_context={"title": "Reset your password", "button": "Send reset link"},
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/message_page.html",
            extra_context={
                "title": "Check your email",
                "message": "If an account has that address, we sent it a link to choose a new "
                "password. The link works once, for three days.",
            },
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=account_forms.SetPasswordForm,
            template_name="accounts/form_page.html",
            success_url="/password/reset/done/",
            extra_context={"title": "Choose a new password", "button": "Set password"},
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/message_page.html",
            extra_context={
                "title": "Password set",
                "message": "Your new password is set: log in with it.",
            },
        ),
        name="password_reset_complete",
    ),
    # Site
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Site: terms, invitations, e-mail confirmation, the staff area
    path("terms/", site.terms, name="terms"),
    path("terms/accept/", site.accept_terms, name="accept_terms"),
    path("privacy/", site.privacy, name="privacy"),
    path("invitations/", site.my_invitations, name="my_invitations"),
    path("invitations/request/", site.request_invitation, name="request_invitation"),
    path("confirm-email/", site.confirm_email, name="confirm_email"),
    path("confirm-email/<str:token>/", site.confirm_email_link, name="confirm_email_link"),
    path("staff/", site.staff_home, name="staff"),
    path("staff/settings/", site.staff_settings, name="staff_settings"),
    path("staff/terms/", site.staff_terms, name="staff_terms"),
    path("staff/invitations/", site.staff_invitations, name="staff_invitations"),
    path("staff/people/", site.staff_people, name="staff_people"),
    path("staff/people/<str:username>/", site.staff_person, name="staff_person"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("admin/", admin.site.urls),
]

handler400 = "ficarchive.core.views.error_400"
handler403 = "ficarchive.core.views.error_403"
handler404 = "ficarchive.core.views.error_404"
handler500 = "ficarchive.core.views.error_500"
