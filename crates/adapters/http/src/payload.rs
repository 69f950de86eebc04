//! [`JsonBody`]: a JSON response payload written straight from the value's serde form.
//!
//! poem-openapi's `Json<T>` answers by building a `serde_json::Value` of the whole body
//! (`ToJSON`), cloning every `Value` field into it, and then writing that tree out. A chat
//! answer carries each tool's result, and a `list_tasks` result holds every task of the user:
//! tens of kilobytes built, cloned and dropped per request in the profile of the `new` load
//! scenario. `JsonBody` documents the same schema (`T: Type`) and writes the bytes in one pass
//! (`T: Serialize`). The two forms of each type are held equal by the tests in `api.rs`.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
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
pub(crate) trait JsonSize {
    fn json_size(&self) -> usize;
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

impl<T: Serialize + JsonSize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match body(&self.0) {
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
