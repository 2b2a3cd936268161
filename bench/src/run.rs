//! One scenario against a running server: worker processes hold the visitor
//! sockets, this process drives the HTTP side and watches the server in /proc.

use crate::drive::{self, Drive, Kind, Target};
use crate::procfs;
use crate::report::{self, Latency};
use crate::worker::Report;
use futures_util::StreamExt;
use serde::Serialize;
use std::net::Ipv4Addr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

#[derive(Clone, Debug, clap::Args)]
pub struct Scenario {
    /// The server, http://IP:PORT.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    pub url: String,
    /// The server's process id, to read its RSS, CPU and open files from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Visitor sockets to open, each with its own lead and subscription.
    #[arg(long, default_value_t = 0)]
    pub visitors: usize,
    /// Worker processes to hold them (each below the per-process file limit).
    #[arg(long, default_value_t = 4)]
    pub procs: usize,
    /// Open the sockets in steps of these totals (comma-separated), measuring RSS at each.
    #[arg(long, value_delimiter = ',')]
    pub steps: Vec<usize>,
    /// Seconds to watch the server's CPU with every socket open and idle.
    #[arg(long, default_value_t = 0)]
    pub idle_secs: u64,
    /// Staff replies per second, spread over the visitors' conversations.
    #[arg(long, default_value_t = 0.0)]
    pub reply_rate: f64,
    /// Visitor messages per second (into the visitors' conversations, or into
    /// `--ingest-convs` conversations of their own when there are no visitors).
    #[arg(long, default_value_t = 0.0)]
    pub message_rate: f64,
    /// Post visitor messages as fast as `--concurrency` clients go (the ingest test).
    #[arg(long)]
    pub ingest: bool,
    /// Conversations the ingest test writes into.
    #[arg(long, default_value_t = 1000)]
    pub ingest_convs: usize,
    /// Requests in flight at most, per driver.
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
    /// Seconds to drive replies and messages.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
}

impl Default for Scenario {
    /// Nothing driven: set what a scenario needs, e.g. `Scenario { ingest: true, ..Scenario::default() }`.
    fn default() -> Self {
        Self {
            url: String::new(),
            pid: None,
            visitors: 0,
            procs: 4,
            steps: Vec::new(),
            idle_secs: 0,
            reply_rate: 0.0,
            message_rate: 0.0,
            ingest: false,
            ingest_convs: 1000,
            concurrency: 256,
            duration: 10,
        }
    }
}

/// What a scenario measured.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub visitors_open: usize,
    pub open_failures: usize,
    /// File or port limits hit, on either side: a figure measured past one is not reported.
    pub limits: Vec<String>,
    pub errors: Vec<String>,
    /// (open sockets, server RSS bytes), from the baseline with every lead created.
    pub rss_steps: Vec<(usize, u64)>,
    pub per_socket_bytes: Option<f64>,
    /// The slope over the upper half of the steps: what one more socket costs once
    /// the bounded caches (SQLite's page cache, the allocator's) have filled.
    pub marginal_bytes_per_socket: Option<f64>,
    pub idle_cpu_percent: Option<f64>,
    pub server_fds: Option<u64>,
    pub server_fd_limit: Option<u64>,
    pub replies: Option<Drive>,
    pub messages: Option<Drive>,
    /// Staff reply HTTP request → `message` frame on the visitor socket.
    pub latency: Option<Latency>,
    /// Staff reply HTTP request → 201.
    pub reply_ack: Option<Latency>,
    pub message_ack: Option<Latency>,
    /// Per second: (second, p50 ms, p99 ms).
    #[serde(skip)]
    pub latency_series: Vec<(f64, f64, f64)>,
    pub received: Option<Report>,
    /// Committed (201) but never delivered to the subscribed socket.
    pub lost: u64,
    pub load_cpu_percent: Option<f64>,
    /// Server CPU (user + system) per committed message or reply over the drive, in ms:
    /// what a message costs the server, whatever the load (issue 22).
    pub cpu_ms_per_commit: Option<f64>,
    pub peak_rss: Option<u64>,
    /// Committed messages per second over the drive.
    pub throughput: Option<f64>,
}

impl Outcome {
    /// Errors or lost messages: what fails the smoke test (speed never does).
    pub fn faults(&self) -> Vec<String> {
        let mut faults = self.limits.clone();
        faults.extend(self.errors.iter().cloned());
        if self.open_failures > 0 {
            faults.push(format!("{} sockets failed to open", self.open_failures));
        }
        for (what, drive) in [("replies", &self.replies), ("messages", &self.messages)] {
            if let Some(d) = drive.as_ref().filter(|d| d.failed() > 0) {
                faults.push(format!("{what}: {} failed: {:?}", d.failed(), d.failures));
            }
        }
        if let Some(r) = &self.received
            && (r.gaps > 0 || r.closed > 0 || r.error_count > 0)
        {
            faults.push(format!(
                "sockets: {} seq gaps, {} closed, {} errors {:?}",
                r.gaps, r.closed, r.error_count, r.errors
            ));
        }
        if self.lost > 0 {
            faults.push(format!("{} committed messages never arrived", self.lost));
        }
        faults
    }
}

