//! The command line (clap). Each subcommand loads settings, then calls into services.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use inpaint::Backends;

use crate::auth::Role;
use crate::commands::bench_blobs::Plan;
use crate::config::Settings;
use crate::db::{DbPool, workspaces};
use crate::services::accounts;
use crate::startup::Application;

/// liftmask: controlled, single-variable ad creative edits and honest lift attribution.
#[derive(Debug, Parser)]
#[command(name = "liftmask", version, about)]
pub struct Cli {
    /// Configuration file (optional; `LIFTMASK_*` variables override it).
    #[arg(long, global = true, default_value = "liftmask.toml")]
    pub config: PathBuf,
    /// Data directory (SQLite file, blobs, session key).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: a SQLite path or `postgres://…`.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (migrates first).
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate {
        /// Revert every migration instead (destroys all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Manage users.
    User {
        /// User action.
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage API tokens.
    Token {
        /// Token action.
        #[command(subcommand)]
        action: TokenCommand,
    },
    /// Experiment statistics (gbstats-compatible).
    Stats {
        /// Stats action.
        #[command(subcommand)]
        action: StatsCommand,
    },
    /// Import an ad-platform performance CSV (Meta, Google Ads, TikTok or generic).
    Import(ImportArgs),
    /// Run supervised engine worker processes that drain the job queue (e.g. on a GPU machine).
    Worker {
        /// How many worker processes (default: the `workers` setting, at least 1).
        #[arg(long, alias = "threads")]
        processes: Option<usize>,
        /// Run as one worker process of a supervisor, which sends the settings on stdin.
        #[arg(long, hide = true, value_name = "NAME")]
        child: Option<String>,
    },
    /// Fill a masked region of a photo with the inpainting engine.
    Inpaint(crate::commands::inpaint::InpaintArgs),
    /// Seed the demo workspace (idempotent); `--reset` recreates it.
    Demo {
        /// Remove the demo master, its variants, experiment and import, then seed again.
        #[arg(long)]
        reset: bool,
    },
    /// Benchmarks.
    Bench {
        /// What to benchmark.
        #[command(subcommand)]
        action: BenchCommand,
    },
}

/// `serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long)]
    pub bind: Option<String>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a random password is generated and printed.
    Add {
        /// E-mail (the login).
        #[arg(long)]
        email: String,
        /// admin, creative_director, growth or viewer.
        #[arg(long)]
        role: Role,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user: their sessions end at once and their API tokens are refused.
    Disable {
        /// E-mail of the user.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// E-mail of the user.
        #[arg(long)]
        email: String,
    },
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token for the API and print it (it is shown only once).
    Create {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(accounts::MAX_EXPIRY_DAYS)))]
        expires_days: Option<u32>,
        /// Allow only GET calls: every state-changing API call gets 403.
        #[arg(long)]
        read_only: bool,
    },
}

