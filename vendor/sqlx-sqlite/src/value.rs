use std::borrow::Cow;
use std::cell::OnceCell;
use std::ptr::NonNull;
use std::slice;
use std::str;

use libsqlite3_sys::{
    sqlite3_value, sqlite3_value_blob, sqlite3_value_bytes, sqlite3_value_double,
    sqlite3_value_dup, sqlite3_value_free, sqlite3_value_int64, sqlite3_value_type,
    SQLITE_BLOB, SQLITE_INTEGER, SQLITE_NULL, SQLITE_TEXT,
};
use sqlx_core::type_info::TypeInfo;
pub(crate) use sqlx_core::value::{Value, ValueRef};

use crate::statement::StatementHandle;
use crate::type_info::DataType;
use crate::{Sqlite, SqliteError, SqliteTypeInfo};

/// An owned handle to a [`sqlite3_value`].
///
/// # Note: Decoding is Stateful
/// The [`sqlite3_value` interface][value-methods] reserves the right to be stateful:
///
/// > Other interfaces might change the datatype for an sqlite3_value object.
/// > For example, if the datatype is initially SQLITE_INTEGER and sqlite3_value_text(V) is called
/// > to extract a text value for that integer, then subsequent calls to sqlite3_value_type(V)
/// > might return SQLITE_TEXT. Whether or not a persistent internal datatype conversion occurs is
/// > undefined and may change from one release of SQLite to the next.
///
/// Thus, this type is `!Sync` and [`SqliteValueRef`] is `!Send` and `!Sync` to prevent data races.
///
/// Additionally, this statefulness means that the return values of `sqlite3_value_bytes()` and
/// `sqlite3_value_blob()` could be invalidated by later calls to other `sqlite3_value*` methods.
///
/// To prevent undefined behavior from accessing dangling pointers, this type (and any
/// [`SqliteValueRef`] instances created from it) remembers when it was used to decode a
/// borrowed `&[u8]` or `&str` and returns an error if it is used to decode any other type.
///
/// To bypass this error, you must prove that no outstanding borrows exist.
///
/// This may be done in one of a few ways:
/// * If you hold mutable access, call [`Self::reset_borrow()`] which resets the borrowed state.
/// * If you have an immutable reference, call [`Self::clone()`] to get a new instance
///   with no outstanding borrows.
/// * If you hold a [`SqliteValueRef`], call [`SqliteValueRef::to_owned()`]
///   to get a new `SqliteValue` with no outstanding borrows.
///
/// This is *only* necessary if using the same `SqliteValue` or [`SqliteValueRef`] to decode
/// multiple different types. The vast majority of use-cases employing once-through decoding
/// should not have to worry about this.
///
/// [`sqlite3_value`]: https://www.sqlite.org/c3ref/value.html
/// [value-methods]: https://www.sqlite.org/c3ref/value_blob.html
pub struct SqliteValue(ValueHandle);

/// A borrowed reference to a [`sqlite3_value`].
///
/// Semantically, this behaves as a reference to [`SqliteValue`].
///
/// # Note: Decoding is Stateful
/// See [`SqliteValue`] for details.
pub struct SqliteValueRef<'r>(Cow<'r, ValueHandle>);

impl SqliteValue {
    // SAFETY: The sqlite3_value must be non-null and SQLite must not free it. It will be freed on drop.
    pub(crate) unsafe fn dup(
        value: *mut sqlite3_value,
        column_type: Option<SqliteTypeInfo>,
    ) -> Self {
        debug_assert!(!value.is_null());
        let handle = ValueHandle::try_dup_of(value, column_type)
            .expect("SQLite failed to allocate memory for duplicated value");
        Self(handle)
    }

