//! The command line (clap). Each subcommand loads settings, then calls into services.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::config::Settings;
use crate::db::DbPool;
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
    },
}

/// `stats` subcommands.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Compare two arms: one JSON object on stdin, one on stdout (see STATS.md). Exit code 2 on bad input.
    Compare,
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
            let mut ms: Vec<f64> = b.runs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
            ms.sort_by(f64::total_cmp);
            println!(
                "results page: {} arms, {} rows (setup {:.1} s): median {:.1} ms, min {:.1} ms, max {:.1} ms over {} runs",
                b.arms,
                b.rows,
                b.setup.as_secs_f64(),
                ms[ms.len() / 2],
                ms[0],
                ms[ms.len() - 1],
                ms.len()
            );
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

/// Runs the parsed command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(_) => serve(settings).await,
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
        Command::Bench { action } => bench(action),
        Command::Token { action: TokenCommand::Create { email, name } } => {
            let pool = open_pool(&settings)?;
            let token = pool.run(|c| accounts::create_token(c, &email, &name))?;
            println!("{token}");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings)?;
    let state = app.state();
    let pool = state.pool.clone();
    if let Some(password) = pool.run(|c| accounts::ensure_demo_admin(c))? {
        println!("──────────────────────────────────────────────");
        println!(" First start: created the admin account");
        println!("   e-mail:   {}", accounts::DEMO_ADMIN_EMAIL);
        println!("   password: {password}");
        println!(" (shown once; add users at /admin/users)");
        println!("──────────────────────────────────────────────");
    }
    let bind = &state.settings.bind;
    let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
    println!("liftmask serving on http://{host}:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
