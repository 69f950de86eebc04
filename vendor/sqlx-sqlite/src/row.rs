#![allow(clippy::rc_buffer)]

use std::sync::Arc;

use sqlx_core::column::ColumnIndex;
use sqlx_core::decode::Decode;
use sqlx_core::error::{mismatched_types, Error};
use sqlx_core::type_info::TypeInfo;
use sqlx_core::types::Type;
use sqlx_core::value::ValueRef;
use sqlx_core::ext::ustr::UStr;
use sqlx_core::row::{debug_row, Row};
use sqlx_core::HashMap;

use crate::statement::StatementHandle;
use crate::{Sqlite, SqliteColumn, SqliteValue, SqliteValueRef};

/// Implementation of [`Row`] for SQLite.
pub struct SqliteRow {
    pub(crate) values: Box<[SqliteValue]>,
    /// The bytes of the row's texts and blobs, which its values point into (todo-chatbot's
    /// vendored copy, see vendor/README.md): one allocation for the row's texts where upstream
    /// made two for each column. Declared after `values`, so dropped after them.
    #[allow(dead_code)]
    bytes: Box<[u8]>,
    pub(crate) columns: Arc<Vec<SqliteColumn>>,
    pub(crate) column_names: Arc<HashMap<UStr, usize>>,
}

// Accessing values from the statement object is
// safe across threads as long as we don't call [sqlite3_step]

// we block ourselves from doing that by only exposing
// a set interface on [StatementHandle]

unsafe impl Send for SqliteRow {}
unsafe impl Sync for SqliteRow {}

impl SqliteRow {
    pub(crate) fn current(
        statement: &StatementHandle,
        columns: &Arc<Vec<SqliteColumn>>,
        column_names: &Arc<HashMap<UStr, usize>>,
    ) -> Self {
        let size = statement.column_count();
        let mut values = Vec::with_capacity(size);
        let mut text_bytes = 0;

        for i in 0..size {
            // SAFETY: the statement stands on a row until the values are settled below.
            values.push(unsafe {
                SqliteValue::column(statement, i, columns[i].type_info.clone(), &mut text_bytes)
            });
        }
        // The row's texts and blobs in one buffer, allocated once and boxed as it is.
        let mut bytes = Vec::with_capacity(text_bytes);
        for value in &values {
            // SAFETY: still on the row; the buffer has room for every value's bytes.
            unsafe { value.copy_into(&mut bytes) };
        }
        let bytes = bytes.into_boxed_slice();
        for value in &mut values {
            value.settle_in(&bytes);
        }

        Self {
            values: values.into_boxed_slice(),
            bytes,
            columns: Arc::clone(columns),
            column_names: Arc::clone(column_names),
        }
    }
}

/// A row read in place, while its statement stands on it: what
/// [`SqliteConnection::fetch_with`](crate::SqliteConnection::fetch_with) hands its function, on
/// the connection's worker thread (todo-chatbot's vendored copy, see vendor/README.md). Nothing
/// of the row is copied but what a decoded value keeps: a [`SqliteRow`] copies every text of
/// the row into a buffer, to be sent, one row at a time, to the thread that decodes it.
pub struct SqliteRowRef<'a> {
    statement: &'a StatementHandle,
    columns: &'a [SqliteColumn],
}

impl<'a> SqliteRowRef<'a> {
    /// # Safety
    /// `statement` must stand on a row for as long as the `SqliteRowRef` lives.
    pub(crate) unsafe fn new(statement: &'a StatementHandle, columns: &'a [SqliteColumn]) -> Self {
        Self { statement, columns }
    }

    /// The row's columns.
    pub fn columns(&self) -> &[SqliteColumn] {
        self.columns
    }

    /// Decodes column `index` as [`Row::try_get`] does (its type checked against `T`'s first,
    /// a NULL decoded by `T`), into a value that owns what it holds.
    pub fn try_get<T>(&self, index: usize) -> Result<T, Error>
    where
        T: for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
    {
        let column = self
            .columns
            .get(index)
            .ok_or_else(|| Error::ColumnIndexOutOfBounds {
                index,
                len: self.columns.len(),
            })?;
        let mut bytes = 0;
        // SAFETY: the statement stands on the row while `self` lives; the value reads the row
        // where SQLite holds it and is dropped before this returns (it is never settled).
        let value = unsafe {
            SqliteValue::column(self.statement, index, column.type_info.clone(), &mut bytes)
        };
        let value = SqliteValueRef::value(&value);
        if !value.is_null() {
            let ty = value.type_info();
            if !ty.is_null() && !T::compatible(&ty) {
                return Err(Error::ColumnDecode {
                    index: format!("{index:?}"),
                    source: mismatched_types::<Sqlite, T>(&ty),
                });
            }
        }
        T::decode(value).map_err(|source| Error::ColumnDecode {
            index: format!("{index:?}"),
            source,
        })
    }
}

impl Row for SqliteRow {
    type Database = Sqlite;

    fn columns(&self) -> &[SqliteColumn] {
        &self.columns
    }

    fn try_get_raw<I>(&self, index: I) -> Result<SqliteValueRef<'_>, Error>
    where
        I: ColumnIndex<Self>,
    {
        let index = index.index(self)?;
        Ok(SqliteValueRef::value(&self.values[index]))
    }
}

impl ColumnIndex<SqliteRow> for &'_ str {
    fn index(&self, row: &SqliteRow) -> Result<usize, Error> {
        row.column_names
            .get(*self)
            .ok_or_else(|| Error::ColumnNotFound((*self).into()))
            .copied()
    }
}

impl std::fmt::Debug for SqliteRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_row(self, f)
    }
}

// #[cfg(feature = "any")]
// impl From<SqliteRow> for crate::any::AnyRow {
//     #[inline]
//     fn from(row: SqliteRow) -> Self {
//         crate::any::AnyRow {
//             columns: row.columns.iter().map(|col| col.clone().into()).collect(),
//             kind: crate::any::row::AnyRowKind::Sqlite(row),
//         }
//     }
// }
