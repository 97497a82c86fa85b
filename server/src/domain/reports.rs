//! Manager reports for a period of business days: the KPIs of
//! [`stats`](crate::domain::stats) per service and desk plus per clerk, arrivals by
//! hour of day in the branch's timezone, and every out-of-turn call with
//! its reason; visitors' ratings per service, desk and clerk with their
//! comments ([`feedback`](crate::domain::feedback)); a CSV export (one row per
//! ticket, with its rating and comment) and two server-drawn SVG bar charts
//! (arrivals by hour, waits per service against the standard).
//!
//! The period rules (defaults, `to >= from`, at most 366 days, 422 for a
//! malformed date) are those of [`stats::compute`], which every route here
//! calls first, so a report and the stats endpoint always agree on what
//! "2026-03-01 to 2026-03-31" means. Clerk figures come from
//! [`stats::compute_for_user`] for the same reason.
//!
//! Charts are plain SVG strings: a bar chart needs a few dozen elements,
//! which is less code than a plotting dependency, and every piece of text
//! that reaches the SVG (service codes, titles) goes through [`xml_escape`].
//! [`bar_chart`] is the one chart drawer: the staffing advice
//! ([`crate::domain::staffing::chart`]) draws with it too. Chart texts are
//! the manager console's (`i18n/<lang>/manager.ftl`, [`ChartTexts`]), so a
//! chart reads in the language of the console that shows it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Timelike as _;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::branches;
use crate::domain::stats::{self, DeskKpis, Kpis, ServiceKpis, StatsQuery};
use crate::error::Result;
use crate::store::Db;
use crate::store::{Exec, q, read};

/// Figures of one clerk: the tickets they called in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClerkKpis {
    /// User.
    pub user_id: i64,
    /// Sign-in name.
    pub username: String,
    /// Figures of the tickets this user called (`issued` counts them).
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// One call out of turn.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, ToSchema)]
pub struct OutOfTurnCall {
    /// Ticket.
    pub ticket_id: i64,
    /// Ticket number, e.g. `A042`.
    pub number: String,
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub service_code: String,
    /// Desk that called it.
    pub desk_id: Option<i64>,
    /// Desk name.
    pub desk_name: Option<String>,
    /// Clerk who called it.
    pub user_id: Option<i64>,
    /// Clerk's sign-in name.
    pub username: Option<String>,
    /// The reason the clerk gave.
    pub reason: String,
    /// Time of the (latest) call, ms since the epoch.
    pub called_at: Option<i64>,
}

/// How many calls out of turn one clerk made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutOfTurnCount {
    /// User; null for calls whose clerk is unknown.
    pub user_id: Option<i64>,
    /// Sign-in name.
    pub username: Option<String>,
    /// Calls out of turn.
    pub count: i64,
}

/// The report of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    /// Branch.
    pub branch_id: i64,
    /// First business day.
    pub from: String,
    /// Last business day.
    pub to: String,
    /// The branch's timezone, in which `arrivals_by_hour` is counted.
    pub timezone: String,
    /// All tickets.
    pub total: Kpis,
    /// Per service.
    pub services: Vec<ServiceKpis>,
    /// Per desk.
    pub desks: Vec<DeskKpis>,
    /// Per clerk of the branch who called at least one ticket.
    pub clerks: Vec<ClerkKpis>,
    /// Tickets issued in each hour of the day, 0 to 23, local time. Transfers
    /// are not arrivals and are left out.
    pub arrivals_by_hour: Vec<i64>,
    /// Calls out of turn, oldest first.
    pub out_of_turn: Vec<OutOfTurnCall>,
    /// Calls out of turn per clerk, most first.
    pub out_of_turn_by_clerk: Vec<OutOfTurnCount>,
    /// Visitors' ratings per service, desk and clerk, and their comments.
    pub feedback: crate::domain::feedback::FeedbackReport,
    /// How well the waits predicted at issue held, per business day and
    /// service, next to the old formula for the same tickets.
    pub prediction_accuracy: Vec<crate::domain::predictions::PredictionAccuracy>,
}

