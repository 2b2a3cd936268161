use super::WebsitesPage;
use crate::actions;
use crate::net::{self, format_when};
use crate::push::{self, PushState};
use crate::store::{Page, use_inbox};
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{Invitation, NotificationSettings, Retention, StaffRole, TeamMember};

/// The top bar's way to settings: websites for owners and admins (with how many origins
/// were refused), the member's own profile for agents.
#[component]
pub fn SettingsButton() -> impl IntoView {
    let inbox = use_inbox();
    let refused = Memo::new(move |_| {
        inbox.websites.with(|w| {
            w.iter()
                .flatten()
                .map(|a| a.refused_origins.len())
                .sum::<usize>()
        })
    });
    let open = move |_| {
        let page = if inbox.manages_websites() {
            Page::Websites
        } else {
            Page::Profile
        };
        actions::open_page(inbox, page);
    };
    let on_settings = move || inbox.page.get() != Page::Conversations;
    view! {
        <button type="button" class="link" on:click=open aria-pressed=move || on_settings().to_string()>
            {move || if inbox.manages_websites() { "Settings" } else { "My profile" }}
            {move || {
                let n = refused.get();
                (n > 0)
                    .then(|| {
                        view! {
                            <span class="count" title="Refused origins">
                                {n}
                                <span class="visually-hidden">" refused origins"</span>
                            </span>
                        }
                    })
            }}
        </button>
    }
}

/// Settings: a tab per page (websites and team for owners and admins; everyone's own
/// profile), each at its own address.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let inbox = use_inbox();
    let tab = move |page: Page, label: &'static str| {
        view! {
            <a
                href=page.path()
                class="tab"
                aria-current=move || (inbox.page.get() == page).then_some("page")
                on:click=move |ev| {
                    ev.prevent_default();
                    actions::open_page(inbox, page);
                }
            >
                {label}
            </a>
        }
    };
    view! {
        <div class="settings">
            <nav class="tabs" aria-label="Settings">
                <Show when=move || inbox.manages_websites()>
                    {tab(Page::Websites, "Websites")}
                    {tab(Page::Team, "Team")}
                    {tab(Page::Integrations, "Integrations")}
                </Show>
                {tab(Page::Profile, "My profile")}
                <span class="spacer"></span>
                <a
                    href=Page::Conversations.path()
                    class="link"
                    on:click=move |ev| {
                        ev.prevent_default();
                        actions::open_page(inbox, Page::Conversations);
                    }
                >
                    "Back to conversations"
                </a>
            </nav>
            {move || match inbox.page.get() {
                Page::Websites => view! { <WebsitesPage /> }.into_any(),
                Page::Team => view! { <TeamPage /> }.into_any(),
                Page::Integrations => view! { <super::integrations::IntegrationsPage /> }.into_any(),
                _ => view! { <ProfilePage /> }.into_any(),
            }}
        </div>
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "owner" => "Owner",
        "admin" => "Admin",
        _ => "Agent",
    }
}

pub(super) fn role_of(value: &str) -> StaffRole {
    match value {
        "owner" => StaffRole::Owner,
        "admin" => StaffRole::Admin,
        _ => StaffRole::Agent,
    }
}

