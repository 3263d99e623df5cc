//! Signing in, tokens, refresh-token rotation and the attacks on them.

use actix_web::http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{ADMIN_PASSWORD, Actor, TEST_JWT_SECRET, TestApp, config_with};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sub: &str, iat: i64, exp: i64) -> Value {
    json!({"sub": sub, "role": "admin", "iat": iat, "nbf": iat, "exp": exp,
           "iss": "luliang-tracker", "aud": "luliang-tracker-api"})
}

fn sign(alg: Algorithm, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn b64(data: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn me_with(app: &TestApp, authorization: &str) -> crate::support::TestResponse {
    app.request(Method::GET, "/api/v1/me")
        .header("authorization", authorization)
        .send()
        .await
}

fn assert_unauthenticated(response: &crate::support::TestResponse) {
    response.problem(401, "/problems/unauthenticated");
    assert!(
        response.header("www-authenticate").starts_with("Bearer"),
        "{:?}",
        response.headers
    );
}

#[actix_web::test]
async fn sign_in_gives_a_token_pair_and_me_describes_the_account() {
    let app = TestApp::spawn().await;
    let tokens = app.login("admin", ADMIN_PASSWORD).await.ok_json(200);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 32);

    let token = tokens["access_token"].as_str().unwrap();
    let me = me_with(&app, &format!("Bearer {token}")).await.ok_json(200);
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["county_codes"], json!([]));
    assert!(me["employer_id"].is_null());
    assert!(me.get("password").is_none() && me.get("password_hash").is_none());
}

#[actix_web::test]
async fn the_access_token_carries_the_required_claims_for_15_minutes() {
    let app = TestApp::spawn().await;
    let tokens = app.login("admin", ADMIN_PASSWORD).await.ok_json(200);
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.set_audience(&["luliang-tracker-api"]);
    validation.set_issuer(&["luliang-tracker"]);
    let key = jsonwebtoken::DecodingKey::from_secret(TEST_JWT_SECRET.as_bytes()).unwrap();
    let data =
        jsonwebtoken::decode::<Value>(tokens["access_token"].as_str().unwrap(), &key, &validation)
            .unwrap();
    assert_eq!(data.header.alg, Algorithm::HS256);
    let c = data.claims;
    for claim in ["sub", "role", "iat", "nbf", "exp", "iss", "aud"] {
        assert!(!c[claim].is_null(), "claim {claim} missing: {c}");
    }
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
}

#[actix_web::test]
async fn an_unknown_user_and_a_wrong_password_answer_the_same() {
    let app = TestApp::spawn().await;
    let wrong = app.login("admin", "not-the-password").await;
    let unknown = app.login("nobody-here", "not-the-password").await;
    assert_unauthenticated(&wrong);
    assert_unauthenticated(&unknown);
    assert_eq!(wrong.json(), unknown.json());
}

#[actix_web::test]
async fn more_than_five_failures_within_15_minutes_are_throttled_with_retry_after() {
    let app = TestApp::spawn().await;
    let other = app.field_staff(&["141125"]).await;
    for _ in 0..5 {
        assert_eq!(app.login("admin", "wrong-password").await.status, 401);
    }
    let throttled = app.login("admin", "wrong-password").await;
    throttled.problem(429, "/problems/too-many-requests");
    let retry: u64 = throttled.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password waits now.
    app.login("admin", ADMIN_PASSWORD)
        .await
        .problem(429, "/problems/too-many-requests");
    // Unknown usernames are throttled the same way, and other usernames are not affected.
    for _ in 0..5 {
        assert_eq!(app.login("ghost", "wrong-password").await.status, 401);
    }
    app.login("ghost", "wrong-password")
        .await
        .problem(429, "/problems/too-many-requests");
    app.login(&other.username, crate::support::USER_PASSWORD)
        .await
        .ok_json(200);
}

#[actix_web::test]
async fn forged_and_broken_tokens_are_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let t = now();

    let good = sign(
        Algorithm::HS256,
        TEST_JWT_SECRET,
        &claims(&admin.id, t, t + 600),
    );
    me_with(&app, &format!("Bearer {good}")).await.ok_json(200);

    // A tampered payload: the same account, its lifetime stretched after signing. Only the
    // signature check can refuse it.
    let parts: Vec<&str> = good.split('.').collect();
    let mut stretched = claims(&admin.id, t, t + 600);
    stretched["exp"] = json!(t + 86_400);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(stretched.to_string().as_bytes()),
        parts[2]
    );
    let wrong_secret = sign(
        Algorithm::HS256,
        "another-secret-of-thirty-two-bytes!!",
        &claims(&admin.id, t, t + 600),
    );
    let hs512 = sign(
        Algorithm::HS512,
        TEST_JWT_SECRET,
        &claims(&admin.id, t, t + 600),
    );
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(&admin.id, t, t + 600).to_string().as_bytes())
    );
    let expired = sign(
        Algorithm::HS256,
        TEST_JWT_SECRET,
        &claims(&admin.id, t - 960, t - 60),
    );
    let mut wrong_audience = claims(&admin.id, t, t + 600);
    wrong_audience["aud"] = json!("someone-else");
    let wrong_audience = sign(Algorithm::HS256, TEST_JWT_SECRET, &wrong_audience);

    for (what, header) in [
        ("tampered payload", format!("Bearer {tampered}")),
        ("wrong secret", format!("Bearer {wrong_secret}")),
        ("HS512", format!("Bearer {hs512}")),
        ("alg none", format!("Bearer {none}")),
        ("expired by 60 s", format!("Bearer {expired}")),
        ("wrong audience", format!("Bearer {wrong_audience}")),
        ("not a token", "Bearer abc.def.ghi".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("basic scheme", "Basic YWRtaW46YWRtaW4=".to_owned()),
    ] {
        let response = me_with(&app, &header).await;
        assert_eq!(response.status, 401, "{what}");
        assert_unauthenticated(&response);
    }
    let missing = app.get("/api/v1/me").await;
    assert_unauthenticated(&missing);
}