/// Builds the report.
///
/// # Errors
/// Bad dates (422), unknown branch (404), database errors.
pub async fn compute<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<Report> {
    let stats = stats::compute(c, branch_id, from, to, now).await?;
    let branch = branches::get(c, branch_id).await?;
    let tz = branch.calendar().tz;

    let issued: Vec<(i64,)> = c
        .all(
            q(
                "select issued_at from tickets where branch_id = $1 and business_day >= $2
               and business_day <= $3 and transferred_from is null",
            )
            .bind(branch_id)
            .bind(stats.from.as_str())
            .bind(stats.to.as_str()),
        )
        .await?;
    let mut arrivals_by_hour = vec![0_i64; 24];
    for (at,) in issued {
        let hour = crate::utc(at).with_timezone(&tz).hour() as usize;
        arrivals_by_hour[hour] += 1;
    }

    // `called_by` is the clerk of the latest call; the branch's own users
    // only, because `compute_for_user` reads a user's figures in their home
    // branch (an admin calling at a desk has none, see the README gaps).
    let callers: Vec<(i64,)> = c
        .all(
            q(
                "select distinct called_by from tickets where branch_id = $1 and business_day >= $2
               and business_day <= $3 and called_by is not null order by called_by",
            )
            .bind(branch_id)
            .bind(stats.from.as_str())
            .bind(stats.to.as_str()),
        )
        .await?;
    let mut clerks = Vec::new();
    for (user_id,) in callers {
        let user = crate::domain::users::get(c, user_id).await?;
        if user.branch_id != Some(branch_id) {
            continue;
        }
        let own = stats::compute_for_user(
            c,
            &user,
            Some(stats.from.as_str()),
            Some(stats.to.as_str()),
            now,
        )
        .await?;
        clerks.push(ClerkKpis {
            user_id,
            username: own.username,
            kpis: own.kpis,
        });
    }
    clerks.sort_by(|a, b| a.username.cmp(&b.username));

    let out_of_turn: Vec<OutOfTurnCall> = c
        .all(
            q(
                "select t.id as ticket_id, t.number, t.service_id, s.code as service_code,
                      t.desk_id, d.name as desk_name, t.called_by as user_id, u.username,
                      t.out_of_turn_reason as reason, t.called_at
               from tickets t
               join services s on s.id = t.service_id
               left join desks d on d.id = t.desk_id
               left join users u on u.id = t.called_by
               where t.branch_id = $1 and t.business_day >= $2 and t.business_day <= $3
                 and t.out_of_turn_reason is not null
               order by t.called_at, t.id",
            )
            .bind(branch_id)
            .bind(stats.from.as_str())
            .bind(stats.to.as_str()),
        )
        .await?;
    let mut counts: BTreeMap<Option<i64>, OutOfTurnCount> = BTreeMap::new();
    for call in &out_of_turn {
        counts
            .entry(call.user_id)
            .or_insert_with(|| OutOfTurnCount {
                user_id: call.user_id,
                username: call.username.clone(),
                count: 0,
            })
            .count += 1;
    }
    let mut out_of_turn_by_clerk: Vec<OutOfTurnCount> = counts.into_values().collect();
    out_of_turn_by_clerk.sort_by(|a, b| b.count.cmp(&a.count).then(a.username.cmp(&b.username)));
    let feedback = crate::domain::feedback::summary(c, branch_id, &stats.from, &stats.to).await?;
    let prediction_accuracy =
        crate::domain::predictions::accuracy(c, branch_id, &stats.from, &stats.to).await?;

    Ok(Report {
        branch_id,
        from: stats.from,
        to: stats.to,
        timezone: branch.timezone,
        total: stats.total,
        services: stats.services,
        desks: stats.desks,
        clerks,
        arrivals_by_hour,
        out_of_turn,
        out_of_turn_by_clerk,
        feedback,
        prediction_accuracy,
    })
}

