//! The trainee register: validation of real-name data, one person one record, the mobile
//! conventions, search, masking and county scope.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::builders::{id_number, new_trainee};
use crate::support::{Actor, TestApp};

async fn register(app: &TestApp, actor: &Actor, body: &Value) -> Value {
    app.post_as(actor, "/api/v1/trainees", body)
        .await
        .ok_json(201)
}

async fn count(app: &TestApp, actor: &Actor) -> usize {
    let page = app
        .get_as(actor, "/api/v1/trainees?limit=200")
        .await
        .ok_json(200);
    page["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn registration_derives_sex_and_birth_date_and_normalises_the_numbers() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let number = id_number("141125", "19780412", false);
    let mut body = new_trainee("141125");
    body["id_number"] = json!(number.to_lowercase().replace('X', "x"));
    body["phone"] = json!("+86 138-0013-8000");
    body["categories"] = json!(["veteran", "rural_transfer", "veteran"]);
    let created = app.post_as(&worker, "/api/v1/trainees", &body).await;
    let trainee = created.ok_json(201);
    assert_eq!(created.header("etag"), "\"1\"");
    assert_eq!(trainee["id_number"], json!(number));
    assert_eq!(trainee["sex"], "male");
    assert_eq!(trainee["birth_date"], "1978-04-12");
    assert_eq!(trainee["phone"], "13800138000");
    assert_eq!(trainee["categories"], json!(["rural_transfer", "veteran"]));
    assert_eq!(trainee["prior_care_work_months"], 0);

    let read = app
        .get_as(
            &worker,
            &format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap()),
        )
        .await
        .ok_json(200);
    // A read adds the employment judged today to the record.
    let mut read = read;
    let employment = read.as_object_mut().unwrap().remove("employment").unwrap();
    assert_eq!(employment["status"], "not_employed");
    assert_eq!(read, trainee);
}

/// A valid number for someone born on `birth` whose check character is `X`.
fn id_number_ending_in_x(county: &str, birth: &str) -> String {
    (0..1000)
        .map(|n| format!("{county}{birth}{n:03}"))
        .find(|first17| tracker::domain::id_number::check_character(first17.as_bytes()) == b'X')
        .map(|first17| format!("{first17}X"))
        .expect("one in eleven ends in X")
}

#[actix_web::test]
async fn a_lower_case_x_check_character_is_accepted_and_stored_upper_case() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let number = id_number_ending_in_x("141125", "19850607");
    let mut body = new_trainee("141125");
    body["id_number"] = json!(number.replace('X', "x"));
    let trainee = register(&app, &worker, &body).await;
    assert_eq!(trainee["id_number"], json!(number));
    // The exact search finds it however the X is typed.
    let found = app
        .get_as(
            &worker,
            &format!("/api/v1/trainees?id_number={}", number.replace('X', "x")),
        )
        .await
        .ok_json(200);
    assert_eq!(found["items"][0]["id"], trainee["id"]);
}

#[actix_web::test]
async fn bad_real_name_data_is_422_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let good = id_number("141125", "19800315", true);
    let wrong_check = {
        let mut chars: Vec<char> = good.chars().collect();
        chars[17] = if chars[17] == '1' { '2' } else { '1' };
        chars.into_iter().collect::<String>()
    };
    let impossible_date = {
        let first17 = "14112519900230001";
        let check = tracker::domain::id_number::check_character(first17.as_bytes()) as char;
        format!("{first17}{check}")
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("id_number", json!(wrong_check), "check_character"),
        ("id_number", json!(impossible_date), "birth_date"),
        (
            "id_number",
            json!(id_number("141125", "20990101", true)),
            "future_birth_date",
        ),
        ("id_number", json!(&good[..17]), "length"),
        ("id_number", json!(format!("{good}1")), "length"),
        (
            "id_number",
            json!(id_number("141125", "20150101", true)),
            "age",
        ),
        (
            "id_number",
            json!(id_number("141125", "19550101", true)),
            "age",
        ),
        ("phone", json!("12345"), "format"),
        ("county_code", json!("999999"), "unknown_county"),
        ("categories", json!(["astronaut"]), "invalid_choice"),
        ("name", json!(""), "length"),
        ("prior_care_work_months", json!(-1), "range"),
    ];
    for (field, value, code) in cases {
        let mut body = new_trainee("141125");
        body[field] = value;
        let response = app.post_as(&admin, "/api/v1/trainees", &body).await;
        let problem = response.problem(422, "/problems/validation");
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"].as_str().unwrap().starts_with(field) && e["code"] == code),
            "{field}={code}: {problem}"
        );
    }
    assert_eq!(count(&app, &admin).await, 0);
}

