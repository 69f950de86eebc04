//! The values of a SQLite row, as vendor/sqlx-sqlite reads them (vendor/README.md, "a row's
//! values read out of SQLite"): a row copies its integers, texts and blobs out of SQLite
//! instead of duplicating each column as a `sqlite3_value`, so every conversion a decoder can
//! ask of a value (an integer's text, a text's integer or real) is now made by the vendored
//! crate, not by SQLite. These tests hold each one equal to SQLite's own, which SQL's CAST
//! makes with the same functions (`sqlite3VdbeIntValue`, `sqlite3VdbeRealValue`).

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc};
use sea_orm::sqlx::sqlite::{SqliteArguments, SqliteConnection, SqliteRow};
use sea_orm::sqlx::{Arguments, AssertSqlSafe, Connection, Row, SqlSafeStr, Value, ValueRef};

async fn memory() -> SqliteConnection {
    SqliteConnection::connect("sqlite::memory:")
        .await
        .expect("an in-memory SQLite database")
}

/// A deterministic pseudo-random sequence (xorshift64): the next value of `seed`.
fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Texts that exercise every branch of SQLite's text-to-number conversions.
fn numeric_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        " ",
        "0",
        "-0",
        "+0",
        "12",
        "  -12abc",
        "+7",
        "0000123",
        "\t\n\x0b\x0c\r 42 ",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "00009223372036854775807",
        "18446744073709551615",
        "123456789012345678901234",
        "-123456789012345678901234",
        "1.5",
        "-1.5",
        "1e5",
        "1E+5",
        "2.5e-3",
        "1e",
        "1e+",
        "1e-",
        "e5",
        ".5",
        "5.",
        ".",
        "-",
        "+",
        "-.5e1",
        "0x1A",
        "1_000",
        "12.34.56",
        "3.14159265358979323846264338327950288",
        "1e400",
        "-1e400",
        "1e-400",
        "4.9e-324",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "0.30000000000000004",
        "123456789012345678901234567890e-10",
        "9007199254740993",
        "1e99999",
        "abc",
        "١٢",
        "12 34",
        "99999999999999999999.5",
        "0.000000000000000000000000000001",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Deterministic pseudo-random decimals: mantissas of 1 to 25 digits, with or without a
    // point, exponents across the double range.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || xorshift(&mut seed);
    for _ in 0..1500 {
        let digits = 1 + (next() % 25) as usize;
        let mut text = String::new();
        if next() % 3 == 0 {
            text.push('-');
        }
        for i in 0..digits {
            text.push(char::from(b'0' + (next() % 10) as u8));
            if i == digits / 2 && next() % 2 == 0 {
                text.push('.');
            }
        }
        if next() % 2 == 0 {
            let exponent = (next() % 700) as i64 - 350;
            text.push_str(&format!("e{exponent}"));
        }
        texts.push(text);
    }
    texts
}

#[tokio::test]
async fn sqlite_converts_a_text_column_as_sqlite_does() {
    let mut db = memory().await;
    let texts = numeric_texts();
    for text in &texts {
        let row: SqliteRow = sea_orm::sqlx::query(
            "SELECT ?1 AS t, CAST(?1 AS INTEGER) AS i, CAST(?1 AS REAL) AS r, \
             CAST(?1 AS BLOB) AS b, CAST(CAST(?1 AS BLOB) AS INTEGER) AS bi, \
             CAST(CAST(?1 AS BLOB) AS REAL) AS br",
        )
        .bind(text)
        .fetch_one(&mut db)
        .await
        .expect("the conversions");
        let as_int: i64 = row.try_get_unchecked("t").expect("a text as an integer");
        let as_real: f64 = row.try_get_unchecked("t").expect("a text as a real");
        let sqlite_int: i64 = row.try_get("i").expect("SQLite's integer");
        let sqlite_real: f64 = row.try_get("r").expect("SQLite's real");
        assert_eq!(as_int, sqlite_int, "{text:?} as an integer");
        assert_eq!(
            as_real.to_bits(),
            sqlite_real.to_bits(),
            "{text:?} as a real: {as_real:e}, SQLite {sqlite_real:e}"
        );
        let blob_int: i64 = row.try_get_unchecked("b").expect("a blob as an integer");
        let blob_real: f64 = row.try_get_unchecked("b").expect("a blob as a real");
        assert_eq!(
            blob_int,
            row.try_get::<i64, _>("bi").expect("SQLite's"),
            "{text:?}"
        );
        assert_eq!(
            blob_real.to_bits(),
            row.try_get::<f64, _>("br").expect("SQLite's").to_bits(),
            "{text:?} as a blob's real"
        );
        let blob: Vec<u8> = row.try_get("b").expect("the blob");
        assert_eq!(blob, text.as_bytes(), "{text:?} as a blob");
        let same: String = row.try_get("t").expect("the text");
        assert_eq!(&same, text);
    }
}

