//! [`JsonBody`]: a JSON response payload written straight from the value's serde form.
//!
//! poem-openapi's `Json<T>` answers by building a `serde_json::Value` of the whole body
//! (`ToJSON`), cloning every `Value` field into it, and then writing that tree out. A chat
//! answer carries each tool's result, and a `list_tasks` result holds every task of the user:
//! tens of kilobytes built, cloned and dropped per request in the profile of the `new` load
//! scenario. `JsonBody` documents the same schema (`T: Type`) and writes the bytes in one pass
//! (`T: Serialize`). The two forms of each type are held equal by the tests in `api.rs`.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use poem::http::StatusCode;
use poem::{Body, IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

/// A 200 JSON response; see the module documentation.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

/// About how many bytes a value's JSON takes, reserved for its body at once: a buffer grown
/// from serde_json's 128 bytes by doubling takes ten steps for a chat answer that lists 400
/// tasks, each a reallocation that copies what the buffer holds unless the allocator can grow
/// it in place (64 kB at the last step). An estimate short of the mark costs a step of
/// growth, no more.
///
/// Also how the value becomes a body: by default its serde form written into a buffer of that
/// size, which a value holding a large text of its own overrides to hand the text over instead
/// of copying it ([`Pieces`]).
pub(crate) trait JsonSize {
    fn json_size(&self) -> usize;

    /// The body: the value's serde form, written into a buffer of [`JsonSize::json_size`].
    fn into_body(self) -> serde_json::Result<Body>
    where
        Self: Serialize + Sized,
    {
        body(&self).map(Body::from_vec)
    }
}

impl<T: JsonSize> JsonSize for Vec<T> {
    fn json_size(&self) -> usize {
        2 + self.iter().map(|v| v.json_size() + 1).sum::<usize>()
    }
}

/// The body of `value`, written into a buffer of its [`JsonSize`].
pub(crate) fn body<T: Serialize + JsonSize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(value.json_size());
    serde_json::to_writer(&mut body, value)?;
    Ok(body)
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A JSON body written in pieces: what is written goes into a buffer, and a large text the
/// value owns (a listing's) is handed over between two buffers as it is instead of being copied
/// into one. A chat that lists 1,800 tasks held its ~300 kB listing twice until its answer was
/// sent, as the result and inside the body (BENCHMARKS.md, "The eighteenth pass"). Sent with
/// its exact length, as one buffer is.
pub(crate) struct Pieces {
    done: Vec<Bytes>,
    buffer: Vec<u8>,
}

impl Pieces {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            done: Vec::new(),
            buffer: Vec::with_capacity(capacity),
        }
    }

    /// Writes `bytes` into the buffer.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Hands `text` over, after what has been written so far.
    pub(crate) fn push_text(&mut self, text: String) {
        if !text.is_empty() {
            self.end_buffer();
            self.done.push(Bytes::from(text));
        }
    }

    /// Writes `text` as a JSON string, byte for byte as serde_json writes one ([`json_str`]).
    pub(crate) fn push_json_str(&mut self, text: &str) {
        json_str(&mut self.buffer, text);
    }

    fn end_buffer(&mut self) {
        if !self.buffer.is_empty() {
            self.done
                .push(Bytes::from(std::mem::take(&mut self.buffer)));
        }
    }

    /// The pieces, in order, none empty.
    pub(crate) fn into_parts(mut self) -> Vec<Bytes> {
        self.end_buffer();
        self.done
    }

    pub(crate) fn into_body(self) -> Body {
        let parts = self.into_parts();
        let remaining = parts.iter().map(|p| p.len() as u64).sum();
        Body::from(http_body_util::combinators::BoxBody::new(Parts {
            parts: parts.into_iter(),
            remaining,
        }))
    }
}

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.push(buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.push(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `text` as a JSON string, exactly as serde_json writes it: `"` and `\` escaped, the control
/// characters below 0x20 as `\b \t \n \f \r` or `\u00XX`, every other byte as it is.
/// serde_json looks each byte up in a table; a listing's answer has a line break every few
/// dozen bytes, and writing its ~14 kB took ~118,000 instructions, 4% of a chat that lists
/// 400 tasks (BENCHMARKS.md, "The twenty-third pass"). Here eight bytes are looked at a time,
/// as one `u64`, for the first that needs an escape.
pub(crate) fn json_str(out: &mut Vec<u8>, text: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each byte of `word` below 0x20, equal to `"` or equal to `\`. Only the
    /// lowest is sure (a borrow runs on upwards and may mark a byte above it), which is the
    /// one wanted.
    #[inline]
    fn escapes(word: u64) -> u64 {
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
            | zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
    }
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0; // the first byte not written yet
    let mut at = 0; // the first byte not looked at yet
    loop {
        // The next byte to escape, at or after `at`.
        let next = loop {
            match bytes.get(at..at + 8) {
                Some(eight) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(eight);
                    let found = escapes(u64::from_le_bytes(word));
                    if found != 0 {
                        // trailing_zeros of a u64 is below 64.
                        break Some(at + (found.trailing_zeros() / 8) as usize);
                    }
                    at += 8;
                }
                None => {
                    break bytes[at..]
                        .iter()
                        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
                        .map(|i| at + i);
                }
            }
        };
        let Some(next) = next else {
            out.extend_from_slice(&bytes[start..]);
            break;
        };
        out.extend_from_slice(&bytes[start..next]);
        let b = bytes[next];
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0C => b'f',
            b'\r' => b'r',
            _ => 0,
        };
        if short == 0 {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
        start = next + 1;
        at = start;
    }
    out.push(b'"');
}