// ---------- CSV ----------

/// One ticket as exported.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct TicketLine {
    number: String,
    service_code: String,
    service_name: String,
    standard_wait_s: i64,
    priority: String,
    status: String,
    business_day: String,
    issued_at: i64,
    queued_at: i64,
    called_at: Option<i64>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    desk_name: Option<String>,
    username: Option<String>,
    out_of_turn_reason: Option<String>,
    outcome: Option<String>,
    transferred_from: Option<i64>,
    feedback_rating: Option<i64>,
    feedback_comment: Option<String>,
}

/// The CSV header; [`csv_line`] writes the fields in this order.
pub const CSV_HEADER: &str = "number,service_code,service,priority,status,business_day,issued_at,queued_at,called_at,started_at,finished_at,wait_s,service_s,within_standard,transferred,desk,clerk,out_of_turn_reason,outcome,feedback_rating,feedback_comment";

/// A CSV field per RFC 4180: quoted when it holds a comma, quote or line
/// break, quotes doubled. Free text typed by people (names, reasons,
/// outcomes) that starts with `=`, `+`, `-`, `@` or a tab gets a leading
/// `'`, so a spreadsheet shows it instead of evaluating it as a formula
/// (OWASP "CSV injection"); generated values never start that way.
pub fn csv_field(value: &str, free_text: bool) -> String {
    let guarded;
    let value = if free_text && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

pub(crate) fn csv_line(t: &TicketLine, tz: chrono_tz::Tz) -> String {
    let time = |ms: Option<i64>| {
        ms.map(|ms| {
            crate::utc(ms)
                .with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
    };
    let secs = |from: Option<i64>, to: Option<i64>| match (from, to) {
        (Some(a), Some(b)) => ((b - a).max(0) / 1000).to_string(),
        _ => String::new(),
    };
    // Same rules as stats.rs: a transfer's second leg has no wait of its
    // own, and service time runs from the start (or the call) to the finish
    // of a ticket that was served.
    let wait = if t.transferred_from.is_none() {
        secs(Some(t.queued_at), t.called_at)
    } else {
        String::new()
    };
    let within = match (t.transferred_from, t.called_at) {
        (None, Some(called)) => {
            if (called - t.queued_at).max(0) <= t.standard_wait_s * 1000 {
                "yes"
            } else {
                "no"
            }
        }
        _ => "",
    };
    let service = if t.status == "done" {
        secs(t.started_at.or(t.called_at), t.finished_at)
    } else {
        String::new()
    };
    let fields = [
        csv_field(&t.number, false),
        csv_field(&t.service_code, false),
        csv_field(&t.service_name, true),
        csv_field(&t.priority, false),
        csv_field(&t.status, false),
        csv_field(&t.business_day, false),
        time(Some(t.issued_at)),
        time(Some(t.queued_at)),
        time(t.called_at),
        time(t.started_at),
        time(t.finished_at),
        wait,
        service,
        within.to_owned(),
        if t.transferred_from.is_some() {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
        csv_field(t.desk_name.as_deref().unwrap_or(""), true),
        csv_field(t.username.as_deref().unwrap_or(""), true),
        csv_field(t.out_of_turn_reason.as_deref().unwrap_or(""), true),
        csv_field(t.outcome.as_deref().unwrap_or(""), true),
        t.feedback_rating.map(|r| r.to_string()).unwrap_or_default(),
        csv_field(t.feedback_comment.as_deref().unwrap_or(""), true),
    ];
    fields.join(",")
}

// ---------- SVG charts ----------

/// Escapes text for SVG (XML) content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One series of bars.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Fill colour (a CSS colour).
    pub color: &'static str,
    /// One value per category.
    pub values: Vec<f64>,
}

/// A bar chart to draw with [`bar_chart`].
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Title, also the accessible name.
    pub title: String,
    /// Label under each group of bars.
    pub categories: Vec<String>,
    /// Bars per category, side by side.
    pub series: Vec<Series>,
    /// Unit shown with the values, e.g. "min".
    pub unit: String,
    /// Optional reference value per category, drawn as a dashed line across
    /// its group (the service standard).
    pub marks: Vec<Option<f64>>,
    /// Legend text of the marks.
    pub mark_name: String,
}

/// A "nice" axis maximum and step (1, 2 or 5 times a power of ten) with
/// about five ticks.
fn nice_axis(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let power = 10_f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    ((max / step).ceil() * step, step)
}

fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Draws a bar chart as a standalone SVG document.
pub fn bar_chart(chart: &BarChart) -> String {
    const W: f64 = 760.0;
    const H: f64 = 320.0;
    let (left, right, top, bottom) = (48.0, 12.0, 40.0, 56.0);
    let plot_w = W - left - right;
    let plot_h = H - top - bottom;
    let data_max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .chain(chart.marks.iter().flatten().copied())
        .fold(0.0_f64, f64::max);
    let (axis_max, step) = nice_axis(data_max);
    let y = |v: f64| top + plot_h - (v / axis_max) * plot_h;
    let title = xml_escape(&chart.title);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{title}" font-family="system-ui, sans-serif" font-size="12">"#
    );
    let _ = write!(s, "<title>{title}</title>");
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/><text x="{left}" y="22" font-size="15" font-weight="600" fill="#111418">{title}</text>"##
    );
    // Grid and y axis labels.
    let mut tick = 0.0;
    while tick <= axis_max + step / 2.0 {
        let ty = y(tick);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{ty:.1}" y2="{ty:.1}" stroke="#dde3ea"/><text x="{}" y="{:.1}" text-anchor="end" fill="#4a5360">{}</text>"##,
            W - right,
            left - 6.0,
            ty + 4.0,
            number(tick)
        );
        tick += step;
    }
    // The unit from the left edge: a translated unit ("stanowiska") is
    // longer than the margin left of the axis.
    let _ = write!(
        s,
        r##"<text x="4" y="{}" fill="#4a5360">{}</text>"##,
        top - 8.0,
        xml_escape(&chart.unit)
    );
    let n = chart.categories.len().max(1) as f64;
    let group_w = plot_w / n;
    let k = chart.series.len().max(1) as f64;
    let bar_w = (group_w * 0.8 / k).min(40.0);
    let label_every = if chart.categories.len() > 16 { 2 } else { 1 };
    for (i, category) in chart.categories.iter().enumerate() {
        let gx = left + group_w * i as f64;
        let start = gx + (group_w - bar_w * k) / 2.0;
        let cat = xml_escape(category);
        for (j, series) in chart.series.iter().enumerate() {
            let v = series.values.get(i).copied().unwrap_or(0.0).max(0.0);
            let bx = start + bar_w * j as f64;
            let by = y(v);
            let _ = write!(
                s,
                r#"<rect class="bar" data-category="{cat}" data-series="{j}" data-value="{}" x="{bx:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{cat}: {} {} {}</title></rect>"#,
                number(v),
                (bar_w - 2.0).max(1.0),
                (top + plot_h - by).max(0.0),
                series.color,
                xml_escape(&series.name),
                number(v),
                xml_escape(&chart.unit),
            );
        }
        if let Some(Some(mark)) = chart.marks.get(i) {
            let my = y(*mark);
            let _ = write!(
                s,
                r##"<line class="mark" x1="{:.1}" x2="{:.1}" y1="{my:.1}" y2="{my:.1}" stroke="#a4161a" stroke-width="2" stroke-dasharray="5 3"><title>{cat}: {} {} {}</title></line>"##,
                start - 4.0,
                start + bar_w * k + 2.0,
                xml_escape(&chart.mark_name),
                number(*mark),
                xml_escape(&chart.unit),
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#111418">{cat}</text>"##,
                gx + group_w / 2.0,
                top + plot_h + 16.0
            );
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#4a5360"/>"##,
        W - right,
        top + plot_h,
        top + plot_h
    );
    // Legend.
    let mut lx = left;
    let ly = H - 14.0;
    for series in &chart.series {
        let name = xml_escape(&series.name);
        let _ = write!(
            s,
            r##"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{ly}" fill="#111418">{name}</text>"##,
            ly - 10.0,
            series.color,
            lx + 16.0
        );
        lx += 24.0 + 7.0 * series.name.chars().count() as f64;
    }
    if chart.marks.iter().any(Option::is_some) {
        let _ = write!(
            s,
            r##"<line x1="{lx}" x2="{}" y1="{}" y2="{}" stroke="#a4161a" stroke-width="2" stroke-dasharray="5 3"/><text x="{}" y="{ly}" fill="#111418">{}</text>"##,
            lx + 14.0,
            ly - 4.0,
            ly - 4.0,
            lx + 18.0,
            xml_escape(&chart.mark_name)
        );
    }
    s.push_str("</svg>");
    s
}

