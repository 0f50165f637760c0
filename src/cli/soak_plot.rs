//! The soak's series drawn as an SVG a person can look at: PSS, RSS and the heap in use
//! against journeys on the upper chart, open files and threads on the lower one, the goals'
//! verdicts underneath. Plain SVG 1.1, no script, readable in any browser.

use super::soak_report::{SoakReport, GOAL_GROWTH_MB, GOAL_IDLE_PSS_MB};
use std::fmt::Write;

const WIDTH: f64 = 900.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 160.0;
const CHART_HEIGHT: f64 = 260.0;

/// One line of a chart: its name, colour and points (journeys, value).
struct Line {
    name: &'static str,
    colour: &'static str,
    points: Vec<(f64, f64)>,
}

pub fn svg(report: &SoakReport) -> String {
    let s = &report.series;
    let mem = [
        line("PSS MB", "#c0392b", s.iter().map(|x| (x.journeys, x.pss_mb))),
        line("RSS MB", "#e67e22", s.iter().map(|x| (x.journeys, x.rss_mb))),
        line(
            "heap MB",
            "#2471a3",
            s.iter().filter_map(|x| Some((x.journeys, x.heap_mb?))),
        ),
    ];
    let counts = [
        line(
            "open files",
            "#117a65",
            s.iter().map(|x| (x.journeys, x.open_files as f64)),
        ),
        line("threads", "#7d3c98", s.iter().map(|x| (x.journeys, x.threads as f64))),
    ];
    let height = 60.0 + 2.0 * (CHART_HEIGHT + 70.0) + 22.0 * report.verdicts.len() as f64 + 20.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"28\" font-size=\"17\" font-weight=\"bold\">kiosk bench soak: {} journeys, {} build, {}</text>\n",
        s.last().map_or(0, |x| x.journeys),
        report.build,
        report.window
    );
    let first_pss = s.first().map_or(0.0, |x| x.pss_mb);
    let goals = [
        (GOAL_IDLE_PSS_MB, "idle PSS goal"),
        (first_pss + GOAL_GROWTH_MB, "growth goal"),
    ];
    chart(&mut out, 50.0, "memory (MB)", &mem, &goals);
    chart(
        &mut out,
        50.0 + CHART_HEIGHT + 70.0,
        "open files and threads",
        &counts,
        &[],
    );
    let mut y = 50.0 + 2.0 * (CHART_HEIGHT + 70.0) + 10.0;
    for v in &report.verdicts {
        let colour = if v.met { "#1e8449" } else { "#c0392b" };
        let mark = if v.met { "✔" } else { "✘" };
        let _ = writeln!(
            out,
            "<text x=\"{LEFT}\" y=\"{y}\" fill=\"{colour}\">{mark} {}: {}</text>",
            escape(&v.goal),
            escape(&v.figure)
        );
        y += 22.0;
    }
    out.push_str("</svg>\n");
    out
}

fn line(name: &'static str, colour: &'static str, points: impl Iterator<Item = (u32, f64)>) -> Line {
    Line {
        name,
        colour,
        points: points.map(|(j, v)| (f64::from(j), v)).collect(),
    }
}

/// One chart at `top`: axes with ticks, a polyline per line with its legend, dashed goals.
fn chart(out: &mut String, top: f64, title: &str, lines: &[Line], goals: &[(f64, &str)]) {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let max_x = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let max_y = all.map(|p| p.1).chain(goals.iter().map(|g| g.0)).fold(1.0, f64::max) * 1.1;
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + v / max_x * plot_w;
    let y = |v: f64| top + CHART_HEIGHT - v / max_y * CHART_HEIGHT;
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{}\" font-weight=\"bold\">{}</text>",
        top - 6.0,
        escape(title)
    );
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{top}\" width=\"{plot_w}\" height=\"{CHART_HEIGHT}\" fill=\"none\" stroke=\"#888\"/>"
    );
    for i in 0..=4 {
        let v = max_y * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v:.0}</text><line x1=\"{LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>",
            LEFT - 6.0,
            y(v) + 4.0,
            LEFT + plot_w,
            y(v),
            y(v)
        );
        let j = max_x * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{j:.0}</text>",
            x(j),
            top + CHART_HEIGHT + 16.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">journeys</text>",
        LEFT + plot_w / 2.0,
        top + CHART_HEIGHT + 34.0
    );
    for (value, name) in goals {
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#555\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>",
            LEFT + plot_w,
            y(*value),
            y(*value),
            LEFT + plot_w + 8.0,
            y(*value) + 4.0,
            escape(name)
        );
    }
    for (i, l) in lines.iter().enumerate() {
        let points: Vec<String> = l
            .points
            .iter()
            .map(|(j, v)| format!("{:.1},{:.1}", x(*j), y(*v)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
            l.colour,
            points.join(" ")
        );
        let ly = top + 14.0 + 20.0 * i as f64;
        let _ = writeln!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{}\" stroke-width=\"3\"/><text x=\"{}\" y=\"{}\">{}</text>",
            LEFT + plot_w + 8.0,
            LEFT + plot_w + 30.0,
            l.colour,
            LEFT + plot_w + 36.0,
            ly + 4.0,
            l.name
        );
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
