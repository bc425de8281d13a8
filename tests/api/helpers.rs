//! `spawn_app`: a real liftmask server on port 0 with its own data dir and database.

#![allow(dead_code, reason = "each test module uses a different subset of helpers")]

use std::sync::LazyLock;

use diesel::{Connection, PgConnection, RunQueryDsl};
use liftmask::auth::Role;
use liftmask::config::Settings;
use liftmask::services::accounts;
use liftmask::startup::{AppState, Application};
use reqwest::redirect::Policy;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        liftmask::telemetry::init("info");
    }
});

/// A running app plus a cookie-keeping client that does not follow redirects.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub settings: Settings,
    _data_dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

/// Options for [`spawn_app_with`].
pub struct SpawnOptions {
    pub session_ttl_secs: u64,
    pub login_attempts_per_minute: u32,
    pub workers: usize,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self { session_ttl_secs: 3600, login_attempts_per_minute: 1000, workers: 0 }
    }
}

/// Spawns the app with default test options.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(SpawnOptions::default()).await
}

/// A fresh PostgreSQL database per test when LIFTMASK_TEST_DATABASE_URL is set.
fn fresh_database(data_dir: &std::path::Path) -> (Option<String>, Option<(String, String)>) {
    let Ok(base) = std::env::var("LIFTMASK_TEST_DATABASE_URL") else {
        return (Some(data_dir.join("test.sqlite3").to_string_lossy().into_owned()), None);
    };
    let name = format!("liftmask_test_{}", uuid_like());
    let mut admin = PgConnection::establish(&base).expect("connect to LIFTMASK_TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("LIFTMASK_TEST_DATABASE_URL must end in /DBNAME"),
    };
    (Some(url), Some((base, name)))
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.gen_range(0..36)]))
        .collect()
}

/// Spawns the app with explicit options.
pub async fn spawn_app_with(opts: SpawnOptions) -> TestApp {
    LazyLock::force(&TRACING);
    let data_dir = tempfile::tempdir().expect("tempdir");
    let (database_url, pg_database) = fresh_database(data_dir.path());
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        database_url,
        db_pool_size: 4,
        session_ttl_secs: opts.session_ttl_secs,
        login_attempts_per_minute: opts.login_attempts_per_minute,
        workers: opts.workers,
        ..Settings::default()
    };
    let app = Application::build(settings.clone()).expect("build app");
    let port = app.port();
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        state,
        settings,
        _data_dir: data_dir,
        pg_database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_database.take() {
            if let Ok(mut admin) = PgConnection::establish(&base) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

impl TestApp {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a user directly through the service layer.
    pub fn create_user(&self, email: &str, role: Role) {
        self.state
            .pool
            .run(|c| accounts::create_user(c, email, role, PASSWORD))
            .expect("create user");
    }

    /// Issues an API token for `email`.
    pub fn token_for(&self, email: &str) -> String {
        self.state.pool.run(|c| accounts::create_token(c, email, "test")).expect("token")
    }

    /// GETs a page.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// GETs a page and returns its body.
    pub async fn get_html(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert!(res.status().is_success(), "GET {path} gave {}", res.status());
        res.text().await.expect("body")
    }

    /// The CSRF token of the current session, read from a page's form.
    pub async fn csrf_token(&self, path: &str) -> String {
        let html = self.get_html(path).await;
        extract_csrf(&html).unwrap_or_else(|| panic!("no csrf_token on {path}"))
    }

    /// POSTs a urlencoded form, adding this session's CSRF token (read from `csrf_page`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token("/login").await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.client.post(self.url(path)).form(&all).send().await.expect("request")
    }

    /// Logs in as `email` with [`PASSWORD`] and asserts the redirect.
    pub async fn login(&self, email: &str) {
        let res = self.post_form("/login", &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(res.status().as_u16(), 303, "login of {email} failed");
    }

    /// Creates a user with `role` and logs in as them.
    pub async fn login_as(&self, role: Role) -> String {
        let email = format!("{}@example.com", role.as_str());
        self.create_user(&email, role);
        self.login(&email).await;
        email
    }
}

/// Finds `name="csrf_token" value="…"` in a page.
pub fn extract_csrf(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(r#"input[name="csrf_token"]"#).ok()?;
    doc.select(&sel).next()?.value().attr("value").map(str::to_string)
}