/// `stats` subcommands.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Compare two arms: one JSON object on stdin, one on stdout (see STATS.md). Exit code 2 on bad input.
    Compare,
    /// A/A grid: false-positive rates of the binomial, ad-day and ad (default) units with lasting per-ad
    /// differences, volume spread and day shocks. Build with --release: the full grid is ~200k experiments.
    Aa {
        /// Experiments per scenario.
        #[arg(long, default_value_t = 2000)]
        experiments: usize,
        /// RNG seed.
        #[arg(long, default_value_t = 20_261_201)]
        seed: u64,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Results page of a 20-arm experiment over 1M ad-day rows (temporary SQLite database).
    Results {
        /// Timed repetitions.
        #[arg(long, default_value_t = 5)]
        iterations: usize,
    },
    /// 100k `stats compare` computations.
    Stats {
        /// Number of comparisons.
        #[arg(long, default_value_t = 100_000)]
        n: usize,
    },
    /// Parse and store generated Meta-style rows (temp SQLite, or `--database-url`).
    Import {
        /// Rows to generate.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Only write the generated file there (for `scripts/bench-import.sh`).
        #[arg(long)]
        csv_out: Option<PathBuf>,
    },
    /// Jobs claimed and completed per second by concurrent workers (no-op jobs; temp SQLite, or
    /// `--database-url` of a database with no pending jobs).
    Queue {
        /// No-op jobs per round.
        #[arg(long, default_value_t = 2000)]
        jobs: usize,
        /// Worker threads of each round, each on its own connection.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
        workers: Vec<usize>,
    },
    /// Blob put/get throughput: a temporary local directory and, when `blobs.url` is set, that
    /// bucket (`make bench-blobs` runs it against a local Garage).
    Blobs {
        /// 4 KiB blobs.
        #[arg(long, default_value_t = 500)]
        small: usize,
        /// 1 MiB blobs.
        #[arg(long, default_value_t = 50)]
        large: usize,
        /// Client threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
}

/// `import` flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The exported file.
    pub file: PathBuf,
    /// auto, meta, google, tiktok or generic.
    #[arg(long, default_value = "auto")]
    pub platform: String,
    /// Column mapping overrides, `field=Column name` (repeatable; required for generic).
    #[arg(long = "map")]
    pub map: Vec<String>,
    /// Parse and summarize only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `liftmask import`: a rejected file prints its error (line, column, reason) on stderr and
/// exits with status 1. Polars runs on a plain thread, never on the async runtime.
fn import(args: ImportArgs, settings: &Settings) -> anyhow::Result<()> {
    use crate::services::imports::{self, ImportServiceError};
    let platform = imports::platform_choice(&args.platform)?;
    let mapping =
        analytics::import::ColumnMapping::from_pairs(args.map.iter().map(String::as_str))?;
    let opts = analytics::import::ImportOptions { platform, mapping, ..Default::default() };
    let pool = open_pool(settings)?;
    let filename =
        args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (path, dry_run) = (args.file.clone(), args.dry_run);
    // The file is read block by block, never whole.
    let worker = std::thread::spawn(move || -> Result<_, ImportServiceError> {
        // The CLI has no user: its imports belong to the default workspace.
        let ws = pool.run(|c| Ok::<_, ImportServiceError>(workspaces::default(c)?))?;
        let (mut scanned, outcome) = if dry_run {
            (imports::scan_file(&path, &opts)?, None)
        } else {
            let (scanned, outcome) =
                pool.run(|c| imports::import_file(c, &path, &opts, &filename, ws, None))?;
            (scanned, Some(outcome))
        };
        pool.run(|c| imports::fill_unmapped_scanned(c, ws, &mut scanned))?;
        Ok((scanned.summary, outcome))
    });
    let result = worker.join().map_err(|_| anyhow::anyhow!("the import thread panicked"))?;
    let (summary, outcome) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            std::process::exit(1);
        }
    };
    if args.json {
        let mut value = serde_json::to_value(&summary)?;
        if let (Some(o), Some(obj)) = (&outcome, value.as_object_mut()) {
            obj.insert(
                "import".into(),
                serde_json::json!({
                    "id": o.import.id,
                    "inserted": o.import.inserted_count,
                    "updated": o.import.updated_count,
                    "mapped_by_code": o.mapped_by_code,
                }),
            );
        }
        println!("{value}");
        return Ok(());
    }
    let currency = summary.currency.as_ref().map_or("no currency", |c| c.as_str());
    println!(
        "{}: {} rows, {} ads, {} to {}, {currency}",
        summary.platform, summary.rows, summary.ads, summary.date_min, summary.date_max
    );
    let t = &summary.totals;
    println!(
        "totals: {} impressions, {} clicks, spend {}, {} conversions, revenue {}",
        t.impressions, t.clicks, t.spend, t.conversions, t.revenue
    );
    if let Some(line) = unmapped_line(&summary.unmapped_ads) {
        println!("{line}");
    }
    match outcome {
        Some(o) => println!(
            "stored as import #{}: {} new, {} updated rows; {} ads mapped by code",
            o.import.id, o.import.inserted_count, o.import.updated_count, o.mapped_by_code
        ),
        None => println!("dry run: nothing written"),
    }
    Ok(())
}

