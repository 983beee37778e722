# flexybot — English.
# Every message is HTML (parse_mode HTML). String variables are escaped by the bot; numbers are only
# used to pick plural forms ($n), what is shown is a pre-formatted string ($nText, $amount, ...).

## General

start =
    Welcome to flexybot!
    This bot follows the top-up orders (mobile credit and internet) of your OneClickDz account.
    Send /status followed by the order's ref or id: the bot shows its status in a message that updates itself until there is a result.
    If an order stays open (being verified or scheduled), the bot keeps checking it for hours and sends you a new message when it resolves.
    Example:
    <code>/status order-123</code>
    Change the bot's language: /language
    All commands: /help

help =
    <b>Commands</b>
    Follow an order: /status then the order's ref or id, for example:
    <code>/status order-123</code>
    See orders not settled yet: /pending
    Stop notifications for an order: /unwatch then its ref
    Change the language: /language
    Show this help: /help
    In a private chat with the bot, the ref or id alone is enough.

status-usage =
    Put the order's ref or id after the command, for example:
    <code>/status order-123</code>

invalid-ref-too-long = This ref is too long: at most { $maxLength } characters.

invalid-ref-chars =
    The ref contains characters that are not allowed.
    Allowed: letters, digits and <code>- _ . + : @</code>

invalid-ref-empty = The ref is empty. Send the order's ref or id.

status-not-a-ref =
    This message does not look like an order ref.
    To follow an order, send /status and its ref or id (one word, no spaces), for example:
    <code>/status order-123</code>
status-key-not-a-ref = That looks like a OneClickDz API key, not an order ref. To link a key, send /link followed by the key in a private chat.

status-no-order-in-message =
    That message shows no order this bot follows in your account.
    Send /status and the order's ref or id, for example:
    <code>/status order-123</code>

status-looking-up =
    Looking up the order at OneClickDz…
    <code>{ $query }</code>
status-replaced =
    🔁 A newer message below now shows this order's status and keeps it up to date.
    <code>{ $query }</code>

status-not-found =
    OneClickDz does not know this ref or id on your account (yet):
    <code>{ $query }</code>
    An order sent moments ago can take a little while to appear. Check the ref, then look again in a minute with:
    <code>/status { $query }</code>

status-provider-down =
    Could not reach OneClickDz to check:
    <code>{ $query }</code>
    Try again in a few minutes.

status-provider-auth =
    OneClickDz rejected this account's API key, so orders cannot be checked right now.
    The key must be fixed: the account's owner links a new one with /link (for the bot's own account, the bot administrator fixes it). The bot rechecks the key automatically and then carries on.
status-key-unlinked =
    This account's owner unlinked its OneClickDz key, so this order cannot be checked right now:
    <code>{ $query }</code>
    Nothing was sent or refused. Once the owner links a key again with /link, look again with /status.

status-no-account = No OneClickDz account is configured for this bot. Please tell the bot administrator.

access-denied =
    Sorry, this bot is only for specific users.
    If you need access, give this id to the bot administrator:
    <code>{ $userId }</code>

access-denied-short = Sorry, this bot is only for specific users.

## Accounts: linking a OneClickDz key (/start, /link, /unlink)

onboarding-welcome =
    Welcome to flexybot! It follows the top-up orders of your OneClickDz account.
    First, choose your language:

link-prompt =
    🔑 Send me your OneClickDz API key now, as your next message, or as <code>/link your-key</code>.
    You find it at enterprise.oneclickdz.com → Settings → API Configuration.
    I delete the message with the key at once and store the key encrypted.

link-needed =
    Link your OneClickDz account first: send /link, then your API key.

link-not-allowed =
    Linking a OneClickDz account is not open on this bot. I deleted any key you sent.
    If you need access, give this id to the bot administrator:
    <code>{ $userId }</code>

link-no-vault =
    This bot cannot store OneClickDz keys: its administrator has not set ENCRYPTION_KEY.
    Nothing was saved. The administrator must set it before anyone can link an account.

