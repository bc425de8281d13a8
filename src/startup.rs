//! Building the application: the one place that wires settings, database, blobs, templates and
//! routes together. `main` and the tests both call [`Application::build`].

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::csrf::FORM_BODY_LIMIT;
use crate::auth::rate_limit::LoginLimiter;
use crate::config::Settings;
use crate::db::DbPool;
use crate::state::{AppState, Context};

/// Errors that stop the application from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The data directory or socket failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// A template failed to parse.
    #[error("templates: {0}")]
    Templates(#[from] tera::Error),
    /// The blob store failed.
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
    /// The session key is unusable.
    #[error("session key: {0}")]
    SessionKey(String),
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Opens the database (migrating it), binds the socket and builds the server.
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        std::fs::create_dir_all(&settings.data_dir)?;
        let pool = DbPool::open(&settings.effective_database_url(), settings.db_pool_size)?;
        let applied = pool.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrated");
        }
        let blobs = crate::blobs::open(&settings)?;
        let key = session_key(&settings)?;
        let templates = crate::web::render::load_templates()?;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let supervisor = crate::jobs::Supervisor::start(
            crate::commands::worker::worker_exe(&settings)?,
            Arc::new(settings.clone()),
            pool.clone(),
            settings.workers,
        )?;
        let state = web::Data::new(AppState {
            supervisor,
            login_limiter: LoginLimiter::new(
                settings.login_attempts_per_minute,
                settings.login_attempts_per_account_per_minute,
            ),
            ctx: Context { settings: Arc::new(settings), pool, blobs },
            templates,
        });
        let server = build_server(listener, state.clone(), key)?;
        tracing::info!(port, "liftmask listening");
        Ok(Self { port, server, state })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests and background workers use it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn build_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    key: Key,
) -> Result<Server, StartupError> {
    let ttl =
        CookieDuration::seconds(i64::try_from(state.settings.session_ttl_secs).unwrap_or(i64::MAX));
    let secure = state.settings.secure_cookies;
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name("liftmask_session".into())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_secure(secure)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(PersistentSession::default().session_ttl(ttl))
            .build();
        App::new()
            .app_data(state.clone())
            // Body limits of the extractors. Uploads are multipart, read by `web::multipart`
            // under `max_upload_bytes`; nothing else needs more than a form's worth of bytes.
            .app_data(web::PayloadConfig::new(FORM_BODY_LIMIT))
            .app_data(web::FormConfig::default().limit(FORM_BODY_LIMIT))
            .app_data(web::JsonConfig::default().limit(FORM_BODY_LIMIT))
            .wrap(from_fn(crate::auth::csrf::verify))
            .wrap(crate::web::error_pages::middleware())
            .wrap(sessions)
            .wrap(crate::web::security_headers::middleware(secure))
            .wrap(TracingLogger::<crate::web::span::PathOnlySpan>::new())
            .configure(crate::routes::configure)
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// The configured key, or one generated once and kept in the data directory so that logins
/// survive restarts. The file is created owner-readable only.
///
/// Every instance behind one proxy must use the same key, or a cookie set by one is unreadable
/// to the next and the user is logged out: configure `session_key`, or share the data directory.
/// Instances sharing the directory and starting together agree on one generated key: each writes
/// its own to a temporary file and links it into place, which only the first one can do.
fn session_key(settings: &Settings) -> Result<Key, StartupError> {
    use base64::Engine;
    use secrecy::ExposeSecret;
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Some(secret) = &settings.session_key {
        let bytes = b64
            .decode(secret.expose_secret().trim())
            .map_err(|e| StartupError::SessionKey(format!("not base64: {e}")))?;
        return Key::try_from(bytes.as_slice())
            .map_err(|e| StartupError::SessionKey(e.to_string()));
    }
    let path = settings.data_dir.join("session.key");
    if crate::db::Backend::from_url(&settings.effective_database_url())
        == crate::db::Backend::Postgres
    {
        tracing::info!(
            path = %path.display(),
            "session key from the data directory: other instances must share it or set session_key"
        );
    }
    let read = |path: &std::path::Path| -> Option<Result<Key, ()>> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(b64.decode(text.trim()).ok().and_then(|b| Key::try_from(b.as_slice()).ok()).ok_or(()))
    };
    let unusable = match read(&path) {
        Some(Ok(key)) => return Ok(key),
        Some(Err(())) => {
            tracing::warn!(path = %path.display(), "session key file unusable; generating a new one");
            true
        }
        None => false,
    };
    let key = Key::generate();
    let tmp = settings.data_dir.join(format!("session.key.{}.tmp", std::process::id()));
    write_private(&tmp, b64.encode(key.master()).as_bytes())?;
    let placed =
        if unusable { std::fs::rename(&tmp, &path) } else { std::fs::hard_link(&tmp, &path) };
    let _ = std::fs::remove_file(&tmp);
    match placed {
        Ok(()) => Ok(key),
        // Another instance placed its key first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(&path) {
            Some(Ok(theirs)) => Ok(theirs),
            _ => Err(StartupError::SessionKey(format!("{} is unusable", path.display()))),
        },
        Err(e) => Err(e.into()),
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}
