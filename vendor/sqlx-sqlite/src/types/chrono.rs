use std::fmt::Display;

use crate::value::ValueRef;
use crate::{
    decode::Decode,
    encode::{Encode, IsNull},
    error::BoxDynError,
    type_info::DataType,
    types::Type,
    Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef,
};
use chrono::FixedOffset;
use chrono::{
    DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, Offset, SecondsFormat, TimeZone, Utc,
};

impl<Tz: TimeZone> Type<Sqlite> for DateTime<Tz> {
    fn type_info() -> SqliteTypeInfo {
        SqliteTypeInfo(DataType::Datetime)
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <NaiveDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl Type<Sqlite> for NaiveDateTime {
    fn type_info() -> SqliteTypeInfo {
        SqliteTypeInfo(DataType::Datetime)
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        matches!(
            ty.0,
            DataType::Datetime
                | DataType::Text
                | DataType::Integer
                | DataType::Int4
                | DataType::Float
        )
    }
}

impl Type<Sqlite> for NaiveDate {
    fn type_info() -> SqliteTypeInfo {
        SqliteTypeInfo(DataType::Date)
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        matches!(ty.0, DataType::Date | DataType::Text)
    }
}

impl Type<Sqlite> for NaiveTime {
    fn type_info() -> SqliteTypeInfo {
        SqliteTypeInfo(DataType::Time)
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        matches!(ty.0, DataType::Time | DataType::Text)
    }
}

impl<Tz: TimeZone> Encode<'_, Sqlite> for DateTime<Tz>
where
    Tz::Offset: Display,
{
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.to_rfc3339_opts(SecondsFormat::AutoSi, false), buf)
    }
}

impl Encode<'_, Sqlite> for NaiveDateTime {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.format("%F %T%.f").to_string(), buf)
    }
}

impl Encode<'_, Sqlite> for NaiveDate {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.format("%F").to_string(), buf)
    }
}

impl Encode<'_, Sqlite> for NaiveTime {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.format("%T%.f").to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DateTime<Utc> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        // todo-chatbot's vendored copy (see vendor/README.md): a text read out of SQLite in the
        // form `Encode` writes for a UTC time goes straight to its value.
        if let Some(at) = value.row_text().and_then(decode_utc_written) {
            return Ok(at);
        }
        Ok(Utc.from_utc_datetime(&decode_datetime(value)?.naive_utc()))
    }
}

/// todo-chatbot's vendored copy (see vendor/README.md): a UTC time as `Encode` writes a
/// `DateTime<Utc>` (`2026-12-06T21:05:09.123456+00:00`; also with `Z` or `z`, a `t` or a space
/// for the `T`, no fraction or one of up to nine digits), read in one pass of fixed positions:
/// the value [`decode_rfc3339_written`] gives, in UTC, with ~170–190 instructions fewer a time
/// than its ~490 (a task listing's row has two times, which were then a third of its
/// decoding). `None` for anything else (another offset, a leap second, ...), which goes that
/// way.
fn decode_utc_written(s: &[u8]) -> Option<DateTime<Utc>> {
    let body = match s {
        [body @ .., b'+', b'0', b'0', b':', b'0', b'0'] | [body @ .., b'Z' | b'z'] => body,
        _ => return None,
    };
    let (head, fraction) = body.split_at_checked(19)?;
    let digit = |i: usize| u32::from(head[i].wrapping_sub(b'0'));
    let mut bad = (head[4] != b'-')
        | (head[7] != b'-')
        | !matches!(head[10], b'T' | b't' | b' ')
        | (head[13] != b':')
        | (head[16] != b':');
    for i in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] {
        bad |= digit(i) > 9;
    }
    if bad {
        return None;
    }
    let mut nano = 0;
    if let [b'.', digits @ ..] = fraction {
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let mut scale = 100_000_000;
        for &b in digits {
            let d = u32::from(b.wrapping_sub(b'0'));
            if d > 9 {
                return None;
            }
            nano += d * scale;
            scale /= 10;
        }
    } else if !fraction.is_empty() {
        return None;
    }
    let two = |i: usize| digit(i) * 10 + digit(i + 1);
    let year = (two(0) * 100 + two(2)) as i32;
    let date = NaiveDate::from_ymd_opt(year, two(5), two(8))?;
    // A leap second (60) goes the general way: from_hms_nano_opt refuses it.
    let time = NaiveTime::from_hms_nano_opt(two(11), two(14), two(17), nano)?;
    Some(date.and_time(time).and_utc())
}

impl<'r> Decode<'r, Sqlite> for DateTime<Local> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Local.from_utc_datetime(&decode_datetime(value)?.naive_utc()))
    }
}

impl<'r> Decode<'r, Sqlite> for DateTime<FixedOffset> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        decode_datetime(value)
    }
}

fn decode_datetime(value: SqliteValueRef<'_>) -> Result<DateTime<FixedOffset>, BoxDynError> {
    let dt = match value.type_info().0 {
        // todo-chatbot's vendored copy (see vendor/README.md): the form this crate writes,
        // read straight from the value's bytes.
        DataType::Text => match value.with_temp_blob(decode_rfc3339_written) {
            Some(dt) => Some(dt),
            None => decode_datetime_from_text(value.text_borrowed()?),
        },
        DataType::Int4 | DataType::Integer => decode_datetime_from_int(value.int64()?),
        DataType::Float => decode_datetime_from_float(value.double()?),

        _ => None,
    };

    if let Some(dt) = dt {
        Ok(dt)
    } else {
        Err(format!("invalid datetime: {}", value.text_borrowed()?).into())
    }
}

