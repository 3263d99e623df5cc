//! The counties reference list.

use crate::support::TestApp;

const COUNTIES: [(&str, &str); 13] = [
    ("141102", "离石区"),
    ("141121", "文水县"),
    ("141122", "交城县"),
    ("141123", "兴县"),
    ("141124", "临县"),
    ("141125", "柳林县"),
    ("141126", "石楼县"),
    ("141127", "岚县"),
    ("141128", "方山县"),
    ("141129", "中阳县"),
    ("141130", "交口县"),
    ("141181", "孝义市"),
    ("141182", "汾阳市"),
];

#[actix_web::test]
async fn lists_the_13_counties_of_luliang_in_code_order() {
    let app = TestApp::spawn().await;
    let body = app.get("/api/v1/counties").await.ok_json(200);
    let items: Vec<(String, String)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().into(),
                c["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = COUNTIES
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect();
    assert_eq!(items, expected);
    assert!(body["next_cursor"].is_null());
    // The list requests are checked against is the seeded one.
    let codes: Vec<&str> = items.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(codes, tracker::domain::COUNTY_CODES);
}

#[actix_web::test]
async fn cursor_pages_walk_the_list_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/counties?limit=5".to_owned();
    let mut pages = 0;
    loop {
        let body = app.get(&path).await.ok_json(200);
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 5);
        seen.extend(items.iter().map(|c| c["code"].as_str().unwrap().to_owned()));
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/counties?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = COUNTIES.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(seen, expected);
}

#[actix_web::test]
async fn bad_page_parameters_are_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field, code) in [
        ("limit=0", "limit", "range"),
        ("limit=201", "limit", "range"),
        ("limit=-3", "limit", "range"),
        ("limit=abc", "limit", "invalid"),
        ("limit=1.5", "limit", "invalid"),
        ("cursor=not-ours", "cursor", "invalid"),
        ("cursor=c1zz", "cursor", "invalid"),
        ("cursor=c1AB", "cursor", "invalid"),
    ] {
        app.get(&format!("/api/v1/counties?{query}"))
            .await
            .invalid_field(field, code);
    }
    // Cursors of the documented shape are positions, whatever bytes they carry: a NUL
    // (PostgreSQL cannot compare it: once a 500 there), a long run of them, bytes that are not
    // UTF-8, a control character.
    let zeros = format!("c1{}", "0".repeat(508));
    for cursor in ["c100", "c1313431313000", "c1ff", "c1313409", zeros.as_str()] {
        let page = app
            .get(&format!("/api/v1/counties?cursor={cursor}"))
            .await
            .ok_json(200);
        assert!(page["items"].is_array(), "{cursor}");
    }
    // The largest page is allowed.
    let body = app.get("/api/v1/counties?limit=200").await.ok_json(200);
    assert_eq!(body["items"].as_array().unwrap().len(), 13);
}
