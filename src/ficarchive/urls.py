"""Every URL of the site. A feature is found from its URL here, then its view."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path, register_converter

from ficarchive.accounts import forms as account_forms
from ficarchive.accounts import views as accounts
from ficarchive.core import views as core
from ficarchive.formats import views as formats
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
    # Tags (wrangling and autocomplete before tags/<tag:name>/, which would take their names)
    path("tags/wrangle/", tags.wrangle, name="wrangle"),
    path("tags/autocomplete/", tags.autocomplete, name="tag_autocomplete"),
    path("tags/<tag:name>/", tags.tag_detail, name="tag"),
    path("tags/<tag:name>/works/", tags.tag_works, name="tag_works"),
    # People
    path("users/<str:username>/", accounts.user_page, name="user"),
    path("users/<str:username>/pseuds/<str:pseud>/", accounts.pseud_page, name="pseud"),
    path("pseuds/", accounts.manage_pseuds, name="manage_pseuds"),
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
    path("preferences/", core.preferences, name="preferences"),
    path("admin/", admin.site.urls),
]

handler400 = "ficarchive.core.views.error_400"
handler403 = "ficarchive.core.views.error_403"
handler404 = "ficarchive.core.views.error_404"
handler500 = "ficarchive.core.views.error_500"