/// `liftmask bench import`: parse and store rates.
fn import_bench(rows: usize, csv_out: Option<PathBuf>, settings: &Settings) -> anyhow::Result<()> {
    if let Some(path) = csv_out {
        let csv = crate::services::import_bench::generate_meta_csv(rows);
        std::fs::write(&path, &csv).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {rows} rows ({:.1} MB) to {}", csv.len() as f64 / 1e6, path.display());
        return Ok(());
    }
    let url = settings.database_url.clone();
    let b = std::thread::spawn(move || crate::services::import_bench::run(rows, url.as_deref()))
        .join()
        .map_err(|_| anyhow::anyhow!("the bench thread panicked"))??;
    let rate = |d: std::time::Duration| b.rows as f64 / d.as_secs_f64().max(1e-9);
    let times = |d: std::time::Duration| d.as_secs_f64() / b.parse.as_secs_f64().max(1e-9);
    println!("import bench: {} rows, {:.1} MB, {}", b.rows, b.bytes as f64 / 1e6, b.database);
    println!(
        "  parse only (--dry-run):   {:.2} s, {:.0} rows/s",
        b.parse.as_secs_f64(),
        rate(b.parse)
    );
    println!(
        "  import, every row new:    {:.2} s, {:.0} rows/s, {:.2}x the parse",
        b.store.as_secs_f64(),
        rate(b.store),
        times(b.store)
    );
    println!(
        "  import, every row update: {:.2} s, {:.0} rows/s, {:.2}x the parse",
        b.restore.as_secs_f64(),
        rate(b.restore),
        times(b.restore)
    );
    Ok(())
}

/// `liftmask stats compare`: errors go to stderr on one line, with exit code 2, as STATS.md specifies.
fn stats_compare() -> anyhow::Result<()> {
    let mut input = String::new();
    let outcome = std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| analytics::stats::compare_json(&input).map_err(|e| e.to_string()));
    match outcome {
        Ok(json) => {
            println!("{json}");
            Ok(())
        }
        Err(msg) => {
            eprintln!("error: {}", msg.replace(['\n', '\r'], " "));
            std::process::exit(2);
        }
    }
}

/// Runs a benchmark and prints its numbers.
fn bench(action: BenchCommand) -> anyhow::Result<()> {
    use crate::services::experiments_bench;
    match action {
        BenchCommand::Results { iterations } => {
            let b = experiments_bench::bench_results(iterations.max(1))?;
            let stats = |runs: &[std::time::Duration]| {
                let mut ms: Vec<f64> = runs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
                ms.sort_by(f64::total_cmp);
                format!(
                    "median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
                    ms[ms.len() / 2],
                    ms[0],
                    ms[ms.len() - 1],
                    ms.len()
                )
            };
            println!(
                "results page: {} arms, {} ad-day rows (generated in {:.1} s)",
                b.arms,
                b.rows,
                b.setup.as_secs_f64()
            );
            println!(
                "  creative_days rollup and per-ad running sums of all rows: {:.0} ms",
                b.rollup.as_secs_f64() * 1000.0
            );
            println!("  results page (query, statistics, charts, render): {}", stats(&b.pages));
        }
        // `run` sends this one to `import_bench` with the settings; a temp SQLite file here.
        BenchCommand::Import { rows, csv_out } => {
            import_bench(rows, csv_out, &Settings::default())?
        }
        // `run` sends this one to the queue bench with the settings' database.
        BenchCommand::Queue { jobs, workers } => {
            crate::commands::queue_bench::run(jobs, &workers, None)?
        }
        // `run` sends this one to the blob bench with the settings; the local store only here.
        BenchCommand::Blobs { small, large, threads } => {
            crate::commands::bench_blobs::run(&Settings::default(), Plan { small, large, threads })?
        }
        BenchCommand::Stats { n } => {
            let elapsed = experiments_bench::bench_stats(n)?;
            println!(
                "stats compare: {n} computations in {:.1} ms ({:.2} µs each)",
                elapsed.as_secs_f64() * 1000.0,
                elapsed.as_secs_f64() * 1e6 / n.max(1) as f64
            );
        }
    }
    Ok(())
}

