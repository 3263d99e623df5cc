//! Revocation wins every race (#16, item 1): a stolen refresh token exchanged in a tight loop
//! while the session is revoked — by a sign-out, a password reset, or the reuse of a spent
//! token — leaves the thief nothing that works, on both engines and with the revocation sent to
//! a second server over the same database.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{Actor, TestApp, USER_PASSWORD, test_config};

/// How each trial's session is revoked.
#[derive(Debug, Clone, Copy)]
enum Revocation {
    SignOut,
    PasswordReset,
    Reuse,
}

async fn exchange(app: &TestApp, token: &str) -> (u16, Option<String>) {
    let response = app
        .request(Method::POST, "/api/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .await;
    let next = (response.status == 200).then(|| {
        response.json()["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned()
    });
    (response.status, next)
}

/// Runs `trials` of the attack, each kind of revocation in turn (50 of each in 150); answers
/// the trials whose stolen token still worked after the revocation returned.
async fn attack(thief_side: &TestApp, owner_side: &TestApp, trials: usize) -> Vec<String> {
    let admin = owner_side.admin().await;
    let victim: Actor = owner_side.field_staff(&["141125"]).await;
    let mut survivors = Vec::new();
    for trial in 0..trials {
        let how = [
            Revocation::SignOut,
            Revocation::PasswordReset,
            Revocation::Reuse,
        ][trial % 3];
        let session = owner_side.sign_in(&victim.username, USER_PASSWORD).await;
        // The thief holds a copy of the refresh token and exchanges it in a tight loop,
        // always keeping the newest token it got.
        let stolen = std::sync::Arc::new(std::sync::Mutex::new(session.refresh_token.clone()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thief = {
            let (app, stolen, stop) = (thief_side.clone(), stolen.clone(), stop.clone());
            actix_web::rt::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let current = stolen.lock().unwrap().clone();
                    match exchange(&app, &current).await {
                        (200, Some(next)) => *stolen.lock().unwrap() = next,
                        _ => break,
                    }
                }
            })
        };
        // Let the thief exchange at least once (so the owner's copy is spent), then revoke on
        // the other server while the loop runs.
        for _ in 0..400 {
            if *stolen.lock().unwrap() != session.refresh_token {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_ne!(
            *stolen.lock().unwrap(),
            session.refresh_token,
            "trial {trial}"
        );
        match how {
            Revocation::SignOut => {
                let response = owner_side
                    .post_as(
                        &session,
                        "/api/v1/auth/logout",
                        &json!({"refresh_token": session.refresh_token}),
                    )
                    .await;
                assert_eq!(response.status, 204);
            }
            Revocation::PasswordReset => {
                let path = format!("/api/v1/users/{}", victim.id);
                let etag = owner_side
                    .get_as(&admin, &path)
                    .await
                    .header("etag")
                    .to_owned();
                owner_side
                    .patch_as(&admin, &path, &etag, &json!({"password": USER_PASSWORD}))
                    .await
                    .ok_json(200);
            }
            Revocation::Reuse => {
                // The owner's copy, spent by the thief already: its reuse ends the family.
                let (status, _) = exchange(owner_side, &session.refresh_token).await;
                assert_eq!(status, 401, "trial {trial}: the spent token is refused");
            }
        }
        // The revocation has returned: nothing of the family may work from now on.
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        thief.await.unwrap();
        let last = stolen.lock().unwrap().clone();
        if let (200, _) = exchange(thief_side, &last).await {
            survivors.push(format!("trial {trial} ({how:?})"));
        }
    }
    survivors
}

#[actix_web::test]
async fn no_stolen_refresh_token_survives_a_revocation_on_one_server() {
    let app = TestApp::spawn().await;
    let survivors = attack(&app, &app, 150).await;
    assert_eq!(survivors, Vec::<String>::new());
}

#[actix_web::test]
async fn no_stolen_refresh_token_survives_a_revocation_sent_to_another_server() {
    let a = TestApp::spawn().await;
    let b = a.restart(test_config(a.database_url())).await;
    let survivors = attack(&a, &b, 150).await;
    assert_eq!(survivors, Vec::<String>::new());
}