#[actix_web::test]
async fn a_deactivated_account_loses_access_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let worker = app.field_staff(&["141125"]).await;
    app.get_as(&worker, "/api/v1/me").await.ok_json(200);

    let user = app
        .get_as(&admin, &format!("/api/v1/users/{}", worker.id))
        .await;
    let etag = user.header("etag").to_owned();
    app.request(Method::PATCH, &format!("/api/v1/users/{}", worker.id))
        .auth(&admin)
        .header("if-match", &etag)
        .json(&json!({"active": false}))
        .await
        .ok_json(200);

    assert_unauthenticated(&app.get_as(&worker, "/api/v1/me").await);
    let refresh = app
        .post_as(
            &worker,
            "/api/v1/auth/refresh",
            &json!({"refresh_token": worker.refresh_token}),
        )
        .await;
    assert_unauthenticated(&refresh);
    assert_unauthenticated(
        &app.login(&worker.username, crate::support::USER_PASSWORD)
            .await,
    );
}

async fn refresh(app: &TestApp, token: &str) -> crate::support::TestResponse {
    app.request(Method::POST, "/api/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .await
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_its_family() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = refresh(&app, &admin.refresh_token).await.ok_json(200);
    let second_token = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, admin.refresh_token);
    me_with(
        &app,
        &format!("Bearer {}", first["access_token"].as_str().unwrap()),
    )
    .await
    .ok_json(200);

    // The spent token comes back: someone holds a copy.
    assert_unauthenticated(&refresh(&app, &admin.refresh_token).await);
    // The whole family is dead, the newest token too.
    assert_unauthenticated(&refresh(&app, &second_token).await);
    // Another sign-in is a new family and works.
    let again = app.admin().await;
    refresh(&app, &again.refresh_token).await.ok_json(200);
    // Unknown tokens are refused.
    assert_unauthenticated(&refresh(&app, "0123456789abcdef").await);
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = app
        .post_as(
            &admin,
            "/api/v1/auth/logout",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(response.status, 204);
    assert_unauthenticated(&refresh(&app, &admin.refresh_token).await);
    // Signing out needs a signed-in caller.
    let anonymous = app
        .request(Method::POST, "/api/v1/auth/logout")
        .json(&json!({"refresh_token": "x"}))
        .await;
    assert_unauthenticated(&anonymous);
}

#[actix_web::test]
async fn a_logout_cannot_revoke_someone_elses_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let worker: Actor = app.field_staff(&["141124"]).await;
    let response = app
        .post_as(
            &worker,
            "/api/v1/auth/logout",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(response.status, 204);
    refresh(&app, &admin.refresh_token).await.ok_json(200);
}

#[actix_web::test]
async fn tokens_signed_with_a_generated_secret_survive_a_restart() {
    let first = {
        let db = crate::support::TestDatabase::create();
        let config = config_with(&db.url, &[("JWT_SECRET", "")]);
        TestApp::spawn_with(db, config).await
    };
    let admin = first.admin().await;
    let second = first
        .restart(config_with(first.database_url(), &[("JWT_SECRET", "")]))
        .await;
    second.get_as(&admin, "/api/v1/me").await.ok_json(200);
    // A server with another secret does not accept it.
    let third = first
        .restart(crate::support::test_config(first.database_url()))
        .await;
    assert_unauthenticated(&third.get_as(&admin, "/api/v1/me").await);
}

#[actix_web::test]
async fn concurrent_exchanges_of_one_refresh_token_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (app, token) = (app.clone(), admin.refresh_token.clone());
            actix_web::rt::spawn(async move { refresh(&app, &token).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            200 => winners.push(
                response.json()["refresh_token"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            401 => assert_unauthenticated(&response),
            other => panic!(
                "a concurrent refresh answered {other}: {}",
                String::from_utf8_lossy(&response.body)
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one exchange wins");
    // The others presented a spent token: the family, the winner's new token included, is dead.
    assert_unauthenticated(&refresh(&app, &winners[0]).await);
}

#[actix_web::test]
async fn concurrent_wrong_passwords_cannot_slip_past_the_throttle() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let app = app.clone();
            actix_web::rt::spawn(async move { app.login("admin", "wrong-password").await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    app.login("admin", ADMIN_PASSWORD)
        .await
        .problem(429, "/problems/too-many-requests");
}

#[actix_web::test]
async fn a_new_password_ends_the_accounts_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let worker = app.field_staff(&["141125"]).await;
    app.request(Method::PATCH, &format!("/api/v1/users/{}", worker.id))
        .auth(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"password": "a-brand-new-password"}))
        .await
        .ok_json(200);
    assert_unauthenticated(&refresh(&app, &worker.refresh_token).await);
    assert_unauthenticated(
        &app.login(&worker.username, crate::support::USER_PASSWORD)
            .await,
    );
    app.login(&worker.username, "a-brand-new-password")
        .await
        .ok_json(200);
}
