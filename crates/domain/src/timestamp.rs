//! A [`Timestamp`]'s JSON form, written without `core::fmt`.

use chrono::{Datelike, Timelike};
use serde::{Serialize, Serializer};

use crate::Timestamp;

/// Serializes `at` exactly as chrono's own `Serialize` does (RFC 3339 in UTC with `Z`, and 0,
/// 3, 6 or 9 digits of fraction, as few as hold it), but from a buffer of bytes: chrono's goes
/// through `Display` and serde_json's string adapter one character at a time, and a listing of
/// a few hundred tasks writes two timestamps per task, twice per chat (the model's token
/// estimate and the answer). Years outside 0..=9999 and leap seconds take chrono's path.
///
/// # Errors
/// The serializer's.
pub fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 35];
    match write(at, &mut buf, Zone::Z).and_then(|len| std::str::from_utf8(&buf[..len]).ok()) {
        Some(text) => serializer.serialize_str(text),
        None => at.serialize(serializer),
    }
}

/// Serializes `at` as `to_rfc3339()` writes it (`+00:00` instead of `Z`), the form of the HTTP
/// API's task and message times; see [`serialize`].
///
/// # Errors
/// The serializer's.
pub fn serialize_rfc3339<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 35];
    match write(at, &mut buf, Zone::Offset).and_then(|len| std::str::from_utf8(&buf[..len]).ok()) {
        Some(text) => serializer.serialize_str(text),
        None => serializer.serialize_str(&at.to_rfc3339()),
    }
}

/// The text [`serialize`] writes for `at`, without its quotes, written into `buf`: its length,
/// or `None` where [`serialize`] takes chrono's path instead (a year outside 0..=9999, a leap
/// second). For a writer of JSON text that does without serde (a task listing).
#[must_use]
pub fn write_utc(at: &Timestamp, buf: &mut [u8; 35]) -> Option<usize> {
    write(at, buf, Zone::Z)
}

/// "00" to "99", two bytes each.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// How UTC is written at the end.
#[derive(Clone, Copy)]
enum Zone {
    Z,
    Offset,
}

/// Writes `at` into `buf`, returning its length; `None` where chrono's form is not the plain
/// one (a year outside 0..=9999, a leap second).
fn write(at: &Timestamp, buf: &mut [u8; 35], zone: Zone) -> Option<usize> {
    // UTC's fields, read once: each of `DateTime`'s own accessors adds the offset again.
    let at = at.naive_utc();
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    // Two digits at a time from a table, from the right: half the divisions of one at a time
    // (a listing writes two times per task).
    let digits = |buf: &mut [u8; 35], at: usize, value: u32, width: usize| {
        let mut v = value;
        let mut end = at + width;
        while end >= at + 2 {
            // `v % 100` is below 100.
            let pair = usize::try_from(v % 100).unwrap_or(0) * 2;
            buf[end - 2..end].copy_from_slice(&PAIRS[pair..pair + 2]);
            v /= 100;
            end -= 2;
        }
        if end > at {
            buf[at] = b'0' + u8::try_from(v % 10).unwrap_or(0);
        }
    };
    digits(buf, 0, year, 4);
    buf[4] = b'-';
    digits(buf, 5, at.month(), 2);
    buf[7] = b'-';
    digits(buf, 8, at.day(), 2);
    buf[10] = b'T';
    digits(buf, 11, at.hour(), 2);
    buf[13] = b':';
    digits(buf, 14, at.minute(), 2);
    buf[16] = b':';
    digits(buf, 17, at.second(), 2);
    let mut len = 19;
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    if width > 0 {
        buf[len] = b'.';
        digits(buf, len + 1, fraction, width);
        len += 1 + width;
    }
    let end: &[u8] = match zone {
        Zone::Z => b"Z",
        Zone::Offset => b"+00:00",
    };
    buf[len..len + end.len()].copy_from_slice(end);
    Some(len + end.len())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[derive(Serialize)]
    struct Fast(#[serde(serialize_with = "serialize")] Timestamp);

    #[derive(Serialize)]
    struct FastOffset(#[serde(serialize_with = "serialize_rfc3339")] Timestamp);

    fn same_as_chrono(at: Timestamp) {
        assert_eq!(
            serde_json::to_string(&Fast(at)).expect("fast"),
            serde_json::to_string(&at).expect("chrono"),
            "{at:?}"
        );
        assert_eq!(
            serde_json::to_string(&FastOffset(at)).expect("fast"),
            serde_json::to_string(&at.to_rfc3339()).expect("chrono"),
            "{at:?}"
        );
    }

    #[test]
    fn writes_what_chrono_writes() {
        let base = Utc
            .with_ymd_and_hms(2026, 11, 29, 9, 5, 7)
            .single()
            .expect("time");
        for nanos in [
            0,
            1,
            999_999_999,
            123_000_000,
            123_456_000,
            123_456_789,
            100_000,
            5_000,
            10,
            500_000_000,
        ] {
            same_as_chrono(base + chrono::Duration::nanoseconds(nanos));
        }
        for (y, mo, d, h, mi, s) in [
            (1, 1, 1, 0, 0, 0),
            (999, 12, 31, 23, 59, 59),
            (2024, 2, 29, 12, 0, 0),
            (9999, 12, 31, 23, 59, 59),
            (1970, 1, 1, 0, 0, 0),
        ] {
            same_as_chrono(
                Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
                    .single()
                    .expect("time"),
            );
        }
        // Outside the plain form: chrono's own path.
        same_as_chrono(
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
                .single()
                .expect("time"),
        );
        same_as_chrono(
            Utc.with_ymd_and_hms(-44, 3, 15, 12, 0, 0)
                .single()
                .expect("time"),
        );
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("leap second")
            .and_utc();
        same_as_chrono(leap);
        // A second's worth of instants a few microseconds apart, as stores hand them out.
        for i in 0..2000 {
            same_as_chrono(base + chrono::Duration::microseconds(i * 487 + 3));
        }
    }
}
