//! Supervising worker processes: start `workers` children (`<exe> worker --child NAME`), hand
//! each its settings on stdin, follow what it runs on its stdout, stop it when a job outlives its
//! time limit, and restart it when it dies. A child that dies mid-job counts a crash against the
//! job (requeued once, failed the second time), so one poisonous job cannot take workers down
//! forever, and never the server that supervises them.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::db::DbPool;
use crate::db::jobs::{self, CrashPolicy, JobKind};

use super::CRASH_LIMIT;

/// How often a slot checks its child's reports, its clock and the stop flag.
const TICK: Duration = Duration::from_millis(200);
/// First pause before restarting a child that died; doubled while children keep dying young.
const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// Longest pause between restarts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A child that ran this long before dying resets the backoff.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// What a child tells its supervisor, one line each on stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// It claimed a job and runs it now.
    Claimed {
        job_id: i32,
        /// Its kind, which sets its time limit.
        kind: JobKind,
    },
    /// It finished its job.
    Idle,
}

impl Report {
    /// The line a child writes.
    pub fn line(&self) -> String {
        match self {
            Report::Claimed { job_id, kind } => format!("claimed {job_id} {}", kind.as_str()),
            Report::Idle => "idle".to_owned(),
        }
    }

    /// Reads a line; anything else a child prints is not a report.
    pub fn parse(line: &str) -> Option<Self> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("idle"), None, None) => Some(Report::Idle),
            (Some("claimed"), Some(id), Some(kind)) => {
                Some(Report::Claimed { job_id: id.parse().ok()?, kind: JobKind::parse(kind)? })
            }
            _ => None,
        }
    }
}

/// Everything the slots share.
struct Shared {
    exe: PathBuf,
    settings: Arc<Settings>,
    pool: DbPool,
    stop: AtomicBool,
    /// The running child of each slot.
    pids: Mutex<Vec<Option<u32>>>,
}

/// Running worker processes; dropping it (or [`Supervisor::shutdown`]) stops them.
pub struct Supervisor {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Supervisor {
    /// Starts `n` worker processes of `exe` with `settings`; `pool` records their crashes.
    pub fn start(
        exe: PathBuf,
        settings: Arc<Settings>,
        pool: DbPool,
        n: usize,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            exe,
            settings,
            pool,
            stop: AtomicBool::new(false),
            pids: Mutex::new(vec![None; n]),
        });
        let mut threads = Vec::with_capacity(n);
        for slot in 0..n {
            let shared = shared.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("liftmask-supervisor-{slot}"))
                    .spawn(move || slot_loop(&shared, slot))?,
            );
        }
        Ok(Self { shared, threads: Mutex::new(threads) })
    }

    /// How many worker processes it keeps running.
    pub fn len(&self) -> usize {
        self.shared.pids.lock().map_or(0, |p| p.len())
    }

    /// Whether it keeps none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Process ids of the children running now.
    pub fn pids(&self) -> Vec<u32> {
        self.shared.pids.lock().map(|p| p.iter().flatten().copied().collect()).unwrap_or_default()
    }

    /// Stops every child and waits for the slots to end.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let threads = self.threads.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for t in threads {
            let _ = t.join();
        }
    }

    /// Blocks while the children run (for `liftmask worker`).
    pub fn wait(&self) {
        let threads = self.threads.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn stopping(shared: &Shared) -> bool {
    shared.stop.load(Ordering::SeqCst)
}

fn slot_loop(shared: &Shared, slot: usize) {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "host".into());
    let mut backoff = MIN_BACKOFF;
    for generation in 1u64.. {
        if stopping(shared) {
            return;
        }
        let name = format!("{host}-{}-p{slot}.{generation}", std::process::id());
        let started = Instant::now();
        match supervise(shared, slot, &name) {
            Ok(Ended::Stopped) => return,
            Ok(Ended::Died) => {}
            Err(e) => tracing::error!(
                exe = %shared.exe.display(),
                error = %e,
                "cannot start a worker process"
            ),
        }
        backoff = if started.elapsed() >= HEALTHY_RUN { MIN_BACKOFF } else { backoff * 2 };
        backoff = backoff.min(MAX_BACKOFF);
        let until = Instant::now() + backoff;
        while Instant::now() < until {
            if stopping(shared) {
                return;
            }
            std::thread::sleep(TICK);
        }
    }
}

enum Ended {
    /// The supervisor stopped it.
    Stopped,
    /// It died or was stopped for running too long; start another.
    Died,
}

