//! The shared conformance suite against a fresh SQLite database file per test.

use store_sqlite::SqliteStore;

async fn fresh() -> Option<(SqliteStore, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("retu.db"))
        .await
        .expect("open");
    Some((store, dir))
}

store::conformance_tests!(fresh);
