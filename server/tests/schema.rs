//! The SQLite and PostgreSQL migrations are twins: after both run, the two
//! schemas have the same tables, the same columns (names and nullability)
//! and the same indexes (names, columns and uniqueness). Types differ by
//! dialect and are not compared.

mod common;

use std::collections::BTreeMap;

use common::{Backend, TestDb};
use sqlx::Connection as _;

/// table -> (columns: name -> nullable, indexes: name -> (unique, columns)).
type Schema = BTreeMap<String, Table>;

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, bool>,
    indexes: BTreeMap<String, (bool, Vec<String>)>,
}

/// Tables of the migration tools themselves.
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("select name from sqlite_master where type = 'table' order by name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut schema = Schema::new();
    for (table,) in tables.into_iter().filter(|(t,)| ours(t)) {
        let mut t = Table::default();
        let columns: Vec<(String, i64, i64)> =
            sqlx::query_as("select name, \"notnull\", pk from pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (name, not_null, pk) in columns {
            // SQLite lets a primary key column hold null unless declared
            // not null; PostgreSQL never does.
            t.columns.insert(name, not_null == 0 && pk == 0);
        }
        let indexes: Vec<(String, i64, String)> =
            sqlx::query_as("select name, \"unique\", origin from pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (name, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<(String,)> =
                sqlx::query_as("select name from pragma_index_info($1) order by seqno")
                    .bind(&name)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|(c,)| c).collect();
            // Constraint indexes get generated names; name them by columns.
            let key = if origin == "u" {
                format!("unique({})", cols.join(","))
            } else {
                name
            };
            t.indexes.insert(key, (unique != 0, cols));
        }
        schema.insert(table, t);
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text, is_nullable::text from information_schema.columns
         where table_schema = 'public' order by table_name, ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column, nullable) in columns.into_iter().filter(|(t, _, _)| ours(t)) {
        schema
            .entry(table)
            .or_default()
            .columns
            .insert(column, nullable == "YES");
    }
    // Every index but primary keys, with its columns in order; indexes
    // behind unique constraints are named by their columns as on SQLite.
    let indexes: Vec<(String, String, bool, bool, Vec<String>)> = sqlx::query_as(
        "select t.relname::text, i.relname::text, ix.indisunique, c.conindid is not null,
                array(select a.attname::text from unnest(ix.indkey) with ordinality k(attnum, n)
                      join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n)
         from pg_index ix
         join pg_class i on i.oid = ix.indexrelid
         join pg_class t on t.oid = ix.indrelid
         join pg_namespace ns on ns.oid = t.relnamespace
         left join pg_constraint c on c.conindid = ix.indexrelid and c.contype = 'u'
         where ns.nspname = 'public' and not ix.indisprimary",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, name, unique, constraint, cols) in indexes {
        if !ours(&table) {
            continue;
        }
        let key = if constraint {
            format!("unique({})", cols.join(","))
        } else {
            name
        };
        schema
            .entry(table)
            .or_default()
            .indexes
            .insert(key, (unique, cols));
    }
    schema
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn sqlite_and_postgres_schemas_are_twins() {
    let pg = Backend::require_postgres();
    let lite = TestDb::create(&Backend::Sqlite).await;
    let post = TestDb::create(&pg).await;
    // Starting the server runs the migrations.
    for db in [&lite, &post] {
        let config = waitwell_server::config::Config::for_tests(&db.url);
        waitwell_server::prepare(config)
            .await
            .expect("migrations run");
    }
    let sqlite = sqlite_schema(&lite.url).await;
    let postgres = postgres_schema(&post.url).await;
    let names = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sqlite), names(&postgres), "tables differ");
    for (table, lite_table) in &sqlite {
        let pg_table = &postgres[table];
        assert_eq!(
            lite_table.columns, pg_table.columns,
            "{table}: columns (name -> nullable) differ"
        );
        assert_eq!(
            lite_table.indexes, pg_table.indexes,
            "{table}: indexes differ"
        );
    }
    lite.drop_db().await;
    post.drop_db().await;
}
