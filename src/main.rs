//! The `liftmask` binary: parse flags, load settings, start tracing, run the command.

use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = liftmask::cli::Cli::parse();
    let settings = cli.settings()?;
    liftmask::telemetry::init(&settings.log);
    liftmask::cli::run(cli, settings).await
}
