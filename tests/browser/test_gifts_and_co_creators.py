"""A co-creator invitation accepted in the browser, and a gift refused (issue 13's "done when"
for gifts and co-creators)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import NewContext, PostWork, SignUp


def test_a_member_accepts_an_invitation_and_another_refuses_a_gift(
    new_context: NewContext, sign_up: SignUp, post_work: PostWork
) -> None:
    friend_page = new_context().new_page()
    friend = sign_up(friend_page, "friend")
    giftee_page = new_context().new_page()
    giftee = sign_up(giftee_page, "giftee")
    writer_page = new_context().new_page()
    sign_up(writer_page, "writer")
    work = post_work(
        writer_page,
        "Shared Weather",
        "It rained on both of us.",
        fields={"Invite co-creators": friend.username, "Gift this work to": giftee.username},
    )
    gift_line = writer_page.locator(".gift-line")
    expect(gift_line).to_contain_text(f"For {giftee.username}")
    expect(writer_page.locator(".byline")).not_to_contain_text(friend.username)

    # The invitee accepts from the inbox's link and is credited.
    friend_page.goto("/inbox/")
    friend_page.get_by_role("link", name="invited").first.click()
    expect(friend_page.get_by_text("Shared Weather")).to_be_visible()
    friend_page.get_by_role("button", name="Accept").click()
    expect(friend_page.locator(".byline")).to_contain_text(friend.username)

    # The recipient finds the gift on their Gifts page and refuses it.
    giftee_page.goto(f"/users/{giftee.username}/gifts/")
    expect(giftee_page.get_by_role("link", name="Shared Weather")).to_be_visible()
    giftee_page.get_by_role("button", name="Refuse gift").click()
    expect(giftee_page.get_by_text("no longer be listed among your gifts")).to_be_visible()
    expect(giftee_page.get_by_role("link", name="Shared Weather")).to_have_count(0)
    giftee_page.goto(work.path)
    expect(giftee_page.locator(".gift-line")).to_have_count(0)