#[actix_web::test]
async fn one_person_one_record() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125", "141124"]).await;
    let body = new_trainee("141125");
    let first = register(&app, &worker, &body).await;
    // The same person registered again, even from another county: 409 naming the record.
    let mut again = body.clone();
    again["county_code"] = json!("141124");
    again["name"] = json!("王秀英（重复）");
    let problem = app
        .post_as(&worker, "/api/v1/trainees", &again)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(problem["existing_id"], first["id"]);
    assert_eq!(count(&app, &worker).await, 1);
}

#[actix_web::test]
async fn the_same_create_replayed_three_times_stores_one_row() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let mut body = new_trainee("141125");
    let id = uuid::Uuid::new_v4().to_string();
    body["id"] = json!(id);
    let first = app
        .post_as(&worker, "/api/v1/trainees", &body)
        .await
        .ok_json(201);
    for _ in 0..2 {
        assert_eq!(
            app.post_as(&worker, "/api/v1/trainees", &body)
                .await
                .ok_json(200),
            first
        );
    }
    assert_eq!(count(&app, &worker).await, 1);
    body["township"] = json!("别的镇");
    let clash = app
        .post_as(&worker, "/api/v1/trainees", &body)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(clash["existing_id"], json!(id));
}

#[actix_web::test]
async fn two_phones_registering_one_person_at_once_get_one_201_and_one_409() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let body = new_trainee("141125");
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (app, worker, mut body) = (app.clone(), worker.clone(), body.clone());
            body["id"] = json!(uuid::Uuid::new_v4().to_string());
            actix_web::rt::spawn(
                async move { app.post_as(&worker, "/api/v1/trainees", &body).await },
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        if response.status == 409 {
            assert!(response.problem(409, "/problems/conflict")["existing_id"].is_string());
        }
        statuses.push(response.status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 409]);
    assert_eq!(count(&app, &worker).await, 1);
}

#[actix_web::test]
async fn a_field_worker_of_another_county_can_neither_read_list_nor_change_a_record() {
    let app = TestApp::spawn().await;
    let liulin = app.field_staff(&["141125"]).await;
    let linxian = app.field_staff(&["141124"]).await;
    let trainee = register(&app, &liulin, &new_trainee("141125")).await;
    let path = format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap());

    app.get_as(&linxian, &path)
        .await
        .problem(404, "/problems/not-found");
    let list = app.get_as(&linxian, "/api/v1/trainees").await.ok_json(200);
    assert_eq!(list["items"], json!([]));
    let by_number = app
        .get_as(
            &linxian,
            &format!(
                "/api/v1/trainees?id_number={}",
                trainee["id_number"].as_str().unwrap()
            ),
        )
        .await
        .ok_json(200);
    assert_eq!(by_number["items"], json!([]));
    app.request(Method::PATCH, &path)
        .auth(&linxian)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "改名"}))
        .await
        .problem(404, "/problems/not-found");
    // Registering into a county that is not theirs is refused too.
    app.post_as(&linxian, "/api/v1/trainees", &new_trainee("141125"))
        .await
        .problem(422, "/problems/rule-violated");

    let mut unchanged = app.get_as(&liulin, &path).await.ok_json(200);
    unchanged.as_object_mut().unwrap().remove("employment");
    assert_eq!(unchanged, trainee);
}