#[tokio::test]
async fn sqlite_gives_an_integer_null_and_real_column_as_sqlite_does() {
    let mut db = memory().await;
    for n in [0i64, 7, -7, 1 << 53, i64::MAX, i64::MIN] {
        let row: SqliteRow = sea_orm::sqlx::query(
            "SELECT ?1 AS n, CAST(?1 AS TEXT) AS t, CAST(?1 AS REAL) AS r, NULL AS z, \
             ?1 * 0.5 AS half",
        )
        .bind(n)
        .fetch_one(&mut db)
        .await
        .expect("the row");
        assert_eq!(row.try_get::<i64, _>("n").expect("n"), n);
        let text: String = row.try_get_unchecked("n").expect("an integer as text");
        assert_eq!(text, row.try_get::<String, _>("t").expect("SQLite's text"));
        let bytes: Vec<u8> = row.try_get_unchecked("n").expect("an integer as a blob");
        assert_eq!(bytes, text.as_bytes());
        let real: f64 = row.try_get_unchecked("n").expect("an integer as a real");
        assert_eq!(
            real.to_bits(),
            row.try_get::<f64, _>("r").expect("r").to_bits()
        );
        // A REAL is still SQLite's own value.
        let half: f64 = row.try_get("half").expect("a real");
        assert_eq!(half.to_bits(), (n as f64 * 0.5).to_bits(), "{n}");
        let as_int: i64 = row.try_get_unchecked("half").expect("a real as an integer");
        let as_text: String = row.try_get_unchecked("half").expect("a real as a text");
        assert_eq!(as_int, (n as f64 * 0.5) as i64, "{n}: {as_text}");
        // NULL: no value, the column's type, 0 and empty when decoded regardless.
        let raw = row.try_get_raw("z").expect("z");
        assert!(raw.is_null());
        assert_eq!(row.try_get::<Option<String>, _>("z").expect("z"), None);
        assert_eq!(row.try_get_unchecked::<i64, _>("z").expect("z as 0"), 0);
        assert_eq!(
            row.try_get_unchecked::<String, _>("z").expect("z as ''"),
            ""
        );
    }
}

#[tokio::test]
async fn sqlite_values_outlive_their_row_and_keep_every_byte() {
    let mut db = memory().await;
    let long = "é".repeat(40_000);
    let row: SqliteRow = sea_orm::sqlx::query(
        "SELECT ?1 AS a, '' AS empty, ?2 AS b, X'00FF10' AS blob, X'' AS no_blob, 3 AS n",
    )
    .bind("first ☕")
    .bind(&long)
    .fetch_one(&mut db)
    .await
    .expect("the row");
    assert_eq!(row.try_get::<&str, _>("a").expect("a"), "first ☕");
    assert_eq!(row.try_get::<&str, _>("empty").expect("empty"), "");
    assert_eq!(row.try_get::<&str, _>("b").expect("b"), long);
    assert_eq!(
        row.try_get::<&[u8], _>("blob").expect("blob"),
        [0, 0xff, 0x10]
    );
    assert_eq!(row.try_get::<Vec<u8>, _>("no_blob").expect("no blob"), b"");
    // A value taken out of the row owns its bytes: the row can go.
    let values: Vec<_> = (0..6)
        .map(|i| row.try_get_raw(i).expect("a value").to_owned())
        .collect();
    drop(row);
    // Whatever the statement does next does not reach them either.
    let _: SqliteRow = sea_orm::sqlx::query("SELECT 'something else', 1, 2, 3, 4, 5")
        .fetch_one(&mut db)
        .await
        .expect("another row");
    assert_eq!(values[0].try_decode::<String>().expect("a"), "first ☕");
    assert_eq!(values[1].try_decode::<String>().expect("empty"), "");
    assert_eq!(values[2].try_decode::<String>().expect("b"), long);
    assert_eq!(
        values[3].try_decode::<Vec<u8>>().expect("blob"),
        [0, 0xff, 0x10]
    );
    assert!(
        values[4]
            .try_decode::<Vec<u8>>()
            .expect("no blob")
            .is_empty()
    );
    assert_eq!(values[5].try_decode::<i64>().expect("n"), 3);
    let copy = values[2].clone();
    drop(values);
    assert_eq!(copy.try_decode::<String>().expect("a copy of b"), long);
}