    /// Column `index` of the row `statement` stands on (todo-chatbot's vendored copy, see
    /// vendor/README.md): NULL, an integer, a text or a blob is read out of SQLite here, a
    /// REAL duplicated as before. Upstream duplicated every column with `sqlite3_value_dup`
    /// (two `sqlite3_malloc`s for a text, each through SQLite's initialization check, its
    /// memory barrier and a size header), to be freed by the thread that decoded the row: with
    /// the `sqlite3_column_*` calls, a quarter of a 400-task listing's
    /// instructions on SQLite. A text's or blob's bytes stay in SQLite's row until
    /// [`Self::copy_into`] copies them into the row's one buffer and [`Self::settle_in`]
    /// points the value there; `*bytes` counts them.
    ///
    /// # Safety
    /// `statement` must stand on a row and stay on it until [`Self::settle_in`] has been
    /// called, before the value is used.
    pub(crate) unsafe fn column(
        statement: &StatementHandle,
        index: usize,
        column_type: SqliteTypeInfo,
        bytes: &mut usize,
    ) -> Self {
        // One call into the statement (each goes through its checks and error bookkeeping),
        // then the value's own accessors. SQLite calls such a value unprotected: only this
        // connection's worker thread uses it, and before the next step.
        let raw = statement.column_value(index);
        let repr = match unsafe { sqlite3_value_type(raw) } {
            SQLITE_NULL => Repr::Null,
            SQLITE_INTEGER => Repr::Integer(unsafe { sqlite3_value_int64(raw) }, OnceCell::new()),
            code @ (SQLITE_TEXT | SQLITE_BLOB) => {
                // The length first, then the pointer, as upstream's `get_blob` read its copy:
                // `sqlite3_value_bytes` turns a text of a UTF-16 database into UTF-8 (and
                // does nothing to one in UTF-8), so that `sqlite3_value_blob` gives UTF-8.
                let len = usize::try_from(unsafe { sqlite3_value_bytes(raw) }).unwrap_or(0);
                let ptr = unsafe { sqlite3_value_blob(raw) }.cast::<u8>();
                let data = Data::Row { start: *bytes, len, ptr };
                *bytes += len;
                if code == SQLITE_TEXT {
                    Repr::Text(data)
                } else {
                    Repr::Blob(data)
                }
            }
            // SAFETY: the caller stands on a row; the value is freed on drop.
            _ => return unsafe { Self::dup(raw, Some(column_type)) },
        };
        Self(ValueHandle {
            repr,
            column_type: Some(column_type),
            borrowed_blob: OnceCell::new(),
        })
    }

    /// Copies the bytes of a value made by [`Self::column`] into its row's buffer, which must
    /// have room for them without growing.
    ///
    /// # Safety
    /// The statement must still stand on the row the value was read from.
    pub(crate) unsafe fn copy_into(&self, buffer: &mut Vec<u8>) {
        if let Repr::Text(Data::Row { len, ptr, .. }) | Repr::Blob(Data::Row { len, ptr, .. }) =
            &self.0.repr
        {
            if *len > 0 {
                debug_assert!(buffer.capacity() - buffer.len() >= *len);
                buffer.extend_from_slice(unsafe { slice::from_raw_parts(*ptr, *len) });
            }
        }
    }

    /// Points a value made by [`Self::column`] at its row's final buffer, which must outlive
    /// it and never move its bytes (a boxed slice held beside the values).
    pub(crate) fn settle_in(&mut self, bytes: &[u8]) {
        if let Repr::Text(Data::Row { start, ptr, .. }) | Repr::Blob(Data::Row { start, ptr, .. }) =
            &mut self.0.repr
        {
            *ptr = bytes[*start..].as_ptr();
        }
    }

    /// Prove that there are no outstanding borrows of this instance.
    ///
    /// Call this after decoding a borrowed `&[u8]` or `&str`
    /// to reset the internal borrowed state and allow decoding of other types.
    pub fn reset_borrow(&mut self) {
        self.0.reset_blob_borrow();
    }

    /// Call [`sqlite3_value_dup()`] to create a new instance of this type.
    ///
    /// Returns an error if the call returns a null pointer, indicating that
    /// SQLite was unable to allocate the additional memory required.
    ///
    /// Non-panicking version of [`Self::clone()`].
    ///
    /// [`sqlite3_value_dup()`]: https://www.sqlite.org/c3ref/value_dup.html
    pub fn try_clone(&self) -> Result<Self, SqliteError> {
        self.0.try_dup().map(Self)
    }
}

