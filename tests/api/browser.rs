//! End to end in a real headless Chromium: log in, upload a master, paint a mask on the canvas,
//! create an erase variant, wait for the in-process worker, and approve it as a creative director.
//!
//! Talks W3C WebDriver to `chromedriver` over plain HTTP with the `reqwest` client the other tests
//! use (fantoccini's rustls feature would pull aws-lc-sys, a cmake C build, into every engineer's
//! build). CI installs `chromium` and `chromium-driver` (`.ci/run`); without chromedriver the test
//! fails with a clear message rather than passing silently.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use liftmask::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, SpawnOptions, fixture_png, spawn_app_with};

/// The W3C WebDriver web-element identifier key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub(crate) struct Driver {
    child: Child,
    http: reqwest::Client,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ending the session makes chromedriver quit its Chromium; killing chromedriver alone
        // leaves the browser running after the tests. Drop can't await, so this is a plain
        // blocking HTTP/1.1 request.
        use std::io::{Read, Write};
        let path = self.session.split_once(&format!(":{}", self.port)).map_or("", |(_, p)| p);
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                stream,
                "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let driver = which("chromedriver").unwrap_or_else(|| {
            panic!("chromedriver not found on PATH: install Debian's `chromium` and `chromium-driver` (see .ci/run)")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut opts = json!({ "args": args });
        if let Some(bin) = which("chromium") {
            opts["binary"] = json!(bin);
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": opts } } });
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_owned();
        Driver { child, http, port, session: format!("{base}/session/{id}"), _profile: profile }
    }

    pub(crate) async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let req = self.http.request(method, format!("{}{}", self.session, path));
        let req = if body.is_null() { req } else { req.json(&body) };
        let res: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(res["value"].get("error").is_none(), "webdriver {path}: {res}");
        res["value"].clone()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({ "url": url })).await;
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/value"), json!({ "text": text }))
            .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), json!({})).await;
    }

    pub(crate) async fn js(&self, script: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    pub(crate) async fn wait_for(&self, what: &str, script: &str, secs: u64) {
        let started = Instant::now();
        while self.js(script).await != json!(true) {
            let url = self.js("return location.href").await;
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what} (at {url})"
            );
            actix_web::rt::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Opens the mask editor on master `master_id` and waits until its image has loaded.
    pub(crate) async fn open_editor(&self, app: &str, master_id: impl std::fmt::Display) {
        self.goto(&format!("{app}/variants/new?parent_kind=master&parent_id={master_id}")).await;
        self.wait_for("the image", "return document.getElementById('editor-image').complete", 20)
            .await;
    }

    pub(crate) async fn login(&self, app: &str, email: &str) {
        self.cmd(reqwest::Method::DELETE, "/cookie", Value::Null).await;
        self.goto(&format!("{app}/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]").await;
        self.wait_for("login", "return location.pathname !== '/login'", 20).await;
    }
}

#[actix_web::test]
async fn paint_a_mask_erase_and_approve_in_a_real_browser() {
    let app = spawn_app_with(SpawnOptions { workers: 1, ..Default::default() }).await;
    app.create_user("growth@example.com", Role::Growth);
    app.create_user("director@example.com", Role::CreativeDirector);
    let driver = Driver::start().await;
    let base = app.address.clone();

    driver.login(&base, "growth@example.com").await;
    driver.goto(&format!("{base}/masters")).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("brick.png");
    std::fs::write(&photo, fixture_png("brick.png", 160, 120)).unwrap();
    driver.type_into("#m-name", "Brick in a browser").await;
    driver.type_into("#m-image", photo.to_str().unwrap()).await;
    driver.click("#master-upload button[type=submit]").await;
    driver
        .wait_for("master page", "return /^\\/masters\\/\\d+$/.test(location.pathname)", 20)
        .await;
    let master_path = driver.js("return location.pathname").await;
    let master_id = master_path.as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    driver.open_editor(&base, &master_id).await;
    // Real pointer events on the canvas: a stroke across the middle of the wall.
    driver
        .js(r#"
        const c = document.getElementById('mask-canvas'); const r = c.getBoundingClientRect();
        const ev = (type, fx, fy) => c.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1,
            clientX: r.left + r.width * fx, clientY: r.top + r.height * fy, buttons: 1}));
        ev('pointerdown', 0.35, 0.5);
        for (let i = 1; i <= 10; i++) ev('pointermove', 0.35 + i * 0.03, 0.5);
        ev('pointerup', 0.65, 0.5);
        return true;"#)
        .await;
    let stats = driver.js("return document.getElementById('mask-stats').textContent").await;
    assert!(stats.as_str().unwrap().contains("% of the image painted"), "{stats}");
    driver.type_into("#v-variable", "background").await;
    driver.type_into("#v-value", "plain wall").await;
    driver.click("#variant-submit").await;
    driver
        .wait_for("the variant page", "return /^\\/variants\\/\\d+$/.test(location.pathname)", 30)
        .await;
    // The page polls the job and reloads when it is done.
    driver.wait_for("the audit", "return document.getElementById('audit') !== null", 120).await;
    let outside = driver.js("return document.getElementById('audit-outside').textContent").await;
    assert_eq!(outside, json!("0 px"));
    let variant_path = driver.js("return location.pathname").await.as_str().unwrap().to_owned();
    // Approval happens only from review: the creator sends it there first.
    driver.click("#send-to-review").await;
    driver
        .wait_for(
            "in review",
            "return (document.getElementById('variant-status')||{}).textContent === 'in review'",
            20,
        )
        .await;

    driver.login(&base, "director@example.com").await;
    driver.goto(&format!("{base}{variant_path}")).await;
    driver.type_into("#review-comment", "clean erase").await;
    driver.click("#approve-button").await;
    driver
        .wait_for(
            "approval",
            "return (document.getElementById('variant-status')||{}).textContent === 'approved'",
            20,
        )
        .await;
    let history = driver.js("return document.querySelector('.history').textContent").await;
    assert!(history.as_str().unwrap().contains("clean erase"), "{history}");
}
