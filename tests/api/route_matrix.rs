//! Every route × every role, and anonymous: the answer proves that the route checks the permission
//! this matrix gives it. The routes are read from the site map (`src/routes/mod.rs`), so a route
//! added without an entry here fails the test, and so does a handler that forgets its check.

use liftmask::auth::{Permission, Role};

use crate::helpers::{TestApp, extract_csrf, logged_in_client, spawn_app};

#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in user (a page).
    AnyUser,
    /// A page that needs the permission.
    Page(Permission),
    /// An `/api/v1` route that needs the permission (bearer token).
    Api(Permission),
}

use Access::*;
use Permission::*;

const MATRIX: &[(&str, &str, Access)] = &[
    ("get", "/healthz", Public),
    ("get", "/static/{path:.*}", Public),
    ("get", "/login", Public),
    ("post", "/login", Public),
    ("post", "/logout", AnyUser),
    ("get", "/", Page(View)),
    ("get", "/admin/users", Page(Administer)),
    ("post", "/admin/users", Page(Administer)),
    ("post", "/admin/users/{id}/role", Page(Administer)),
    ("post", "/admin/users/{id}/disable", Page(Administer)),
    ("post", "/admin/users/{id}/enable", Page(Administer)),
    ("post", "/admin/users/{id}/password", Page(Administer)),
    ("get", "/account", AnyUser),
    ("post", "/account/password", AnyUser),
    ("post", "/account/sessions/end-all", AnyUser),
    ("post", "/account/tokens", AnyUser),
    ("post", "/account/tokens/{id}/revoke", AnyUser),
    ("get", "/api/v1/me", Api(View)),
    ("post", "/variants/{id}/formats", Page(EditCreative)),
    ("post", "/masters/{id}/formats", Page(EditCreative)),
    ("post", "/api/v1/variants/{id}/formats", Api(EditCreative)),
    ("post", "/api/v1/masters/{id}/formats", Api(EditCreative)),
    ("get", "/api/v1/variants/{id}/priming", Api(View)),
    ("get", "/api/v1/masters/{id}/priming", Api(View)),
    ("get", "/variants/{id}/priming-pack", Page(View)),
    ("get", "/masters/{id}/priming", Page(View)),
    ("get", "/api/v1/variants/{id}/priming/pack", Api(View)),
    ("get", "/imports", Page(View)),
    ("get", "/imports/new", Page(ImportData)),
    ("post", "/imports/preview", Page(ImportData)),
    ("post", "/imports/reparse", Page(ImportData)),
    ("post", "/imports/confirm", Page(ImportData)),
    ("get", "/imports/jobs/{key}", Page(ImportData)),
    ("get", "/imports/jobs/{key}/status", Page(ImportData)),
    ("get", "/ad-mappings/unmapped", Page(ImportData)),
    ("post", "/ad-mappings", Page(ImportData)),
    ("get", "/api/v1/imports", Api(View)),
    ("get", "/api/v1/ad-mappings", Api(View)),
    ("post", "/api/v1/ad-mappings", Api(ImportData)),
    ("get", "/api/v1/ad-mappings/unmapped", Api(View)),
    ("get", "/experiments", Page(View)),
    ("post", "/experiments", Page(ManageExperiments)),
    ("get", "/experiments/new", Page(ManageExperiments)),
    ("get", "/experiments/{id}", Page(View)),
    ("get", "/experiments/{id}/results.csv", Page(View)),
    ("get", "/experiments/{id}/daily.csv", Page(View)),
    ("get", "/experiments/{id}/by_format.csv", Page(View)),
    ("get", "/variables", Page(View)),
    ("get", "/variables.csv", Page(View)),
    ("get", "/api/v1/experiments", Api(View)),
    ("post", "/api/v1/experiments", Api(ManageExperiments)),
    ("get", "/api/v1/experiments/{id}", Api(View)),
    ("get", "/api/v1/experiments/{id}/results.csv", Api(View)),
    ("get", "/api/v1/experiments/{id}/daily.csv", Api(View)),
    ("get", "/api/v1/experiments/{id}/by_format.csv", Api(View)),
    ("get", "/api/v1/variables", Api(View)),
    ("get", "/api/v1/variables.csv", Api(View)),
    ("get", "/masters", Page(View)),
    ("post", "/masters", Page(EditCreative)),
    ("get", "/masters/{id}", Page(View)),
    ("get", "/masters/{id}/{which}", Page(View)),
    ("get", "/variants/new", Page(EditCreative)),
    ("post", "/variants", Page(EditCreative)),
    ("post", "/variants/selection", Page(EditCreative)),
    ("get", "/variants/{id}", Page(View)),
    ("get", "/variants/{id}/download", Page(View)),
    ("get", "/variants/{id}/{which}.png", Page(View)),
    ("post", "/variants/{id}/submit", Page(EditCreative)),
    ("post", "/variants/{id}/review", Page(Review)),
    ("get", "/reviews", Page(View)),
    ("get", "/jobs/{id}.json", Page(View)),
    ("post", "/api/v1/masters", Api(EditCreative)),
    ("get", "/api/v1/masters/{id}/tree", Api(View)),
    ("post", "/api/v1/variants", Api(EditCreative)),
    ("post", "/api/v1/variants/selection", Api(EditCreative)),
    ("get", "/api/v1/variants/{id}", Api(View)),
    ("get", "/api/v1/variants/{id}/image", Api(View)),
    ("post", "/api/v1/variants/{id}/review", Api(Review)),
    ("post", "/api/v1/variants/{id}/submit", Api(EditCreative)),
    ("get", "/api/v1/jobs/{id}", Api(View)),
    ("get", "/grids", Page(View)),
    ("post", "/grids", Page(EditCreative)),
    ("get", "/grids/{id}", Page(View)),
    ("post", "/grids/{id}/submit", Page(EditCreative)),
    ("post", "/grids/{id}/review", Page(Review)),
    ("get", "/grids/{id}/export.zip", Page(View)),
    ("post", "/api/v1/grids", Api(EditCreative)),
    ("get", "/api/v1/grids/{id}", Api(View)),
    ("post", "/api/v1/grids/{id}/submit", Api(EditCreative)),
    ("post", "/api/v1/grids/{id}/review", Api(Review)),
    ("get", "/api/v1/grids/{id}/export.zip", Api(View)),
];

