//! OTLP's `ExportTraceServiceRequest` written as protobuf bytes straight from the spans the
//! layer recorded ([`crate::trace::OtelSpan`]): each span where it ends, into the export queue
//! ([`Writer::span`]), and the queued spans into a request on the export thread
//! ([`Batch::extend`]).
//!
//! The exporter of opentelemetry-otlp took three copies of every span on the way out (our
//! span into the SDK's `SpanData`, that into opentelemetry-proto's message structs, those into
//! bytes by prost, which computes every nested message's length again at each level) and
//! freed them all again: 17,446 instructions per timed call on the export thread, as many as
//! the request's own thread spent (BENCHMARKS.md, "The export thread, measured for the next
//! pass"). Here each span is written once, and its bytes copied once into the batch's buffer.
//!
//! A nested message is written in place: its length is reserved as the bytes it is expected
//! to take (one for most messages, two for a span of ~250 bytes, three for the batch's outer
//! two) and, when it turns out to take more or fewer, the message's bytes move by the
//! difference; every length ends up as its shortest varint. Short fields (a key and a length
//! below 128, an id) are written as copies of a constant size rather than byte by byte. The
//! message is the one prost writes for the same spans, though not always byte for byte (a few
//! fields come in another order, which protobuf allows): the tests decode it with
//! opentelemetry-proto's generated types and compare with what its own transform makes of the
//! same spans.

use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::Resource;

/// Protobuf wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

/// A protobuf writer over one buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

/// Where a nested message's length goes; given by [`Writer::begin`] or [`Writer::begin_sized`],
/// closed by [`Writer::end`].
#[derive(Debug)]
#[must_use = "a nested message must be closed with `Writer::end`"]
pub(crate) struct Nested {
    /// Where the length goes.
    at: usize,
    /// The bytes reserved for it.
    reserved: usize,
}

fn varint_len(v: u64) -> usize {
    // Most are lengths below 128.
    if v < 0x80 {
        1
    } else {
        // 1 byte per 7 bits.
        (64 - v.leading_zeros() as usize).div_ceil(7)
    }
}

/// The one-byte key of a field below 16 (every field but a span's `flags`); the callers pass
/// constants, so the check goes away.
#[inline]
fn small_key(field: u32, wire: u32) -> Option<u8> {
    u8::try_from((field << 3) | wire).ok().filter(|k| *k < 0x80)
}

