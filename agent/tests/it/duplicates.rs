//! `GET /v1/duplicates` over real HTTPS: pages that together are the command line's
//! one-shot list, the default and the largest page, and clear refusals of a bad limit, a
//! forged cursor, and a caller without read:customer.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::{OWNER, PIN, Store, add_owner, agent, client, sign_in};

/// A group as its ids: the target, then the duplicates.
fn ids(group: &Value) -> Vec<String> {
    std::iter::once(&group["target"])
        .chain(group["duplicates"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_come_in_pages_that_add_up_to_the_whole_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    add_owner(&dir);
    // 605 pairs (same last name, written differently, and birthdate), and people alone.
    let mut csv = String::from("FirstName,LastName,PhoneNumber,Birthdate\n");
    for i in 0..605 {
        let born = format!(
            "{}-{:02}-{:02}",
            1950 + i / 336,
            1 + (i / 28) % 12,
            1 + i % 28
        );
        let last = ["Lee", "Ng", "Díaz", "O'Brien"][i % 4];
        csv.push_str(&format!(
            "Ann,{last},,{born}\nBo, {} ,,{born}\n",
            last.to_uppercase()
        ));
        csv.push_str(&format!("Cy,Alone{i},,{born}\n"));
    }
    let file = tmp.path().join("people.csv");
    std::fs::write(&file, csv).unwrap();
    agent(&dir, &["import", file.to_str().unwrap(), "--json"]);
    let whole: Value = serde_json::from_str(&agent(&dir, &["duplicates", "--json"])).unwrap();
    let whole: Vec<Vec<String>> = whole.as_array().unwrap().iter().map(ids).collect();
    assert_eq!(whole.len(), 605);
    let code: Value = serde_json::from_str(&agent(
        &dir,
        &["device", "add", "lobby", "--role", "kiosk", "--json"],
    ))
    .unwrap();

    let store = Store::start(&dir, &[]);
    let http = client(&dir);
    let (token, _) = sign_in(&http, &store.url, OWNER, PIN).await;
    let get = |query: &str, token: Option<&str>| {
        let mut req = http.get(format!("{}/v1/duplicates{query}", store.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };

    // 50 groups unless asked otherwise, never more than 500.
    for (query, size) in [("", 50), ("?limit=7", 7), ("?limit=100000", 500)] {
        let (status, page) = get(query, Some(&token)).await;
        assert_eq!(status, 200, "{query}: {page}");
        let groups: Vec<Vec<String>> = page["groups"].as_array().unwrap().iter().map(ids).collect();
        assert_eq!(groups, whole[..size], "{query}");
        assert!(page["next"].is_string(), "{query}: {page}");
    }

    // Page after page gives the whole list once, in order, and the last page says so.
    let mut paged = Vec::new();
    let mut query = "?limit=200".to_string();
    loop {
        let (status, page) = get(&query, Some(&token)).await;
        assert_eq!(status, 200, "{page}");
        paged.extend(page["groups"].as_array().unwrap().iter().map(ids));
        match page["next"].as_str() {
            Some(next) => query = format!("?limit=200&after={next}"),
            None => break,
        }
    }
    assert_eq!(paged, whole);

    // A bad limit or cursor is refused, naming the parameter.
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("g1\nlee\n1\n2\n3");
    for (query, names) in [
        ("?limit=0", "limit"),
        ("?limit=-3", "limit"),
        ("?limit=lots", "limit"),
        ("?after=not-a-cursor", "after"),
        ("?after=", "after"),
        (&format!("?after={forged}") as &str, "after"),
    ] {
        let (status, answer) = get(query, Some(&token)).await;
        assert_eq!(status, 400, "{query}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.starts_with(&format!("{names}: ")), "{query}: {error}");
    }

    // Nobody, and a lobby kiosk (no read:customer), see no customer.
    assert_eq!(get("", None).await.0, 401);
    let paired: Value = http
        .post(format!("{}/v1/pair", store.url))
        .json(&json!({ "code": code["code"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kiosk = paired["token"].as_str().unwrap();
    let (status, answer) = get("?limit=1", Some(kiosk)).await;
    assert_eq!(status, 403, "{answer}");
    assert!(!answer.to_string().contains("Ann"), "{answer}");
}