/// The team: invite someone (the one-time link to send them), and each member with
/// their role and when their inbox was last open; change a role, remove a member.
#[component]
fn TeamPage() -> impl IntoView {
    let inbox = use_inbox();
    view! {
        <section class="websites" aria-labelledby="team-title">
            <h2 id="team-title">"Team"</h2>
            <Mail />
            <Invite />
            <super::canned::CannedReplies />
            <RetentionForm />
            {move || match inbox.team.get() {
                None => view! { <p class="muted" role="status">"Loading the team…"</p> }.into_any(),
                Some(members) => view! {
                    <ul class="members" aria-label="Members">
                        {members.into_iter().map(|member| view! { <Member member /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <p class="muted">
                "Owners can do everything, including managing other owners. Admins manage websites and the team (except owners). Agents answer conversations."
            </p>
        </section>
    }
}

/// How long conversations are kept after their last activity: for ever, or a number
/// of days (owners and admins change it; everyone sees it).
#[component]
fn RetentionForm() -> impl IntoView {
    let inbox = use_inbox();
    // The box's text: empty keeps conversations for ever.
    let days = RwSignal::new(String::new());
    let loaded = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<String, String>>);
    spawn_local(async move {
        match actions::retention(inbox).await {
            Ok(r) => {
                days.set(r.retention_days.map(|d| d.to_string()).unwrap_or_default());
                loaded.set(true);
            }
            Err(e) => status.set(Some(Err(e))),
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = days.get_untracked();
        let wanted = match text.trim() {
            "" => None,
            n => match n.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    status.set(Some(Err(
                        "Enter a number of days, or leave it empty.".into()
                    )));
                    return;
                }
            },
        };
        status.set(None);
        spawn_local(async move {
            let outcome = actions::set_retention(
                inbox,
                Retention {
                    retention_days: wanted,
                },
            )
            .await;
            status.set(Some(outcome.map(|r| match r.retention_days {
                Some(d) => {
                    format!("Saved: conversations quiet for {d} days are deleted, within the hour.")
                }
                None => "Saved: conversations are kept for ever.".to_owned(),
            })));
        });
    };
    view! {
        <form class="website retention" on:submit=save>
            <h3>"Data retention"</h3>
            <p class="muted">
                "Conversations with no activity for this many days are deleted for good, with their messages and notes (and the visitor, when it was their last). Empty: keep them for ever."
            </p>
            <label for="retention-days">"Delete after (days)"</label>
            <div class="inline">
                <input
                    id="retention-days"
                    type="number"
                    min="1"
                    max="3650"
                    inputmode="numeric"
                    placeholder="Keep for ever"
                    bind:value=days
                    disabled=move || !loaded.get() || !inbox.manages_websites()
                />
                <Show when=move || inbox.manages_websites()>
                    <button type="submit" class="primary small" disabled=move || !loaded.get()>"Save"</button>
                </Show>
            </div>
            {move || status.get().map(|s| match s {
                Ok(m) => view! { <p class="muted" role="status">{m}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </form>
    }
}

/// Whether the server sends email (invitations are then emailed), a test email
/// whose failure shows the SMTP server's own words, and the emails that failed.
#[component]
fn Mail() -> impl IntoView {
    let inbox = use_inbox();
    let status = LocalResource::new(move || actions::mail_status(inbox));
    let failures = LocalResource::new(move || actions::mail_failures(inbox));
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<(), String>>);
    let test = move |_| {
        busy.set(true);
        result.set(None);
        spawn_local(async move {
            let sent = actions::send_test_email(inbox).await;
            busy.set(false);
            result.set(Some(sent));
        });
    };
    let me = inbox
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.staff.email.clone()))
        .unwrap_or_default();
    view! {
        <div class="website">
            <h3>"Email"</h3>
            {move || match status.get() {
                None => view! { <p class="muted" role="status">"Checking email…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(s)) if !s.enabled => view! {
                    <p class="muted">
                        "Email is off: invitation links are shown here for you to send. To have Natter send email, start it with NATTER_SMTP_URL and NATTER_MAIL_FROM (see the README)."
                    </p>
                }.into_any(),
                Some(Ok(s)) => {
                    let me = me.clone();
                    view! {
                        <p class="muted">{format!("Email is on, sent as {}. Natter emails invitations, alerts about chats nobody answered while the team was away, and replies to visitors who left their email and did not see them.", s.from.unwrap_or_default())}</p>
                        <div class="actions">
                            <button type="button" class="primary" disabled=move || busy.get() on:click=test>
                                {move || if busy.get() { "Sending…" } else { "Send a test email" }}
                            </button>
                            {move || match result.get() {
                                Some(Ok(())) => view! { <span class="ok" role="status">{format!("Sent to {me}.")}</span> }.into_any(),
                                Some(Err(e)) => view! { <p class="error" role="alert">{format!("The mail server said: {e}")}</p> }.into_any(),
                                None => ().into_any(),
                            }}
                        </div>
                        {move || failures.get().map(|list| match list {
                            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                            Ok(list) if list.failures.is_empty() => view! {
                                <p class="muted">"Every email so far was sent."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <h4>"Emails that could not be sent"</h4>
                                <ul class="failures">
                                    {list.failures.into_iter().map(|f| {
                                        let what = match f.kind.as_str() {
                                            "staff_alert" => "Alert to the team about an unanswered chat",
                                            "visitor_email" => "Replies emailed to a visitor",
                                            "assignment_alert" => "A conversation assigned to a member",
                                            _ => "Email",
                                        };
                                        let state = if f.given_up {
                                            format!("gave up after {} attempts", f.attempts)
                                        } else {
                                            format!("{} attempts so far; retrying", f.attempts)
                                        };
                                        view! {
                                            <li>
                                                <strong>{what}</strong>
                                                <span class="muted">{format!(" · {} · {state}", format_when(f.created_at, false))}</span>
                                                <code>{f.error}</code>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                        })}
                    }.into_any()
                }
            }}
        </div>
    }
}

/// Invite by email: shows the one-time link (valid 7 days) to copy and send.
#[component]
fn Invite() -> impl IntoView {
    let inbox = use_inbox();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("agent".to_owned());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let made = RwSignal::new(None::<(String, Invitation)>);
    let copied = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        copied.set(false);
        let address = email.get_untracked();
        spawn_local(async move {
            let result =
                actions::invite(inbox, address.clone(), role_of(&role.get_untracked())).await;
            busy.set(false);
            match result {
                Ok(invitation) => {
                    made.set(Some((address.trim().to_owned(), invitation)));
                    email.set(String::new());
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    view! {
        <form class="website" on:submit=submit>
            <h3>"Invite someone"</h3>
            <div class="fields">
                <label>
                    "Email address"
                    <input type="email" required maxlength="254" autocomplete="off" bind:value=email />
                </label>
                <label>
                    "Role"
                    <select on:change=move |ev| role.set(event_target_value(&ev)) prop:value=move || role.get()>
                        <option value="agent">"Agent"</option>
                        <option value="admin">"Admin"</option>
                        <Show when=move || inbox.is_owner()>
                            <option value="owner">"Owner"</option>
                        </Show>
                    </select>
                </label>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Inviting…" } else { "Create invitation link" }}
            </button>
            {move || made.get().map(|(address, invitation)| {
                let url = invitation.invitation_url.clone();
                view! {
                    <div class="invitation" role="status">
                        {invitation.email_error.clone().map(|e| view! { <p class="error">{format!("It could not be emailed: {e}")}</p> })}
                        <p>{format!(
                            "{} It works once, until {}.",
                            if invitation.emailed { format!("Emailed to {address}; you can also send this link.") } else { format!("Send this link to {address}.") },
                            format_when(invitation.expires_at, false),
                        )}</p>
                        <div class="inline">
                            <input type="text" readonly aria-label="Invitation link" prop:value=invitation.invitation_url.clone() />
                            <button type="button" class="primary small" on:click=move |_| { net::copy(&url); copied.set(true); }>"Copy link"</button>
                        </div>
                        <span class="muted">{move || copied.get().then_some("Copied.")}</span>
                    </div>
                }
            })}
        </form>
    }
}

/// One member: name, email, role (a picker for those who may change it), last seen,
/// and "Remove".
#[component]
fn Member(
    /// The member as listed.
    member: TeamMember,
) -> impl IntoView {
    let inbox = use_inbox();
    let TeamMember {
        member,
        last_seen_at,
    } = member;
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let me = inbox.my_id().as_deref() == Some(member.id.as_str());
    let is_owner = member.role == "owner";
    // Only an owner changes or removes an owner; nobody removes themselves here.
    let may_change = move || inbox.manages_websites() && (!is_owner || inbox.is_owner());
    let change_role = {
        let id = member.id.clone();
        move |ev: leptos::ev::Event| {
            let role = role_of(&event_target_value(&ev));
            let id = id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                if let Err(message) = actions::set_role(inbox, id, role).await {
                    error.set(Some(message));
                    actions::load_team(inbox);
                }
                busy.set(false);
            });
        }
    };
    let remove = {
        let (id, name) = (member.id.clone(), member.name.clone());
        move |_| {
            if !net::confirm(&format!(
                "Remove {name} from the team? Their inbox closes at once."
            )) {
                return;
            }
            let id = id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                if let Err(message) = actions::remove_member(inbox, id).await {
                    error.set(Some(message));
                    busy.set(false);
                }
            });
        }
    };
    let seen = match last_seen_at {
        Some(at) => format!("Last seen {}", format_when(at, false)),
        None => "Has not opened the inbox yet".to_owned(),
    };
    let role_label_text = format!("Role of {}", member.name);
    let remove_label = format!("Remove {}", member.name);
    let role = member.role.clone();
    view! {
        <li class="member">
            <div class="member-who">
                <strong>{member.name.clone()}{me.then_some(" (you)")}</strong>
                <span class="muted">{member.email.clone()}</span>
                <span class="muted">{seen}</span>
            </div>
            {if may_change() && !me {
                view! {
                    <select aria-label=role_label_text disabled=move || busy.get() on:change=change_role>
                        {["agent", "admin", "owner"].into_iter()
                            .filter(|r| *r != "owner" || inbox.is_owner() || role == "owner")
                            .map(|r| view! { <option value=r selected=r == role>{role_label(r)}</option> })
                            .collect_view()}
                    </select>
                    <button type="button" class="link danger" aria-label=remove_label disabled=move || busy.get() on:click=remove>
                        "Remove"
                    </button>
                }.into_any()
            } else {
                view! { <span class="role">{role_label(&member.role)}</span> }.into_any()
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </li>
    }
}

/// The member's own name and password, and signing out of every browser.
#[component]
fn ProfilePage() -> impl IntoView {
    let inbox = use_inbox();
    let current_name = inbox
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.staff.name.clone()))
        .unwrap_or_default();
    let email = inbox
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.staff.email.clone()))
        .unwrap_or_default();
    let name = RwSignal::new(current_name);
    let name_status = RwSignal::new(None::<Result<&'static str, String>>);
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        name_status.set(None);
        spawn_local(async move {
            let done = actions::rename_me(inbox, name.get_untracked()).await;
            name_status.set(Some(done.map(|()| "Saved.")));
        });
    };
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let password_status = RwSignal::new(None::<Result<&'static str, String>>);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        password_status.set(None);
        spawn_local(async move {
            let done =
                actions::change_password(inbox, current.get_untracked(), new.get_untracked()).await;
            if done.is_ok() {
                current.set(String::new());
                new.set(String::new());
            }
            password_status.set(Some(
                done.map(|()| "Password changed. Your other browsers were signed out."),
            ));
        });
    };
    let everywhere_error = RwSignal::new(None::<String>);
    let everywhere = move |_| {
        spawn_local(async move {
            if let Err(message) = actions::sign_out_everywhere(inbox).await {
                everywhere_error.set(Some(message));
            }
        });
    };
    view! {
        <section class="websites" aria-labelledby="profile-title">
            <h2 id="profile-title">"My profile"</h2>
            <form class="website" on:submit=rename>
                <h3>"Name"</h3>
                <p class="muted">{format!("Signed in as {email}. Visitors see your name beside your replies.")}</p>
                <label for="me-name">"Your name"</label>
                <input id="me-name" type="text" required maxlength="120" autocomplete="name" bind:value=name />
                <div class="actions">
                    <button type="submit" class="primary">"Save name"</button>
                    <SaveStatus status=name_status />
                </div>
            </form>
            <Alerts />
            <form class="website" on:submit=change>
                <h3>"Password"</h3>
                <label for="me-current">"Current password"</label>
                <input id="me-current" type="password" required autocomplete="current-password" bind:value=current />
                <label for="me-new">"New password (at least 8 characters)"</label>
                <input id="me-new" type="password" required minlength="8" maxlength="256" autocomplete="new-password" bind:value=new />
                <div class="actions">
                    <button type="submit" class="primary">"Change password"</button>
                    <SaveStatus status=password_status />
                </div>
            </form>
            <div class="website">
                <h3>"Sign out everywhere"</h3>
                <p class="muted">"Ends every session of yours, in every browser, this one too."</p>
                <button type="button" class="primary" on:click=everywhere>"Sign out everywhere"</button>
                {move || everywhere_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
        </section>
    }
}

/// Which alert emails reach the member: they go out only while nobody of the team is
/// available.
#[component]
fn Alerts() -> impl IntoView {
    let inbox = use_inbox();
    let loaded = LocalResource::new(move || actions::notifications(inbox));
    let new_conversation = RwSignal::new(true);
    let unanswered = RwSignal::new(true);
    let browsers = RwSignal::new(true);
    let assignment = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(s)) = loaded.get() {
            new_conversation.set(s.email_new_conversation);
            unanswered.set(s.email_unanswered);
            assignment.set(s.email_assignment);
            browsers.set(s.push);
        }
    });
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        let wanted = NotificationSettings {
            email_new_conversation: new_conversation.get_untracked(),
            email_unanswered: unanswered.get_untracked(),
            email_assignment: assignment.get_untracked(),
            push: browsers.get_untracked(),
        };
        spawn_local(async move {
            let done = actions::set_notifications(inbox, wanted).await;
            status.set(Some(done.map(|()| "Saved.")));
        });
    };
    let sound = RwSignal::new(net::sound_on());
    view! {
        <div class="website">
            <h3>"Sound"</h3>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=sound
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        net::set_sound(on);
                        sound.set(on);
                    }
                />
                "Play a sound for a visitor's message while this tab is in the background"
            </label>
            <p class="muted">"Kept in this browser. The tab's title counts unread messages either way."</p>
        </div>
        <BrowserNotifications />
        <form class="website" on:submit=save>
            <h3>"Alerts while nobody is available"</h3>
            <p class="muted">"Sent while nobody of your team has the inbox open and is available. Emails go out when email is on."</p>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(_)) => view! {
                    <label class="check"><input type="checkbox" bind:checked=browsers />"Notify my browsers of each new conversation and visitor message"</label>
                    <label class="check"><input type="checkbox" bind:checked=new_conversation />"Email me about a new conversation nobody answered"</label>
                    <label class="check"><input type="checkbox" bind:checked=unanswered />"Email me when a visitor writes again and nobody answered"</label>
                    <label class="check"><input type="checkbox" bind:checked=assignment />"Email me when someone assigns me a conversation (whoever is online)"</label>
                    <div class="actions">
                        <button type="submit" class="primary">"Save alerts"</button>
                        <SaveStatus status />
                    </div>
                }.into_any(),
            }}
        </form>
    }
}

/// This browser's notifications: on or off here, or why they cannot be.
#[component]
fn BrowserNotifications() -> impl IntoView {
    let inbox = use_inbox();
    let state = RwSignal::new(None::<PushState>);
    let refresh = move || spawn_local(async move { state.set(Some(push::state().await)) });
    refresh();
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let change = move |on: bool| {
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let done = if on {
                actions::enable_push(inbox).await
            } else {
                actions::disable_push(inbox).await
            };
            status.set(Some(done.map(|()| {
                if on {
                    "Notifications are on in this browser."
                } else {
                    "Notifications are off in this browser."
                }
            })));
            busy.set(false);
            refresh();
        });
    };
    view! {
        <div class="website">
            <h3>"Notifications in this browser"</h3>
            {move || match state.get() {
                None => view! { <p class="muted" role="status">"Checking this browser…"</p> }.into_any(),
                Some(PushState::Unsupported) => view! {
                    <p class="muted">"This browser cannot receive notifications from the inbox here: it needs a browser with web push, and the inbox on https."</p>
                }.into_any(),
                Some(PushState::Blocked) => view! {
                    <p class="muted">"Notifications are blocked for this site. Allow them in the browser's site settings, then reload."</p>
                }.into_any(),
                Some(PushState::On) => view! {
                    <p class="muted">"On: this browser shows a notification for each new conversation and visitor message while nobody is looking, even with the inbox closed. Clicking one opens the conversation."</p>
                    <div class="actions">
                        <button type="button" class="secondary" disabled=busy on:click=move |_| change(false)>"Turn off in this browser"</button>
                    </div>
                }.into_any(),
                Some(PushState::Off) => view! {
                    <p class="muted">"Off. Turn them on to hear about new chats while the inbox is closed."</p>
                    <div class="actions">
                        <button type="button" class="primary" disabled=busy on:click=move |_| change(true)>"Turn on in this browser"</button>
                    </div>
                }.into_any(),
            }}
            <SaveStatus status />
        </div>
    }
}

/// What became of a save: a short confirmation, or the server's reason in an alert.
#[component]
pub(super) fn SaveStatus(
    /// `None` until the first save ends.
    status: RwSignal<Option<Result<&'static str, String>>>,
) -> impl IntoView {
    move || match status.get() {
        Some(Ok(text)) => view! { <span class="ok" role="status">{text}</span> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        None => ().into_any(),
    }
}