impl Cli {
    /// Settings from defaults, the file, the environment, then these flags.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut settings = Settings::load(&self.config)?;
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(url) = &self.database_url {
            settings.database_url = Some(url.clone());
        }
        if let Command::Serve(ServeArgs { bind: Some(bind) }) = &self.command {
            settings.bind = bind.clone();
        }
        Ok(settings)
    }
}

fn open_pool(settings: &Settings) -> anyhow::Result<DbPool> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let pool = DbPool::open(&settings.effective_database_url(), 2)?;
    pool.migrate()?;
    Ok(pool)
}

/// Runs the parsed command. `engine` renders: the libtorch engines in `liftmask-engine`, `None`
/// in `liftmask`, which execs the engine binary for [`Command::needs_engine`] commands first.
pub async fn run(
    cli: Cli,
    settings: Settings,
    engine: Option<&'static dyn Backends>,
) -> anyhow::Result<()> {
    let backends = || engine.ok_or_else(crate::commands::engine::missing);
    match cli.command {
        Command::Serve(_) => serve(settings, backends()?).await,
        Command::Inpaint(args) => crate::commands::inpaint::run(args, &settings, backends()?),
        Command::Demo { reset } => {
            let (pool, backends) = (open_pool(&settings)?, backends()?);
            tokio::task::spawn_blocking(move || {
                crate::commands::demo::run(pool, settings, reset, backends)
            })
            .await?
        }
        Command::Migrate { revert_all } => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let pool = DbPool::open(&settings.effective_database_url(), 1)?;
            if revert_all {
                println!("reverted {} migrations", pool.revert_all()?);
            } else {
                println!("applied {} migrations", pool.migrate()?);
            }
            Ok(())
        }
        Command::User { action: UserCommand::Add { email, role, password_stdin } } => {
            let pool = open_pool(&settings)?;
            let (password, generated) = if password_stdin {
                let mut buf = String::new();
                std::io::stdin().read_to_string(&mut buf)?;
                (buf.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (crate::auth::tokens::random_token("").chars().take(16).collect(), true)
            };
            let user = pool.run(|c| accounts::create_user(c, &email, role, &password))?;
            println!("created {} ({})", user.email, user.role);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Stats { action: StatsCommand::Compare } => stats_compare(),
        Command::Stats { action: StatsCommand::Aa { experiments, seed, json } } => {
            let cfg = analytics::stats::AaGridConfig {
                experiments,
                seed,
                ..analytics::stats::AaGridConfig::default()
            };
            let started = std::time::Instant::now();
            let rates = analytics::stats::simulate_grid(&cfg)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rates)?);
            } else {
                print!("{}", analytics::stats::format_grid(&cfg, &rates));
                println!("({:.1} s)", started.elapsed().as_secs_f64());
            }
            Ok(())
        }
        Command::Import(args) => import(args, &settings),
        Command::Bench { action: BenchCommand::Import { rows, csv_out } } => {
            import_bench(rows, csv_out, &settings)
        }
        Command::Bench { action: BenchCommand::Queue { jobs, workers } } => {
            crate::commands::queue_bench::run(jobs, &workers, settings.database_url.as_deref())
        }
        Command::Bench { action: BenchCommand::Blobs { small, large, threads } } => {
            let plan = Plan { small, large, threads };
            tokio::task::spawn_blocking(move || crate::commands::bench_blobs::run(&settings, plan))
                .await?
        }
        Command::Bench { action } => bench(action),
        Command::Worker { processes, child } => {
            let backends = backends()?;
            tokio::task::spawn_blocking(move || {
                crate::commands::worker::run(settings, processes, child, backends)
            })
            .await?
        }
        Command::Token {
            action: TokenCommand::Create { email, name, expires_days, read_only },
        } => {
            let pool = open_pool(&settings)?;
            let spec =
                accounts::TokenSpec { name: &name, expires_in_days: expires_days, read_only };
            let issued = pool.run(|c| accounts::issue_token_for_email(c, &email, &spec))?;
            println!("{}", issued.token);
            Ok(())
        }
        Command::User { action: UserCommand::Disable { email } } => {
            set_disabled(&settings, &email, true)
        }
        Command::User { action: UserCommand::Enable { email } } => {
            set_disabled(&settings, &email, false)
        }
    }
}