struct WorkerProc {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// The worker processes.
struct Fleet {
    workers: Vec<WorkerProc>,
}

impl Fleet {
    fn spawn(base: &str, procs: usize) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut workers = Vec::new();
        for i in 0..procs {
            // 127.0.0.2, .3, …: each worker its own source address and port range.
            let source = Ipv4Addr::new(127, 0, 0, 2 + u8::try_from(i).map_err(|e| e.to_string())?);
            let mut child = Command::new(&exe)
                .args(["worker", "--url", base, "--source", &source.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("cannot start a worker: {e}"))?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return Err("worker without pipes".into());
            };
            workers.push(WorkerProc {
                child,
                stdin,
                lines: BufReader::new(stdout).lines(),
            });
        }
        Ok(Self { workers })
    }

    /// Sends `command n_i` to each worker, `total` split evenly.
    async fn command(&mut self, command: &str, total: usize) -> Result<(), String> {
        let n = self.workers.len();
        for (i, w) in self.workers.iter_mut().enumerate() {
            let share = total / n + usize::from(i < total % n);
            w.stdin
                .write_all(format!("{command} {share}\n").as_bytes())
                .await
                .map_err(|e| format!("worker gone: {e}"))?;
        }
        Ok(())
    }

    /// Reads each worker's lines up to its `done` line; returns the other lines and
    /// the done lines' (ok, failed, note).
    async fn collect(
        &mut self,
        done: &str,
        mut line: impl FnMut(&str),
    ) -> Result<(usize, usize, Vec<String>), String> {
        let (mut ok, mut failed, mut notes) = (0, 0, Vec::new());
        for w in &mut self.workers {
            loop {
                let Some(text) = w.lines.next_line().await.map_err(|e| e.to_string())? else {
                    let status = w.child.wait().await.map_err(|e| e.to_string())?;
                    return Err(format!("a worker exited: {status}"));
                };
                let Some(rest) = text.strip_prefix(done) else {
                    line(&text);
                    continue;
                };
                let mut words = rest.split_whitespace();
                ok += words
                    .next()
                    .and_then(|w| w.parse::<usize>().ok())
                    .unwrap_or(0);
                failed += words
                    .next()
                    .and_then(|w| w.parse::<usize>().ok())
                    .unwrap_or(0);
                let note = words.collect::<Vec<_>>().join(" ");
                if !note.is_empty() && !notes.contains(&note) {
                    notes.push(note);
                }
                break;
            }
        }
        Ok((ok, failed, notes))
    }

    async fn report(&mut self) -> Result<Report, String> {
        let mut total = Report::default();
        self.command("report", 0).await?;
        for w in &mut self.workers {
            let line = w
                .lines
                .next_line()
                .await
                .map_err(|e| e.to_string())?
                .ok_or("a worker exited")?;
            let json = line
                .strip_prefix("report ")
                .ok_or("unexpected worker line")?;
            total.merge(serde_json::from_str(json).map_err(|e| e.to_string())?);
        }
        Ok(total)
    }
}

/// Splits a worker's note into the limits list or the errors list.
fn file_notes(notes: Vec<String>, outcome: &mut Outcome) {
    for note in notes {
        match note.strip_prefix("LIMIT ") {
            Some(limit) => outcome.limits.push(format!("generator: {limit}")),
            None => outcome.errors.push(note),
        }
    }
}

fn say(message: &str) {
    eprintln!("[bench] {message}");
}

