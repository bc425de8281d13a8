//! Settings: defaults, then `liftmask.toml`, then `LIFTMASK_*` environment variables, then flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Errors while loading settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A source had a bad or unknown key.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
}

/// Every setting of liftmask. Nested tables use `__` in environment names,
/// e.g. `LIFTMASK_ENGINE__DEVICE=cuda`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests use it).
    pub bind: String,
    /// Directory for the SQLite file, blobs and the session key.
    pub data_dir: PathBuf,
    /// `postgres://…` or a SQLite path; defaults to `<data_dir>/liftmask.sqlite3`.
    pub database_url: Option<String>,
    /// Largest connection pool.
    pub db_pool_size: u32,
    /// Cookie signing/encryption key (64+ bytes, base64). Generated into the data dir when unset.
    #[serde(skip_serializing)]
    pub session_key: Option<SecretString>,
    /// How long a login lasts, in seconds.
    pub session_ttl_secs: u64,
    /// Mark cookies `Secure`; turn on when served over HTTPS.
    pub secure_cookies: bool,
    /// Login attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Login attempts allowed per account (e-mail) per minute, from all addresses together.
    pub login_attempts_per_account_per_minute: u32,
    /// Reverse proxies (addresses or networks such as `10.0.0.0/8`) whose `X-Forwarded-For` is
    /// believed; from any other peer the header is ignored. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<crate::auth::client_ip::ProxyNet>,
    /// Largest accepted request body (uploads), in bytes.
    pub max_upload_bytes: usize,
    /// Largest accepted image, in pixels (width × height), against decompression bombs.
    pub max_image_pixels: u64,
    /// Largest accepted image side, in pixels.
    pub max_image_side: u32,
    /// Engine worker processes that `serve` starts and restarts; 0 leaves the queue to
    /// `liftmask worker`. Each runs one job at a time, so a crash ends one job.
    pub workers: usize,
    /// The executable the worker processes run (as `<exe> worker --child`); unset means this
    /// very executable, `liftmask-engine` (`liftmask` hands `serve` and `worker` to it). Tests
    /// point it at the built `liftmask-engine` binary.
    pub worker_exe: Option<PathBuf>,
    /// Inpainting engine settings.
    pub engine: EngineSettings,
    /// Control-audit tolerances for imported (externally edited) images.
    pub audit: AuditSettings,
    /// Job queue retry settings.
    pub jobs: JobSettings,
    /// Where blobs (images, masks, uploads) live.
    pub blobs: BlobSettings,
    pub review: ReviewSettings,
    /// Seed the demo workspace on start when the database has no masters.
    pub demo: bool,
    /// tracing filter, e.g. `info` or `liftmask=debug`.
    pub log: String,
}

/// Settings of the inpainting engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSettings {
    /// `patchfill` (built in) or `torchscript` (needs `model_path`).
    pub backend: String,
    /// A TorchScript inpainting model, for the `torchscript` backend.
    pub model_path: Option<PathBuf>,
    /// `auto`, `cpu` or `cuda`.
    pub device: String,
    /// Most pixels one variant may edit (its grown and feathered mask), checked at submission
    /// and before rendering.
    pub max_mask_pixels: u64,
}

/// Control-audit tolerances for `import` variants (internal operations are always exact).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    /// An outside pixel counts as changed when a channel differs by more than this (0–255).
    pub import_channel_threshold: u8,
    /// An import leaks when more than this fraction of the outside pixels changed.
    pub import_max_leak_fraction: f64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self { import_channel_threshold: 8, import_max_leak_fraction: 0.005 }
    }
}

/// Job queue retry settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// A running job whose heartbeat is older than this many seconds is requeued.
    pub stale_after_secs: u64,
    /// Claims allowed per job before it is marked failed.
    pub max_attempts: i32,
    /// Seconds a render may run before its worker process is stopped and the job failed.
    pub render_timeout_secs: u64,
    /// Seconds an import may run before its worker process is stopped and the job failed.
    pub import_timeout_secs: u64,
}

