//! The service point's opening hours as appointment slots: half-hour slots on working days
//! (regular hours and the lunch break, off-hours service) and on Saturday mornings. The slot
//! id `YYYYMMDD-HHMM` names the slot, so slots need no table; only bookings are stored. The
//! reference central server and the in-process simulation both use these rules.

use crate::domain::calendar::{Date, WorkCalendar};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlotKind {
    /// Working-day opening hours.
    Regular,
    /// Working-day lunch break (off-hours service).
    Lunch,
    /// Saturday morning (off-hours service).
    Weekend,
}

/// One appointment slot (`GET /appointments/slots?from=YYYY-MM-DD&days=N`, N ≤ 31).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Stable: `YYYYMMDD-HHMM`.
    pub slot_id: String,
    pub date: Date,
    /// `HH:MM`, China time.
    pub start: String,
    pub end: String,
    pub kind: SlotKind,
    /// Places left.
    pub free: u32,
}

/// Places per slot kind.
pub fn capacity(kind: SlotKind) -> u32 {
    match kind {
        SlotKind::Regular => 2,
        SlotKind::Lunch | SlotKind::Weekend => 1,
    }
}

fn half_hours(date: Date, from: u32, to: u32, kind: SlotKind) -> Vec<(Slot, u32)> {
    (from..to)
        .step_by(30)
        .map(|m| {
            let end = m + 30;
            (
                Slot {
                    slot_id: format!("{}-{:02}{:02}", date.compact(), m / 60, m % 60),
                    date,
                    start: format!("{:02}:{:02}", m / 60, m % 60),
                    end: format!("{:02}:{:02}", end / 60, end % 60),
                    kind,
                    free: capacity(kind),
                },
                capacity(kind),
            )
        })
        .collect()
}

/// Every slot of `date` with its capacity (free = capacity; the store subtracts bookings).
pub fn day_slots(calendar: &WorkCalendar, date: Date) -> Vec<(Slot, u32)> {
    if calendar.is_working_day(date) {
        let mut slots = half_hours(date, 8 * 60 + 30, 12 * 60, SlotKind::Regular);
        slots.extend(half_hours(date, 12 * 60, 13 * 60 + 30, SlotKind::Lunch));
        slots.extend(half_hours(date, 13 * 60 + 30, 17 * 60, SlotKind::Regular));
        slots
    } else if date.iso_weekday() == 6 && !calendar.holidays.contains(&date) {
        half_hours(date, 9 * 60, 12 * 60, SlotKind::Weekend)
    } else {
        Vec::new()
    }
}

/// The slot named by `slot_id`, if it exists.
pub fn find(calendar: &WorkCalendar, slot_id: &str) -> Option<(Slot, u32)> {
    let (day, _) = slot_id.split_once('-')?;
    // Digits only: a multi-byte character would put the slices below off a char boundary.
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = Date::new(day[..4].parse().ok()?, day[4..6].parse().ok()?, day[6..].parse().ok()?)?;
    day_slots(calendar, date)
        .into_iter()
        .find(|(s, _)| s.slot_id == slot_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_id_with_other_characters_is_no_slot() {
        let calendar = WorkCalendar::default();
        for id in ["2026一1116-0900", "202611é6-0900", "éééé-0900", "-", ""] {
            assert!(find(&calendar, id).is_none(), "{id}");
        }
    }

    #[test]
    fn working_days_have_lunch_slots_and_saturdays_a_morning() {
        let calendar = WorkCalendar::default();
        let monday = Date::new(2026, 11, 16).unwrap();
        let slots = day_slots(&calendar, monday);
        assert_eq!(slots.len(), 7 + 3 + 7);
        assert!(slots
            .iter()
            .any(|(s, _)| s.kind == SlotKind::Lunch && s.start == "12:00"));
        let saturday = monday.add_days(5);
        assert!(day_slots(&calendar, saturday)
            .iter()
            .all(|(s, _)| s.kind == SlotKind::Weekend));
        assert!(day_slots(&calendar, saturday.add_days(1)).is_empty());
        let (slot, cap) = find(&calendar, "20261116-1200").unwrap();
        assert_eq!((slot.kind, cap), (SlotKind::Lunch, 1));
        assert!(find(&calendar, "20261116-1215").is_none());
    }
}
