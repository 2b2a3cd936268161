//! Every string the widget shows, in one place. English and Vietnamese ship; the locale comes
//! from `data-locale` on the script tag, else the page's `lang`, else the browser.

/// The widget's text in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct Strings {
    pub title_fallback: &'static str,
    pub close: &'static str,
    pub online: &'static str,
    pub away: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub optional: &'static str,
    pub first_message: &'static str,
    pub start: &'static str,
    pub starting: &'static str,
    pub name_error: &'static str,
    pub email_error: &'static str,
    pub phone_error: &'static str,
    pub text_error: &'static str,
    pub composer: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub failed: &'static str,
    pub retry: &'static str,
    pub you: &'static str,
    pub typing: &'static str,
    pub messages: &'static str,
    pub reconnecting: &'static str,
    pub offline: &'static str,
    pub new_conversation: &'static str,
    pub resolved: &'static str,
    pub jump_to_latest: &'static str,
    pub lead_failed: &'static str,
    /// Under a message that waits for the connection; it goes by itself.
    pub queued: &'static str,
    /// Under the visitor's last message that staff have read.
    pub seen: &'static str,
    /// Shown in place of a deleted message.
    pub deleted: &'static str,
    /// The composer's button that picks files.
    pub attach: &'static str,
    /// Under a file being uploaded (the send button waits for it).
    pub uploading: &'static str,
    /// The button that cancels an upload or takes a file back: "{name}" is the file's.
    pub remove_file: &'static str,
    /// A file that could not be uploaded: the server's reason follows.
    pub upload_failed: &'static str,
    /// Sending while a file still uploads.
    pub wait_uploads: &'static str,
    pub today: &'static str,
    pub yesterday: &'static str,
    /// The header's menu button.
    pub more: &'static str,
    /// Beside the composer near the length limit: "{n}" is how many characters are left.
    pub chars_left: &'static str,
    /// Beside the composer past the length limit: "{n}" is how many characters too many.
    pub chars_over: &'static str,
    pub loading: &'static str,
    /// The header when staff are online and the reply time is known: "{t}" is a bucket below.
    pub online_replies: &'static str,
    /// The header when staff are away and the reply time is known.
    pub away_replies: &'static str,
    /// How fast staff usually reply: up to 5 minutes, an hour, 4 hours, a day, more.
    pub reply_buckets: [&'static str; 5],
    /// Read before the team's names in the header.
    pub team: &'static str,
    /// Instead of the lead form on a website that chats only with its signed-in users.
    pub sign_in_to_chat: &'static str,
    /// Above the lead form while nobody can answer: the email becomes required.
    pub away_email: &'static str,
    /// Above a verified contact's earlier conversations.
    pub your_conversations: &'static str,
    /// A conversation of theirs with no message yet.
    pub no_messages: &'static str,
    /// The menu item, and the form's title, for a transcript by email.
    pub email_transcript: &'static str,
    /// "{email}" is where it goes.
    pub transcript_sent: &'static str,
    pub transcript_failed: &'static str,
    pub cancel: &'static str,
}

pub const EN: Strings = Strings {
    sign_in_to_chat: "Sign in on this website to chat with us.",
    away_email: "We're away right now. Leave your email and we'll reply by email.",
    your_conversations: "Your conversations",
    no_messages: "No messages yet",
    email_transcript: "Email me this conversation",
    transcript_sent: "On its way to {email}.",
    transcript_failed: "It could not be sent. Please check the address and try again.",
    cancel: "Cancel",
    title_fallback: "Chat with us",
    close: "Close chat",
    online: "We're online",
    away: "We'll reply as soon as we can",
    name: "Name",
    email: "Email",
    phone: "Phone",
    optional: "optional",
    first_message: "How can we help?",
    start: "Start chat",
    starting: "Starting…",
    name_error: "Please enter your name.",
    email_error: "Please enter a valid email, like ana@example.com.",
    phone_error: "Please enter a valid phone number, like +1 555 0100.",
    text_error: "Messages can be up to 4000 characters.",
    composer: "Write a message",
    send: "Send",
    sending: "Sending…",
    failed: "Not sent.",
    retry: "Retry",
    you: "You",
    typing: "is typing…",
    messages: "Messages",
    reconnecting: "Reconnecting…",
    offline: "You're offline. Messages wait and send when you're back.",
    new_conversation: "Start a new conversation",
    resolved: "This conversation was closed.",
    jump_to_latest: "New messages ↓",
    lead_failed: "Couldn't start the chat. Please try again.",
    queued: "Waiting for connection…",
    seen: "Seen",
    deleted: "Message deleted",
    attach: "Attach files",
    uploading: "Uploading…",
    remove_file: "Remove {name}",
    upload_failed: "Couldn't upload.",
    wait_uploads: "Wait for the files to finish uploading.",
    today: "Today",
    yesterday: "Yesterday",
    more: "More options",
    chars_left: "{n} characters left",
    chars_over: "{n} characters too many",
    loading: "Loading…",
    online_replies: "We're online · usually reply {t}",
    away_replies: "We usually reply {t}",
    reply_buckets: [
        "in a few minutes",
        "in under an hour",
        "in a few hours",
        "within a day",
        "in a few days",
    ],
    team: "You're talking to",
};