#[actix_web::test]
async fn employers_see_no_trainees_and_managers_read_lists_masked() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let manager = app.manager(&["141125"]).await;
    let employer = app.employer_user(&app.employer("护理院").await).await;
    let trainee = register(&app, &worker, &new_trainee("141125")).await;
    let path = format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap());

    app.get_as(&employer, "/api/v1/trainees")
        .await
        .problem(403, "/problems/forbidden");
    app.get_as(&employer, &path)
        .await
        .problem(403, "/problems/forbidden");

    let list = app.get_as(&manager, "/api/v1/trainees").await.ok_json(200);
    let item = &list["items"][0];
    let number = trainee["id_number"].as_str().unwrap();
    let phone = trainee["phone"].as_str().unwrap();
    assert_eq!(
        item["id_number"],
        json!(format!("{}********{}", &number[..6], &number[14..]))
    );
    assert_eq!(
        item["phone"],
        json!(format!("{}****{}", &phone[..3], &phone[7..]))
    );
    assert!(item["birth_date"].is_null());
    let text =
        String::from_utf8_lossy(&app.get_as(&manager, "/api/v1/trainees").await.body).into_owned();
    assert!(!text.contains(number) && !text.contains(phone));
    // The record itself shows the manager the numbers.
    assert_eq!(
        app.get_as(&manager, &path).await.ok_json(200)["id_number"],
        json!(number)
    );
    // Managers read; they do not register or change.
    app.post_as(&manager, "/api/v1/trainees", &new_trainee("141125"))
        .await
        .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn changes_follow_the_version_and_rederive_from_a_corrected_number() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125", "141124"]).await;
    let trainee = register(&app, &worker, &new_trainee("141125")).await;
    let other = register(&app, &worker, &new_trainee("141125")).await;
    let path = format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap());
    let patch = |etag: &'static str, body: Value| {
        let (app, worker, path) = (app.clone(), worker.clone(), path.clone());
        async move {
            let mut request = app.request(Method::PATCH, &path).auth(&worker);
            if !etag.is_empty() {
                request = request.header("if-match", etag);
            }
            request.json(&body).await
        }
    };
    patch("", json!({"name": "王秀兰"}))
        .await
        .problem(428, "/problems/precondition-required");
    patch("\"2\"", json!({"name": "王秀兰"}))
        .await
        .problem(412, "/problems/precondition-failed");
    patch("\"1\"", json!({"id_number": other["id_number"]}))
        .await
        .problem(409, "/problems/conflict");
    patch("\"1\"", json!({"county_code": "141102"}))
        .await
        .problem(422, "/problems/rule-violated");
    patch("\"1\"", json!({"phone": "12345"}))
        .await
        .invalid_field("phone", "format");

    let corrected = id_number("141124", "19900704", false);
    let changed = patch(
        "\"1\"",
        json!({"id_number": corrected, "county_code": "141124", "categories": ["unemployed"], "prior_care_work_months": 14}),
    )
    .await
    .ok_json(200);
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["sex"], "male");
    assert_eq!(changed["birth_date"], "1990-07-04");
    assert_eq!(changed["county_code"], "141124");
    assert_eq!(changed["categories"], json!(["unemployed"]));
    assert_eq!(changed["prior_care_work_months"], 14);
    assert_eq!(changed["name"], trainee["name"]);
    // The record's tag is its version; a read adds the employment judged today to it.
    let read = app.get_as(&worker, &path).await;
    assert!(
        read.header("etag").starts_with("\"2."),
        "{}",
        read.header("etag")
    );
    let cached = app
        .request(Method::GET, &path)
        .auth(&worker)
        .header("if-none-match", read.header("etag"))
        .send()
        .await;
    assert_eq!(cached.status, 304);
}