impl Clone for SqliteValue {
    /// Call [`sqlite3_value_dup()`] to create a new instance of this type.
    ///
    /// # Panics
    /// If [`sqlite3_value_dup()`] returns a null pointer, indicating an out-of-memory condition.
    ///
    /// See [`Self::try_clone()`] for a non-panicking version.
    ///
    /// [`sqlite3_value_dup()`]: https://www.sqlite.org/c3ref/value_dup.html
    fn clone(&self) -> Self {
        self.try_clone().expect("failed to clone `SqliteValue`")
    }
}

impl Value for SqliteValue {
    type Database = Sqlite;

    fn as_ref(&self) -> SqliteValueRef<'_> {
        SqliteValueRef::value(self)
    }

    fn type_info(&self) -> Cow<'_, SqliteTypeInfo> {
        Cow::Owned(self.0.type_info())
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }
}

impl<'r> SqliteValueRef<'r> {
    /// Attempt to duplicate the internal `sqlite3_value` with [`sqlite3_value_dup()`].
    ///
    /// Returns an error if the call returns a null pointer, indicating that
    /// SQLite was unable to allocate the additional memory required.
    ///
    /// Non-panicking version of [`Self::try_to_owned()`].
    ///
    /// [`sqlite3_value_dup()`]: https://www.sqlite.org/c3ref/value_dup.html
    pub fn try_to_owned(&self) -> Result<SqliteValue, SqliteError> {
        self.0.try_dup().map(SqliteValue)
    }

    pub(crate) fn value(value: &'r SqliteValue) -> Self {
        Self(Cow::Borrowed(&value.0))
    }

    /// # Safety
    /// The supplied sqlite3_value must not be null and SQLite must free it.
    /// It will not be freed on drop.
    /// The lifetime on this struct should tie it to whatever scope it's valid for before SQLite frees it.
    #[allow(unused)]
    pub(crate) unsafe fn borrowed(value: *mut sqlite3_value) -> Self {
        debug_assert!(!value.is_null());
        let handle = ValueHandle::temporary(NonNull::new_unchecked(value));
        Self(Cow::Owned(handle))
    }

    // NOTE: `int()` is deliberately omitted because it will silently truncate a wider value,
    // which is likely to cause bugs:
    // https://github.com/launchbadge/sqlx/issues/3179
    // (Similar bug in Postgres): https://github.com/launchbadge/sqlx/issues/3161
    pub(super) fn int64(&self) -> Result<i64, BorrowedBlobError> {
        self.0.int64()
    }

    pub(super) fn double(&self) -> Result<f64, BorrowedBlobError> {
        self.0.double()
    }

    pub(super) fn blob_borrowed(&self) -> &'r [u8] {
        // SAFETY: lifetime is matched to `'r`
        unsafe { self.0.blob_borrowed() }
    }

    pub(super) fn with_temp_blob<R>(&self, op: impl FnOnce(&[u8]) -> R) -> R {
        self.0.with_blob(op)
    }

    pub(super) fn blob_owned(&self) -> Vec<u8> {
        self.with_temp_blob(|blob| blob.to_vec())
    }

    pub(super) fn text_borrowed(&self) -> Result<&'r str, str::Utf8Error> {
        // SAFETY: lifetime is matched to `'r`
        unsafe { self.0.text_borrowed() }
    }

    pub(super) fn with_temp_text<R>(
        &self,
        op: impl FnOnce(&str) -> R,
    ) -> Result<R, str::Utf8Error> {
        self.0.with_blob(|blob| utf8(blob).map(op))
    }

    /// The bytes of a text read out of SQLite's row ([`SqliteValue::column`]), UTF-8, or `None`
    /// for any other value (NULL, a number, a blob, a value SQLite holds). Nothing is borrowed
    /// past the call that uses them. (todo-chatbot's vendored copy, see vendor/README.md.)
    pub(super) fn row_text(&self) -> Option<&[u8]> {
        match &self.0.repr {
            Repr::Text(data) => Some(data.bytes()),
            _ => None,
        }
    }

    pub(super) fn text_owned(&self) -> Result<String, str::Utf8Error> {
        self.with_temp_text(|text| text.to_string())
    }
}