link-bad-shape =
    That is not a OneClickDz API key. A key looks like <code>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</code>; copy it from enterprise.oneclickdz.com → Settings → API Configuration.


key-deleted-group =
    🔒 I deleted a message that looked like a OneClickDz API key. Never share an API key in a group.
    To link an account, send /link in a private chat with the bot.

key-deleted-offer =
    🔒 I deleted your message: it looked like a OneClickDz API key.
    To link this key, send /link followed by the key, alone in one message.

link-checking = 🔑 Checking the key with OneClickDz…

link-done =
    ✅ Account linked.
    Username: <code>{ $username }</code>
    Environment: { $environment }
    Scope: { $scope }
    Follow an order with /status and its ref; see /account and /balance.

link-done-again =
    ✅ Key linked again: your account's orders are still here.
    Username: <code>{ $username }</code>
    Environment: { $environment }
    Scope: { $scope }

link-read-only = This key is READ-ONLY: you can follow orders, but re-sending a top-up needs a READ-WRITE key.

link-invalid =
    ❌ OneClickDz does not accept this key (wrong, expired or revoked). Nothing was saved.
    Copy the whole key again from your dashboard and send /link.

link-disabled =
    ⛔ This key is disabled in your OneClickDz dashboard. Nothing was saved.
    Enable it (Settings → API Configuration), then send /link again.

link-ip-not-allowed =
    ⛔ OneClickDz refuses this key from this bot's server: the key's IP allow-list does not include it. Nothing was saved.
    Add the server's IP to the key's allowed IPs (or empty the list), then send /link again.

link-busy =
    ⏳ Too many key checks right now: to keep OneClickDz from blocking the bot, no key is checked before { $time }. Nothing was saved.
    Send /link again after that time.

link-too-many =
    ⏳ You have checked 3 keys in the last 15 minutes. Try again after { $time }.

link-unavailable = ⚠️ OneClickDz did not answer. Nothing was saved; send /link again in a few minutes.

link-taken = This OneClickDz account is already linked by someone else. Ask its owner for an invite.

link-owns-other =
    You already have a linked account (<code>{ $username }</code>, { $environment }).
    Send /unlink first to link another one.

link-key-rejected =
    ⚠️ OneClickDz rejected the key of your linked account <code>{ $username }</code> ({ $environment }).
    Calls with it are suspended. Check the key in your dashboard; if you made a new one, send /link with it.

unlink-done =
    Your OneClickDz key was removed (<code>{ $username }</code>).
    The account's orders are kept: link a key of the same account again to get them back.

unlink-none = You have no linked OneClickDz account.
## Staff and groups

invite-created =
    One-time invite link for a staff member (valid 24 hours, for one person):
    <code>{ $link }</code>
    Send it only to the person you want to add. Staff can look up and follow orders; re-sends stay off until you allow them in /staff.
button-invite-revoke = ✖️ Revoke this invite
button-invite-revoke-n = ✖️ Revoke invite { $index }
invite-revoked = The invite was revoked: the link no longer works.
invite-not-revocable = This invite can no longer be revoked (already used, expired or revoked).
invite-failed-unknown = This invite link is not valid. Ask the account's owner for a new one.
invite-failed-expired = This invite link has expired (links are valid 24 hours). Ask the account's owner for a new one.
invite-failed-used = This invite link was already used (each link is for one person). Ask the account's owner for a new one.
invite-failed-revoked = This invite link was revoked by the account's owner.
invite-own-account = You already own this account: you need no invite.
invite-joined =
    Welcome! You joined the account as staff.
    Send /status with an order's ref to follow it. Re-sending a top-up needs the owner's permission.
invite-already-staff = You are already staff of this account.
invite-used =
    { $name } joined your account as staff with your invite link.
    They can look up and follow orders; re-sends stay off until you allow them in /staff (where you can also remove them).
