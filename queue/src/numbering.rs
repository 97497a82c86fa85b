//! Ticket numbers and the business day they belong to.
//!
//! A branch numbers tickets per service and per business day ("A001" is the
//! first ticket of service A today). The business day is not the calendar day:
//! it ends at the branch's local rollover time, which may be after midnight
//! for offices open late. [`BusinessCalendar`] turns instants into business
//! days and back, handling daylight-saving gaps and folds, so the server can
//! reset counters and expire leftover tickets at the right instant.
//!
//! Also here: parsing and validating the settings that feed numbering
//! (timezone, rollover time, service code). The server stores the counters
//! themselves; this module only says which day a counter belongs to and how
//! a number is spelled.

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A setting value that failed validation. The message names the setting and
/// the offending value, and is meant to be shown to the manager as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSetting(pub String);

/// A branch's business calendar: its IANA timezone and the local time at which
/// one business day ends and the next begins.
///
/// Business day `d` covers the instants from [`day_start(d)`](Self::day_start)
/// up to, not including, `day_start(d + 1)`. Every method keeps to that one
/// definition, so the day never jumps backwards even when a DST fold repeats
/// the rollover time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessCalendar {
    /// The branch's timezone.
    pub tz: Tz,
    /// Local time at which a business day begins (00:00 for plain calendar
    /// days).
    pub rollover: NaiveTime,
}

impl BusinessCalendar {
    /// A calendar for timezone `tz` whose days begin at local time `rollover`.
    pub fn new(tz: Tz, rollover: NaiveTime) -> Self {
        BusinessCalendar { tz, rollover }
    }

    /// The business day that instant `at` belongs to: the local date, minus
    /// one day when local time-of-day is before `rollover`.
    ///
    /// Inside a DST fold that repeats the rollover time, the day begins at the
    /// first occurrence and does not go back to the previous day during the
    /// repeated hour (the local-time rule alone would flip back and forth).
    pub fn business_day(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = at.with_timezone(&self.tz).naive_local();
        let mut day = local.date();
        if local.time() < self.rollover {
            day = prev_day(day);
        }
        // The local-time guess is off by at most one day, and only around a
        // fold (or a day a zone skipped entirely, like Pacific/Apia on
        // 2011-12-30). Correct it against the instants that define the day;
        // the loops are bounded so extreme dates cannot spin forever.
        for _ in 0..3 {
            if at < self.day_start(day) {
                day = prev_day(day);
            } else {
                break;
            }
        }
        for _ in 0..3 {
            let next = next_day(day);
            if next != day && at >= self.day_start(next) {
                day = next;
            } else {
                break;
            }
        }
        day
    }