impl<'r> ValueRef<'r> for SqliteValueRef<'r> {
    type Database = Sqlite;

    /// Attempt to duplicate the internal `sqlite3_value` with [`sqlite3_value_dup()`].
    ///
    /// # Panics
    /// If [`sqlite3_value_dup()`] returns a null pointer, indicating an out-of-memory condition.
    ///
    /// See [`Self::try_to_owned()`] for a non-panicking version.
    ///
    /// [`sqlite3_value_dup()`]: https://www.sqlite.org/c3ref/value_dup.html
    fn to_owned(&self) -> SqliteValue {
        SqliteValue(
            self.0
                .try_dup()
                .expect("failed to convert SqliteValueRef to owned SqliteValue"),
        )
    }

    fn type_info(&self) -> Cow<'_, SqliteTypeInfo> {
        Cow::Owned(self.0.type_info())
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }
}

pub(crate) struct ValueHandle {
    repr: Repr,
    column_type: Option<SqliteTypeInfo>,
    // Note: `std::cell` version
    borrowed_blob: OnceCell<Blob>,
}

/// What a value holds (todo-chatbot's vendored copy, see vendor/README.md: upstream holds a
/// `sqlite3_value` always). The owned forms answer every `sqlite3_value_*` question as SQLite
/// does for a value of their type: the conversions below are SQLite 3.51's.
enum Repr {
    /// A `sqlite3_value`: a REAL column's duplicate (freed on drop), or SQLite's own (a
    /// function's argument, the pre-update hook's; not freed).
    Sqlite {
        value: NonNull<sqlite3_value>,
        free_on_drop: bool,
    },
    Null,
    /// An integer, and its text once asked for (as `sqlite3_value_text` writes it).
    Integer(i64, OnceCell<Box<[u8]>>),
    Text(Data),
    Blob(Data),
}

/// `bytes` as UTF-8, as `str::from_utf8` checks them, with all-ASCII bytes taken at once
/// (todo-chatbot's vendored copy, see vendor/README.md): for the short texts of a row (a
/// title, a description), `from_utf8`'s setup cost more than the check (~190 instructions a
/// text of a dozen bytes).
fn utf8(bytes: &[u8]) -> Result<&str, str::Utf8Error> {
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        Ok(unsafe { str::from_utf8_unchecked(bytes) })
    } else {
        str::from_utf8(bytes)
    }
}

/// The bytes of a text or blob.
enum Data {
    /// In the buffer of the row the value belongs to (`SqliteRow`), which outlives it:
    /// `len` bytes from `start`, at `ptr` once the buffer is final.
    Row {
        start: usize,
        len: usize,
        ptr: *const u8,
    },
    Owned(Box<[u8]>),
}

impl Data {
    fn bytes(&self) -> &[u8] {
        match self {
            Data::Row { len: 0, .. } => &[],
            // SAFETY: the row's buffer outlives its values and is not changed after
            // `SqliteValue::settle_in` set `ptr`.
            Data::Row { len, ptr, .. } => unsafe { slice::from_raw_parts(*ptr, *len) },
            Data::Owned(bytes) => bytes,
        }
    }
}

struct Blob {
    ptr: *const u8,
    len: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("given `SqliteValue` was previously decoded as BLOB or TEXT; `SqliteValue::reset_borrow()` must be called first")]
pub(crate) struct BorrowedBlobError;

// SAFE: only protected value objects are stored in SqliteValue
unsafe impl Send for ValueHandle {}

// SAFETY: the `sqlite3_value_*()` methods reserve the right to be stateful,
// which means method calls aren't thread-safe without mutual exclusion.
//
// impl !Sync for ValueHandle {}

impl ValueHandle {
    /// # Safety
    /// The `sqlite3_value` must be valid and SQLite must not free it. It will be freed on drop.
    unsafe fn try_dup_of(
        value: *mut sqlite3_value,
        column_type: Option<SqliteTypeInfo>,
    ) -> Result<Self, SqliteError> {
        // SAFETY: caller must ensure `value` is valid.
        let value =
            unsafe { NonNull::new(sqlite3_value_dup(value)).ok_or_else(SqliteError::nomem)? };

        Ok(Self {
            repr: Repr::Sqlite {
                value,
                free_on_drop: true,
            },
            column_type,
            borrowed_blob: OnceCell::new(),
        })
    }

    fn temporary(value: NonNull<sqlite3_value>) -> Self {
        Self {
            repr: Repr::Sqlite {
                value,
                free_on_drop: false,
            },
            column_type: None,
            borrowed_blob: OnceCell::new(),
        }
    }

