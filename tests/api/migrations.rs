//! Every migration applies, reverts through its `down.sql`, and applies again.

use diesel::{QueryableByName, RunQueryDsl, sql_query, sql_types::BigInt};

use tracker::config::DatabaseUrl;
use tracker::db::{self, AnyConnection, ConnectionManager, Db};

use crate::support::TestDatabase;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The tables of ours, leaving out diesel's own bookkeeping.
fn our_tables(conn: &mut AnyConnection) -> i64 {
    let query = match conn {
        AnyConnection::Postgresql(_) => {
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'"
        }
        AnyConnection::Sqlite(_) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name <> '__diesel_schema_migrations' AND name NOT LIKE 'sqlite_%'"
        }
    };
    sql_query(query).get_result::<Count>(conn).unwrap().n
}

#[test]
fn migrations_go_up_down_and_up_again() {
    let test_db = TestDatabase::create();
    let url = DatabaseUrl::parse(&test_db.url).unwrap();
    Db::connect(&url, 1).expect("the database opens");
    let mut conn = ConnectionManager::new(url).establish().unwrap();

    db::migrate(&mut conn).expect("up");
    assert!(our_tables(&mut conn) > 0);
    assert_eq!(db::counties::list(&mut conn, None, 100).unwrap().len(), 13);

    db::revert_all(&mut conn).expect("down");
    assert_eq!(our_tables(&mut conn), 0, "down.sql leaves tables behind");
    assert!(db::counties::list(&mut conn, None, 100).is_err());

    db::migrate(&mut conn).expect("up again");
    assert_eq!(db::counties::list(&mut conn, None, 100).unwrap().len(), 13);
}