#[actix_web::test]
async fn search_by_name_prefix_phone_number_category_and_county() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125", "141124"]).await;
    let mut wang = new_trainee("141125");
    wang["name"] = json!("王秀英");
    let mut li = new_trainee("141124");
    li["name"] = json!("李桂兰");
    li["categories"] = json!(["veteran"]);
    let mut odd = new_trainee("141125");
    odd["name"] = json!("王%_特");
    let wang = register(&app, &worker, &wang).await;
    let li = register(&app, &worker, &li).await;
    let odd = register(&app, &worker, &odd).await;

    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let search = |query: String| {
        let (app, worker) = (app.clone(), worker.clone());
        async move {
            app.get_as(&worker, &format!("/api/v1/trainees?{query}"))
                .await
                .ok_json(200)
        }
    };
    let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(search("q=%E7%8E%8B".into()).await).len(),
        2,
        "王 prefix"
    );
    assert_eq!(
        ids(search("q=%E7%8E%8B%25_".into()).await),
        vec![id(&odd)],
        "wildcards are literal"
    );
    assert_eq!(
        ids(search("q=%E7%A7%80".into()).await),
        Vec::<String>::new(),
        "a prefix, not a substring"
    );
    let phone = li["phone"].as_str().unwrap();
    let typed = format!("%2B86%20{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]);
    assert_eq!(ids(search(format!("q={typed}")).await), vec![id(&li)]);
    assert_eq!(
        ids(search(format!("id_number={}", wang["id_number"].as_str().unwrap())).await),
        vec![id(&wang)]
    );
    assert_eq!(ids(search("category=veteran".into()).await), vec![id(&li)]);
    assert_eq!(ids(search("county=141124".into()).await), vec![id(&li)]);
    app.get_as(&worker, "/api/v1/trainees?category=astronaut")
        .await
        .invalid_field("category", "invalid_choice");
    for (query, field) in [
        ("id_number=", "id_number"),
        ("id_number=1411251980", "id_number"),
        ("county=AAAAAA", "county"),
    ] {
        app.get_as(&worker, &format!("/api/v1/trainees?{query}"))
            .await
            .invalid_field(field, "pattern");
    }
}

#[actix_web::test]
async fn pages_and_incremental_pulls_walk_the_register_in_change_order() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let mut registered = Vec::new();
    for _ in 0..5 {
        registered.push(register(&app, &worker, &new_trainee("141125")).await["id"].clone());
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/trainees?limit=2".to_owned();
    loop {
        let page = app.get_as(&worker, &path).await.ok_json(200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/trainees?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, registered);

    // A pull since the third registration's time brings it and the later ones.
    let third = app
        .get_as(
            &worker,
            &format!("/api/v1/trainees/{}", registered[2].as_str().unwrap()),
        )
        .await
        .ok_json(200);
    let since = third["updated_at"].as_str().unwrap().replace('+', "%2B");
    let pulled = app
        .get_as(&worker, &format!("/api/v1/trainees?updated_since={since}"))
        .await
        .ok_json(200);
    let pulled: Vec<Value> = pulled["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(pulled, registered[2..].to_vec());
}

#[actix_web::test]
async fn a_county_manager_reads_the_audit_of_registrations_in_their_county() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125", "141124"]).await;
    let manager = app.manager(&["141125"]).await;
    let here = register(&app, &worker, &new_trainee("141125")).await;
    let there = register(&app, &worker, &new_trainee("141124")).await;
    let rows = app
        .get_as(&manager, "/api/v1/audit?entity=trainee")
        .await
        .ok_json(200);
    let ids: Vec<&Value> = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["entity_id"])
        .collect();
    assert_eq!(ids, vec![&here["id"]]);
    assert_ne!(ids[0], &there["id"]);
}