/// Runs one child until it dies or the supervisor stops.
fn supervise(shared: &Shared, slot: usize, name: &str) -> std::io::Result<Ended> {
    let settings = serde_json::to_string(&*shared.settings).map_err(std::io::Error::other)?;
    let mut child = Command::new(&shared.exe)
        .args(["worker", "--child", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own process group: a Ctrl-C meant for the server must not kill jobs mid-way. The
        // child ends when its stdin closes instead, which also covers a killed supervisor.
        .process_group(0)
        .spawn()?;
    set_pid(shared, slot, Some(child.id()));
    tracing::info!(worker = name, pid = child.id(), "worker process started");
    let mut stdin = child.stdin.take();
    if let Some(pipe) = stdin.as_mut() {
        // A child that cannot be told its settings exits at once and is restarted as a crash.
        let _ = writeln!(pipe, "{settings}").and_then(|()| pipe.flush());
    }
    let (tx, reports) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(report) = Report::parse(&line)
                    && tx.send(report).is_err()
                {
                    break;
                }
            }
        });
    }
    let mut running: Option<(i32, Duration, Instant)> = None;
    loop {
        match reports.recv_timeout(TICK) {
            Ok(Report::Claimed { job_id, kind }) => {
                running = Some((job_id, limit(&shared.settings, kind), Instant::now()));
            }
            Ok(Report::Idle) => running = None,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if stopping(shared) {
            drop(stdin);
            end(&mut child);
            set_pid(shared, slot, None);
            return Ok(Ended::Stopped);
        }
        if let Some((job_id, limit, since)) = running
            && since.elapsed() > limit
        {
            end(&mut child);
            set_pid(shared, slot, None);
            let msg = format!(
                "the job ran longer than its limit of {} s; its worker process was stopped and the job will not be retried",
                limit.as_secs()
            );
            tracing::warn!(worker = name, job = job_id, "{msg}");
            let failed = shared
                .pool
                .run(|c| jobs::fail_claimed(c, name, &msg).map_err(crate::db::DbError::from));
            if let Err(e) = failed {
                tracing::error!(error = %e, job = job_id, "could not fail a timed-out job");
            }
            return Ok(Ended::Died);
        }
    }
    // Its stdout closed: the child is exiting, and children only exit on their own when they
    // crash or cannot start.
    let status = child.wait()?;
    set_pid(shared, slot, None);
    if stopping(shared) {
        return Ok(Ended::Stopped);
    }
    let reason = describe(status);
    let policy =
        CrashPolicy { crash_limit: CRASH_LIMIT, max_attempts: shared.settings.jobs.max_attempts };
    match shared
        .pool
        .run(|c| jobs::crashed(c, name, &reason, policy).map_err(crate::db::DbError::from))
    {
        Ok((requeued, failed)) => {
            tracing::error!(worker = name, %reason, requeued, failed, "worker process died");
        }
        Err(e) => tracing::error!(worker = name, %reason, error = %e, "worker process died"),
    }
    Ok(Ended::Died)
}

fn set_pid(shared: &Shared, slot: usize, pid: Option<u32>) {
    if let Ok(mut pids) = shared.pids.lock()
        && let Some(p) = pids.get_mut(slot)
    {
        *p = pid;
    }
}

fn end(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn limit(settings: &Settings, kind: JobKind) -> Duration {
    Duration::from_secs(match kind {
        JobKind::Import => settings.jobs.import_timeout_secs,
        _ => settings.jobs.render_timeout_secs,
    })
}

/// "killed by signal 6 (SIGABRT)", "exit status 101": what the job's error will say.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => {
            let name = match sig {
                6 => " (SIGABRT: an abort, e.g. a failed allocation)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            format!("killed by signal {sig}{name}")
        }
        (None, None) => "ended for an unknown reason".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_and_other_output_is_ignored() {
        for r in [Report::Idle, Report::Claimed { job_id: 42, kind: JobKind::Import }] {
            assert_eq!(Report::parse(&r.line()), Some(r));
        }
        assert_eq!(Report::parse("claimed x variant"), None);
        assert_eq!(Report::parse("hello"), None);
    }

    #[test]
    fn exit_statuses_read_well() {
        assert_eq!(
            describe(ExitStatus::from_raw(6)),
            "killed by signal 6 (SIGABRT: an abort, e.g. a failed allocation)"
        );
        assert_eq!(describe(ExitStatus::from_raw(101 << 8)), "exit status 101");
    }
}
