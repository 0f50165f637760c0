//! The front desk's pages: a day's bookings by slot and service (for the window staff), and
//! the consultation and complaint tickets with their state and a reply form whose answer
//! goes to the citizen's number by SMS.

use super::i18n::M;
use super::pages::{china_time, page, service_name, Ctx};
use crate::store::{DeskBooking, DeskComplaint};
use maud::html;
use township_core::domain::calendar::Date;
use township_core::domain::catalogue::Catalogue;

pub fn bookings(ctx: &Ctx, day: Date, rows: &[DeskBooking], catalogue: &Catalogue) -> String {
    let headers = [
        M::ColTime,
        M::ColService,
        M::ColBooking,
        M::ColPhone,
        M::ColKiosk,
        M::ColState,
    ];
    let body = html! {
        form method="get" action="/bookings" class="filters" id="day" {
            label { (ctx.t(M::Day)) input type="date" name="day" value=(day.to_string()); }
            button { (ctx.t(M::FilterButton)) }
        }
        @if rows.is_empty() { p id="empty" { (ctx.t(M::NoBookings)) } }
        @else {
            table id="bookings" {
                tr { @for h in headers { th scope="col" { (ctx.t(h)) } } }
                @for b in rows {
                    tr data-booking=(b.booking_no) {
                        td { (b.time) } td { (service_name(ctx, catalogue, &b.item_code)) } td { (b.booking_no) }
                        td { (b.phone_masked) } td { (b.kiosk_id) } td { (b.status) }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t(M::BookingsTitle), "/bookings", body)
}

pub fn complaints(ctx: &Ctx, rows: &[DeskComplaint]) -> String {
    let headers = [
        M::ColTicket,
        M::ColWhen,
        M::ColTopic,
        M::ColText,
        M::ColPhone,
        M::ColState,
        M::ColReply,
    ];
    let body = html! {
        @if rows.is_empty() { p id="empty" { (ctx.t(M::NoComplaints)) } }
        @else {
            table id="complaints" {
                tr { @for h in headers { th scope="col" { (ctx.t(h)) } } }
                @for c in rows {
                    tr data-ticket=(c.ticket_no) data-state=(c.state) {
                        td { (c.ticket_no) } td { (china_time(c.created_at)) } td { (c.topic) } td { (c.text) }
                        td { (c.phone_masked) }
                        td { (if c.state == "answered" { ctx.t(M::TicketAnswered) } else { ctx.t(M::TicketOpen) }) }
                        td {
                            @if c.state == "answered" {
                                (c.reply) br; small { (c.replied_by.as_deref().unwrap_or("")) }
                            } @else {
                                form method="post" action={ "/complaints/" (c.ticket_no) "/reply" } id={ "reply-" (c.ticket_no) } {
                                    input type="hidden" name="csrf" value=(ctx.csrf());
                                    label for={ "reply-text-" (c.ticket_no) } { (ctx.t(M::ReplyLabel)) } br;
                                    textarea name="reply" id={ "reply-text-" (c.ticket_no) } rows="2" cols="36" {}
                                    br; button { (ctx.t(M::SendReply)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t(M::ComplaintsTitle), "/complaints", body)
}
