//! Calendar arithmetic for the domain: civil dates, weekdays and working days.
//!
//! Pure: no clock is read here. Callers pass "today" in. China has one time zone and no
//! daylight saving, so local dates are derived from Unix time at a fixed UTC+8 offset.
//! Must not import any I/O crate (it is township-core: see core/tests/purity.rs).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Seconds east of UTC for China Standard Time.
pub const CHINA_UTC_OFFSET_SECS: i64 = 8 * 3600;

impl Date {
    /// A valid date, or `None` (month 13, 30 February, …).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses `YYYYMMDD` (as on ID cards) or `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let digits: String = match text.len() {
            8 => text.to_string(),
            10 if text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-' => text.replace('-', ""),
            _ => return None,
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = digits[0..4].parse().ok()?;
        let month = digits[4..6].parse().ok()?;
        let day = digits[6..8].parse().ok()?;
        Date::new(year, month, day)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The local (China) date at a Unix time.
    pub fn from_unix_china(unix_secs: i64) -> Date {
        Date::from_days_since_epoch((unix_secs + CHINA_UTC_OFFSET_SECS).div_euclid(86_400))
    }

    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn iso_weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        ((self.days_since_epoch() + 3).rem_euclid(7) + 1) as u8
    }

    /// `YYYYMMDD`, the compact form used on cards and in receipt numbers.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// Whole years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not a date (YYYY-MM-DD): {text:?}")))
    }
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Which days the back office works: weekends off, public holidays off, and the
/// make-up working days (调休) that fall on a weekend.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendar {
    pub holidays: Vec<Date>,
    pub extra_workdays: Vec<Date>,
}

impl WorkCalendar {
    pub fn is_working_day(&self, date: Date) -> bool {
        if self.extra_workdays.contains(&date) {
            return true;
        }
        date.iso_weekday() <= 5 && !self.holidays.contains(&date)
    }

    /// The date on which `working_days` full working days after `start` have passed.
    /// The day of submission does not count (a promise of 1 day made on a Friday ends on
    /// Monday). Zero days means "today" (即来即办).
    pub fn add_working_days(&self, start: Date, working_days: u32) -> Date {
        let mut date = start;
        let mut left = working_days;
        while left > 0 {
            date = date.add_days(1);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn parses_both_forms_and_rejects_impossible_dates() {
        assert_eq!(d("20240229"), d("2024-02-29"));
        assert!(Date::parse("20230229").is_none());
        assert!(Date::parse("19991301").is_none());
        assert!(Date::parse("2024-2-29").is_none());
        assert!(Date::parse("2024022a").is_none());
        assert!(Date::parse("19000229").is_none());
        assert!(Date::parse("20000229").is_some());
    }

    #[test]
    fn epoch_round_trip_and_weekday() {
        assert_eq!(Date::from_days_since_epoch(0), d("1970-01-01"));
        assert_eq!(d("2026-11-26").iso_weekday(), 4);
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
    }

    #[test]
    fn china_date_changes_at_16_00_utc() {
        // 2026-11-26 15:59:59 UTC is 23:59:59 in China; one second later it is the 27th.
        let t = d("2026-11-26").days_since_epoch() * 86_400 + 15 * 3600 + 59 * 60 + 59;
        assert_eq!(Date::from_unix_china(t), d("2026-11-26"));
        assert_eq!(Date::from_unix_china(t + 1), d("2026-11-27"));
    }

    #[test]
    fn working_days_skip_weekends_holidays_and_honour_make_up_days() {
        let cal = WorkCalendar {
            holidays: vec![d("2026-10-01"), d("2026-10-02"), d("2026-10-05")],
            extra_workdays: vec![d("2026-10-10")],
        };
        // Friday + 1 working day = Monday.
        assert_eq!(cal.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
        assert_eq!(cal.add_working_days(d("2026-11-27"), 0), d("2026-11-27"));
        // 2026-09-30 (Wed) + 2: Oct 1, 2 holidays, 3-4 weekend, 5 holiday → 6 and 7.
        assert_eq!(cal.add_working_days(d("2026-09-30"), 2), d("2026-10-07"));
        // Saturday 10 Oct is a make-up working day.
        assert!(cal.is_working_day(d("2026-10-10")));
        assert_eq!(cal.add_working_days(d("2026-10-09"), 1), d("2026-10-10"));
    }

    #[test]
    fn age() {
        assert_eq!(d("2000-11-27").age_on(d("2026-11-26")), 25);
        assert_eq!(d("2000-11-26").age_on(d("2026-11-26")), 26);
    }
}