/// The texts of the charts in `lang` (the manager console's, English
/// where it has no translation): `text(id)` with `{$name}`s filled in.
pub struct ChartTexts(BTreeMap<String, String>);

impl ChartTexts {
    /// The manager console's texts in `lang`, else in English.
    pub fn new(lang: Option<&str>) -> Self {
        let load = |lang: &str| {
            let source = crate::domain::visitor::ftl_source("manager", lang).ok()?;
            let source = std::str::from_utf8(&source).ok()?.to_owned();
            crate::domain::visitor::format_all(lang, &source, &BTreeMap::new()).ok()
        };
        let mut texts = load("en").unwrap_or_default();
        if let Some(own) = lang.filter(|l| *l != "en").and_then(load) {
            texts.extend(own);
        }
        Self(texts)
    }

    /// The message `id` with `vars` filled in; the id itself when missing.
    pub fn text(&self, id: &str, vars: &[(&str, &str)]) -> String {
        let mut text = self.0.get(id).cloned().unwrap_or_else(|| id.to_owned());
        for (name, value) in vars {
            text = text.replace(&format!("{{${name}}}"), value);
        }
        text
    }
}

/// Arrivals by hour as a chart.
pub fn arrivals_chart(report: &Report, texts: &ChartTexts) -> BarChart {
    BarChart {
        title: texts.text(
            "chart-arrivals-title",
            &[
                ("from", &report.from),
                ("to", &report.to),
                ("timezone", &report.timezone),
            ],
        ),
        categories: (0..24).map(|h| format!("{h:02}")).collect(),
        series: vec![Series {
            name: texts.text("chart-tickets-issued", &[]),
            color: "#0b5cad",
            values: report.arrivals_by_hour.iter().map(|&n| n as f64).collect(),
        }],
        unit: texts.text("chart-unit-tickets", &[]),
        marks: Vec::new(),
        mark_name: String::new(),
    }
}

