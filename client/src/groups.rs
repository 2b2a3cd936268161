//! How a log is laid out: a day separator where the (local) day changes, and one name and
//! time per group of consecutive messages from one sender, as Intercom and Crisp show them.

/// Messages of one sender further apart than this start a new group, in ms.
pub const GROUP_GAP_MS: i64 = 5 * 60 * 1000;

/// Where a message sits in the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Place {
    /// The first message of its day: a separator above it.
    pub day_start: bool,
    /// The first of consecutive messages from one sender: the name and time show on it.
    pub group_start: bool,
}

/// Places messages given in log order as (sender, Unix ms); `day_of` numbers local days.
pub fn place<'a>(
    messages: impl IntoIterator<Item = (&'a str, i64)>,
    day_of: impl Fn(i64) -> i64,
) -> Vec<Place> {
    let mut previous: Option<(&str, i64, i64)> = None;
    messages
        .into_iter()
        .map(|(sender, at)| {
            let day = day_of(at);
            let day_start = previous.is_none_or(|(_, d, _)| d != day);
            let group_start =
                day_start || previous.is_none_or(|(s, _, t)| s != sender || at - t > GROUP_GAP_MS);
            previous = Some((sender, day, at));
            Place {
                day_start,
                group_start,
            }
        })
        .collect()
}
