//! `spawn_app`: a real liftmask server on port 0 with its own data dir and database.

#![allow(dead_code, reason = "each test module uses a different subset of helpers")]

use std::sync::LazyLock;

use diesel::{Connection, PgConnection, RunQueryDsl};
use liftmask::auth::Role;
use liftmask::config::Settings;
use liftmask::services::accounts;
use liftmask::startup::Application;
use liftmask::state::AppState;
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
    pub login_attempts_per_account_per_minute: u32,
    pub trusted_proxies: Vec<&'static str>,
    pub allow_self_approval: bool,
    pub workers: usize,
    pub render_timeout_secs: u64,
    /// Where blobs live; the default is the local directory under the test's data dir.
    pub blobs: liftmask::config::BlobSettings,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self {
            session_ttl_secs: 3600,
            login_attempts_per_minute: 1000,
            login_attempts_per_account_per_minute: 1000,
            trusted_proxies: Vec::new(),
            allow_self_approval: false,
            workers: 0,
            render_timeout_secs: 600,
            blobs: liftmask::config::BlobSettings::default(),
        }
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
    let (base, query) = without_tls(&base);
    let name = format!("liftmask_test_{}", uuid_like());
    let mut admin = PgConnection::establish(&base).expect("connect to LIFTMASK_TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let url = match base.split_once('?').map_or(base.as_str(), |(path, _)| path).rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}?{query}"),
        None => panic!("LIFTMASK_TEST_DATABASE_URL must end in /DBNAME"),
    };
    (Some(url), Some((base, name)))
}

/// `url` with `sslmode=disable` unless it sets an sslmode, and its query string. TLS to the local
/// test server buys nothing, and with it libpq's OpenSSL state, torn down by `exit` while the pools
/// of test servers still hold connections, crashed the test binary after its last test (about one
/// run in ten).
fn without_tls(url: &str) -> (String, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query = match query {
        q if q.contains("sslmode=") => q.to_owned(),
        "" => "sslmode=disable".to_owned(),
        q => format!("{q}&sslmode=disable"),
    };
    (format!("{path}?{query}"), query)
}

/// Blob settings for the S3-compatible test server (`scripts/test.sh` starts Garage and exports
/// `LIFTMASK_TEST_S3_*` and the `AWS_*` key), under a fresh prefix; `None` outside CI when no
/// server is configured. Under `CI=true` a missing server fails the test.
pub fn test_s3_blobs() -> Option<liftmask::config::BlobSettings> {
    let Ok(url) = std::env::var("LIFTMASK_TEST_S3_URL") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must test S3 blobs: LIFTMASK_TEST_S3_URL is unset (scripts/test.sh starts Garage)"
        );
        eprintln!("S3 test skipped: LIFTMASK_TEST_S3_URL is unset (scripts/test.sh sets it)");
        return None;
    };
    let endpoint = std::env::var("LIFTMASK_TEST_S3_ENDPOINT").ok();
    Some(liftmask::config::BlobSettings {
        url: Some(format!("{}/api-{}", url.trim_end_matches('/'), uuid_like())),
        allow_http: endpoint.as_deref().is_some_and(|e| e.starts_with("http://")),
        endpoint,
        region: std::env::var("LIFTMASK_TEST_S3_REGION").ok(),
        ..Default::default()
    })
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
        login_attempts_per_account_per_minute: opts.login_attempts_per_account_per_minute,
        trusted_proxies: opts.trusted_proxies.iter().map(|p| p.parse().expect("proxy")).collect(),
        review: liftmask::config::ReviewSettings { allow_self_approval: opts.allow_self_approval },
        workers: opts.workers,
        // The test binary is not liftmask: worker processes run the built engine binary.
        worker_exe: Some(env!("CARGO_BIN_EXE_liftmask-engine").into()),
        jobs: liftmask::config::JobSettings {
            render_timeout_secs: opts.render_timeout_secs,
            ..Default::default()
        },
        blobs: opts.blobs,
        ..Settings::default()
    };
    let app = Application::build(settings.clone()).expect("build app");
    let port = app.port();
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    // No idle connections: `run_jobs` blocks this thread past the server's keep-alive, and a
    // connection the server closed meanwhile would be reused and fail.
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .pool_max_idle_per_host(0)
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
        // Worker processes first, so that none is left polling a dropped database.
        self.state.supervisor.shutdown();
        if let Some((base, name)) = self.pg_database.take()
            && let Ok(mut admin) = PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
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