/// [`Pieces`] as hyper sends them: a frame a piece, the length known up front (hyper writes it
/// as `Content-Length`).
struct Parts {
    parts: std::vec::IntoIter<Bytes>,
    remaining: u64,
}

impl http_body::Body for Parts {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let part = self.parts.next();
        if let Some(part) = &part {
            self.remaining -= part.len() as u64;
        }
        Poll::Ready(part.map(|part| Ok(Frame::data(part))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

impl<T: Serialize + JsonSize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match self.0.into_body() {
            Ok(body) => Response::builder()
                .content_type("application/json; charset=utf-8")
                .body(body),
            // Only a map with non-string keys or a failing Serialize impl can get here; none
            // of the API's types has either.
            Err(e) => {
                tracing::error!(error = %e, "response body did not serialize");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

impl<T: Type + Serialize + JsonSize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::json_str;

    fn same_as_serde(text: &str) {
        let mut ours = b"x".to_vec();
        json_str(&mut ours, text);
        let mut serde = b"x".to_vec();
        serde_json::to_writer(&mut serde, text).expect("a string serializes");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&serde),
            "{text:?}"
        );
    }

    /// Every ASCII character, and characters of two to four bytes, at every place of an
    /// eight-byte word and of the bytes after the last whole word, alone and after another
    /// character to escape (the lowest mark of a word is the one taken).
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let others = ["\u{e9}", "\u{2014}", "\u{1f95b}", "\u{7f}", "\u{80}"];
        let ascii: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        for one in ascii.iter().map(String::as_str).chain(others) {
            for before in 0..20 {
                for after in [0, 1, 7, 8, 9] {
                    let plain = format!("{}{one}{}", "a".repeat(before), "b".repeat(after));
                    same_as_serde(&plain);
                    for first in ["\"", "\n", "\u{1}", "\\", "\u{1f}"] {
                        same_as_serde(&format!("{first}{plain}"));
                        same_as_serde(&format!("{plain}{first}{one}"));
                    }
                }
            }
        }
        same_as_serde("");
        // A listing's answer, and text in a pseudo-random order of what needs escaping and what
        // does not.
        let mut listing = String::from("You have 400 tasks:");
        for i in 0..400 {
            listing.push_str(&format!(
                "\n- #{i} buy \"milk\" {i} (pending) \u{2014} 2\\3\t"
            ));
        }
        same_as_serde(&listing);
        let alphabet = [
            "a", " ", "\"", "\\", "\n", "\r", "\u{0}", "\u{1f}", " ", "\u{2615}", "z9",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let scrambled: String = (0..5000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        same_as_serde(&scrambled);
    }
}