impl Writer {
    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            #[expect(clippy::cast_possible_truncation, reason = "the low 7 bits")]
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        #[expect(clippy::cast_possible_truncation, reason = "below 0x80")]
        self.buf.push(v as u8);
    }

    #[inline]
    fn key(&mut self, field: u32, wire: u32) {
        self.varint(u64::from((field << 3) | wire));
    }

    /// A `Span` message of a `ScopeSpans` (field 2), its fields written by `fields`.
    pub(crate) fn span(&mut self, fields: impl FnOnce(&mut Self)) {
        let span = self.begin_sized(2, 2);
        fields(self);
        self.end(span);
    }

    /// How many bytes are written.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The bytes written.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Empties the buffer, keeping its size.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// Bytes already encoded (the caller's constants).
    #[inline]
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A varint field (unsigned, enum or bool), left out when it is 0 as proto3 does.
    pub(crate) fn uint(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, VARINT);
            self.varint(v);
        }
    }

    /// A `fixed64` field, left out when it is 0.
    #[inline]
    pub(crate) fn fixed64(&mut self, field: u32, v: u64) {
        if v == 0 {
            return;
        }
        if let Some(key) = small_key(field, FIXED64) {
            // Key and value as one copy of a constant size.
            let mut bytes = [key; 9];
            bytes[1..].copy_from_slice(&v.to_le_bytes());
            self.buf.extend_from_slice(&bytes);
        } else {
            self.key(field, FIXED64);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A `fixed32` field, left out when it is 0.
    pub(crate) fn fixed32(&mut self, field: u32, v: u32) {
        if v != 0 {
            self.key(field, FIXED32);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A `bytes` or `string` field, left out when it is empty.
    pub(crate) fn bytes(&mut self, field: u32, b: &[u8]) {
        if !b.is_empty() {
            self.bytes_always(field, b);
        }
    }

    /// A `bytes` or `string` field written even when empty (a member of a `oneof`).
    #[inline]
    fn bytes_always(&mut self, field: u32, b: &[u8]) {
        match (small_key(field, LEN), u8::try_from(b.len())) {
            (Some(key), Ok(len)) if len < 0x80 => {
                self.buf.reserve(2 + b.len());
                self.buf.extend_from_slice(&[key, len]);
            }
            _ => {
                self.key(field, LEN);
                self.varint(b.len() as u64);
            }
        }
        self.buf.extend_from_slice(b);
    }

    /// A `bytes` field of `N` bytes, below 128 (an id): written whole, key, length and bytes
    /// each a copy of a constant size.
    #[inline]
    pub(crate) fn array<const N: usize>(&mut self, field: u32, b: &[u8; N]) {
        match (small_key(field, LEN), u8::try_from(N)) {
            (Some(key), Ok(len)) if len < 0x80 => {
                self.buf.reserve(2 + N);
                self.buf.extend_from_slice(&[key, len]);
                self.buf.extend_from_slice(b);
            }
            _ => self.bytes_always(field, b),
        }
    }

    /// Opens a nested message (or packed field) `field`, one byte reserved for its length.
    pub(crate) fn begin(&mut self, field: u32) -> Nested {
        self.begin_sized(field, 1)
    }

    /// Opens a nested message with `reserved` bytes for its length: the varint's size for the
    /// length the message is expected to have, so that its bytes do not move when it closes (a
    /// span, ~250 bytes, takes two; a batch's outer messages three).
    #[inline]
    pub(crate) fn begin_sized(&mut self, field: u32, reserved: usize) -> Nested {
        // At most 3 (a length below 2 MiB; longer ones move), a constant at every call: one
        // copy of that size.
        const ZEROS: [u8; 3] = [0; 3];
        let reserved = reserved.min(ZEROS.len());
        self.key(field, LEN);
        let at = self.buf.len();
        self.buf.extend_from_slice(&ZEROS[..reserved]);
        Nested { at, reserved }
    }

    /// Closes a nested message: writes its length where it was reserved, moving the message's
    /// bytes when the length's varint takes more or fewer bytes than that.
    #[inline]
    pub(crate) fn end(&mut self, nested: Nested) {
        let Nested { at, reserved } = nested;
        let body = at + reserved;
        let len = self.buf.len() - body;
        // The usual cases: a length that takes the one or two bytes reserved for it.
        #[expect(clippy::cast_possible_truncation, reason = "below 0x80 and 0x4000")]
        match (reserved, len) {
            (1, 0..0x80) => {
                self.buf[at] = len as u8;
                return;
            }
            (2, 0x80..0x4000) => {
                self.buf[at..body].copy_from_slice(&[(len as u8) | 0x80, (len >> 7) as u8]);
                return;
            }
            _ => {}
        }
        let size = varint_len(len as u64);
        if size > reserved {
            let end = self.buf.len();
            self.buf.resize(end + size - reserved, 0);
            self.buf.copy_within(body..end, at + size);
        } else if size < reserved {
            self.buf.copy_within(body.., at + size);
            self.buf.truncate(at + size + len);
        }
        let mut v = len as u64;
        for slot in &mut self.buf[at..at + size - 1] {
            #[expect(clippy::cast_possible_truncation, reason = "the low 7 bits")]
            let low = v as u8;
            *slot = low | 0x80;
            v >>= 7;
        }
        #[expect(clippy::cast_possible_truncation, reason = "below 0x80")]
        let last = v as u8;
        self.buf[at + size - 1] = last;
    }

    /// An `AnyValue` message holding `value`, as field `field`.
    fn any_value(&mut self, field: u32, value: &Value) {
        let nested = self.begin(field);
        match value {
            Value::String(s) => self.bytes_always(1, s.as_str().as_bytes()),
            Value::Bool(b) => {
                self.key(2, VARINT);
                self.varint(u64::from(*b));
            }
            Value::I64(i) => self.int_value(*i),
            Value::F64(f) => self.double_value(*f),
            Value::Array(array) => {
                // ArrayValue { repeated AnyValue values = 1 }
                let inner = self.begin(5);
                match array {
                    Array::Bool(v) => v.iter().for_each(|b| self.any_value(1, &Value::Bool(*b))),
                    Array::I64(v) => v.iter().for_each(|i| self.any_value(1, &Value::I64(*i))),
                    Array::F64(v) => v.iter().for_each(|f| self.any_value(1, &Value::F64(*f))),
                    Array::String(v) => v.iter().for_each(|s| self.string_any_value(1, s)),
                    // `Array` is non-exhaustive; a kind this writer does not know is sent as
                    // its text rather than lost.
                    other => {
                        let text = other.to_string();
                        self.any_value(1, &Value::String(text.into()));
                    }
                }
                self.end(inner);
            }
            // `Value` is non-exhaustive: as above.
            other => self.bytes_always(1, other.as_str().as_bytes()),
        }
        self.end(nested);
    }

    fn string_any_value(&mut self, field: u32, s: &StringValue) {
        let nested = self.begin(field);
        self.bytes_always(1, s.as_str().as_bytes());
        self.end(nested);
    }

    fn int_value(&mut self, i: i64) {
        self.key(3, VARINT);
        self.varint(u64::from_ne_bytes(i.to_ne_bytes()));
    }

    fn double_value(&mut self, f: f64) {
        self.key(4, FIXED64);
        self.buf.extend_from_slice(&f.to_le_bytes());
    }

    /// A `KeyValue` message (`key = 1`, `value = 2`) as field `field`.
    pub(crate) fn key_value(&mut self, field: u32, key: &str, value: &Value) {
        let nested = self.begin(field);
        self.bytes(1, key.as_bytes());
        self.any_value(2, value);
        self.end(nested);
    }

    /// A `KeyValue` whose `AnyValue`, of `any_len` bytes, `value` writes, without building a
    /// `Value`. The lengths are known before the bytes, so they are written in place: no byte
    /// reserved for a length and set after (this is most of what a span's export writes).
    fn key_with(&mut self, field: u32, key: &str, any_len: usize, value: impl FnOnce(&mut Self)) {
        let k = key.len();
        let key_len = if k == 0 {
            0
        } else {
            1 + varint_len(k as u64) + k
        };
        let kv_len = key_len + 1 + varint_len(any_len as u64) + any_len;
        self.buf.reserve(2 + varint_len(kv_len as u64) + kv_len);
        self.key(field, LEN);
        self.varint(kv_len as u64);
        if k != 0 {
            self.key(1, LEN);
            self.varint(k as u64);
            self.buf.extend_from_slice(key.as_bytes());
        }
        self.key(2, LEN);
        self.varint(any_len as u64);
        let start = self.buf.len();
        value(self);
        debug_assert_eq!(self.buf.len() - start, any_len, "the AnyValue of {key}");
    }

    /// A `KeyValue` with a string value, given as its UTF-8 bytes.
    #[inline(always)]
    pub(crate) fn key_str(&mut self, field: u32, key: &str, value: &[u8]) {
        let (k, v) = (key.len(), value.len());
        // KeyValue { key = 1 (k bytes); value = 2: AnyValue { string_value = 1 (v bytes) } }
        // with every length below 128 (most attributes): the keys and lengths are two copies
        // of 4 bytes, without working out any varint.
        let kv_len = 2 + k + 2 + 2 + v;
        if let (Some(field_key), true) = (small_key(field, LEN), k != 0 && kv_len < 0x80) {
            #[expect(clippy::cast_possible_truncation, reason = "all below 0x80")]
            let (kv, k8, any, v8) = (kv_len as u8, k as u8, (2 + v) as u8, v as u8);
            self.buf
                .extend_from_slice(&[field_key, kv, (1 << 3) | 2, k8]);
            self.buf.extend_from_slice(key.as_bytes());
            self.buf
                .extend_from_slice(&[(2 << 3) | 2, any, (1 << 3) | 2, v8]);
            self.buf.extend_from_slice(value);
            return;
        }
        self.key_with(field, key, 1 + varint_len(v as u64) + v, |w| {
            w.bytes_always(1, value);
        });
    }

    /// A `KeyValue` with an integer value.
    pub(crate) fn key_i64(&mut self, field: u32, key: &str, value: i64) {
        let v = u64::from_ne_bytes(value.to_ne_bytes());
        self.key_with(field, key, 1 + varint_len(v), |w| w.int_value(value));
    }

    /// A `KeyValue` with a double value.
    pub(crate) fn key_f64(&mut self, field: u32, key: &str, value: f64) {
        self.key_with(field, key, 9, |w| w.double_value(value));
    }

    /// A `KeyValue` with a bool value.
    pub(crate) fn key_bool(&mut self, field: u32, key: &str, value: bool) {
        self.key_with(field, key, 2, |w| {
            w.key(2, VARINT);
            w.varint(u64::from(value));
        });
    }

    /// `KeyValue`s as field `field`, repeated.
    pub(crate) fn attributes(&mut self, field: u32, attributes: &[KeyValue]) {
        for kv in attributes {
            self.key_value(field, kv.key.as_str(), &kv.value);
        }
    }
}

/// One export request being written: the resource and scope once, then every span as it is
/// added ([`Batch::span`]); [`Batch::finish`] closes it and hands the bytes over.
#[derive(Debug)]
pub(crate) struct Batch {
    w: Writer,
    /// The `ResourceSpans` and `ScopeSpans` messages, open while spans are added.
    open: Option<(Nested, Nested)>,
    spans: usize,
    resource: Resource,
    scope: InstrumentationScope,
}

impl Batch {
    pub(crate) fn new(resource: Resource, scope: InstrumentationScope) -> Self {
        Self {
            w: Writer::default(),
            open: None,
            spans: 0,
            resource,
            scope,
        }
    }

    /// The resource (`service.name`, …) of the requests begun from now on (a request being
    /// written keeps the one it began with).
    pub(crate) fn set_resource(&mut self, resource: Resource) {
        self.resource = resource;
    }

    /// How many spans the request holds.
    pub(crate) fn len(&self) -> usize {
        self.spans
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.spans == 0
    }

    /// Writes the request's head (the resource and the scope, with the `ResourceSpans` and
    /// `ScopeSpans` messages left open for the spans) when it has not been written yet.
    fn open(&mut self) {
        if self.open.is_some() {
            return;
        }
        // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
        let resource_spans = self.w.begin_sized(1, 3);
        // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2;
        //                 string schema_url = 3 }
        if let Some(url) = self.resource.schema_url() {
            self.w.bytes(3, url.as_bytes());
        }
        let resource = self.w.begin(1);
        for (key, value) in self.resource.iter() {
            self.w.key_value(1, key.as_str(), value);
        }
        self.w.end(resource);
        let scope_spans = self.w.begin_sized(2, 3);
        // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2;
        //              string schema_url = 3 }
        if let Some(url) = self.scope.schema_url() {
            self.w.bytes(3, url.as_bytes());
        }
        let scope = self.w.begin(1);
        self.w.bytes(1, self.scope.name().as_bytes());
        self.w
            .bytes(2, self.scope.version().unwrap_or_default().as_bytes());
        for kv in self.scope.attributes() {
            self.w.key_value(3, kv.key.as_str(), &kv.value);
        }
        self.w.end(scope);
        self.open = Some((resource_spans, scope_spans));
    }

    /// Adds `count` spans already written as `Span` messages of a `ScopeSpans` (field 2, each
    /// with its key and length: [`Writer::span`]), one after the other in `spans`.
    pub(crate) fn extend(&mut self, spans: &[u8], count: usize) {
        if count == 0 {
            return;
        }
        self.open();
        self.w.raw(spans);
        self.spans += count;
    }

    /// The request's bytes, with every span added since the last call; the batch starts
    /// empty again (keeping its buffer's size).
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        if let Some((resource_spans, scope_spans)) = self.open.take() {
            self.w.end(scope_spans);
            self.w.end(resource_spans);
        }
        self.spans = 0;
        let capacity = self.w.buf.capacity();
        std::mem::replace(&mut self.w.buf, Vec::with_capacity(capacity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_take_the_bytes_protobuf_gives_them() {
        for (v, len) in [
            (0, 1),
            (1, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (u64::MAX, 10),
        ] {
            assert_eq!(varint_len(v), len, "{v}");
            let mut w = Writer::default();
            w.varint(v);
            assert_eq!(w.buf.len(), len, "{v}");
        }
    }

    #[test]
    fn a_nested_message_gets_its_length_whatever_its_size() {
        // Lengths around each boundary of the varint's size, nested two deep, with one to three
        // bytes reserved for each length (fewer, as many or more than it takes): always the
        // shortest varint.
        let lens = [
            0, 1, 127, 128, 129, 16_383, 16_384, 70_000, 2_097_151, 2_097_152,
        ];
        for (len, (outer, inner)) in lens
            .into_iter()
            .flat_map(|len| (1..=3).flat_map(move |o| (1..=3).map(move |i| (len, (o, i)))))
        {
            let mut w = Writer::default();
            w.uint(1, 7);
            let outer = w.begin_sized(2, outer);
            let inner = w.begin_sized(3, inner);
            w.buf.extend(std::iter::repeat_n(0xAB, len));
            w.end(inner);
            w.end(outer);
            let bytes = &w.buf;
            // field 1 varint 7
            assert_eq!(&bytes[..2], &[0x08, 7]);
            let (outer_len, n) = read_varint(&bytes[3..]);
            assert_eq!(bytes[2], 0x12);
            let outer_body = &bytes[3 + n..];
            assert_eq!(outer_len as usize, outer_body.len(), "outer, {len}");
            assert_eq!(n, varint_len(outer_len), "the outer length's size, {len}");
            assert_eq!(outer_body[0], 0x1A);
            let (inner_len, m) = read_varint(&outer_body[1..]);
            assert_eq!(inner_len as usize, len, "inner, {len}");
            assert_eq!(m, varint_len(inner_len), "the inner length's size, {len}");
            assert!(outer_body[1 + m..].iter().all(|b| *b == 0xAB));
            assert_eq!(outer_body.len(), 1 + m + len);
        }
    }

    /// The shortcuts (one-byte keys and lengths written as constant-sized copies) write the
    /// bytes the general path writes, on both sides of every length's one-byte limit.
    #[test]
    fn short_fields_are_written_as_long_ones_are() {
        let text = "k".repeat(300);
        for k in [0, 1, 7, 60, 121, 122, 130] {
            for v in (0..8).chain(110..135).chain([300]) {
                let (key, value) = (&text[..k], &text[..v]);
                for field in [3, 9, 20] {
                    let mut short = Writer::default();
                    short.key_str(field, key, value.as_bytes());
                    let mut long = Writer::default();
                    long.key_value(field, key, &Value::String(value.to_owned().into()));
                    assert_eq!(short.buf, long.buf, "key {k}, value {v}, field {field}");
                }
            }
        }
        for n in [0_u64, 1, 127, 128, u64::MAX] {
            for field in [1, 7, 15, 16, 20] {
                let mut short = Writer::default();
                short.fixed64(field, n);
                let mut long = Writer::default();
                if n != 0 {
                    long.key(field, FIXED64);
                    long.buf.extend_from_slice(&n.to_le_bytes());
                }
                assert_eq!(short.buf, long.buf, "{n} as field {field}");
            }
        }
        for field in [1, 15, 16] {
            let id = [7_u8; 16];
            let mut short = Writer::default();
            short.array(field, &id);
            let mut long = Writer::default();
            long.key(field, LEN);
            long.varint(16);
            long.buf.extend_from_slice(&id);
            assert_eq!(short.buf, long.buf, "an id as field {field}");
            let mut short = Writer::default();
            short.bytes_always(field, &text.as_bytes()[..200]);
            let mut long = Writer::default();
            long.key(field, LEN);
            long.varint(200);
            long.buf.extend_from_slice(&text.as_bytes()[..200]);
            assert_eq!(short.buf, long.buf, "200 bytes as field {field}");
        }
    }

    fn read_varint(bytes: &[u8]) -> (u64, usize) {
        let mut v = 0u64;
        for (i, b) in bytes.iter().enumerate() {
            v |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return (v, i + 1);
            }
        }
        panic!("a varint that does not end");
    }
}
