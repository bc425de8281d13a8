//! The `liftmask` binary: parse flags, load settings, start tracing, run the command. It links no
//! libtorch, so imports, stats and admin commands start in milliseconds; the commands that
//! render run in `liftmask-engine` (src/bin/liftmask-engine.rs), which this binary execs.

use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = liftmask::cli::Cli::parse();
    if cli.command.needs_engine() {
        return Err(liftmask::commands::engine::exec_engine(std::env::args_os().skip(1)));
    }
    let settings = cli.settings()?;
    liftmask::telemetry::init(&settings.log);
    liftmask::cli::run(cli, settings, None).await
}