#[actix_web::test]
async fn the_age_limits_hold_to_the_day_in_chinas_calendar() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let today = tracker::domain::today_in_china();
    // Born `years` years before today (29 February falls back to the 28th), `days_later` later.
    let years_ago = |years: u32, days_later: i64| {
        let day = today
            .checked_sub_months(chrono::Months::new(12 * years))
            .unwrap();
        (day + chrono::Duration::days(days_later))
            .format("%Y%m%d")
            .to_string()
    };
    let register = |birth: String, female: bool| {
        let (app, worker) = (app.clone(), worker.clone());
        async move {
            let mut body = new_trainee("141125");
            body["id_number"] = json!(id_number("141125", &birth, female));
            app.post_as(&worker, "/api/v1/trainees", &body).await
        }
    };
    let (man, woman) = (false, true);
    // 16 today: welcome; 16 tomorrow: not yet.
    assert_eq!(register(years_ago(16, 0), woman).await.status, 201);
    register(years_ago(16, 1), man)
        .await
        .invalid_field("id_number", "age");
    // Working age by sex: a man until 60, a woman until 55 (the labour-statistics ages).
    assert_eq!(register(years_ago(60, 1), man).await.status, 201);
    register(years_ago(60, 0), man)
        .await
        .invalid_field("id_number", "age");
    assert_eq!(register(years_ago(55, 1), woman).await.status, 201);
    let refused = register(years_ago(55, 0), woman).await;
    assert!(
        refused.json().to_string().contains("women"),
        "{}",
        refused.json()
    );
    refused.invalid_field("id_number", "age");
    // A 58-year-old woman is past working age; a man of 58 is not.
    register(years_ago(58, 0), woman)
        .await
        .invalid_field("id_number", "age");
    assert_eq!(register(years_ago(58, 0), man).await.status, 201);
}

#[actix_web::test]
async fn a_mistyped_number_can_be_corrected_whatever_age_it_gives() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let trainee = register(&app, &worker, &new_trainee("141125")).await;
    let older = id_number("141125", "19580101", true);
    let changed = app
        .request(
            Method::PATCH,
            &format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap()),
        )
        .auth(&worker)
        .header("if-match", "\"1\"")
        .json(&json!({"id_number": older}))
        .await
        .ok_json(200);
    assert_eq!(changed["birth_date"], "1958-01-01");
}

#[actix_web::test]
async fn a_number_registered_in_another_county_is_409_without_naming_the_record() {
    let app = TestApp::spawn().await;
    let linxian = app.field_staff(&["141124"]).await;
    let liulin = app.field_staff(&["141125"]).await;
    let body = new_trainee("141124");
    register(&app, &linxian, &body).await;
    let mut again = body.clone();
    again["county_code"] = json!("141125");
    let problem = app
        .post_as(&liulin, "/api/v1/trainees", &again)
        .await
        .problem(409, "/problems/conflict");
    assert!(problem.get("existing_id").is_none(), "{problem}");
    assert_eq!(count(&app, &liulin).await, 0);
}

#[actix_web::test]
async fn times_outside_the_years_a_database_holds_are_422() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let forged: String = "-4800-01-01T00:00:00|x"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    app.get_as(&worker, &format!("/api/v1/trainees?cursor=c1{forged}"))
        .await
        .invalid_field("cursor", "invalid");
    app.get_as(
        &worker,
        "/api/v1/trainees?updated_since=0001-01-01T00:00:00Z",
    )
    .await
    .invalid_field("updated_since", "range");
}

#[actix_web::test]
async fn a_name_search_pages_in_name_order() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let names = ["王秀英", "王丽", "王建国", "李娜"];
    for name in names {
        let mut body = new_trainee("141125");
        body["name"] = json!(name);
        register(&app, &worker, &body).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/trainees?q=%E7%8E%8B&limit=1".to_owned();
    loop {
        let page = app.get_as(&worker, &path).await.ok_json(200);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/trainees?q=%E7%8E%8B&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let mut expected: Vec<String> = names[..3].iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected);
    // A cursor of the register in change order is not one of this search.
    let page = app
        .get_as(&worker, "/api/v1/trainees?limit=1")
        .await
        .ok_json(200);
    let cursor = page["next_cursor"].as_str().unwrap();
    app.get_as(
        &worker,
        &format!("/api/v1/trainees?q=%E7%8E%8B&cursor={cursor}"),
    )
    .await
    .invalid_field("cursor", "invalid");
}