    fn try_dup(&self) -> Result<Self, SqliteError> {
        let owned = |data: &Data| Data::Owned(data.bytes().into());
        let repr = match &self.repr {
            // SAFETY: `value` is initialized
            Repr::Sqlite { value, .. } => unsafe {
                return Self::try_dup_of(value.as_ptr(), self.column_type.clone());
            },
            Repr::Null => Repr::Null,
            Repr::Integer(value, _) => Repr::Integer(*value, OnceCell::new()),
            Repr::Text(data) => Repr::Text(owned(data)),
            Repr::Blob(data) => Repr::Blob(owned(data)),
        };
        Ok(Self {
            repr,
            column_type: self.column_type.clone(),
            borrowed_blob: OnceCell::new(),
        })
    }

    fn value_type_info(&self) -> SqliteTypeInfo {
        SqliteTypeInfo(match &self.repr {
            Repr::Sqlite { value, .. } => {
                DataType::from_code(unsafe { sqlite3_value_type(value.as_ptr()) })
            }
            Repr::Null => DataType::Null,
            Repr::Integer(..) => DataType::Integer,
            Repr::Text(_) => DataType::Text,
            Repr::Blob(_) => DataType::Blob,
        })
    }

    fn type_info(&self) -> SqliteTypeInfo {
        let value_type = self.value_type_info();

        // Assume the actual value type is more accurate, if it's not NULL.
        match &self.column_type {
            Some(column_type) if value_type.is_null() => column_type.clone(),
            _ => value_type,
        }
    }

    fn int64(&self) -> Result<i64, BorrowedBlobError> {
        // SAFETY: we have to be certain the caller isn't still holding a borrow from `.blob_borrowed()`
        self.assert_blob_not_borrowed()?;

        Ok(match &self.repr {
            Repr::Sqlite { value, .. } => unsafe { sqlite3_value_int64(value.as_ptr()) },
            Repr::Null => 0,
            Repr::Integer(value, _) => *value,
            Repr::Text(data) | Repr::Blob(data) => sqlite_atoi64(data.bytes()),
        })
    }

    fn double(&self) -> Result<f64, BorrowedBlobError> {
        // SAFETY: we have to be certain the caller isn't still holding a borrow from `.blob_borrowed()`
        self.assert_blob_not_borrowed()?;

        Ok(match &self.repr {
            Repr::Sqlite { value, .. } => unsafe { sqlite3_value_double(value.as_ptr()) },
            Repr::Null => 0.0,
            Repr::Integer(value, _) => *value as f64,
            Repr::Text(data) | Repr::Blob(data) => sqlite_atof(data.bytes()),
        })
    }

    fn is_null(&self) -> bool {
        self.value_type_info().is_null()
    }
}

impl Clone for ValueHandle {
    fn clone(&self) -> Self {
        self.try_dup().unwrap()
    }
}

impl Drop for ValueHandle {
    fn drop(&mut self) {
        if let Repr::Sqlite {
            value,
            free_on_drop: true,
        } = &self.repr
        {
            unsafe {
                sqlite3_value_free(value.as_ptr());
            }
        }
    }
}

impl ValueHandle {
    fn assert_blob_not_borrowed(&self) -> Result<(), BorrowedBlobError> {
        if self.borrowed_blob.get().is_none() {
            Ok(())
        } else {
            Err(BorrowedBlobError)
        }
    }

    fn reset_blob_borrow(&mut self) {
        self.borrowed_blob.take();
    }