pub async fn run(s: &Scenario) -> Result<Outcome, String> {
    let base = s.url.trim_end_matches('/').to_owned();
    let mut outcome = Outcome::default();
    let sample = || s.pid.and_then(procfs::sample);
    if let Some(pid) = s.pid {
        outcome.server_fd_limit = procfs::open_file_limit(pid);
    }
    let http = drive::client(s.concurrency)?;
    let mut targets = Vec::new();
    let mut fleet = None;
    if s.visitors > 0 {
        let mut f = Fleet::spawn(&base, s.procs.max(1))?;
        say(&format!("creating {} leads", s.visitors));
        f.command("leads", s.visitors).await?;
        let (ok, failed, notes) = f.collect("leads ", |_| {}).await?;
        file_notes(notes, &mut outcome);
        if failed > 0 {
            outcome.errors.push(format!("{failed} leads failed"));
        }
        // Settle so the baseline holds the leads' database pages and allocator state.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let baseline = sample();
        if let Some(b) = baseline {
            outcome.rss_steps.push((0, b.rss));
        }
        let mut steps: Vec<usize> = s.steps.iter().copied().filter(|&n| n < ok).collect();
        steps.push(ok);
        for step in steps {
            let more = step - outcome.visitors_open;
            let (opened, failed, notes) = {
                f.command("open", more).await?;
                f.collect("opened ", |line| {
                    let mut words = line.split_whitespace().skip(1);
                    if let (Some(conv_id), Some(token)) = (words.next(), words.next()) {
                        targets.push(Target {
                            conv_id: conv_id.to_owned(),
                            token: token.to_owned(),
                        });
                    }
                })
                .await?
            };
            outcome.visitors_open += opened;
            outcome.open_failures += failed;
            file_notes(notes, &mut outcome);
            tokio::time::sleep(Duration::from_secs(2)).await;
            if let Some(now) = sample() {
                say(&format!(
                    "{} sockets open, server RSS {:.1} MiB, {} fds",
                    outcome.visitors_open,
                    now.rss as f64 / 1048576.0,
                    now.fds
                ));
                outcome.rss_steps.push((outcome.visitors_open, now.rss));
                outcome.server_fds = Some(now.fds);
            } else {
                say(&format!("{} sockets open", outcome.visitors_open));
            }
            if failed > 0 {
                break;
            }
        }
        if let (Some(limit), Some(fds)) = (outcome.server_fd_limit, outcome.server_fds)
            && fds + 16 >= limit
        {
            outcome
                .limits
                .push(format!("server: {fds} open files of its limit {limit}"));
        }
        if let (Some(&(_, first)), Some(&(n, last))) =
            (outcome.rss_steps.first(), outcome.rss_steps.last())
            && n > 0
            && outcome.limits.is_empty()
        {
            outcome.per_socket_bytes = Some((last as f64 - first as f64) / n as f64);
            if let Some(&(m, mid)) = outcome.rss_steps.iter().find(|s| s.0 >= n / 2)
                && m < n
            {
                outcome.marginal_bytes_per_socket =
                    Some((last as f64 - mid as f64) / (n - m) as f64);
            }
        }
        if s.idle_secs > 0 {
            let before = sample();
            tokio::time::sleep(Duration::from_secs(s.idle_secs)).await;
            if let (Some(a), Some(b)) = (before, sample()) {
                outcome.idle_cpu_percent = Some(procfs::cpu_percent(&a, &b));
            }
        }
        fleet = Some(f);
    }
    let duration = Duration::from_secs(s.duration);
    let drives_messages = s.ingest || s.message_rate > 0.0;
    if s.visitors == 0 && drives_messages {
        say(&format!(
            "creating {} conversations to write into",
            s.ingest_convs
        ));
        let leads: Vec<_> = futures_util::stream::iter(0..s.ingest_convs)
            .map(|i| drive::create_lead(&http, &base, i))
            .buffer_unordered(16)
            .collect()
            .await;
        for lead in leads {
            let lead = lead.map_err(|e| format!("lead: {e}"))?;
            targets.push(Target {
                conv_id: lead.conv_id.0,
                token: lead.visitor_token,
            });
        }
    }
    if s.reply_rate > 0.0 || drives_messages {
        let targets = Arc::new(targets);
        let reply_job = (s.reply_rate > 0.0).then_some(async {
            let staff_token = drive::login(&http, &base).await?;
            Ok::<_, String>(
                drive::drive(
                    http.clone(),
                    base.clone(),
                    Kind::Reply { staff_token },
                    targets.clone(),
                    Some(s.reply_rate),
                    s.concurrency,
                    duration,
                )
                .await,
            )
        });
        let message_job = drives_messages.then(|| {
            drive::drive(
                http.clone(),
                base.clone(),
                Kind::Message,
                targets.clone(),
                (!s.ingest).then_some(s.message_rate),
                s.concurrency,
                duration,
            )
        });
        say(&format!("driving for {} s", s.duration));
        let before = sample();
        let monitor = async {
            let mut peak = 0;
            let end = tokio::time::Instant::now() + duration;
            while tokio::time::Instant::now() < end {
                tokio::time::sleep(Duration::from_millis(500)).await;
                peak = sample().map_or(peak, |x| x.rss.max(peak));
            }
            peak
        };
        let (replies, messages, peak) = tokio::join!(
            async {
                match reply_job {
                    Some(job) => job.await.map(Some),
                    None => Ok(None),
                }
            },
            async {
                match message_job {
                    Some(job) => Some(job.await),
                    None => None,
                }
            },
            monitor
        );
        let after = sample();
        if let (Some(a), Some(b)) = (before, after) {
            outcome.load_cpu_percent = Some(procfs::cpu_percent(&a, &b));
            outcome.peak_rss = Some(peak.max(b.rss));
        }
        let mut replies = replies?;
        let mut messages = messages;
        outcome.reply_ack = replies
            .as_mut()
            .map(|d| report::latency(std::mem::take(&mut d.ack_us)));
        outcome.message_ack = messages
            .as_mut()
            .map(|d| report::latency(std::mem::take(&mut d.ack_us)));
        outcome.throughput = messages
            .as_ref()
            .or(replies.as_ref())
            .map(|d| d.ok as f64 / duration.as_secs_f64());
        let committed =
            messages.as_ref().map_or(0, |d| d.ok) + replies.as_ref().map_or(0, |d| d.ok);
        if let (Some(a), Some(b), true) = (before, after, committed > 0) {
            outcome.cpu_ms_per_commit =
                Some(procfs::cpu_seconds(&a, &b) * 1000.0 / committed as f64);
        }
        if let Some(f) = fleet.as_mut() {
            // Let the last deliveries land.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let received = f.report().await?;
            let expected_replies = replies.as_ref().map_or(0, |d| d.ok);
            let expected_messages = messages.as_ref().map_or(0, |d| d.ok);
            outcome.lost = expected_replies.saturating_sub(received.replies)
                + expected_messages.saturating_sub(received.messages);
            outcome.latency_series = report::per_second(&received.samples);
            outcome.latency = Some(report::latency(
                received.samples.iter().map(|s| s.1).collect(),
            ));
            outcome.received = Some(Report {
                samples: Vec::new(),
                ..received
            });
        }
        outcome.replies = replies;
        outcome.messages = messages;
    } else if let Some(f) = fleet.as_mut() {
        // Sockets that broke while idle are faults too.
        let received = f.report().await?;
        outcome.received = Some(received);
    }
    Ok(outcome)
}