#[tokio::test]
async fn sqlite_reads_many_rows_each_with_its_own_values() {
    let mut db = memory().await;
    let rows: Vec<SqliteRow> = sea_orm::sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
         SELECT i, 'task ' || i AS title, CASE WHEN i % 3 = 0 THEN NULL ELSE printf('%0*d', i, 0) END AS note \
         FROM n",
    )
    .fetch_all(&mut db)
    .await
    .expect("500 rows");
    assert_eq!(rows.len(), 500);
    for (k, row) in rows.iter().enumerate() {
        let i = k as i64 + 1;
        assert_eq!(row.try_get::<i64, _>("i").expect("i"), i);
        assert_eq!(
            row.try_get::<String, _>("title").expect("title"),
            format!("task {i}")
        );
        let note: Option<String> = row.try_get("note").expect("note");
        assert_eq!(
            note,
            (i % 3 != 0).then(|| "0".repeat(i as usize)),
            "row {i}"
        );
    }
}

/// What upstream's sqlx-sqlite 0.9.0 made of a text decoded as a time (`decode_datetime_from_text`,
/// copied as the oracle for the vendored fast path).
fn upstream_time(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt);
    }
    let formats = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    for format in formats {
        if let Ok(dt) = DateTime::parse_from_str(text, format) {
            return Some(dt);
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.fix().from_utc_datetime(&dt));
        }
    }
    None
}

#[tokio::test]
async fn sqlite_reads_a_time_as_upstream_did() {
    let mut db = memory().await;
    let mut texts: Vec<String> = [
        "2026-12-06T21:05:09.123456+00:00",
        "2026-12-06T21:05:09+00:00",
        "2026-12-06t21:05:09.5z",
        "2026-12-06 21:05:09.5Z",
        "2026-12-06T21:05:09Z",
        "2026-12-06T21:05:09.123456789+05:30",
        "2026-12-06T21:05:09.1234567891+05:30",
        "2026-12-06T21:05:09.-05:00",
        "2026-12-06T23:59:60.5+00:00",
        "2016-12-31T23:59:60Z",
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-12-06T24:00:00Z",
        "2026-12-06T21:05:09+24:00",
        "2026-12-06T21:05:09-23:59",
        "2026-12-06T21:05:09+0530",
        "2026-12-06T21:05:09+05",
        "2026-12-06T21:05:09",
        "2026-12-06 21:05:09.25",
        "2026-12-06 21:05",
        "2026-12-06T21:05Z",
        "2026-12-06T21:05:09+00:00 ",
        "2026-12-06T21:05:09+00:00x",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999-23:59",
        "2026-12-06T21:05:09.123456+00:60",
        "２026-12-06T21:05:09Z",
        "",
        "not a time",
        "2026-12-06T21:05:09,5Z",
        "+2026-12-06T21:05:09Z",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Times as sqlx writes them (`to_rfc3339_opts(AutoSi, false)`) and in chrono's other forms.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for n in 0..400 {
        xorshift(&mut seed);
        let seconds = (seed % 8_000_000_000) as i64 - 2_000_000_000;
        let nanos = match n % 4 {
            0 => 0,
            1 => (seed % 1000) as u32 * 1_000_000,
            2 => (seed % 1_000_000) as u32 * 1000,
            _ => (seed % 1_000_000_000) as u32,
        };
        let at = DateTime::from_timestamp(seconds, nanos).expect("a time");
        let offset = FixedOffset::east_opt((seed % 86_399) as i32 - 43_199).expect("an offset");
        let format = [
            SecondsFormat::AutoSi,
            SecondsFormat::Secs,
            SecondsFormat::Millis,
            SecondsFormat::Nanos,
        ][n % 4];
        texts.push(at.to_rfc3339_opts(SecondsFormat::AutoSi, false));
        texts.push(
            at.with_timezone(&offset)
                .to_rfc3339_opts(format, n % 3 == 0),
        );
    }
    for text in &texts {
        let row: SqliteRow = sea_orm::sqlx::query("SELECT ?1 AS t")
            .bind(text)
            .fetch_one(&mut db)
            .await
            .expect("the row");
        let read = row.try_get::<DateTime<FixedOffset>, _>("t").ok();
        let expected = upstream_time(text);
        assert_eq!(read, expected, "{text:?}");
        if let Some(dt) = read {
            assert_eq!(
                expected.map(|dt| dt.offset().local_minus_utc()),
                Some(dt.offset().local_minus_utc()),
                "{text:?}: the offset"
            );
        }
        // In UTC (the vendored crate's own way for a time written in UTC): the same time, and
        // an error wherever upstream had one.
        let utc = row.try_get::<DateTime<Utc>, _>("t").ok();
        assert_eq!(
            utc,
            expected.map(|dt| dt.with_timezone(&Utc)),
            "{text:?} in UTC"
        );
    }
    // Only a text is read as written: the same bytes as a blob are refused as upstream refused
    // them, a number is a Unix time.
    let row: SqliteRow = sea_orm::sqlx::query(
        "SELECT CAST('2026-12-06T21:05:09.5+00:00' AS BLOB) AS b, 1765055109 AS n",
    )
    .fetch_one(&mut db)
    .await
    .expect("the row");
    assert!(row.try_get_unchecked::<DateTime<Utc>, _>("b").is_err());
    assert_eq!(
        row.try_get::<DateTime<Utc>, _>("n").expect("a Unix time"),
        DateTime::from_timestamp(1_765_055_109, 0).expect("a time")
    );
}