staff-owner-only = Only the account's owner can manage staff.
staff-none = No staff yet. Send /invite to make an invite link.
staff-header = Staff ({ $count }):
staff-line = { $index }. { $name } — can follow orders
staff-line-resend = { $index }. { $name } — can follow orders and re-send top-ups
staff-invites-open = Invites not used yet: { $count }
staff-hint = Removed staff stop receiving notifications at once. /invite makes a new link.
button-staff-remove = 🗑 Remove { $index }
button-staff-allow = ✅ Allow re-sends { $index }
button-staff-forbid = 🚫 Forbid re-sends { $index }
staff-removed = { $name } was removed.
staff-resend-allowed = { $name } may now re-send top-ups.
staff-resend-forbidden = { $name } may no longer re-send top-ups.
staff-stale = This member is no longer on your staff.
resend-not-allowed = Only the account's owner, or staff the owner allowed, can re-send a top-up.
group-not-linked =
    This group is not linked to a OneClickDz account, so the bot shows no orders here.
    The account's owner (a group administrator) links it by sending <code>/link@{ $bot }</code> here.
group-not-linked-short = This group is not linked to an account.
group-link-owner-only = Only the owner of a OneClickDz account linked to this bot can link a group.
group-link-admin-only = Only a group administrator can link the group.
group-linked-other = This group is already linked to another account. Its owner must unlink it first.
group-linked =
    This group is now the account's staff group: its members can follow orders with <code>/status@{ $bot } ref</code>. Only the owner and staff allowed to re-send can re-send top-ups.
    The owner ends it with <code>/unlink@{ $bot }</code>.
group-unlink-owner-only = Only the owner of the group's account can unlink it.
group-unlinked = This group is no longer linked: the bot shows no orders here. The owner can link it again with <code>/link@{ $bot }</code>.
group-anonymous-link =
    This command was posted as the group (an anonymous administrator) or as a channel, so the bot cannot tell who sent it.
    The account's owner presses the button below to link this group; it works once, for 10 minutes.
group-anonymous-unlink =
    This command was posted as the group (an anonymous administrator) or as a channel, so the bot cannot tell who sent it.
    The owner of the group's account presses the button below to unlink it; it works once, for 10 minutes.
group-claim-link-button = I am the owner: link this group
group-claim-unlink-button = I am the owner: unlink this group
group-claim-expired = This button has expired or was already used. Send the command again.

## /balance and /account

balance-loading = Asking OneClickDz for the balance…
balance-shown =
    Balance: <b>{ $amount }</b>
    As of { $time }.
balance-unavailable = OneClickDz did not answer. Try /balance again in a minute.
balance-key-problem = OneClickDz refuses this account's key right now, so the balance cannot be read. See /account.
balance-key-unlinked = This account's owner unlinked its OneClickDz key, so the balance cannot be read. The owner links one again with /link.
account-private-only = Use /balance and /account in a private chat with the bot.
account-role-owner = owner
account-role-staff = staff
account-role-member = member of the staff group
account-env-name = the bot's own account
account-staff-none = Staff: none yet (/invite makes an invite link).
account-staff = Staff ({ $count }): { $names } — manage them in /staff.
account-groups-none = Staff groups: none (add the bot to a group and send /link there).
account-groups = Staff groups ({ $count }): { $names }
account-resends-header = Last re-sends (past 24 hours):
account-resend-line = { $name }: { $offer } — { $amount } at { $time }
account-resend-line-withdrawn = { $name }: { $offer } — { $amount } at { $time } (not sent: re-send right withdrawn)
account-choose = You belong to several accounts. This chat acts for:
button-account-current = ✅ { $name }
button-account-act = { $name }
account-acting-now = This chat now acts for { $name }.
staff-stale-account = You no longer belong to this account.
account-env =
    Account: the bot's own OneClickDz account (set by its administrator).
    Your role: { $role }
account-linked =
    Account: <code>{ $username }</code>
    Environment: { $environment }
    Scope: { $scope }
    Your role: { $role }

## Command menu (setMyCommands)