/// Blob storage. Credentials for S3 never go here: they come from the standard AWS variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`), which worker
/// processes inherit, or from the instance's role when those are unset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlobSettings {
    /// `s3://bucket/prefix` for an S3-compatible object store; unset keeps blobs in
    /// `<data_dir>/blobs`.
    pub url: Option<String>,
    /// The S3 endpoint, e.g. `http://127.0.0.1:3900` for a local Garage; unset means AWS.
    pub endpoint: Option<String>,
    /// The S3 region (Garage's default is `garage`); unset means `AWS_REGION` or `us-east-1`.
    pub region: Option<String>,
    /// Allow a plain-HTTP endpoint (a local store); off, only HTTPS is used.
    pub allow_http: bool,
    /// Largest blob, in bytes, stored or read; larger ones are refused on both stores.
    pub max_bytes: u64,
}

impl Default for BlobSettings {
    fn default() -> Self {
        Self { url: None, endpoint: None, region: None, allow_http: false, max_bytes: 256 << 20 }
    }
}

/// Review rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewSettings {
    /// Let the creator of a variant approve it. Off by default (four eyes); turn it on for a
    /// one-person team.
    pub allow_self_approval: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            stale_after_secs: 120,
            max_attempts: 3,
            render_timeout_secs: 600,
            import_timeout_secs: 3600,
        }
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            backend: "patchfill".into(),
            model_path: None,
            device: "auto".into(),
            max_mask_pixels: 8_000_000,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            db_pool_size: 8,
            session_key: None,
            session_ttl_secs: 12 * 3600,
            secure_cookies: false,
            login_attempts_per_minute: 10,
            login_attempts_per_account_per_minute: 5,
            trusted_proxies: Vec::new(),
            max_upload_bytes: 32 * 1024 * 1024,
            max_image_pixels: 40_000_000,
            max_image_side: 12_000,
            workers: 1,
            worker_exe: None,
            engine: EngineSettings::default(),
            audit: AuditSettings::default(),
            jobs: JobSettings::default(),
            blobs: BlobSettings::default(),
            review: ReviewSettings::default(),
            demo: false,
            log: "info".into(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `config_file` (if it exists), then `LIFTMASK_*` variables.
    pub fn load(config_file: &Path) -> Result<Self, ConfigError> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(config_file))
            // LIFTMASK_TEST_* variables belong to the test harness, not to the app.
            .merge(
                Env::prefixed("LIFTMASK_")
                    .split("__")
                    .filter(|k| !k.as_str().to_ascii_lowercase().starts_with("test_")),
            )
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    /// The database URL in effect: the configured one or the SQLite file in the data dir.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => self.data_dir.join("liftmask.sqlite3").to_string_lossy().into_owned(),
        }
    }

    /// Where blobs live when `blobs.url` is unset.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail closure returns figment's own error"
    )]
    fn file_then_env_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("liftmask.toml", "bind = \"0.0.0.0:9000\"\nworkers = 3\n")?;
            jail.set_env("LIFTMASK_WORKERS", "5");
            jail.set_env("LIFTMASK_ENGINE__DEVICE", "cpu");
            jail.set_env("LIFTMASK_TEST_DATABASE_URL", "ignored");
            jail.set_env("LIFTMASK_TRUSTED_PROXIES", "[10.0.0.0/8, 192.0.2.7]");
            jail.set_env("LIFTMASK_REVIEW__ALLOW_SELF_APPROVAL", "true");
            let s = Settings::load(Path::new("liftmask.toml")).map_err(|e| e.to_string())?;
            let proxies: Vec<String> = s.trusted_proxies.iter().map(|p| p.to_string()).collect();
            assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32"]);
            assert!(s.review.allow_self_approval);
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.workers, 5);
            assert_eq!(s.engine.device, "cpu");
            assert_eq!(s.login_attempts_per_minute, 10);
            Ok(())
        });
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail closure returns figment's own error"
    )]
    fn unknown_keys_are_rejected() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("liftmask.toml", "bnid = \"typo\"\n")?;
            assert!(Settings::load(Path::new("liftmask.toml")).is_err());
            Ok(())
        });
    }
}