/// A one-screen summary of an outcome.
pub fn summary(o: &Outcome) -> String {
    let mut lines = Vec::new();
    let mib = |b: u64| b as f64 / 1048576.0;
    if o.visitors_open > 0 {
        lines.push(format!("visitor sockets open: {}", o.visitors_open));
    }
    if let Some(b) = o.per_socket_bytes {
        lines.push(format!("server RSS per idle socket: {:.2} KiB", b / 1024.0));
    }
    if let Some(b) = o.marginal_bytes_per_socket {
        lines.push(format!(
            "  marginal, over the upper half of the steps: {:.2} KiB",
            b / 1024.0
        ));
    }
    if let Some(c) = o.idle_cpu_percent {
        lines.push(format!("server CPU, all sockets idle: {c:.2}% of one core"));
    }
    if let Some(l) = &o.latency {
        lines.push(format!(
            "reply → visitor socket (ms): p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  (n={})",
            l.p50, l.p90, l.p99, l.p999, l.max, l.count
        ));
    }
    if let Some(l) = &o.reply_ack {
        lines.push(format!(
            "reply → 201 (ms): p50 {:.2}  p99 {:.2}  max {:.2}",
            l.p50, l.p99, l.max
        ));
    }
    if let Some(l) = &o.message_ack {
        lines.push(format!(
            "visitor message → 201 (ms): p50 {:.2}  p99 {:.2}  max {:.2}",
            l.p50, l.p99, l.max
        ));
    }
    for (what, d) in [("replies", &o.replies), ("visitor messages", &o.messages)] {
        if let Some(d) = d {
            lines.push(format!(
                "{what}: {} sent, {} committed, {} failed, {} not started on time",
                d.sent,
                d.ok,
                d.failed(),
                d.skipped
            ));
        }
    }
    if let Some(t) = o.throughput {
        lines.push(format!("committed per second: {t:.0}"));
    }
    if let Some(c) = o.load_cpu_percent {
        lines.push(format!("server CPU under load: {c:.0}% of one core"));
    }
    if let Some(c) = o.cpu_ms_per_commit {
        lines.push(format!("server CPU per committed message: {c:.3} ms"));
    }
    if let Some(p) = o.peak_rss {
        lines.push(format!("server peak RSS: {:.1} MiB", mib(p)));
    }
    let faults = o.faults();
    if faults.is_empty() {
        lines.push("no errors, no lost messages".into());
    } else {
        lines.extend(faults.into_iter().map(|f| format!("FAULT: {f}")));
    }
    lines.join("\n")
}
