//! Statistics for the back office over a span of days (China time): applications per day,
//! per kiosk and per service, the pre-review time (from receipt to the first decision:
//! median and p90), the supplement and refusal rates, ratings with the share of each reason,
//! and complaints by topic. Also the case list as CSV (masked, audited). Computed from the
//! rows of the span, at most [`MAX_ROWS`] applications.

use super::*;
use std::collections::BTreeMap;

/// The most applications one statistics page reads.
pub const MAX_ROWS: i64 = 200_000;

/// One case as the statistics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFigures {
    pub receipt_no: String,
    pub case_number: String,
    pub item_code: String,
    pub kiosk_id: String,
    pub status: String,
    pub received_at: i64,
    /// Seconds from receipt to the first pre-review decision, once decided.
    pub review_secs: Option<i64>,
    /// Whether a supplement was ever asked.
    pub supplemented: bool,
}

/// Counts and times of a group of cases (a day, a kiosk, a service, or all).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub applications: u64,
    pub reviewed: u64,
    pub median_review_secs: Option<i64>,
    pub p90_review_secs: Option<i64>,
    /// Share (0–1) of the reviewed cases that were asked for a supplement.
    pub supplement_rate: Option<f64>,
    /// Share (0–1) of the reviewed cases refused.
    pub refusal_rate: Option<f64>,
}

/// What the statistics page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub all: Figures,
    pub per_day: BTreeMap<Date, Figures>,
    pub per_kiosk: BTreeMap<String, Figures>,
    pub per_service: BTreeMap<String, Figures>,
    /// Ratings by stars (1–5).
    pub stars: BTreeMap<i64, u64>,
    pub ratings: u64,
    /// Each reason's share (0–1) of the ratings.
    pub reasons: BTreeMap<String, f64>,
    /// Complaints and consultations by `kind/topic`.
    pub complaints: BTreeMap<String, u64>,
}

/// The value at quantile `q` (nearest rank) of sorted `values`.
fn quantile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The figures of a group of cases.
pub fn figures<'a>(cases: impl Iterator<Item = &'a CaseFigures>) -> Figures {
    let mut f = Figures::default();
    let mut times = Vec::new();
    let (mut supplemented, mut refused) = (0u64, 0u64);
    for case in cases {
        f.applications += 1;
        if let Some(secs) = case.review_secs {
            f.reviewed += 1;
            times.push(secs);
            supplemented += u64::from(case.supplemented);
            refused += u64::from(case.status == "rejected");
        }
    }
    times.sort_unstable();
    f.median_review_secs = quantile(&times, 0.5);
    f.p90_review_secs = quantile(&times, 0.9);
    let share = |n: u64| (f.reviewed > 0).then(|| n as f64 / f.reviewed as f64);
    f.supplement_rate = share(supplemented);
    f.refusal_rate = share(refused);
    f
}

/// A day (China time) as the Unix seconds of its start.
fn day_start(day: Date) -> i64 {
    day.days_since_epoch() * 86_400 - 8 * 3600
}