    /// The instant business day `day` begins: `rollover` local time on `day`.
    /// If that local time does not exist (DST gap) use the first instant after
    /// the gap; if ambiguous (DST fold) use the earlier one.
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(self.rollover);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
            LocalResult::None => self.first_instant_not_before(local),
        }
    }

    /// The first rollover instant strictly after `at`
    /// (== `day_start(business_day(at) + 1 day)`).
    pub fn next_rollover(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.day_start(next_day(self.business_day(at)))
    }

    /// The earliest instant whose local wall-clock reading is at or after
    /// `local`, used when `local` falls in a gap.
    ///
    /// chrono offers no "resolve forward" for gaps, so this binary-searches
    /// whole seconds: tz transitions happen on whole seconds, and the wall
    /// clock only moves forward except in folds, which are never within two
    /// days of a gap in the tz database.
    fn first_instant_not_before(&self, local: NaiveDateTime) -> DateTime<Utc> {
        const WINDOW_S: i64 = 2 * 86_400;
        let wall = |ts: i64| {
            DateTime::from_timestamp(ts, 0).map(|t| t.with_timezone(&self.tz).naive_local())
        };
        let guess = local.and_utc().timestamp();
        // Invariant: wall(lo) < local <= wall(hi). UTC offsets stay within
        // ±26 h, so two days either side brackets the answer.
        let mut lo = guess.saturating_sub(WINDOW_S);
        let mut hi = guess.saturating_add(WINDOW_S);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match wall(mid) {
                Some(w) if w < local => lo = mid,
                _ => hi = mid,
            }
        }
        // Only out of range for dates hundreds of thousands of years away,
        // where any answer is as good as another.
        DateTime::from_timestamp(hi, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// `day - 1`, or `day` itself at the very start of chrono's range.
fn prev_day(day: NaiveDate) -> NaiveDate {
    day.pred_opt().unwrap_or(day)
}

/// `day + 1`, or `day` itself at the very end of chrono's range.
fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// Parse an IANA zone name ("Europe/Warsaw"). Names are case-sensitive, as in
/// the tz database.
///
/// # Errors
///
/// [`InvalidSetting`] naming the value when it is not a known zone.
pub fn parse_timezone(name: &str) -> Result<Tz, InvalidSetting> {
    name.parse::<Tz>().map_err(|_| {
        InvalidSetting(format!(
            "unknown timezone {name:?}: expected an IANA name such as \"Europe/Warsaw\""
        ))
    })
}

/// Parse an "HH:MM" rollover time (00:00..=23:59, always two digits each).
///
/// # Errors
///
/// [`InvalidSetting`] naming the value when it is not exactly `HH:MM` or is
/// out of range.
pub fn parse_rollover(s: &str) -> Result<NaiveTime, InvalidSetting> {
    let invalid = || {
        InvalidSetting(format!(
            "invalid rollover time {s:?}: expected HH:MM between 00:00 and 23:59"
        ))
    };
    let b = s.as_bytes();
    let shape_ok =
        b.len() == 5 && b[2] == b':' && [b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(invalid());
    }
    let two = |hi: u8, lo: u8| u32::from(hi - b'0') * 10 + u32::from(lo - b'0');
    let (hour, minute) = (two(b[0], b[1]), two(b[3], b[4]));
    // from_hms_opt rejects hour > 23 and minute > 59.
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(invalid)
}

/// Validate a service code used as ticket prefix: 1 to 3 ASCII uppercase
/// letters. Letters only, so the code and the digits of a ticket number can
/// always be told apart (see [`parse_number`]).
///
/// # Errors
///
/// [`InvalidSetting`] naming the value when it is empty, too long or contains
/// anything but `A`-`Z`.
pub fn validate_service_code(code: &str) -> Result<(), InvalidSetting> {
    if (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(InvalidSetting(format!(
            "invalid service code {code:?}: expected 1 to 3 uppercase letters A-Z"
        )))
    }
}

/// The printed ticket number: `code` + `seq` zero-padded to at least 3
/// digits. `format_number("A", 42) == "A042"`,
/// `format_number("AB", 1234) == "AB1234"`.
pub fn format_number(code: &str, seq: u32) -> String {
    format!("{code}{seq:03}")
}

/// The inverse of [`format_number`]: split "A042" into `("A", 42)`.
///
/// Returns `None` unless `number` is exactly what `format_number` would print
/// for a valid service code, so "A42", "A0042" and "a042" are rejected: a
/// visitor's typed-in number either names one ticket or none.
pub fn parse_number(number: &str) -> Option<(&str, u32)> {
    let split = number.find(|c: char| !c.is_ascii_uppercase())?;
    let (code, digits) = number.split_at(split);
    validate_service_code(code).ok()?;
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: u32 = digits.parse().ok()?;
    (format_number(code, seq) == number).then_some((code, seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cal(tz: &str, rollover: &str) -> BusinessCalendar {
        BusinessCalendar::new(
            parse_timezone(tz).unwrap(),
            parse_rollover(rollover).unwrap(),
        )
    }

    #[test]
    fn midnight_rollover() {
        // Warsaw is UTC+1 in January.
        let c = cal("Europe/Warsaw", "00:00");
        assert_eq!(
            c.business_day(utc("2024-01-15T22:59:59Z")),
            date("2024-01-15")
        );
        assert_eq!(
            c.business_day(utc("2024-01-15T23:00:00Z")),
            date("2024-01-16")
        );
        assert_eq!(c.day_start(date("2024-01-16")), utc("2024-01-15T23:00:00Z"));
        assert_eq!(
            c.next_rollover(utc("2024-01-15T12:00:00Z")),
            utc("2024-01-15T23:00:00Z")
        );
    }

    #[test]
    fn three_am_rollover_keeps_late_evening_in_the_same_day() {
        let c = cal("Europe/Warsaw", "03:00");
        // 01:30 local on the 16th still belongs to the 15th.
        assert_eq!(
            c.business_day(utc("2024-01-16T00:30:00Z")),
            date("2024-01-15")
        );
        assert_eq!(
            c.business_day(utc("2024-01-16T01:59:59Z")),
            date("2024-01-15")
        );
        assert_eq!(
            c.business_day(utc("2024-01-16T02:00:00Z")),
            date("2024-01-16")
        );
        assert_eq!(c.day_start(date("2024-01-16")), utc("2024-01-16T02:00:00Z"));
        assert_eq!(
            c.next_rollover(utc("2024-01-16T02:00:00Z")),
            utc("2024-01-17T02:00:00Z")
        );
    }

    #[test]
    fn warsaw_spring_forward() {
        // 2024-03-31: 02:00 CET jumps to 03:00 CEST at 01:00Z.
        let midnight = cal("Europe/Warsaw", "00:00");
        assert_eq!(
            midnight.day_start(date("2024-03-31")),
            utc("2024-03-30T23:00:00Z")
        );
        assert_eq!(
            midnight.day_start(date("2024-04-01")),
            utc("2024-03-31T22:00:00Z")
        );

        // Rollover inside the gap: the day starts when the gap ends.
        for rollover in ["02:00", "02:30", "02:59"] {
            let c = cal("Europe/Warsaw", rollover);
            assert_eq!(c.day_start(date("2024-03-31")), utc("2024-03-31T01:00:00Z"));
            assert_eq!(
                c.business_day(utc("2024-03-31T00:59:59Z")),
                date("2024-03-30")
            );
            assert_eq!(
                c.business_day(utc("2024-03-31T01:00:00Z")),
                date("2024-03-31")
            );
        }

        // 03:00 rollover: the business day of the 30th is one hour short.
        let c = cal("Europe/Warsaw", "03:00");
        let len = c.day_start(date("2024-03-31")) - c.day_start(date("2024-03-30"));
        assert_eq!(len.num_hours(), 23);
    }

    #[test]
    fn warsaw_fall_back() {
        // 2024-10-27: 03:00 CEST falls back to 02:00 CET at 01:00Z, so local
        // 02:00-02:59 happens twice.
        let c = cal("Europe/Warsaw", "02:30");
        // The earlier 02:30 (CEST) starts the day...
        assert_eq!(c.day_start(date("2024-10-27")), utc("2024-10-27T00:30:00Z"));
        assert_eq!(
            c.business_day(utc("2024-10-27T00:29:59Z")),
            date("2024-10-26")
        );
        assert_eq!(
            c.business_day(utc("2024-10-27T00:30:00Z")),
            date("2024-10-27")
        );
        // ...and the repeated 02:15 CET does not fall back into the 26th.
        assert_eq!(
            c.business_day(utc("2024-10-27T01:15:00Z")),
            date("2024-10-27")
        );
        assert_eq!(
            c.next_rollover(utc("2024-10-26T12:00:00Z")),
            utc("2024-10-27T00:30:00Z")
        );

        let c = cal("Europe/Warsaw", "03:00");
        let len = c.day_start(date("2024-10-27")) - c.day_start(date("2024-10-26"));
        assert_eq!(len.num_hours(), 25);
        assert_eq!(
            c.business_day(utc("2024-10-27T01:30:00Z")),
            date("2024-10-26")
        );
        assert_eq!(
            c.business_day(utc("2024-10-27T02:00:00Z")),
            date("2024-10-27")
        );
    }

    #[test]
    fn new_york_spring_forward() {
        // 2024-03-10: 02:00 EST jumps to 03:00 EDT at 07:00Z.
        let c = cal("America/New_York", "00:00");
        assert_eq!(c.day_start(date("2024-03-10")), utc("2024-03-10T05:00:00Z"));
        assert_eq!(c.day_start(date("2024-03-11")), utc("2024-03-11T04:00:00Z"));
        assert_eq!(
            c.business_day(utc("2024-03-10T06:59:59Z")),
            date("2024-03-10")
        );
        assert_eq!(
            c.business_day(utc("2024-03-10T07:00:00Z")),
            date("2024-03-10")
        );
        assert_eq!(
            c.business_day(utc("2024-03-11T03:59:59Z")),
            date("2024-03-10")
        );
        assert_eq!(
            c.business_day(utc("2024-03-11T04:00:00Z")),
            date("2024-03-11")
        );

        let c = cal("America/New_York", "02:15");
        assert_eq!(c.day_start(date("2024-03-10")), utc("2024-03-10T07:00:00Z"));
        assert_eq!(
            c.business_day(utc("2024-03-10T06:59:59Z")),
            date("2024-03-09")
        );
    }

    #[test]
    fn new_york_fall_back() {
        // 2024-11-03: 02:00 EDT falls back to 01:00 EST at 06:00Z.
        let c = cal("America/New_York", "01:30");
        assert_eq!(c.day_start(date("2024-11-03")), utc("2024-11-03T05:30:00Z"));
        assert_eq!(
            c.business_day(utc("2024-11-03T05:29:59Z")),
            date("2024-11-02")
        );
        // 01:15 EST, the second pass through the repeated hour.
        assert_eq!(
            c.business_day(utc("2024-11-03T06:15:00Z")),
            date("2024-11-03")
        );

        let c = cal("America/New_York", "00:00");
        let len = c.day_start(date("2024-11-04")) - c.day_start(date("2024-11-03"));
        assert_eq!(len.num_hours(), 25);
    }

    #[test]
    fn settings_parse_and_reject() {
        assert_eq!(parse_timezone("Europe/Warsaw").unwrap(), Tz::Europe__Warsaw);
        let err = parse_timezone("Mars/Olympus").unwrap_err();
        assert!(err.to_string().contains("\"Mars/Olympus\""), "{err}");
        assert!(parse_timezone("").is_err());

        assert_eq!(parse_rollover("00:00").unwrap(), NaiveTime::MIN);
        assert_eq!(
            parse_rollover("23:59").unwrap(),
            NaiveTime::from_hms_opt(23, 59, 0).unwrap()
        );
        for bad in [
            "24:00", "23:60", "3:00", "0300", " 03:00", "03:00 ", "+3:00", "03:0a", "",
        ] {
            let err = parse_rollover(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }

        for good in ["A", "AB", "XYZ"] {
            assert!(validate_service_code(good).is_ok());
        }
        for bad in ["", "a", "ABCD", "A1", "Ä", "A B"] {
            assert!(validate_service_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_format_and_parse() {
        assert_eq!(format_number("A", 42), "A042");
        assert_eq!(format_number("AB", 1234), "AB1234");
        assert_eq!(format_number("C", 0), "C000");
        assert_eq!(parse_number("A042"), Some(("A", 42)));
        assert_eq!(parse_number("AB1234"), Some(("AB", 1234)));
        for bad in ["A42", "A0042", "a042", "042", "ABCD001", "A04x", "A"] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    /// Zones with different DST habits: none, whole hours both hemispheres,
    /// a half-hour shift (Lord Howe) and a 45-minute base offset (Chatham).
    fn any_zone() -> impl Strategy<Value = Tz> {
        proptest::sample::select(vec![
            Tz::UTC,
            Tz::Europe__Warsaw,
            Tz::America__New_York,
            Tz::Australia__Lord_Howe,
            Tz::Pacific__Chatham,
            Tz::Asia__Kolkata,
        ])
    }

    fn any_rollover() -> impl Strategy<Value = NaiveTime> {
        (0u32..24, 0u32..60).prop_map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let first = date("2000-01-01").num_days_from_ce();
        let last = date("2099-12-31").num_days_from_ce();
        (first..=last).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        let first = utc("2000-01-02T00:00:00Z").timestamp_millis();
        let last = utc("2099-12-30T00:00:00Z").timestamp_millis();
        (first..last).prop_map(|ms| DateTime::from_timestamp_millis(ms).unwrap())
    }

    fn any_code() -> impl Strategy<Value = String> {
        "[A-Z]{1,3}"
    }

    proptest! {
        #[test]
        fn day_start_belongs_to_its_day(tz in any_zone(), r in any_rollover(), d in any_date()) {
            let c = BusinessCalendar::new(tz, r);
            prop_assert_eq!(c.business_day(c.day_start(d)), d);
        }

        #[test]
        fn day_changes_exactly_at_next_rollover(
            tz in any_zone(), r in any_rollover(), at in any_instant()
        ) {
            let c = BusinessCalendar::new(tz, r);
            let day = c.business_day(at);
            let next = c.next_rollover(at);
            prop_assert!(next > at);
            prop_assert!(c.day_start(day) <= at);
            prop_assert_eq!(next, c.day_start(day.succ_opt().unwrap()));
            prop_assert_eq!(c.business_day(next - chrono::TimeDelta::nanoseconds(1)), day);
            prop_assert_eq!(c.business_day(next), day.succ_opt().unwrap());
            // A business day lasts 24 h give or take one DST shift.
            let len = next - c.day_start(day);
            prop_assert!(len >= chrono::TimeDelta::hours(22) && len <= chrono::TimeDelta::hours(26));
        }

        #[test]
        fn business_day_is_monotonic(
            tz in any_zone(), r in any_rollover(), at in any_instant(), step_s in 0i64..200_000
        ) {
            let c = BusinessCalendar::new(tz, r);
            let later = at + chrono::TimeDelta::seconds(step_s);
            prop_assert!(c.business_day(at) <= c.business_day(later));
        }

        #[test]
        fn format_number_round_trips(code in any_code(), seq in any::<u32>()) {
            let n = format_number(&code, seq);
            prop_assert_eq!(parse_number(&n), Some((code.as_str(), seq)));
        }

        #[test]
        fn format_number_is_injective(
            a in (any_code(), any::<u32>()), b in (any_code(), any::<u32>())
        ) {
            let same_number = format_number(&a.0, a.1) == format_number(&b.0, b.1);
            prop_assert_eq!(same_number, a == b);
        }

        #[test]
        fn format_number_is_injective_per_code(code in any_code(), a in 0u32..100_000, b in 0u32..100_000) {
            // Small sequences are where padding could collide; probe them densely.
            prop_assert_eq!(format_number(&code, a) == format_number(&code, b), a == b);
        }
    }
}