/// `(method, path)` of every `.route("PATH", web::METHOD()…)` in the site map.
fn registered_routes() -> Vec<(String, String)> {
    let read = |file: &str| {
        std::fs::read_to_string(format!("{}/src/routes/{file}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
    };
    let mut routes = routes_in(&read("mod.rs"), "");
    routes.extend(routes_in(&read("api/mod.rs"), "/api/v1"));
    routes
}

/// The `(method, path)` of every `.route("path", web::method()…)` in `source`, under `scope`.
fn routes_in(source: &str, scope: &str) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(\"") {
        rest = &rest[at + 8..];
        let path_end = rest.find('"').unwrap();
        let path = format!("{scope}{}", &rest[..path_end]);
        let method_at = rest.find("web::").unwrap() + 5;
        let method_end = method_at + rest[method_at..].find('(').unwrap();
        routes.push((rest[method_at..method_end].to_owned(), path));
    }
    routes
}

/// A concrete URL for a route pattern: ids that do not exist, valid names elsewhere.
fn concrete(path: &str) -> String {
    path.replace("{path:.*}", "css/app.css")
        .replace("{which}.png", "diff.png")
        .replace("{which}", "thumb")
        .replace("{key}", "no-such-import")
        .replace("{id}", "999999")
}

/// One caller: a cookie session (with its CSRF token) and an API token, or neither.
struct Caller {
    role: Option<Role>,
    client: reqwest::Client,
    csrf: String,
    token: Option<String>,
}

/// A fresh caller; `tag` keeps the users of different callers apart.
async fn caller(app: &TestApp, role: Option<Role>, tag: &str) -> Caller {
    let Some(role) = role else {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        let login_page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = extract_csrf(&login_page).unwrap();
        return Caller { role: None, client, csrf, token: None };
    };
    let email = format!("matrix-{tag}-{}@example.com", role.as_str());
    app.create_user(&email, role);
    let (client, csrf) = logged_in_client(app, &email).await;
    let token = Some(app.token_for(&email));
    let role = Some(role);
    Caller { role, client, csrf, token }
}

async fn status_of(app: &TestApp, who: &Caller, method: &str, path: &str) -> (u16, String) {
    let url = app.url(&concrete(path));
    let mut req = match method {
        "get" => who.client.get(url),
        "post" => who.client.post(url).form(&[("csrf_token", who.csrf.as_str())]),
        other => panic!("the matrix does not know method {other}"),
    };
    if path.starts_with("/api/")
        && let Some(token) = &who.token
    {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let location =
        res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (res.status().as_u16(), location)
}

#[actix_web::test]
async fn every_route_checks_the_role_the_matrix_gives_it() {
    let registered = registered_routes();
    assert!(registered.len() > 40, "the site map parser found only {registered:?}");
    let missing: Vec<_> = registered
        .iter()
        .filter(|(m, p)| !MATRIX.iter().any(|(mm, pp, _)| mm == m && pp == p))
        .collect();
    assert!(missing.is_empty(), "routes without an entry in the role matrix: {missing:?}");
    let stale: Vec<_> = MATRIX
        .iter()
        .filter(|(m, p, _)| !registered.iter().any(|(mm, pp)| mm == m && pp == p))
        .map(|(m, p, _)| (m, p))
        .collect();
    assert!(stale.is_empty(), "matrix entries for routes that no longer exist: {stale:?}");

    let app = spawn_app().await;
    let all_callers = |tag: String| {
        let app = &app;
        async move {
            let mut callers = vec![caller(app, None, &tag).await];
            for role in Role::ALL {
                callers.push(caller(app, Some(role), &tag).await);
            }
            callers
        }
    };
    let shared = all_callers("shared".into()).await;
    let mut failures = Vec::new();
    for (i, &(method, path, access)) in MATRIX.iter().enumerate() {
        // A route that ends the caller's session gets callers of its own.
        let own;
        let callers = if path == "/logout" || path == "/account/sessions/end-all" {
            own = all_callers(i.to_string()).await;
            &own
        } else {
            &shared
        };
        for who in callers {
            let (status, location) = status_of(&app, who, method, path).await;
            let to_login = status == 303 && location.starts_with("/login");
            let allowed = match (access, who.role) {
                (Public, _) => true,
                (AnyUser, role) => role.is_some(),
                (Page(p) | Api(p), Some(role)) => role.allows(p),
                (Page(_) | Api(_), None) => false,
            };
            let ok = match (access, who.role, allowed) {
                _ if status >= 500 => false,
                (Api(_), None, _) => status == 401,
                (_, None, false) => to_login,
                (_, Some(_), false) => status == 403,
                // Logging out sends a logged-in user to the login page.
                (AnyUser, Some(_), true) => status != 401 && status != 403,
                (_, _, true) => status != 401 && status != 403 && !to_login,
            };
            if !ok {
                let who = who.role.map_or("anonymous", Role::as_str);
                failures.push(format!("{method} {path} as {who}: {status} {location}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