pub const VI: Strings = Strings {
    sign_in_to_chat: "Hãy đăng nhập trên trang web này để trò chuyện với chúng tôi.",
    away_email: "Hiện chúng tôi vắng mặt. Hãy để lại email, chúng tôi sẽ trả lời qua email.",
    your_conversations: "Các cuộc trò chuyện của bạn",
    no_messages: "Chưa có tin nhắn",
    email_transcript: "Gửi cuộc trò chuyện này qua email",
    transcript_sent: "Đang gửi đến {email}.",
    transcript_failed: "Không gửi được. Vui lòng kiểm tra địa chỉ và thử lại.",
    cancel: "Huỷ",
    title_fallback: "Trò chuyện với chúng tôi",
    close: "Đóng cửa sổ chat",
    online: "Chúng tôi đang trực tuyến",
    away: "Chúng tôi sẽ trả lời sớm nhất có thể",
    name: "Tên",
    email: "Email",
    phone: "Số điện thoại",
    optional: "không bắt buộc",
    first_message: "Chúng tôi có thể giúp gì cho bạn?",
    start: "Bắt đầu trò chuyện",
    starting: "Đang bắt đầu…",
    name_error: "Vui lòng nhập tên của bạn.",
    email_error: "Vui lòng nhập email hợp lệ, ví dụ ana@example.com.",
    phone_error: "Vui lòng nhập số điện thoại hợp lệ, ví dụ 0912 345 678.",
    text_error: "Tin nhắn tối đa 4000 ký tự.",
    composer: "Nhập tin nhắn",
    send: "Gửi",
    sending: "Đang gửi…",
    failed: "Chưa gửi được.",
    retry: "Thử lại",
    you: "Bạn",
    typing: "đang nhập…",
    messages: "Tin nhắn",
    reconnecting: "Đang kết nối lại…",
    offline: "Bạn đang ngoại tuyến. Tin nhắn sẽ chờ và tự gửi khi có mạng.",
    new_conversation: "Bắt đầu cuộc trò chuyện mới",
    resolved: "Cuộc trò chuyện này đã kết thúc.",
    jump_to_latest: "Tin nhắn mới ↓",
    lead_failed: "Không thể bắt đầu trò chuyện. Vui lòng thử lại.",
    queued: "Đang chờ kết nối…",
    seen: "Đã xem",
    deleted: "Tin nhắn đã bị xoá",
    attach: "Đính kèm tệp",
    uploading: "Đang tải lên…",
    remove_file: "Bỏ {name}",
    upload_failed: "Không tải lên được.",
    wait_uploads: "Vui lòng đợi tệp tải lên xong.",
    today: "Hôm nay",
    yesterday: "Hôm qua",
    more: "Tùy chọn khác",
    chars_left: "Còn {n} ký tự",
    chars_over: "Dư {n} ký tự",
    loading: "Đang tải…",
    online_replies: "Chúng tôi đang trực tuyến · thường trả lời {t}",
    away_replies: "Chúng tôi thường trả lời {t}",
    reply_buckets: [
        "trong vài phút",
        "trong vòng một giờ",
        "trong vài giờ",
        "trong vòng một ngày",
        "trong vài ngày",
    ],
    team: "Bạn đang trò chuyện với",
};

/// How fast staff usually reply, in the visitor's words.
pub fn reply_bucket(t: &Strings, secs: u64) -> &'static str {
    let limits = [5 * 60, 60 * 60, 4 * 60 * 60, 24 * 60 * 60];
    let bucket = limits
        .iter()
        .position(|l| secs <= *l)
        .unwrap_or(limits.len());
    t.reply_buckets[bucket]
}

/// The strings for a BCP 47 tag such as `vi`, `vi-VN` or `en-GB`; English by default.
pub fn strings(locale: &str) -> &'static Strings {
    let lang = locale.split(['-', '_']).next().unwrap_or_default();
    if lang.eq_ignore_ascii_case("vi") {
        &VI
    } else {
        &EN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_times_fall_in_buckets() {
        let cases = [
            (0, "in a few minutes"),
            (300, "in a few minutes"),
            (301, "in under an hour"),
            (3_600, "in under an hour"),
            (3 * 3_600, "in a few hours"),
            (20 * 3_600, "within a day"),
            (3 * 86_400, "in a few days"),
        ];
        for (secs, want) in cases {
            assert_eq!(reply_bucket(&EN, secs), want, "{secs} s");
        }
    }

    #[test]
    fn picks_the_language_by_its_primary_subtag() {
        assert_eq!(strings("vi"), &VI);
        assert_eq!(strings("vi-VN"), &VI);
        assert_eq!(strings("VI_vn"), &VI);
        assert_eq!(strings("en-GB"), &EN);
        assert_eq!(strings(""), &EN);
        assert_eq!(strings("fr"), &EN);
    }
}
