//! The server's resource use, read from /proc (Linux only, like the targets).

use std::time::Instant;

/// One reading of a process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub at: Instant,
    /// Resident set size, bytes (VmRSS).
    pub rss: u64,
    /// User + system CPU time, clock ticks.
    pub cpu_ticks: u64,
    /// Open file descriptors.
    pub fds: u64,
}

pub fn sample(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start at `state`;
    // utime and stime are fields 14 and 15 of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0);
    Some(Sample {
        at: Instant::now(),
        rss: rss_kb * 1024,
        cpu_ticks: utime + stime,
        fds,
    })
}

/// CPU seconds (user + system) used between two samples.
pub fn cpu_seconds(from: &Sample, to: &Sample) -> f64 {
    to.cpu_ticks.saturating_sub(from.cpu_ticks) as f64 / clock_ticks()
}

/// CPU used between two samples, in percent of one core.
pub fn cpu_percent(from: &Sample, to: &Sample) -> f64 {
    let secs = to.at.duration_since(from.at).as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    let ticks = to.cpu_ticks.saturating_sub(from.cpu_ticks) as f64;
    100.0 * ticks / clock_ticks() / secs
}

/// `getconf CLK_TCK`; 100 on every mainstream Linux.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The soft limit on open files of a process.
pub fn open_file_limit(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Why an OS error is a resource limit of the machine rather than a server fault.
pub fn limit_kind(err: &std::io::Error) -> Option<&'static str> {
    match err.raw_os_error() {
        Some(24) => Some("EMFILE: this process hit its open-file limit"),
        Some(23) => Some("ENFILE: the system file table is full"),
        Some(99) => Some("EADDRNOTAVAIL: out of ephemeral ports for this source address"),
        Some(98) => Some("EADDRINUSE: out of ephemeral ports for this source address"),
        _ => None,
    }
}