/// todo-chatbot's vendored copy (see vendor/README.md): a time in the form `Encode` writes
/// (`to_rfc3339_opts(SecondsFormat::AutoSi, false)`: `2026-12-06T21:05:09.123456+00:00`), and
/// any RFC 3339 time with up to nine fractional digits and no leap second, read in one pass:
/// what `DateTime::parse_from_rfc3339` makes of it, with fewer instructions (~735 a time
/// through chrono's general parser and the UTF-8 check, ~490 this way: a task row has two
/// times, which were more than half of the instructions its decoding took). `None` for
/// anything else, which goes the general way.
fn decode_rfc3339_written(s: &[u8]) -> Option<DateTime<FixedOffset>> {
    /// The value of two ASCII digits.
    fn two(a: u8, b: u8) -> Option<u32> {
        let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
        (a < 10 && b < 10).then_some(u32::from(a) * 10 + u32::from(b))
    }
    /// A fraction of n digits (1 to 9) in nanoseconds: its value times SCALE[n].
    const SCALE: [u32; 10] = [
        0,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let head: &[u8; 19] = s.get(..19)?.try_into().ok()?;
    if head[4] != b'-'
        || head[7] != b'-'
        || !matches!(head[10], b'T' | b't' | b' ')
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let year = two(head[0], head[1])? * 100 + two(head[2], head[3])?;
    let date = NaiveDate::from_ymd_opt(year as i32, two(head[5], head[6])?, two(head[8], head[9])?)?;
    let (hour, minute) = (two(head[11], head[12])?, two(head[14], head[15])?);
    let second = two(head[17], head[18])?;
    let mut rest = &s[19..];
    let mut nano = 0;
    if let [b'.', fraction @ ..] = rest {
        let n = fraction.iter().take(10).take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        let value = fraction[..n]
            .iter()
            .fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
        nano = value * SCALE[n];
        rest = &fraction[n..];
    }
    // A leap second (60) goes the general way: from_hms_nano_opt refuses it.
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
    let offset = match *rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (two(h1, h2)?, two(m1, m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset)?;
    let utc = date.and_time(time).checked_sub_offset(offset)?;
    Some(DateTime::from_naive_utc_and_offset(utc, offset))
}

fn decode_datetime_from_text(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(dt);
    }

    // Loop over common date time patterns, inspired by Diesel
    // https://github.com/diesel-rs/diesel/blob/93ab183bcb06c69c0aee4a7557b6798fd52dd0d8/diesel/src/sqlite/types/date_and_time/chrono.rs#L56-L97
    let sqlite_datetime_formats = &[
        // Most likely format
        "%F %T%.f",
        // Other formats in order of appearance in docs
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

    for format in sqlite_datetime_formats {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Some(dt);
        }

        if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
            return Some(Utc.fix().from_utc_datetime(&dt));
        }
    }

    None
}

fn decode_datetime_from_int(value: i64) -> Option<DateTime<FixedOffset>> {
    Utc.fix().timestamp_opt(value, 0).single()
}

fn decode_datetime_from_float(value: f64) -> Option<DateTime<FixedOffset>> {
    let epoch_in_julian_days = 2_440_587.5;
    let seconds_in_day = 86400.0;
    let timestamp = (value - epoch_in_julian_days) * seconds_in_day;

    if !timestamp.is_finite() {
        return None;
    }

    // We don't really have a choice but to do lossy casts for this conversion
    // We checked above if the value is infinite or NaN which could otherwise cause problems
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    {
        let seconds = timestamp.trunc() as i64;
        let nanos = (timestamp.fract() * 1E9).abs() as u32;

        Utc.fix().timestamp_opt(seconds, nanos).single()
    }
}

impl<'r> Decode<'r, Sqlite> for NaiveDateTime {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(decode_datetime(value)?.naive_local())
    }
}

impl<'r> Decode<'r, Sqlite> for NaiveDate {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(NaiveDate::parse_from_str(value.text_borrowed()?, "%F")?)
    }
}

impl<'r> Decode<'r, Sqlite> for NaiveTime {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let value = value.text_borrowed()?;

        // Loop over common time patterns, inspired by Diesel
        // https://github.com/diesel-rs/diesel/blob/93ab183bcb06c69c0aee4a7557b6798fd52dd0d8/diesel/src/sqlite/types/date_and_time/chrono.rs#L29-L47
        #[rustfmt::skip] // don't like how rustfmt mangles the comments
        let sqlite_time_formats = &[
            // Most likely format
            "%T.f", "%T%.f",
            // Other formats in order of appearance in docs
            "%R", "%RZ", "%T%.fZ", "%R%:z", "%T%.f%:z",
        ];

        for format in sqlite_time_formats {
            if let Ok(dt) = NaiveTime::parse_from_str(value, format) {
                return Ok(dt);
            }
        }

        Err(format!("invalid time: {value}").into())
    }
}
