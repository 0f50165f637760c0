//! The statistics page: the span's totals, applications per day as a bar chart, tables by
//! service and by kiosk (pre-review time median and p90, supplement and refusal rates),
//! ratings by stars and the share of each reason, complaints by topic, and the CSV export.
//! Charts are SVG drawn here on the server (no script, no external library).

use super::i18n::{fill, M};
use super::pages::{local, page, Ctx};
use crate::store::{Figures, Stats};
use maud::{html, Markup};
use township_core::domain::catalogue::Catalogue;

/// A duration as `42 秒`, `12 分钟`, `3.5 小时`, `2.1 天` (or in English).
pub fn duration(ctx: &Ctx, secs: Option<i64>) -> String {
    let one = |m: M, v: String| fill(ctx.t(m), &[&v]);
    match secs {
        None => "–".into(),
        Some(s) if s < 120 => one(M::Seconds, s.to_string()),
        Some(s) if s < 7200 => one(M::Minutes, (s / 60).to_string()),
        Some(s) if s < 172_800 => one(M::Hours, format!("{:.1}", s as f64 / 3600.0)),
        Some(s) => one(M::Days, format!("{:.1}", s as f64 / 86_400.0)),
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or("–".into(), |s| format!("{:.1} %", s * 100.0))
}

/// Horizontal bars, one per `(label, value)`, with the value written beside each.
pub fn bar_chart(title: &str, bars: &[(String, f64, String)]) -> Markup {
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0);
    let (label_w, bar_w, row_h) = (150.0, 380.0, 24.0);
    let height = row_h * bars.len().max(1) as f64 + 8.0;
    html! {
        svg class="chart" role="img" aria-label=(title) width="640" height=(height) viewBox={ "0 0 640 " (height) } xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @for (i, (label, value, shown)) in bars.iter().enumerate() {
                @let y = 4.0 + i as f64 * row_h;
                text x=(label_w - 8.0) y=(y + 16.0) text-anchor="end" font-size="13" fill="#1f2933" { (label) }
                rect x=(label_w) y=(y + 3.0) width=(bar_w * value / max) height=(row_h - 8.0) fill="#0b4f9c" {}
                text x=(label_w + bar_w * value / max + 6.0) y=(y + 16.0) font-size="13" fill="#1f2933" { (shown) }
            }
        }
    }
}

fn figures_row(ctx: &Ctx, name: &str, f: &Figures) -> Markup {
    html! {
        tr {
            th scope="row" { (name) }
            td { (f.applications) } td { (f.reviewed) }
            td { (duration(ctx, f.median_review_secs)) } td { (duration(ctx, f.p90_review_secs)) }
            td { (percent(f.supplement_rate)) } td { (percent(f.refusal_rate)) }
        }
    }
}

fn figures_table(ctx: &Ctx, id: &str, first: M, rows: Markup) -> Markup {
    let headers = [
        M::ColApplications,
        M::ColReviewed,
        M::ColMedian,
        M::ColP90,
        M::ColSupplementRate,
        M::ColRefusalRate,
    ];
    html! {
        table id=(id) {
            tr { th scope="col" { (ctx.t(first)) } @for h in headers { th scope="col" { (ctx.t(h)) } } }
            (rows)
        }
    }
}

pub fn render(ctx: &Ctx, stats: &Stats, catalogue: &Catalogue) -> String {
    let span = |d: Option<township_core::domain::calendar::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let query = format!("from={}&to={}", span(stats.from), span(stats.to));
    let days: Vec<(String, f64, String)> = stats
        .per_day
        .iter()
        .map(|(day, f)| (day.to_string(), f.applications as f64, f.applications.to_string()))
        .collect();
    let stars: Vec<(String, f64, String)> = (1..=5)
        .rev()
        .map(|n| {
            let count = stats.stars.get(&n).copied().unwrap_or(0);
            (fill(ctx.t(M::Stars), &[&n]), count as f64, count.to_string())
        })
        .collect();
    let reasons: Vec<(String, f64, String)> = stats
        .reasons
        .iter()
        .map(|(reason, share)| (reason.clone(), *share, percent(Some(*share))))
        .collect();
    let service = |code: &str| {
        catalogue
            .items
            .iter()
            .find(|i| i.code == code)
            .map_or(code.to_string(), |i| local(ctx, &i.name).to_string())
    };
    let body = html! {
        form method="get" action="/stats" class="filters" id="span" {
            label { (ctx.t(M::FilterFrom)) input type="date" name="from" value=(span(stats.from)); }
            label { (ctx.t(M::StatsTo)) input type="date" name="to" value=(span(stats.to)); }
            button { (ctx.t(M::FilterButton)) }
            a href={ "/stats.csv?" (query) } id="export" { (ctx.t(M::ExportCsv)) }
        }
        (figures_table(ctx, "totals", M::AllCases, figures_row(ctx, ctx.t(M::AllCases), &stats.all)))
        h2 { (ctx.t(M::PerDay)) }
        (bar_chart(ctx.t(M::PerDay), &days))
        h2 { (ctx.t(M::PerService)) }
        (figures_table(ctx, "by-service", M::ColService, html! {
            @for (code, f) in &stats.per_service { (figures_row(ctx, &service(code), f)) }
        }))
        h2 { (ctx.t(M::PerKiosk)) }
        (figures_table(ctx, "by-kiosk", M::ColKiosk, html! {
            @for (kiosk, f) in &stats.per_kiosk { (figures_row(ctx, kiosk, f)) }
        }))
        h2 { (ctx.t(M::Ratings)) }
        p id="ratings" { (fill(ctx.t(M::RatingsCount), &[&stats.ratings])) }
        (bar_chart(ctx.t(M::Ratings), &stars))
        h2 { (ctx.t(M::ReasonShare)) }
        (bar_chart(ctx.t(M::ReasonShare), &reasons))
        h2 { (ctx.t(M::Complaints)) }
        table id="complaints" {
            tr { th scope="col" { (ctx.t(M::ColTopic)) } th scope="col" { (ctx.t(M::ColCount)) } }
            @for (topic, n) in &stats.complaints { tr { td { (topic) } td { (n) } } }
        }
    };
    page(ctx, ctx.t(M::StatsTitle), "/stats", body)
}
