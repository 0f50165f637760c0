//! The pre-review queue (预审队列): the cases waiting, nearest time limit first, each limit
//! counted in working days on the domain's calendar and turning amber two working days
//! before it, red once passed; filters by service, kiosk, state and date; a search by
//! receipt or case number, and by ID number (audited); "take it" assigns a case to the
//! reviewer.

use super::i18n::{fill, M};
use super::pages::{page, state, Ctx};
use crate::store::{QueueFilter, QueueRow};
use maud::{html, Markup};
use township_core::domain::calendar::{Date, WorkCalendar};
use township_core::domain::catalogue::Catalogue;

/// Working days left before the limit at which a case turns amber.
pub const NEAR_DAYS: i64 = 2;

/// Working days from `today` to `limit`: positive before it, 0 on the day, negative after.
pub fn working_days_left(calendar: &WorkCalendar, today: Date, limit: Date) -> i64 {
    let (from, to, sign) = if limit >= today {
        (today, limit, 1)
    } else {
        (limit, today, -1)
    };
    let mut days = 0;
    let mut day = from;
    // Bounded: a year of days at most.
    for _ in 0..366 {
        if day >= to {
            break;
        }
        day = day.add_days(1);
        if calendar.is_working_day(day) {
            days += 1;
        }
    }
    sign * days
}

/// `overdue`, `near` or nothing, for the row's colour.
pub fn urgency(left: i64) -> Option<&'static str> {
    if left < 0 {
        Some("overdue")
    } else if left <= NEAR_DAYS {
        Some("near")
    } else {
        None
    }
}

/// What the page needs besides the rows.
pub struct QueueData<'a> {
    pub rows: &'a [QueueRow],
    pub filter: &'a QueueFilter,
    pub catalogue: &'a Catalogue,
    pub calendar: &'a WorkCalendar,
    pub today: Date,
    pub kiosks: &'a [String],
    /// Whom a supervisor may assign cases to (empty for a reviewer: "take it" only).
    pub reviewers: &'a [String],
}

pub fn render(ctx: &Ctx, data: &QueueData) -> String {
    let service = |code: &str| super::pages::service_name(ctx, data.catalogue, code);
    let headers = [
        M::ColLimit,
        M::ColReceipt,
        M::ColCase,
        M::ColService,
        M::ColKiosk,
        M::ColReceived,
        M::ColState,
        M::ColAssigned,
    ];
    let body = html! {
        p class="intro" { (ctx.t(M::QueueIntro)) }
        (filters(ctx, data))
        @if data.rows.is_empty() { p id="empty" { (ctx.t(M::EmptyQueue)) } }
        @else {
            table id="queue" {
                tr { @for h in headers { th scope="col" { (ctx.t(h)) } } th scope="col" { (ctx.t(M::ColAction)) } }
                @for row in data.rows {
                    @let open = matches!(row.status.as_str(), "received" | "supplement");
                    @let left = row.expected_on.filter(|_| open).map(|limit| working_days_left(data.calendar, data.today, limit));
                    tr class=[left.and_then(urgency)] data-receipt=(row.receipt_no) {
                        td class="limit" { (limit(ctx, row.expected_on, left)) }
                        td { a href={ "/applications/" (row.receipt_no) } { (row.receipt_no) } }
                        td { (row.case_number) } td { (service(&row.item_code)) } td { (row.kiosk_id) }
                        td { (super::pages::china_time(row.received_at)) }
                        td { (state(ctx, &row.status)) }
                        td class="assigned" { (row.assigned_to.as_deref().unwrap_or(ctx.t(M::Nobody))) }
                        td { (assign_form(ctx, row, data.reviewers)) }
                    }
                }
            }
        }
        h2 { (ctx.t(M::SearchPerson)) }
        form method="post" action="/search" id="search-person" class="filters" {
            input type="hidden" name="csrf" value=(ctx.csrf());
            label { (ctx.t(M::RevealId)) input name="id_number" id="search-id" size="20" autocomplete="off"; }
            button { (ctx.t(M::SearchButton)) }
        }
    };
    page(ctx, ctx.t(M::QueueTitle), "/queue", body)
}

