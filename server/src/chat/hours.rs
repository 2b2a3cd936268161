//! Business hours: whether a website's team answers now, and when that changes, from a
//! weekly schedule in an IANA time zone.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use natter_protocol::validate::Invalid;
use natter_protocol::{BusinessHours, OpenSpan, Weekday};

/// Spans a schedule may hold (three a day).
const MAX_SPANS: usize = 21;

fn invalid(message: impl Into<String>) -> Invalid {
    Invalid {
        field: "business_hours",
        message: message.into(),
    }
}

/// `HH:MM` as minutes since midnight; `24:00` only where `end` allows it.
fn minutes(value: &str, end: bool) -> Option<u32> {
    let (h, m) = value.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// A schedule as given, checked: a known time zone, at most [`MAX_SPANS`] spans, each
/// with `open` before `close`.
pub fn validate(hours: BusinessHours) -> Result<BusinessHours, Invalid> {
    let BusinessHours::Weekly { timezone, days } = hours else {
        return Ok(BusinessHours::Always);
    };
    let timezone = timezone.trim().to_owned();
    if timezone.len() > 64 || TimeZone::get(&timezone).is_err() {
        return Err(invalid(format!(
            "{timezone:?} is not an IANA time zone, such as Europe/Paris or America/New_York"
        )));
    }
    if days.len() > MAX_SPANS {
        return Err(invalid("business_hours may hold at most 21 spans"));
    }
    for span in &days {
        let (Some(open), Some(close)) = (minutes(&span.open, false), minutes(&span.close, true))
        else {
            return Err(invalid(
                "open and close are times like 09:00 and 17:30 (close may be 24:00)",
            ));
        };
        if open >= close {
            return Err(invalid(format!(
                "{:?} closes at {} before it opens at {}: close must be later",
                span.day, span.close, span.open
            )));
        }
    }
    Ok(BusinessHours::Weekly { timezone, days })
}

/// Whether the team answers at `now`, and when that next changes (`None`: never).
pub fn status(hours: &BusinessHours, now: Timestamp) -> (bool, Option<Timestamp>) {
    let BusinessHours::Weekly { timezone, days } = hours else {
        return (true, None);
    };
    // A stored schedule was validated; a zone dropped from a later database is "always".
    let Ok(tz) = TimeZone::get(timezone) else {
        return (true, None);
    };
    let today = now.to_zoned(tz.clone()).date();
    // The spans from yesterday (one may still run past midnight's DST edge) to a week on.
    let mut spans: Vec<(Timestamp, Timestamp)> = (-1..=8)
        .filter_map(|offset: i64| today.checked_add(offset.days()).ok())
        .flat_map(|date| spans_on(date, days, &tz))
        .collect();
    spans.sort();
    if let Some(&(_, end)) = spans
        .iter()
        .find(|(start, end)| *start <= now && now < *end)
    {
        // Back-to-back spans (Monday until 24:00, Tuesday from 00:00) are one opening.
        let mut end = end;
        while let Some(&(_, next)) = spans
            .iter()
            .find(|(start, next)| *start <= end && *next > end)
        {
            end = next;
        }
        return (true, Some(end));
    }
    let next = spans.iter().map(|(start, _)| *start).find(|s| *s > now);
    (false, next)
}

/// The schedule's spans on `date`, as instants.
fn spans_on<'a>(
    date: Date,
    days: &'a [OpenSpan],
    tz: &'a TimeZone,
) -> impl Iterator<Item = (Timestamp, Timestamp)> + 'a {
    let weekday =
        Weekday::ALL[usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)];
    days.iter()
        .filter(move |s| s.day == weekday)
        .filter_map(move |s| {
            let at = |value: &str, end: bool| {
                let m = i64::from(minutes(value, end)?);
                let local = date.at(0, 0, 0, 0).checked_add(m.minutes()).ok()?;
                tz.to_ambiguous_zoned(local)
                    .compatible()
                    .ok()
                    .map(|z| z.timestamp())
            };
            Some((at(&s.open, false)?, at(&s.close, true)?))
        })
}

/// The stored form of a schedule: `None` for always.
pub fn to_column(hours: &BusinessHours) -> Option<String> {
    match hours {
        BusinessHours::Always => None,
        weekly => serde_json::to_string(weekly).ok(),
    }
}

/// A stored schedule; unreadable (never written so) reads as always.
pub fn from_column(column: Option<&str>) -> BusinessHours {
    column
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(timezone: &str, spans: &[(Weekday, &str, &str)]) -> BusinessHours {
        BusinessHours::Weekly {
            timezone: timezone.into(),
            days: spans
                .iter()
                .map(|(day, open, close)| OpenSpan {
                    day: *day,
                    open: (*open).into(),
                    close: (*close).into(),
                })
                .collect(),
        }
    }

    fn at(when: &str) -> Timestamp {
        when.parse().unwrap()
    }

    #[test]
    fn open_now_and_the_next_change() {
        use Weekday::*;
        // 2026-12-07 is a Monday. Paris is UTC+1 in December.
        let paris = weekly(
            "Europe/Paris",
            &[(Mon, "09:00", "17:00"), (Tue, "09:00", "12:00")],
        );
        let cases = [
            ("2026-12-07T07:59:00Z", false, Some("2026-12-07T08:00:00Z")),
            ("2026-12-07T08:00:00Z", true, Some("2026-12-07T16:00:00Z")),
            ("2026-12-07T16:00:00Z", false, Some("2026-12-08T08:00:00Z")),
            // After Tuesday, the next opening is next Monday.
            ("2026-12-08T12:00:00Z", false, Some("2026-12-14T08:00:00Z")),
        ];
        for (now, open, next) in cases {
            assert_eq!(status(&paris, at(now)), (open, next.map(at)), "{now}");
        }
        assert_eq!(
            status(&BusinessHours::Always, at("2026-12-07T03:00:00Z")),
            (true, None)
        );
        let nights = weekly("UTC", &[(Mon, "00:00", "24:00"), (Tue, "00:00", "06:00")]);
        assert_eq!(
            status(&nights, at("2026-12-07T23:00:00Z")),
            (true, Some(at("2026-12-08T06:00:00Z"))),
            "back-to-back spans are one opening"
        );
        let never = weekly("Asia/Ho_Chi_Minh", &[]);
        assert_eq!(status(&never, at("2026-12-07T03:00:00Z")), (false, None));
    }

    #[test]
    fn schedules_are_checked() {
        use Weekday::*;
        let cases = [
            (weekly("Europe/Paris", &[(Mon, "09:00", "24:00")]), true),
            (weekly("Mars/Olympus", &[]), false),
            (weekly("UTC", &[(Mon, "17:00", "09:00")]), false),
            (weekly("UTC", &[(Mon, "9:00", "17:00")]), false),
            (weekly("UTC", &[(Mon, "24:00", "24:00")]), false),
            (weekly("UTC", &[(Mon, "09:00", "24:01")]), false),
        ];
        for (hours, ok) in cases {
            assert_eq!(validate(hours.clone()).is_ok(), ok, "{hours:?}");
        }
    }
}
