//! Percentiles, and line charts written straight to SVG (no plotting dependency).

use serde::Serialize;
use std::fmt::Write;

/// A latency distribution, in milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// The nearest-rank percentile of sorted µs values, in ms.
fn rank(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // The epsilon keeps 99.9% of 1000 at rank 999 despite floating point.
    let i = (p / 100.0 * sorted.len() as f64 - 1e-9).ceil() as usize;
    f64::from(sorted[i.clamp(1, sorted.len()) - 1]) / 1000.0
}

pub fn latency(mut us: Vec<u32>) -> Latency {
    us.sort_unstable();
    Latency {
        count: us.len(),
        p50: rank(&us, 50.0),
        p90: rank(&us, 90.0),
        p99: rank(&us, 99.0),
        p999: rank(&us, 99.9),
        max: rank(&us, 100.0),
    }
}

/// Per second of send time: (second since the first send, p50 ms, p99 ms).
pub fn per_second(samples: &[(u64, u32)]) -> Vec<(f64, f64, f64)> {
    let Some(start) = samples.iter().map(|s| s.0).min() else {
        return Vec::new();
    };
    let mut buckets: Vec<Vec<u32>> = Vec::new();
    for &(sent_ms, us) in samples {
        let second = ((sent_ms - start) / 1000) as usize;
        if buckets.len() <= second {
            buckets.resize_with(second + 1, Vec::new);
        }
        buckets[second].push(us);
    }
    buckets
        .into_iter()
        .enumerate()
        .filter(|(_, b)| !b.is_empty())
        .map(|(second, b)| {
            let l = latency(b);
            (second as f64, l.p50, l.p99)
        })
        .collect()
}

pub struct Line<'a> {
    pub label: String,
    pub color: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// Rounds a span up to 1, 2 or 5 × 10^k, for readable axis steps.
fn nice(span: f64) -> f64 {
    if span <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(span.log10().floor());
    let fraction = span / magnitude;
    let step = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    step * magnitude
}

/// A line chart from zero on both axes.
pub fn svg(title: &str, x_label: &str, y_label: &str, lines: &[Line]) -> String {
    const W: f64 = 760.0;
    const H: f64 = 420.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 50.0;
    let points = lines.iter().flat_map(|l| l.points.iter());
    let (x_max, y_max) = points.fold((0.0f64, 0.0f64), |(x, y), p| (x.max(p.0), y.max(p.1)));
    let x_step = nice(x_max / 5.0);
    let y_step = nice(y_max / 5.0);
    let x_top = (x_max / x_step).ceil().max(1.0) * x_step;
    let y_top = (y_max / y_step).ceil().max(1.0) * y_step;
    let px = |x: f64| LEFT + x / x_top * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - y / y_top * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/><text x="{}" y="22" text-anchor="middle" font-size="15">{title}</text>"##,
        W / 2.0
    );
    let mut tick = 0.0;
    while tick <= y_top + y_step / 2.0 {
        let y = py(tick);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            fmt_tick(tick)
        );
        tick += y_step;
    }
    let mut tick = 0.0;
    while tick <= x_top + x_step / 2.0 {
        let x = px(tick);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 5.0,
            H - BOTTOM + 18.0,
            fmt_tick(tick)
        );
        tick += x_step;
    }
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#333"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#333"/><text x="{cx}" y="{xl}" text-anchor="middle">{x_label}</text><text transform="translate(16 {cy}) rotate(-90)" text-anchor="middle">{y_label}</text>"##,
        b = H - BOTTOM,
        r = W - RIGHT,
        cx = (LEFT + W - RIGHT) / 2.0,
        xl = H - 10.0,
        cy = (TOP + H - BOTTOM) / 2.0,
    );
    for (i, line) in lines.iter().enumerate() {
        let path: Vec<String> = line
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(
            s,
            r##"<polyline fill="none" stroke="{c}" stroke-width="1.8" points="{p}"/>"##,
            c = line.color,
            p = path.join(" ")
        );
        if line.points.len() < 20 {
            for &(x, y) in &line.points {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"##,
                    px(x),
                    py(y),
                    line.color
                );
            }
        }
        let ly = TOP + 8.0 + 18.0 * i as f64;
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="14" height="4" fill="{c}"/><text x="{:.1}" y="{:.1}">{}</text>"##,
            LEFT + 14.0,
            ly - 4.0,
            LEFT + 34.0,
            ly + 1.0,
            line.label,
            c = line.color,
        );
    }
    s.push_str("</svg>\n");
    s
}

fn fmt_tick(v: f64) -> String {
    if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = latency((1..=1000).map(|ms| ms * 1000).collect());
        assert_eq!(l.count, 1000);
        assert_eq!(l.p50, 500.0);
        assert_eq!(l.p99, 990.0);
        assert_eq!(l.p999, 999.0);
        assert_eq!(l.max, 1000.0);
        assert_eq!(latency(Vec::new()).max, 0.0);
    }

    #[test]
    fn per_second_buckets_by_send_time() {
        let series = per_second(&[(10_000, 1000), (10_500, 3000), (11_200, 2000)]);
        assert_eq!(series, vec![(0.0, 1.0, 3.0), (1.0, 2.0, 2.0)]);
    }

    #[test]
    fn chart_is_svg_with_every_line() {
        let chart = svg(
            "t",
            "x",
            "y",
            &[Line {
                label: "p50".into(),
                color: "#00f",
                points: vec![(0.0, 1.0), (1.0, 2.5)],
            }],
        );
        assert!(chart.starts_with("<svg") && chart.contains("<polyline") && chart.contains("p50"));
    }
}