/// Waits per service against the standard, in minutes, as a chart.
pub fn waits_chart(report: &Report, texts: &ChartTexts) -> BarChart {
    let minutes = |s: Option<f64>| s.map_or(0.0, |s| (s / 6.0).round() / 10.0);
    BarChart {
        title: texts.text(
            "chart-waits-title",
            &[("from", &report.from), ("to", &report.to)],
        ),
        categories: report.services.iter().map(|s| s.code.clone()).collect(),
        series: vec![
            Series {
                name: texts.text("chart-average-wait", &[]),
                color: "#0b5cad",
                values: report
                    .services
                    .iter()
                    .map(|s| minutes(s.kpis.avg_wait_s))
                    .collect(),
            },
            Series {
                name: texts.text("chart-p90-wait", &[]),
                color: "#7fa7d4",
                values: report
                    .services
                    .iter()
                    .map(|s| minutes(s.kpis.p90_wait_s))
                    .collect(),
            },
        ],
        unit: texts.text("chart-unit-min", &[]),
        marks: report
            .services
            .iter()
            .map(|s| Some(s.standard_wait_s as f64 / 60.0))
            .collect(),
        mark_name: texts.text("chart-standard", &[]),
    }
}

/// Query of the chart routes: the period of [`StatsQuery`] and the
/// language of the chart's texts.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    /// First business day `YYYY-MM-DD` (default: today).
    pub from: Option<String>,
    /// Last business day `YYYY-MM-DD`, inclusive (default: `from`).
    pub to: Option<String>,
    /// Language of the texts, one of the manager console's (default and
    /// fallback: English).
    pub lang: Option<String>,
}

