//! The seam between the two binaries. `liftmask` links no libtorch, so the commands that render
//! (or supervise processes that render) run in `liftmask-engine`, built beside it: `liftmask`
//! replaces itself with that binary, same arguments, same process id and standard streams, so
//! scripts, supervisors and `make run` see one command line.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use crate::cli::Command;

/// The engine binary's file name; it must sit next to `liftmask`.
pub const ENGINE_BIN: &str = "liftmask-engine";

impl Command {
    /// Whether the command renders, or starts worker processes that render.
    pub fn needs_engine(&self) -> bool {
        matches!(
            self,
            Command::Serve(_) | Command::Worker { .. } | Command::Inpaint(_) | Command::Demo { .. }
        )
    }
}

/// Where the engine binary should be: beside the running executable (symlinks resolved).
pub fn engine_path() -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name(ENGINE_BIN))
}

/// Replaces this process with the engine binary, passing `args` (without the program name);
/// returns only the reason it could not.
pub fn exec_engine(args: impl IntoIterator<Item = OsString>) -> anyhow::Error {
    let path = match engine_path() {
        Ok(path) => path,
        Err(e) => return anyhow::Error::new(e).context("locating the liftmask executable"),
    };
    if !path.is_file() {
        return anyhow::anyhow!(
            "this command needs the inpainting engine, {}, which is missing; build both binaries \
             with `cargo build --release --bins` (or `make build`)",
            path.display()
        );
    }
    let err = std::process::Command::new(&path).args(args).exec();
    anyhow::Error::new(err).context(format!("starting {}", path.display()))
}

/// The error of an engine command in a binary built without the engine.
pub fn missing() -> anyhow::Error {
    anyhow::anyhow!("this command needs the inpainting engine: run it with {ENGINE_BIN}")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    fn needs(args: &[&str]) -> bool {
        Cli::try_parse_from(args).unwrap().command.needs_engine()
    }

    #[test]
    fn only_the_commands_that_render_need_the_engine() {
        assert!(needs(&["liftmask", "serve"]));
        assert!(needs(&["liftmask", "worker", "--child", "w1"]));
        assert!(needs(&["liftmask", "demo", "--reset"]));
        let inpaint = ["liftmask", "inpaint", "--image", "a", "--mask", "b", "--out", "c"];
        assert!(needs(&inpaint));
        assert!(!needs(&["liftmask", "import", "f.csv", "--dry-run", "--json"]));
        assert!(!needs(&["liftmask", "migrate"]));
        assert!(!needs(&["liftmask", "stats", "compare"]));
        assert!(!needs(&["liftmask", "bench", "import", "--rows", "10"]));
    }
}