/// "Take it" for a reviewer; for a supervisor, a choice of reviewers.
fn assign_form(ctx: &Ctx, row: &QueueRow, reviewers: &[String]) -> Markup {
    let id = format!("assign-{}", row.receipt_no);
    html! {
        form method="post" action={ "/applications/" (row.receipt_no) "/assign" } class="inline" id=(id) {
            input type="hidden" name="csrf" value=(ctx.csrf());
            @if reviewers.is_empty() {
                @if row.assigned_to.as_deref() != Some(ctx.name()) {
                    button { (ctx.t(M::AssignToMe)) }
                }
            } @else {
                label class="visually-hidden" for={ (id) "-to" } { (ctx.t(M::ColAssigned)) }
                select name="to" id={ (id) "-to" } {
                    @for r in reviewers { option value=(r) selected[row.assigned_to.as_deref() == Some(r.as_str())] { (r) } }
                }
                " " button class="secondary" { (ctx.t(M::Assign)) }
            }
        }
    }
}

fn limit(ctx: &Ctx, limit: Option<Date>, left: Option<i64>) -> Markup {
    html! {
        @match (limit, left) {
            (Some(limit), Some(left)) => {
                (limit) br;
                @if left > 0 { (fill(ctx.t(M::DaysLeft), &[&left])) }
                @else if left == 0 { (ctx.t(M::DueToday)) }
                @else { (fill(ctx.t(M::Overdue), &[&(-left)])) }
            }
            _ => "–",
        }
    }
}

/// The filter form (a GET, so a filtered queue can be bookmarked).
fn filters(ctx: &Ctx, data: &QueueData) -> Markup {
    let f = data.filter;
    let states = ["received", "supplement", "approved", "rejected", "done", "all"];
    html! {
        form method="get" action="/queue" class="filters" id="filters" {
            label { (ctx.t(M::FilterState))
                select name="status" {
                    @for s in states {
                        option value=(s) selected[f.status.as_deref().unwrap_or("received") == s] {
                            @if s == "all" { (ctx.t(M::FilterAll)) } @else { (super::pages::state_text(ctx, s)) }
                        }
                    }
                }
            }
            label { (ctx.t(M::FilterService))
                select name="item" {
                    option value="" { (ctx.t(M::FilterAll)) }
                    @for item in &data.catalogue.items {
                        option value=(item.code) selected[f.item_code.as_deref() == Some(item.code.as_str())] {
                            (super::pages::local(ctx, &item.name))
                        }
                    }
                }
            }
            label { (ctx.t(M::FilterKiosk))
                select name="kiosk" {
                    option value="" { (ctx.t(M::FilterAll)) }
                    @for k in data.kiosks { option value=(k) selected[f.kiosk_id.as_deref() == Some(k.as_str())] { (k) } }
                }
            }
            label { (ctx.t(M::FilterFrom)) input type="date" name="from" value=(f.from.map(|d| d.to_string()).unwrap_or_default()); }
            label { (ctx.t(M::FilterNumber)) input name="number" size="18" value=(f.number.as_deref().unwrap_or("")); }
            button { (ctx.t(M::FilterButton)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_working_days_and_turn_amber_then_red() {
        let calendar = WorkCalendar::default();
        // 2026-11-26 is a Thursday: Friday and Monday are two working days later.
        let thursday = Date::parse("2026-11-26").unwrap();
        let monday = Date::parse("2026-11-30").unwrap();
        assert_eq!(working_days_left(&calendar, thursday, monday), 2);
        assert_eq!(working_days_left(&calendar, monday, thursday), -2);
        assert_eq!(working_days_left(&calendar, monday, monday), 0);
        assert_eq!(urgency(5), None);
        assert_eq!(urgency(2), Some("near"));
        assert_eq!(urgency(0), Some("near"));
        assert_eq!(urgency(-1), Some("overdue"));
    }
}