#[tokio::test]
async fn sqlite_reads_the_texts_of_a_utf16_database_as_utf8() {
    let mut db = memory().await;
    sea_orm::sqlx::query("PRAGMA encoding = 'UTF-16le'")
        .execute(&mut db)
        .await
        .expect("UTF-16 before the first table");
    sea_orm::sqlx::query("CREATE TABLE t (s TEXT)")
        .execute(&mut db)
        .await
        .expect("a table");
    let encoding: String = sea_orm::sqlx::query_scalar("PRAGMA encoding")
        .fetch_one(&mut db)
        .await
        .expect("the encoding");
    assert_eq!(encoding, "UTF-16le");
    let texts = ["héllo ☕", "", "plain", "𝄞 clef"];
    for text in texts {
        sea_orm::sqlx::query("INSERT INTO t (s) VALUES (?1)")
            .bind(text)
            .execute(&mut db)
            .await
            .expect("a row");
    }
    let rows: Vec<SqliteRow> = sea_orm::sqlx::query("SELECT s, 'literal ☕' AS l FROM t")
        .fetch_all(&mut db)
        .await
        .expect("the rows");
    let read: Vec<String> = rows.iter().map(|r| r.try_get("s").expect("s")).collect();
    assert_eq!(read, texts);
    for row in &rows {
        assert_eq!(row.try_get::<&str, _>("l").expect("l"), "literal ☕");
    }
}

/// `fetch_with` (vendor/README.md, "a query's rows read in place") decodes each row on the
/// worker thread while the statement stands on it: every value, of every type, in every row,
/// the same as `fetch_all`'s rows give; the rows of each statement of the query, in order.
#[tokio::test]
async fn sqlite_fetch_with_reads_each_row_in_place_as_fetch_all_does() {
    type Decoded = (
        i64,
        String,
        Option<String>,
        f64,
        Vec<u8>,
        bool,
        DateTime<Utc>,
        Option<i64>,
    );
    let mut db = memory().await;
    let long = "é☕".repeat(5_000);
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
               SELECT i, 'task ' || i || ?1, CASE WHEN i % 3 = 0 THEN NULL ELSE printf('%0*d', i, 0) END, \
               i * 0.25, CAST(printf('%x', i) AS BLOB), i % 2, \
               strftime('%Y-%m-%dT%H:%M:%f+00:00', 1700000000 + i * 3601, 'unixepoch'), \
               CASE WHEN i % 5 = 0 THEN i END FROM n";
    let expected: Vec<Decoded> = sea_orm::sqlx::query(sql)
        .bind(&long)
        .fetch_all(&mut db)
        .await
        .expect("300 rows")
        .iter()
        .map(|row: &SqliteRow| -> Result<Decoded, sea_orm::sqlx::Error> {
            Ok((
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(4)?,
                row.try_get(5)?,
                row.try_get(6)?,
                row.try_get(7)?,
            ))
        })
        .collect::<Result<_, _>>()
        .expect("fetch_all's rows decoded");
    let mut arguments = SqliteArguments::default();
    arguments.add(long.clone()).expect("bind");
    let rows: Vec<Decoded> = db
        .fetch_with(AssertSqlSafe(sql).into_sql_str(), Some(arguments), |row| {
            assert_eq!(row.columns().len(), 8);
            Ok((
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(4)?,
                row.try_get(5)?,
                row.try_get(6)?,
                row.try_get(7)?,
            ))
        })
        .await
        .expect("300 rows read in place");
    assert_eq!(rows.len(), 300);
    assert_eq!(rows, expected);
    assert!(rows[0].1.ends_with(&long) && rows[2].2.is_none() && rows[4].7 == Some(5));
    // A query of two statements: the rows of both, in order.
    let both = db
        .fetch_with(
            AssertSqlSafe("SELECT 1 UNION ALL SELECT 2; SELECT 3").into_sql_str(),
            None,
            |row| row.try_get::<i64>(0),
        )
        .await
        .expect("both statements");
    assert_eq!(both, [1, 2, 3]);
}