// ---- Variants helpers ----

/// A fixture photo cropped to `w`×`h` from its top-left corner, as PNG bytes.
pub fn fixture_png(name: &str, w: u32, h: u32) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let img = image::open(&path).expect("fixture").to_rgb8();
    png_bytes(&image::imageops::crop_imm(&img, 0, 0, w, h).to_image())
}

/// PNG bytes of an RGB image.
pub fn png_bytes(img: &image::RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

/// A white-on-black mask PNG with the rectangle `(x, y, w, h)` selected.
pub fn rect_mask(width: u32, height: u32, rect: (u32, u32, u32, u32)) -> Vec<u8> {
    let (x0, y0, w, h) = rect;
    let mask = image::GrayImage::from_fn(width, height, |x, y| {
        image::Luma([if x >= x0 && x < x0 + w && y >= y0 && y < y0 + h { 255 } else { 0 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    mask.write_to(&mut out, image::ImageFormat::Png).expect("encode mask");
    out.into_inner()
}

impl TestApp {
    /// A user with `role` and an API token for them.
    pub fn api_user(&self, role: Role) -> String {
        let email = format!("api-{}@example.com", role.as_str());
        self.create_user(&email, role);
        self.token_for(&email)
    }

    /// Uploads a master through the API; returns its id.
    pub async fn api_master(&self, token: &str, png: Vec<u8>, name: &str) -> i64 {
        let form = reqwest::multipart::Form::new()
            .text("name", name.to_owned())
            .part("image", reqwest::multipart::Part::bytes(png).file_name("master.png"));
        let res = self
            .client
            .post(self.url("/api/v1/masters"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request");
        assert_eq!(
            res.status().as_u16(),
            201,
            "upload failed: {}",
            res.text().await.unwrap_or_default()
        );
        res.json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id")
    }

    /// Posts a variant through the API and returns the raw response.
    #[expect(clippy::too_many_arguments, reason = "mirrors the multipart fields of the API")]
    pub async fn api_variant_raw(
        &self,
        token: &str,
        parent: (&str, i64),
        variable: &str,
        value: &str,
        operation: &str,
        mask: Vec<u8>,
        params: &str,
        reference: Option<Vec<u8>>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new()
            .text("parent_kind", parent.0.to_owned())
            .text("parent_id", parent.1.to_string())
            .text("variable", variable.to_owned())
            .text("value", value.to_owned())
            .text("operation", operation.to_owned())
            .text("params", params.to_owned())
            .part("mask", reqwest::multipart::Part::bytes(mask).file_name("mask.png"));
        if let Some(r) = reference {
            form = form.part("reference", reqwest::multipart::Part::bytes(r).file_name("ref.png"));
        }
        self.client
            .post(self.url("/api/v1/variants"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Runs queued jobs to completion in this process with the default engine, on a plain thread
    /// (imports run polars, which refuses the test's runtime thread); returns how many ran.
    pub fn run_jobs(&self) -> usize {
        let ctx = liftmask::jobs::WorkerContext {
            pool: self.state.pool.clone(),
            blobs: self.state.blobs.clone(),
            settings: std::sync::Arc::new(self.settings.clone()),
        };
        let engine =
            liftmask::jobs::build_engine(&inpaint_torch::TorchBackends, &self.settings.engine)
                .expect("engine");
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut n = 0;
                while liftmask::jobs::process_one(&ctx, engine.as_ref(), "test-worker")
                    .expect("process")
                    .is_some()
                {
                    n += 1;
                }
                n
            })
            .join()
            .expect("job thread")
        })
    }

    /// GETs an API path with a bearer token and returns the JSON body.
    pub async fn api_json(&self, token: &str, path: &str) -> serde_json::Value {
        let res = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request");
        assert!(res.status().is_success(), "GET {path} gave {}", res.status());
        res.json().await.expect("json")
    }

    /// GETs an API image and decodes it.
    pub async fn api_image(&self, token: &str, path: &str) -> image::RgbImage {
        let res = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request");
        assert!(res.status().is_success(), "GET {path} gave {}", res.status());
        image::load_from_memory(&res.bytes().await.expect("body")).expect("png").to_rgb8()
    }
}

impl TestApp {
    /// Logs in as `role`, creating the user only the first time.
    pub async fn login_as_once(&self, role: Role) {
        let email = format!("{}@example.com", role.as_str());
        let exists = self
            .state
            .pool
            .run(|c| {
                liftmask::db::users::find_by_email(c, &email).map_err(liftmask::db::DbError::from)
            })
            .expect("lookup")
            .is_some();
        if !exists {
            self.create_user(&email, role);
        }
        self.login(&email).await;
    }
}

/// A browser whose session cookie is a plain string, so a test can copy it and replay it later
/// (the way an attacker with a stolen cookie would).
pub struct CookieBrowser {
    pub http: reqwest::Client,
    pub address: String,
    pub cookie: String,
}

impl CookieBrowser {
    /// A browser with no cookie yet.
    pub fn new(app: &TestApp) -> Self {
        Self::with_cookie(app, "")
    }

    /// A browser presenting `cookie` (e.g. one copied from another browser).
    pub fn with_cookie(app: &TestApp, cookie: &str) -> Self {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().expect("client");
        Self { http, address: app.address.clone(), cookie: cookie.to_owned() }
    }

    fn keep_cookie(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii cookie");
            if let Some(pair) = v.split(';').next().filter(|p| p.starts_with("liftmask_session=")) {
                self.cookie = pair.to_owned();
            }
        }
    }

    /// GETs `path` with the cookie (headers such as `X-Forwarded-For` in `extra`).
    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .http
            .get(format!("{}{path}", self.address))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request");
        self.keep_cookie(&res);
        res
    }

    /// POSTs a form with the CSRF token of `csrf_page`, plus `headers`.
    pub async fn post_with(
        &mut self,
        path: &str,
        csrf_page: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = self.get(csrf_page).await.text().await.expect("body");
        let token = extract_csrf(&html).unwrap_or_else(|| panic!("no csrf_token on {csrf_page}"));
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        let mut req =
            self.http.post(format!("{}{path}", self.address)).header("cookie", &self.cookie);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.form(&all).send().await.expect("request");
        self.keep_cookie(&res);
        res
    }

    /// POSTs a form with the CSRF token of `csrf_page`.
    pub async fn post(
        &mut self,
        path: &str,
        csrf_page: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_with(path, csrf_page, fields, &[]).await
    }

    /// Logs in; returns the status (303 on success).
    pub async fn login(&mut self, email: &str, password: &str) -> u16 {
        self.post("/login", "/login", &[("email", email), ("password", password)])
            .await
            .status()
            .as_u16()
    }

    /// Whether the cookie opens the dashboard (200) rather than redirecting to the login (303).
    pub async fn opens_dashboard(&mut self) -> bool {
        match self.get("/").await.status().as_u16() {
            200 => true,
            303 => false,
            other => panic!("GET / gave {other}"),
        }
    }
}

/// A separate cookie-keeping client logged in as `email` (which must exist), and its session's
/// CSRF token: a second person at another browser.
pub async fn logged_in_client(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let login = client.get(app.url("/login")).send().await.expect("login page");
    let csrf = extract_csrf(&login.text().await.expect("body")).expect("login csrf");
    let res = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf_token", &csrf)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status().as_u16(), 303, "login of {email} failed");
    let home = client.get(app.url("/")).send().await.expect("home");
    let csrf = extract_csrf(&home.text().await.expect("body")).expect("csrf after login");
    (client, csrf)
}