/// `user disable|enable`: the CLI acts as no user, so the audit log records no actor.
fn set_disabled(settings: &Settings, email: &str, disabled: bool) -> anyhow::Result<()> {
    let pool = open_pool(settings)?;
    let user = pool.run(|c| accounts::set_disabled_by_email(c, email, disabled))?;
    let state = if user.disabled { "disabled" } else { "enabled" };
    println!("{} is {state}", user.email);
    Ok(())
}

async fn serve(settings: Settings, backends: &'static dyn Backends) -> anyhow::Result<()> {
    let app = Application::build(settings)?;
    let state = app.state();
    let (pool, blobs, settings) = (state.pool.clone(), state.blobs.clone(), state.settings.clone());
    tokio::task::spawn_blocking(move || {
        // Instances started together on one empty database: one creates the admin and seeds,
        // the others wait for it and then find both done.
        pool.exclusive(crate::db::ClusterLock::FirstStart, || {
            crate::commands::demo::announce_admin(&pool)?;
            // A failed demo must not keep the app from serving; say why and go on.
            if let Err(e) = crate::commands::demo::seed_on_start(&pool, &blobs, &settings, backends)
            {
                eprintln!("demo seeding failed: {e:#}");
            }
            anyhow::Ok(())
        })
    })
    .await??;
    let bind = &state.settings.bind;
    let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
    println!("liftmask serving on http://{host}:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}

/// How many unmapped ad IDs the text summary lists; a large file can have thousands, and
/// `--json` has them all.
const UNMAPPED_SHOWN: usize = 20;

fn unmapped_line(ads: &[String]) -> Option<String> {
    let (shown, rest) = ads.split_at(ads.len().min(UNMAPPED_SHOWN));
    let first = shown.first()?;
    let mut line = format!("unmapped ads ({}): {}", ads.len(), first);
    for ad in &shown[1..] {
        line.push_str(", ");
        line.push_str(ad);
    }
    if !rest.is_empty() {
        line.push_str(&format!(" and {} more (see --json or /ad-mappings/unmapped)", rest.len()));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, TokenCommand, unmapped_line};

    #[test]
    fn token_create_takes_an_expiry_and_a_read_only_scope() {
        let cli = Cli::try_parse_from([
            "liftmask",
            "token",
            "create",
            "--email",
            "a@b.c",
            "--expires-days",
            "30",
            "--read-only",
        ])
        .unwrap();
        let Command::Token { action: TokenCommand::Create { expires_days, read_only, name, .. } } =
            cli.command
        else {
            panic!("not token create")
        };
        assert_eq!((expires_days, read_only, name.as_str()), (Some(30), true, "cli"));
        for bad in ["0", "3651", "soon"] {
            let args = ["liftmask", "token", "create", "--email", "a@b.c", "--expires-days", bad];
            assert!(Cli::try_parse_from(args).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_unmapped_summary_lists_twenty_and_counts_the_rest() {
        let ads: Vec<String> = (0..1000).map(|i| format!("ad{i}")).collect();
        let line = unmapped_line(&ads).unwrap();
        assert!(line.starts_with("unmapped ads (1000): ad0, ad1,"), "{line}");
        assert!(line.contains("ad19 and 980 more"), "{line}");
        assert!(!line.contains("ad20"), "{line}");
        assert_eq!(unmapped_line(&ads[..2]).unwrap(), "unmapped ads (2): ad0, ad1");
        assert_eq!(unmapped_line(&[]), None);
    }
}