    fn get_blob(&self) -> Option<Blob> {
        if let Some(blob) = self.borrowed_blob.get() {
            return Some(Blob { ..*blob });
        }

        let value = match &self.repr {
            Repr::Sqlite { value, .. } => *value,
            Repr::Null => return None,
            // `sqlite3_value_blob` of an integer is its text.
            Repr::Integer(value, text) => {
                let text = text.get_or_init(|| value.to_string().into_bytes().into());
                return Some(Blob {
                    ptr: text.as_ptr(),
                    len: text.len(),
                });
            }
            Repr::Text(data) | Repr::Blob(data) => {
                let bytes = data.bytes();
                // empty blobs are NULL
                return (!bytes.is_empty()).then(|| Blob {
                    ptr: bytes.as_ptr(),
                    len: bytes.len(),
                });
            }
        };

        // SAFETY: calling `sqlite3_value_bytes` from multiple threads at once is a data race.
        let len = unsafe { sqlite3_value_bytes(value.as_ptr()) };

        // This likely means UB in SQLite itself or our usage of it;
        // signed integer overflow is UB in the C standard.
        let len = usize::try_from(len).unwrap_or_else(|_| {
            panic!("sqlite3_value_bytes() returned value out of range for usize: {len}")
        });

        if len == 0 {
            // empty blobs are NULL
            return None;
        }

        let ptr = unsafe { sqlite3_value_blob(value.as_ptr()) } as *const u8;
        debug_assert!(!ptr.is_null());

        Some(Blob { ptr, len })
    }

    fn with_blob<R>(&self, with_blob: impl FnOnce(&[u8]) -> R) -> R {
        let Some(blob) = self.get_blob() else {
            return with_blob(&[]);
        };

        // SAFETY: the slice cannot outlive the call
        with_blob(unsafe { blob.as_slice() })
    }

    /// # Safety
    /// Caller must ensure lifetime '`b` cannot outlive `self`.
    unsafe fn blob_borrowed<'a>(&self) -> &'a [u8] {
        let Some(blob) = self.get_blob() else {
            return &[];
        };

        // SAFETY: we need to store that the blob was borrowed
        // to prevent
        let blob = self.borrowed_blob.get_or_init(|| blob);

        unsafe { blob.as_slice() }
    }

    /// # Safety
    /// Caller must ensure lifetime '`b` cannot outlive `self`.
    unsafe fn text_borrowed<'b>(&self) -> Result<&'b str, str::Utf8Error> {
        let Some(blob) = self.get_blob() else {
            return Ok("");
        };

        // SAFETY: lifetime of `blob` will be tied to `'b`.
        let s = utf8(unsafe { blob.as_slice() })?;

        // We only store the borrow after we ensure the string is valid.
        self.borrowed_blob.set(blob).ok();

        Ok(s)
    }
}

impl Blob {
    /// # Safety
    /// `'a` must not outlive the `sqlite3_value` this blob came from.
    unsafe fn as_slice<'a>(&self) -> &'a [u8] {
        slice::from_raw_parts(self.ptr, self.len)
    }
}

// todo-chatbot's vendored copy (see vendor/README.md): what `sqlite3_value_int64` and
// `sqlite3_value_double` make of a text or blob, ported from SQLite 3.51.3 (`memIntValue` →
// `sqlite3Atoi64`, `memRealValue` → `sqlite3AtoF`, for UTF-8) so that a value read out of
// SQLite converts as SQLite's own copy of it did. Checked against SQLite by
// `sqlite_converts_a_text_column_as_sqlite_does` in crates/adapters/postgres/tests.

/// `sqlite3Isspace`: space, and tab to carriage return.
fn sqlite_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// `sqlite3Atoi64`'s value: leading space, a sign, then the longest run of digits; past
/// `i64`'s range, its bound.
pub(crate) fn sqlite_atoi64(z: &[u8]) -> i64 {
    let mut at = z.iter().take_while(|&&b| sqlite_space(b)).count();
    let negative = z.get(at) == Some(&b'-');
    if matches!(z.get(at), Some(b'-' | b'+')) {
        at += 1;
    }
    at += z[at..].iter().take_while(|&&b| b == b'0').count();
    let digits = &z[at..];
    let digits = &digits[..digits.iter().take_while(|b| b.is_ascii_digit()).count()];
    let bound = if negative { i64::MIN } else { i64::MAX };
    if digits.len() > 19 {
        return bound;
    }
    let u = digits
        .iter()
        .fold(0u64, |u, &b| u * 10 + u64::from(b - b'0'));
    if u > i64::MAX as u64 {
        // 2^63 is `i64::MIN` when negative: its bound too.
        return bound;
    }
    if negative {
        -(u as i64)
    } else {
        u as i64
    }
}