impl Store {
    /// The cases received from `from` to `to` (days, China time, both included).
    pub fn case_figures(&self, operator: &Operator, from: Option<Date>, to: Option<Date>) -> Result<Vec<CaseFigures>> {
        operator.require(operator.may_review())?;
        let start = from.map_or(0, day_start);
        let end = to.map_or(i64::MAX, |d| day_start(d.add_days(1)));
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT a.receipt_no, a.case_number, a.item_code, a.kiosk_id, a.status, a.received_at, a.reviewed_at, \
                 (SELECT MIN(e.at) FROM case_events e WHERE e.app_key = a.app_key AND e.kind LIKE 'review:%') AS first_review, \
                 (SELECT COUNT(*) FROM case_events e WHERE e.app_key = a.app_key AND e.kind = 'review:supplement') AS supplements \
                 FROM applications a WHERE a.received_at >= $1 AND a.received_at < $2 ORDER BY a.received_at, a.receipt_no LIMIT $3",
                &[start.into(), end.into(), MAX_ROWS.into()],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    let received_at = r.int("received_at");
                    let decided = r.opt_int("first_review").or_else(|| r.opt_int("reviewed_at"));
                    CaseFigures {
                        receipt_no: r.text("receipt_no"),
                        case_number: r.text("case_number"),
                        item_code: r.text("item_code"),
                        kiosk_id: r.text("kiosk_id"),
                        status: r.text("status"),
                        received_at,
                        review_secs: decided.map(|at| (at - received_at).max(0)),
                        supplemented: r.int("supplements") > 0,
                    }
                })
                .collect())
        })
    }

    /// The statistics of the days `from` to `to`.
    pub fn stats(&self, operator: &Operator, from: Option<Date>, to: Option<Date>) -> Result<Stats> {
        let cases = self.case_figures(operator, from, to)?;
        let mut stats = Stats {
            from,
            to,
            all: figures(cases.iter()),
            ..Stats::default()
        };
        let mut by_day: BTreeMap<Date, Vec<&CaseFigures>> = BTreeMap::new();
        let mut by_kiosk: BTreeMap<String, Vec<&CaseFigures>> = BTreeMap::new();
        let mut by_service: BTreeMap<String, Vec<&CaseFigures>> = BTreeMap::new();
        for case in &cases {
            by_day
                .entry(Date::from_unix_china(case.received_at))
                .or_default()
                .push(case);
            by_kiosk.entry(case.kiosk_id.clone()).or_default().push(case);
            by_service.entry(case.item_code.clone()).or_default().push(case);
        }
        stats.per_day = by_day.into_iter().map(|(k, v)| (k, figures(v.into_iter()))).collect();
        stats.per_kiosk = by_kiosk.into_iter().map(|(k, v)| (k, figures(v.into_iter()))).collect();
        stats.per_service = by_service
            .into_iter()
            .map(|(k, v)| (k, figures(v.into_iter())))
            .collect();
        self.feedback_figures(&mut stats, from, to)?;
        Ok(stats)
    }

    /// Ratings (stars and the share of each reason) and complaints by topic in the span.
    fn feedback_figures(&self, stats: &mut Stats, from: Option<Date>, to: Option<Date>) -> Result<()> {
        let start = from.map_or(0, day_start);
        let end = to.map_or(i64::MAX, |d| day_start(d.add_days(1)));
        self.tx(|sql| {
            let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
            for r in sql.query(
                "SELECT stars, reasons FROM ratings WHERE created_at >= $1 AND created_at < $2 LIMIT $3",
                &[start.into(), end.into(), MAX_ROWS.into()],
            )? {
                stats.ratings += 1;
                *stats.stars.entry(r.int("stars")).or_default() += 1;
                let listed: Vec<String> = serde_json::from_str(&r.text("reasons")).unwrap_or_default();
                for reason in listed {
                    *reasons.entry(reason).or_default() += 1;
                }
            }
            stats.reasons = reasons
                .into_iter()
                .map(|(k, n)| (k, n as f64 / stats.ratings.max(1) as f64))
                .collect();
            for r in sql.query(
                "SELECT topic, COUNT(*) AS n FROM complaints WHERE created_at >= $1 AND created_at < $2 GROUP BY topic",
                &[start.into(), end.into()],
            )? {
                stats.complaints.insert(r.text("topic"), r.int("n") as u64);
            }
            Ok(())
        })
    }

    /// The cases of the span as CSV (numbers, service, kiosk, times and states: nothing
    /// personal), written to the audit log first.
    pub fn export_csv(&self, operator: &Operator, from: Option<Date>, to: Option<Date>) -> Result<String> {
        let cases = self.case_figures(operator, from, to)?;
        let span = format!(
            "{} … {} ({} cases)",
            from.map(|d| d.to_string()).unwrap_or_default(),
            to.map(|d| d.to_string()).unwrap_or_default(),
            cases.len()
        );
        self.tx(|sql| audit(sql, &operator.name, "export:csv", &span))?;
        let mut out =
            String::from("receipt_no,case_number,item_code,kiosk_id,status,received_at,review_secs,supplemented\r\n");
        for c in &cases {
            let field = |s: &str| {
                if s.contains([',', '"', '\r', '\n']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\r\n",
                field(&c.receipt_no),
                field(&c.case_number),
                field(&c.item_code),
                field(&c.kiosk_id),
                field(&c.status),
                c.received_at,
                c.review_secs.map(|s| s.to_string()).unwrap_or_default(),
                c.supplemented
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(review_secs: Option<i64>, status: &str, supplemented: bool) -> CaseFigures {
        CaseFigures {
            receipt_no: String::new(),
            case_number: String::new(),
            item_code: String::new(),
            kiosk_id: String::new(),
            status: status.into(),
            received_at: 0,
            review_secs,
            supplemented,
        }
    }

    #[test]
    fn medians_p90_and_rates_count_only_reviewed_cases() {
        let cases: Vec<CaseFigures> = (1..=10)
            .map(|i| case(Some(i * 60), if i == 10 { "rejected" } else { "approved" }, i <= 3))
            .chain([case(None, "received", false)])
            .collect();
        let f = figures(cases.iter());
        assert_eq!((f.applications, f.reviewed), (11, 10));
        assert_eq!((f.median_review_secs, f.p90_review_secs), (Some(300), Some(540)));
        assert_eq!(f.supplement_rate, Some(0.3));
        assert_eq!(f.refusal_rate, Some(0.1));
        assert_eq!(figures([].iter()), Figures::default());
    }
}