command-status = Track a top-up order by its ref or id
command-language = Change the bot's language
command-pending = Orders not settled yet
command-unwatch = Stop notifications for an order
command-help = How to use the bot
command-link = Link your OneClickDz account (API key)
command-unlink = Remove your linked OneClickDz key
command-balance = Your OneClickDz account's balance
command-account = Which OneClickDz account this chat uses
command-invite = Invite a staff member (one-time link)
command-staff = Your staff: remove, allow or forbid re-sends
command-link-group = Link this group to your account (owner, administrator)
command-unlink-group = Unlink this group from its account (owner)

language-choose = Choose the bot's language in this chat:
language-set = The bot now speaks English in this chat.
language-name-ar = العربية
language-name-fr = Français
language-name-en = English

error-generic = Something went wrong and nothing was changed. Please try again.

## Durations (fragments placed inside a sentence, e.g. order-line-elapsed)

duration-seconds =
    { $n ->
        [0] less than a second
        [one] { $nText } second
       *[other] { $nText } seconds
    }
duration-minutes =
    { $n ->
        [0] less than a minute
        [one] { $nText } minute
       *[other] { $nText } minutes
    }
duration-hours =
    { $n ->
        [0] less than an hour
        [one] { $nText } hour
       *[other] { $nText } hours
    }
duration-days =
    { $n ->
        [0] less than a day
        [one] { $nText } day
       *[other] { $nText } days
    }
duration-pair = { $first } and { $second }

## Order status: headlines

order-headline-mobile-pending = ⏳ <b>Mobile top-up: waiting to be processed</b>
order-headline-mobile-processing = ⏳ <b>Mobile top-up: being processed</b>
order-headline-mobile-fulfilled = ✅ <b>Mobile top-up: delivered</b>
order-headline-mobile-refunded = ❌ <b>Mobile top-up: failed, refunded to your balance</b>
order-headline-mobile-verifying = ⚠️ <b>Mobile top-up: being verified by OneClickDz</b>
order-headline-mobile-queued = ⏰ <b>Mobile top-up: scheduled for later</b>
order-headline-mobile-unknown = ❔ <b>Mobile top-up: unknown status</b>
order-headline-internet-pending = ⏳ <b>Internet top-up: waiting to be processed</b>
order-headline-internet-processing = ⏳ <b>Internet top-up: being processed</b>
order-headline-internet-fulfilled = ✅ <b>Internet top-up: delivered</b>
order-headline-internet-refunded = ❌ <b>Internet top-up: failed, refunded to your balance</b>
order-headline-internet-verifying = ⚠️ <b>Internet top-up: being verified by OneClickDz</b>
order-headline-internet-queued = ⏰ <b>Internet top-up: scheduled for later</b>
order-headline-internet-unknown = ❔ <b>Internet top-up: unknown status</b>

## Order status: what the state means for the reseller

order-refunded-note = The top-up was not delivered and OneClickDz returned the amount to your balance. You can refund your customer.
order-verifying-note =
    OneClickDz is verifying this operation, usually within 1-24 h.
    <b>Do NOT refund your customer and do NOT resend the top-up yet</b>: it may have gone through. The bot will send you a new message when the result is known.
order-verifying-note-quiet =
    OneClickDz is verifying this operation, usually within 1-24 h.
    <b>Do NOT refund your customer and do NOT resend the top-up yet</b>: it may have gone through.
order-queued-note =
    This order is scheduled: OneClickDz will process it within 12-48 h.
    This is normal; the order is not cancelled. The bot will send you a new message once it is processed.
order-queued-note-quiet =
    This order is scheduled: OneClickDz will process it within 12-48 h.
    This is normal; the order is not cancelled.
order-unknown-status = OneClickDz returned a status the bot does not know: <code>{ $status }</code>
order-label-provider-message = Message from OneClickDz:
order-label-suggested-offers = Offers OneClickDz suggests for this number:
order-line-offer = Suggested offer: { $name } — <code>{ $plan }</code> — { $amount }

## Order status: fields