/// The first error stops `fetch_with`'s query and is its answer: a value whose type is not
/// the one asked for (checked as `Row::try_get` checks it), a column that is not there, the
/// caller's own error (no row after it is read), SQLite's; the connection serves the next
/// query as before, and a dropped caller leaves it usable too.
#[tokio::test]
async fn sqlite_fetch_with_stops_at_the_first_error() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let mut db = memory().await;
    let rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) \
                SELECT i, 'text ' || i FROM n";
    let query = || AssertSqlSafe(rows).into_sql_str();
    match db
        .fetch_with(query(), None, |row| row.try_get::<i64>(1))
        .await
    {
        Err(sea_orm::sqlx::Error::ColumnDecode { index, source }) => {
            assert_eq!(index, "1");
            assert!(source.to_string().contains("mismatched types"), "{source}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match db
        .fetch_with(query(), None, |row| row.try_get::<i64>(2))
        .await
    {
        Err(sea_orm::sqlx::Error::ColumnIndexOutOfBounds { index: 2, len: 2 }) => {}
        other => panic!("expected an index out of bounds, got {other:?}"),
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let stopped = db
        .fetch_with(query(), None, move |row| {
            let i: i64 = row.try_get(0)?;
            seen.fetch_add(1, Ordering::SeqCst);
            if i == 7 {
                return Err(sea_orm::sqlx::Error::Protocol(
                    "the caller's own error".into(),
                ));
            }
            Ok(i)
        })
        .await;
    assert!(
        matches!(&stopped, Err(sea_orm::sqlx::Error::Protocol(m)) if m == "the caller's own error"),
        "{stopped:?}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        7,
        "no row read after the error"
    );
    match db
        .fetch_with(
            AssertSqlSafe("SELECT * FROM missing").into_sql_str(),
            None,
            |row| row.try_get::<i64>(0),
        )
        .await
    {
        Err(sea_orm::sqlx::Error::Database(e)) => {
            assert!(e.message().contains("no such table"), "{e}");
        }
        other => panic!("expected SQLite's error, got {other:?}"),
    }
    // Sent, then dropped before its answer: the worker runs it to its end and the next query
    // finds the connection as before.
    let pending = db.fetch_with(query(), None, |row| row.try_get::<i64>(0));
    let _ = futures::poll!(Box::pin(pending));
    let all = db
        .fetch_with(query(), None, |row| row.try_get::<i64>(0))
        .await
        .expect("the next query");
    assert_eq!(all, (1..=50).collect::<Vec<i64>>());
}

/// A text is checked as UTF-8 before it is decoded as a `String` or `&str`, in a row and read in
/// place alike: ASCII, other UTF-8, and bytes that are not UTF-8 (refused, not read as
/// something else), at every length around the word size the ASCII check takes at once.
#[tokio::test]
async fn sqlite_checks_a_text_is_utf8_before_decoding_it() {
    let mut db = memory().await;
    for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 40] {
        let ascii = "a".repeat(len);
        let mut bad = ascii.clone().into_bytes();
        bad.insert(len / 2, 0xff);
        let mut accent = ascii.clone();
        accent.insert(len / 2, 'é');
        let sql = "SELECT ?1 AS ascii, ?2 AS accent, CAST(?3 AS TEXT) AS bad";
        let row: SqliteRow = sea_orm::sqlx::query(sql)
            .bind(&ascii)
            .bind(&accent)
            .bind(&bad)
            .fetch_one(&mut db)
            .await
            .expect("the row");
        assert_eq!(row.try_get::<String, _>("ascii").expect("ascii"), ascii);
        assert_eq!(row.try_get::<&str, _>("accent").expect("accent"), accent);
        assert!(row.try_get::<String, _>("bad").is_err(), "{len}");
        assert!(row.try_get::<&str, _>("bad").is_err(), "{len}");
        let mut arguments = SqliteArguments::default();
        arguments.add(ascii.clone()).expect("bind");
        arguments.add(accent.clone()).expect("bind");
        arguments.add(bad.clone()).expect("bind");
        let read = db
            .fetch_with(AssertSqlSafe(sql).into_sql_str(), Some(arguments), |row| {
                Ok((
                    row.try_get::<String>(0)?,
                    row.try_get::<String>(1)?,
                    row.try_get::<String>(2).is_err(),
                ))
            })
            .await
            .expect("read in place");
        assert_eq!(read, [(ascii, accent, true)], "{len}");
    }
}
