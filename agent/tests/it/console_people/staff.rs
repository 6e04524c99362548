//! The Staff pages: adding a user who then signs in; a new PIN, a new role, disabling and
//! ending one session, each read back through the command line and the sessions it ends;
//! the last owner kept; bad input and forged ids refused by name with nothing changed.

use intake_tests::console::Console;

use super::{Case, audit_log, hidden_values, refused, shop, user, users};
use crate::console::signed_in;
use crate::support::{OWNER, PIN, client, sign_in};

/// The (name, role, disabled) of every user.
fn who(dir: &std::path::Path) -> Vec<(String, String, bool)> {
    users(dir)
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                u["role"].as_str().unwrap().to_string(),
                u["disabled"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_staff_adds_a_user_who_signs_in_and_bad_input_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let page = owner.get("/console/staff").await;
    assert_eq!(page.status, 200);
    for u in users(dir) {
        let row = format!(
            "href=\"/console/staff/{}\">{}</a>",
            u["id"].as_str().unwrap(),
            u["name"].as_str().unwrap()
        );
        assert!(page.body.contains(&row), "{row}");
    }

    let before = who(dir);
    let long = "n".repeat(65);
    let cases: &[Case<'_>] = &[
        (
            &[
                ("name", "nia"),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482914"),
            ],
            "href=\"#pin-again\"",
            "The two PINs differ",
        ),
        (
            &[
                ("name", "nia"),
                ("role", "artist"),
                ("pin", "4829"),
                ("pin-again", "4829"),
            ],
            "href=\"#pin\"",
            "artist PINs are 6 to 12 digits",
        ),
        (
            &[
                ("name", "nia"),
                ("role", "artist"),
                ("pin", "48a913"),
                ("pin-again", "48a913"),
            ],
            "href=\"#pin\"",
            "6 to 12 digits",
        ),
        (
            &[("name", "nia"), ("role", "artist")],
            "href=\"#pin\"",
            "Type it",
        ),
        (
            &[
                ("name", "nia"),
                ("role", "kiosk"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
            "href=\"#role\"",
            "is not a staff role",
        ),
        (
            &[
                ("name", "nia"),
                ("role", "root"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
            "href=\"#role\"",
            "is not a staff role",
        ),
        (
            &[
                ("name", " "),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
            "href=\"#name\"",
            "1 to 64 printable characters",
        ),
        (
            &[
                ("name", &long),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
            "href=\"#name\"",
            "1 to 64 printable characters",
        ),
        (
            &[
                ("name", "ARI"),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
            "href=\"#name\"",
            "already exists",
        ),
    ];
    for (fields, link, message) in cases {
        let a = owner.post("/console/staff", fields).await;
        refused(&a, 422, message);
        assert!(a.body.contains(link), "{link}: {}", a.body);
        assert!(a.body.contains("aria-invalid=\"true\""));
        // A PIN is never written back into a page.
        assert!(!a.body.contains("value=\"482913\"") && !a.body.contains("value=\"4829\""));
    }
    // Larger than any staff form: refused before it is read.
    let huge = "n".repeat(5 << 10);
    let a = owner
        .post(
            "/console/staff",
            &[
                ("name", &huge),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
        )
        .await;
    refused(&a, 413, "larger than");
    assert_eq!(who(dir), before, "nothing was added");

    let a = owner
        .post(
            "/console/staff",
            &[
                ("name", "nia"),
                ("role", "artist"),
                ("pin", "482913"),
                ("pin-again", "482913"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location(), Some("/console/staff"));
    let nia = user(dir, "nia");
    assert_eq!(
        (nia["role"].as_str(), nia["disabled"].as_bool()),
        (Some("artist"), Some(false))
    );
    let log = audit_log(dir);
    assert!(
        log.iter().any(|e| e["action"] == "user.add"
            && e["actor"] == OWNER
            && e["detail"] == "added nia as artist"),
        "{log:?}"
    );
    assert!(owner.get("/console/staff").await.body.contains(">nia</a>"));

    // Nia signs in with the PIN typed in the page, and sees an artist's console.
    let nia = signed_in(dir, &store, "nia", "482913").await;
    let page = nia.get("/console/customers").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("href=\"/console/staff"));
    assert_eq!(nia.get("/console/staff").await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_staff_pin_role_and_disabling_end_sessions_and_the_last_owner_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = shop(dir);
    let owner = signed_in(dir, &store, OWNER, PIN).await;
    let (ari_id, fran_id, olive_id) = (
        user(dir, "ari")["id"].as_str().unwrap().to_string(),
        user(dir, "fran")["id"].as_str().unwrap().to_string(),
        user(dir, OWNER)["id"].as_str().unwrap().to_string(),
    );
    let ari_page = format!("/console/staff/{ari_id}");

    // Ari's sessions, in the console and over the API, each with its button.
    let ari = signed_in(dir, &store, "ari", "135790").await;
    let http = client(dir);
    let (token, api_session) = sign_in(&http, &store.url, "ari", "135790").await;
    let page = owner.get(&ari_page).await;
    assert_eq!(page.status, 200);
    let shown = hidden_values(&page.body, "session");
    assert_eq!(shown.len(), 2, "{}", page.body);
    assert!(shown.contains(&api_session));
    let api_ok = |token: String| {
        let (http, url) = (http.clone(), store.url.clone());
        async move {
            http.get(format!("{url}/v1/customers?q=ada"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(api_ok(token.clone()).await, 200);
    // One ended: the API refuses its token; the console session goes on.
    let revoke = format!("{ari_page}/sessions/revoke");
    let a = owner.post(&revoke, &[("session", &api_session)]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(api_ok(token).await, 401);
    assert_eq!(ari.get("/console/customers").await.status, 200);
    // Not a session id, an unknown one, the owner's own under ari's page: refused.
    refused(
        &owner.post(&revoke, &[("session", "nope")]).await,
        400,
        "session",
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    refused(
        &owner.post(&revoke, &[("session", &unknown)]).await,
        404,
        "ari has no such session",
    );
    let own_page = owner.get(&format!("/console/staff/{olive_id}")).await.body;
    let own = hidden_values(&own_page, "session");
    assert_eq!(own.len(), 1);
    assert!(own_page.contains("(this one)"));
    refused(
        &owner.post(&revoke, &[("session", &own[0])]).await,
        404,
        "no such session",
    );
    assert_eq!(
        owner.get("/console/staff").await.status,
        200,
        "still signed in"
    );

    // A new PIN: typed twice, the role's rule; then ari's sessions end.
    let pin = format!("{ari_page}/pin");
    refused(
        &owner
            .post(&pin, &[("pin", "864213"), ("pin-again", "864214")])
            .await,
        422,
        "The two PINs differ",
    );
    refused(
        &owner
            .post(&pin, &[("pin", "8642"), ("pin-again", "8642")])
            .await,
        422,
        "artist PINs are 6 to 12 digits",
    );
    assert_eq!(
        ari.get("/console/customers").await.status,
        200,
        "nothing changed"
    );
    let a = owner
        .post(&pin, &[("pin", "864213"), ("pin-again", "864213")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location(), Some(ari_page.as_str()));
    assert_eq!(
        ari.get("/console/customers").await.status,
        303,
        "the old session ended"
    );
    assert_eq!(
        Console::new(dir, &store.url)
            .sign_in("ari", "135790")
            .await
            .status,
        401
    );
    let ari = signed_in(dir, &store, "ari", "864213").await;

    // A new role: ari's session ends, the CLI reads the role.
    let role = format!("{ari_page}/role");
    let a = owner.post(&role, &[("role", "front-desk")]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(user(dir, "ari")["role"], "front-desk");
    assert_eq!(ari.get("/console/customers").await.status, 303);
    // Front desk's four digits do not guard an artist's work: a new PIN comes with the role.
    let fran_role = format!("/console/staff/{fran_id}/role");
    refused(
        &owner.post(&fran_role, &[("role", "artist")]).await,
        422,
        "give a new PIN with the role",
    );
    refused(
        &owner
            .post(
                &fran_role,
                &[("role", "artist"), ("pin", "9753"), ("pin-again", "9753")],
            )
            .await,
        422,
        "artist PINs are 6 to 12 digits",
    );
    refused(
        &owner
            .post(
                &fran_role,
                &[
                    ("role", "artist"),
                    ("pin", "975311"),
                    ("pin-again", "975312"),
                ],
            )
            .await,
        422,
        "The two PINs differ",
    );
    refused(
        &owner.post(&fran_role, &[("role", "kiosk")]).await,
        422,
        "is not a staff role",
    );
    assert_eq!(user(dir, "fran")["role"], "front-desk", "nothing changed");
    let a = owner
        .post(
            &fran_role,
            &[
                ("role", "artist"),
                ("pin", "975311"),
                ("pin-again", "975311"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(user(dir, "fran")["role"], "artist");
    assert_eq!(
        Console::new(dir, &store.url)
            .sign_in("fran", "9753")
            .await
            .status,
        401
    );
    signed_in(dir, &store, "fran", "975311").await;

    // Disabled: the session ends and sign-in is refused; enabled: back in.
    let ari = signed_in(dir, &store, "ari", "864213").await;
    let a = owner.post(&format!("{ari_page}/disable"), &[]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(user(dir, "ari")["disabled"], true);
    assert_eq!(ari.get("/console/customers").await.status, 303);
    let mut again = Console::new(dir, &store.url);
    assert_eq!(again.sign_in("ari", "864213").await.status, 401);
    assert!(again.cookie.is_none());
    assert!(owner.get(&ari_page).await.body.contains("ari is disabled"));
    assert_eq!(
        owner.post(&format!("{ari_page}/enable"), &[]).await.status,
        303
    );
    assert_eq!(user(dir, "ari")["disabled"], false);
    signed_in(dir, &store, "ari", "864213").await;

    // The owner keeps their own role and access; a form from another of the owner's
    // sessions is refused.
    let olive_page = format!("/console/staff/{olive_id}");
    refused(
        &owner.post(&format!("{olive_page}/disable"), &[]).await,
        422,
        "you cannot disable yourself",
    );
    refused(
        &owner
            .post(&format!("{olive_page}/role"), &[("role", "manager")])
            .await,
        422,
        "you cannot change your own role",
    );
    let other = signed_in(dir, &store, OWNER, PIN).await;
    let a = other
        .post(
            &format!("{ari_page}/disable"),
            &[("csrf", &owner.csrf().await)],
        )
        .await;
    assert_eq!(a.status, 403);
    let olive = user(dir, OWNER);
    assert_eq!(
        (olive["role"].as_str(), olive["disabled"].as_bool()),
        (Some("owner"), Some(false))
    );
    assert_eq!(user(dir, "ari")["disabled"], false);

    // Ids that are no one's: a page saying so, nothing changed.
    for path in [
        "/console/staff/not-an-id".to_string(),
        format!("/console/staff/{}", uuid::Uuid::now_v7()),
    ] {
        refused(&owner.get(&path).await, 404, "no staff member with this id");
        let a = owner
            .post(
                &format!("{path}/pin"),
                &[("pin", "111333"), ("pin-again", "111333")],
            )
            .await;
        refused(&a, 404, "no staff member with this id");
        refused(
            &owner.post(&format!("{path}/disable"), &[]).await,
            404,
            "no staff member",
        );
    }
    let log = audit_log(dir);
    assert!(log.iter().any(|e| e["action"] == "user.set-role"
        && e["detail"] == "changed the role of fran from front-desk to artist, with a new PIN"));
    assert!(
        !log.iter()
            .any(|e| e["detail"].as_str().unwrap().contains("111333"))
    );
}
