//! The `liftmask-engine` binary: the whole `liftmask` command line, linked with the libtorch
//! engines. `liftmask` execs it for `serve`, `worker`, `inpaint` and `demo`, and the worker
//! processes that `serve` supervises are this binary too.

use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = liftmask::cli::Cli::parse();
    let settings = cli.settings()?;
    liftmask::telemetry::init(&settings.log);
    liftmask::cli::run(cli, settings, Some(&inpaint_torch::TorchBackends)).await
}