/// Every ticket of a period as CSV (the period rules of [`stats::compute`]):
/// the period's first and last day, and the CSV text.
///
/// # Errors
/// Validation errors for a bad period; NotFound.
pub async fn export_csv(
    db: &Db,
    branch_id: i64,
    query: &StatsQuery,
    now: i64,
) -> Result<(String, String, String)> {
    read!(db, |c| {
        // Computed for its period rules only (see the module comment); the
        // extra scan is cheap next to the export itself.
        let stats = stats::compute(
            c,
            branch_id,
            query.from.as_deref(),
            query.to.as_deref(),
            now,
        )
        .await?;
        let tz = branches::get(c, branch_id).await?.calendar().tz;
        let lines: Vec<TicketLine> = c
            .all(
                q("select t.number, s.code as service_code, s.name as service_name, s.standard_wait_s,
                          t.priority, t.status, t.business_day, t.issued_at, t.queued_at, t.called_at,
                          t.started_at, t.finished_at, d.name as desk_name, u.username,
                          t.out_of_turn_reason, t.outcome, t.transferred_from,
                          f.rating as feedback_rating, f.comment as feedback_comment
                   from tickets t
                   join services s on s.id = t.service_id
                   left join desks d on d.id = t.desk_id
                   left join users u on u.id = t.called_by
                   left join feedback f on f.ticket_id = t.id
                   where t.branch_id = $1 and t.business_day >= $2 and t.business_day <= $3
                   order by t.issued_at, t.id")
                .bind(branch_id)
                .bind(stats.from.as_str())
                .bind(stats.to.as_str()),
            )
            .await
            .map_err(crate::error::AppError::from)?;
        let mut body = String::with_capacity(64 + lines.len() * 160);
        body.push_str(CSV_HEADER);
        body.push_str("\r\n");
        for line in &lines {
            body.push_str(&csv_line(line, tz));
            body.push_str("\r\n");
        }
        Ok::<_, crate::error::AppError>((stats.from, stats.to, body))
    })
}

#[cfg(test)]
mod tests {
    use super::{csv_field, nice_axis, xml_escape};

    #[test]
    fn csv_quotes_and_guards_formulas() {
        assert_eq!(csv_field("plain", true), "plain");
        assert_eq!(csv_field("a,b", false), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines", false), "\"two\nlines\"");
        assert_eq!(csv_field("=SUM(A1)", true), "'=SUM(A1)");
        assert_eq!(csv_field("=1,2", true), "\"'=1,2\"");
        assert_eq!(csv_field("-5", false), "-5");
    }

    #[test]
    fn svg_text_is_escaped() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'</a>\u{7}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
    }

    #[test]
    fn axis_is_nice() {
        assert_eq!(nice_axis(0.0), (1.0, 0.2));
        assert_eq!(nice_axis(7.0), (8.0, 2.0));
        assert_eq!(nice_axis(23.0), (25.0, 5.0));
        assert_eq!(nice_axis(100.0), (100.0, 20.0));
    }
}