/// SQLite's `dekkerMul2`: `x` (a double-double) times `y + yy`.
fn dekker_mul2(x: &mut [f64; 2], y: f64, yy: f64) {
    const HIGH: u64 = 0xffff_ffff_fc00_0000;
    let hx = f64::from_bits(x[0].to_bits() & HIGH);
    let tx = x[0] - hx;
    let hy = f64::from_bits(y.to_bits() & HIGH);
    let ty = y - hy;
    let p = hx * hy;
    let q = hx * ty + tx * hy;
    let c = p + q;
    let mut cc = p - c + q + tx * ty;
    cc = x[0] * yy + x[1] * y + cc;
    x[0] = c + cc;
    x[1] = c - x[0];
    x[1] += cc;
}

/// `sqlite3AtoF`'s value: leading space, a sign, digits, a decimal point and digits, an
/// exponent; the longest such prefix, `0.0` when there is none.
pub(crate) fn sqlite_atof(z: &[u8]) -> f64 {
    const LARGEST_U64: u64 = u64::MAX;
    let end = z.len();
    let mut at = 0;
    let mut sign = 1i32;
    let mut s: u64 = 0;
    let mut d: i32 = 0;
    let mut esign = 1i32;
    let mut e: i32 = 0;
    let digit = |at: usize| at < end && z[at].is_ascii_digit();

    while at < end && sqlite_space(z[at]) {
        at += 1;
    }
    if at >= end {
        return 0.0;
    }
    if z[at] == b'-' {
        sign = -1;
        at += 1;
    } else if z[at] == b'+' {
        at += 1;
    }
    'parse: {
        while digit(at) {
            s = s * 10 + u64::from(z[at] - b'0');
            at += 1;
            if s >= (LARGEST_U64 - 9) / 10 {
                while digit(at) {
                    at += 1;
                    d += 1;
                }
            }
        }
        if at >= end {
            break 'parse;
        }
        if z[at] == b'.' {
            at += 1;
            while digit(at) {
                if s < (LARGEST_U64 - 9) / 10 {
                    s = s * 10 + u64::from(z[at] - b'0');
                    d -= 1;
                }
                at += 1;
            }
        }
        if at >= end {
            break 'parse;
        }
        if z[at] == b'e' || z[at] == b'E' {
            at += 1;
            if at >= end {
                break 'parse;
            }
            if z[at] == b'-' {
                esign = -1;
                at += 1;
            } else if z[at] == b'+' {
                at += 1;
            }
            while digit(at) {
                e = if e < 10000 {
                    e * 10 + i32::from(z[at] - b'0')
                } else {
                    10000
                };
                at += 1;
            }
        }
    }

    if s == 0 {
        return if sign < 0 { -0.0 } else { 0.0 };
    }
    e = e * esign + d;
    while e > 0 && s < (LARGEST_U64 - 0x7ff) / 10 {
        s *= 10;
        e -= 1;
    }
    while e < 0 && s % 10 == 0 {
        s /= 10;
        e += 1;
    }
    let mut rr = [s as f64, 0.0];
    if rr[0] <= 18446744073709549568.0 {
        let s2 = rr[0] as u64;
        rr[1] = if s >= s2 {
            (s - s2) as f64
        } else {
            -((s2 - s) as f64)
        };
    }
    if e > 0 {
        while e >= 100 {
            e -= 100;
            dekker_mul2(&mut rr, 1.0e+100, -1.5902891109759918046e+83);
        }
        while e >= 10 {
            e -= 10;
            dekker_mul2(&mut rr, 1.0e+10, 0.0);
        }
        while e >= 1 {
            e -= 1;
            dekker_mul2(&mut rr, 1.0e+01, 0.0);
        }
    } else {
        while e <= -100 {
            e += 100;
            dekker_mul2(&mut rr, 1.0e-100, -1.99918998026028836196e-117);
        }
        while e <= -10 {
            e += 10;
            dekker_mul2(&mut rr, 1.0e-10, -3.6432197315497741579e-27);
        }
        while e <= -1 {
            e += 1;
            dekker_mul2(&mut rr, 1.0e-01, -5.5511151231257827021e-18);
        }
    }
    let mut result = rr[0] + rr[1];
    if result.is_nan() {
        result = f64::INFINITY;
    }
    if sign < 0 {
        -result
    } else {
        result
    }
}