order-label-ref = Ref:
order-label-id = OneClickDz id:
order-label-follow-order = Linked order (follow-up), also followed by the bot:
order-label-retry-order = Linked order (retry), also followed by the bot:
order-line-number = Number: <code>{ $number }</code>
order-line-plan = Plan: { $plan }
order-line-type = Type: { $type }
order-line-amount = Amount: { $amount }
order-line-balance-amount = Taken from your balance: { $amount }
order-label-card-code = Card code (copy it for your customer):
order-line-num-trans = Transaction number: <code>{ $numTrans }</code>
order-line-processed-at = Processed at: { $date }

## Order status: tracking

order-line-elapsed = Created { $duration } ago
order-still-processing = Still being processed. The bot keeps checking and will send you a message when it resolves.
order-still-processing-quiet = Still being processed. The bot keeps checking it.
order-muted = 🔕 Notifications are off for this order in this chat: no new message will be sent when it resolves, but this message keeps updating.
order-tracking-stopped = The bot stopped checking this order automatically. Send /status with the ref to check it again.
order-expired-customer = What to tell your customer: the order is still being verified by OneClickDz. Do not refund and do not resend until OneClickDz confirms the outcome.
order-expired-support = Ask OneClickDz support to settle this order, giving the ref and id above and its creation time: { $created }

## Long tail: buttons, /pending, /unwatch

button-mute = 🔕 Stop notifications
mute-done = You will get no more notifications about this order in this chat.
mute-already = Notifications for this order were already stopped in this chat.
mute-settled = This order is already settled: there are no more notifications to stop.
mute-stale = This button is no longer valid.
unwatch-usage =
    Put the order's ref or id after the command, for example:
    <code>/unwatch order-123</code>
unwatch-done =
    Notifications stopped for this order in this chat:
    <code>{ $query }</code>
unwatch-already =
    Notifications for this order were already stopped in this chat:
    <code>{ $query }</code>
unwatch-settled =
    This order is already settled: there are no more notifications to stop.
    <code>{ $query }</code>
unwatch-not-found =
    This chat follows no order with this ref:
    <code>{ $query }</code>
pending-empty = No orders are being followed in this chat.
pending-header = Orders not settled yet ({ $count }):
pending-searching = Looking up the order
pending-age = Created { $age } ago
pending-next-check = Next check: { $time }
pending-muted = 🔕 Notifications off in this chat (the status message still updates)

order-line-last-checked = Last checked: { $time }
order-provider-parked = Tracking is paused: OneClickDz is refusing this account (its key was rejected or access is blocked), or its owner unlinked its key, so this status may be out of date. Once the owner links a working key with /link (or the bot administrator fixes it, for the bot's own account), tracking resumes by itself.
order-provider-trouble = Could not reach OneClickDz at the last check, so this status may be out of date. Retrying automatically.

## Suggested offers: buttons, confirmation, re-send

button-offer = { $name } — { $amount }
button-offer-prev = ◀️ Previous
button-offer-next = Next ▶️
button-confirm = ✅ Confirm sending
button-cancel = ✖️ Cancel
button-other-amount = ✏️ Other amount
offer-confirm =
    <b>Confirm sending the suggested offer</b>
    Number: <code>{ $number }</code>
    Offer: { $name }
    Offer code: <code>{ $plan }</code>
    Amount: { $amount }
    Your balance now: { $balance }
    Press "Confirm sending" to send this top-up exactly once.
offer-loading = loading…
offer-balance-unknown = not available right now
offer-read-only = This account's API key is read-only (READ-ONLY), so the bot cannot send any top-up. Ask the administrator for a READ-WRITE key.
offer-expired = This offer has expired or is not valid. Send /status again to see the current offers.
offer-foreign = This offer does not belong to your account.
offer-sending = Sending the top-up…
offer-cancelled = Cancelled: no top-up was sent from this confirmation.
offer-cannot-cancel = This offer is already being sent: it can no longer be cancelled. The message shows the outcome.
offer-cannot-cancel-sent = This offer was already sent: it can no longer be cancelled. Follow its status in its message.
offer-answer-sent = This offer was already sent: it will not be sent a second time.
offer-answer-sending = This offer is already being sent: its message will show the outcome.
offer-answer-was-cancelled = This confirmation was cancelled and nothing was sent from it. Press the offer again to send it.
offer-answer-was-refused = OneClickDz refused this send (the message says why). Press the offer again to try again.
offer-answer-was-withdrawn = This confirmation was not sent: the re-send right of whoever confirmed it was withdrawn. Someone allowed to re-send can press the offer again.
offer-sent-here =
    This offer was already sent and will not be sent a second time. Another message in this chat shows its live status; /status with this ref shows it too:
    <code>{ $ref }</code>
offer-sending-here =
    This offer is already being sent from another message in this chat, which will show the outcome.
    <code>{ $ref }</code>
offer-sent-reply = This offer was already sent and will not be sent a second time. The message this replies to shows its live status.
offer-sending-reply = This offer is already being sent: the message this replies to will show the outcome.
offer-sent-loading =
    This offer was already sent and will not be sent a second time. This message will show its live status in a moment.
    <code>{ $ref }</code>
offer-insufficient-balance =
    OneClickDz refused the top-up because your balance is not enough: no order was created.
    Required: { $required }
    Available: { $available }
offer-invalid = OneClickDz refused the order because a field is not valid: <code>{ $field }</code>. No order was created.
offer-key-rejected = OneClickDz rejected this account's API key, so it took no order. Please tell the account's owner (or the bot administrator, for the bot's own account).
offer-key-unlinked =
    Nothing was sent: this account's owner unlinked its OneClickDz key. Once they link a key again with /link, send /status with this ref for a new offer:
    <code>{ $ref }</code>
offer-withdrawn = Not sent: your re-send right was withdrawn before the top-up went out. No top-up was sent from this confirmation, and it will not be sent later.
offer-withdrawn-other = Not sent: the person who confirmed this no longer has the right to re-send on this account. No top-up was sent from this confirmation, and it will not be sent later.
offer-key-wait =
    Nothing was sent. To keep OneClickDz from blocking the bot, this account's key must be checked before it is used (a OneClickDz key was refused in the last few minutes, or this key is not checked yet), and that check cannot be made before { $time }. From then on, “Confirm sending” below sends it (once, with this ref):
    <code>{ $ref }</code>
offer-forbidden =
    OneClickDz refused the send with the code <code>{ $code }</code>. Check with /status and this ref before sending it again:
    <code>{ $ref }</code>
offer-uncertain =
    <b>Not confirmed yet.</b> OneClickDz did not answer the send clearly, and the order may still appear.
    Do not send this top-up again elsewhere. The bot keeps checking by its ref, at least until { $time }, and will update this message.
    <code>{ $ref }</code>
offer-not-created =
    OneClickDz still does not know this ref after { $duration } of checks: the order was not created.
    You can press "Confirm sending" to send it again safely: the same ref prevents a double charge.
    <code>{ $ref }</code>
amount-ask =
    Reply to this message with the amount you want for the offer { $name }, between { $min } and { $max }.
    To cancel, send /cancel
amount-ask-asker = This question is for { $user }: only their answer counts.
amount-placeholder = Amount in DZD, between { $min } and { $max }
amount-not-number = Your reply contains no amount. Write it in digits, between { $min } and { $max }.
amount-not-whole = Amounts are whole dinars. Send a whole number between { $min } and { $max }.
amount-too-low = That amount is below this offer's minimum, { $min }.
amount-too-high = That amount is above this offer's maximum, { $max }.
amount-try-again = Reply to this message with another amount, or send /cancel to cancel.
amount-fixed = This offer has a fixed amount that cannot be changed.
amount-gave-up = The amount question was closed after three invalid answers; nothing was sent. Press "Other amount" again to retry.
amount-cancelled = Amount question cancelled; nothing was sent.
amount-cancelled-by-command = Amount question cancelled because you sent another command; nothing was sent. Press "Other amount" again whenever you like.
cancel-nothing = There is no open question to cancel.
amount-plans-loading = The offer's plan list is being loaded from OneClickDz. Press "Other amount" again in a moment.
