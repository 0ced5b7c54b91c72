//! `GET /files/{file id}/{name}?X-Amz-…`: downloads of Notion-hosted files, answered like S3
//! pre-signed URLs. No API version, token or rate limit applies; downloads have their own
//! counters.

use http::{HeaderValue, Method, Response, StatusCode, header};

use crate::body::FakeBody;
use crate::ctx::Shared;
use crate::workspace::hosted::{self, Denied};

/// An S3-style XML error response.
fn s3_error(
    status: StatusCode,
    code: &str,
    message: &str,
    extra: &str,
    request_id: &str,
) -> Response<FakeBody> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}<RequestId>{request_id}</RequestId></Error>"
    );
    let mut resp = Response::new(FakeBody::full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp
}

/// Answers a file download; returns the status and the response.
pub(crate) fn download(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    request_id: &str,
) -> (u16, Response<FakeBody>) {
    let now = shared.clock.now();
    if method != Method::GET {
        let r = s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            "",
            request_id,
        );
        return (405, r);
    }
    let ws = &shared.ws;
    let denied = |d: Denied, until: Option<chrono::DateTime<chrono::Utc>>| match d {
        Denied::Expired => {
            let extra = format!(
                "<Expires>{}</Expires><ServerTime>{}</ServerTime>",
                until
                    .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default(),
                now.format("%Y-%m-%dT%H:%M:%SZ")
            );
            s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
                &extra,
                request_id,
            )
        }
        Denied::BadSignature => s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            "",
            request_id,
        ),
        Denied::Malformed => s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication requires the X-Amz-Date, X-Amz-Expires and X-Amz-Signature parameters",
            "",
            request_id,
        ),
    };
    if let Err((d, until)) = ws.signer.verify(path, query, now) {
        return (403, denied(d, until));
    }
    let not_found = || {
        s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
            "",
            request_id,
        )
    };
    // The signature covers the path: the id and name are the ones the fake issued.
    let file_id = path
        .trim_start_matches("/files/")
        .split('/')
        .next()
        .unwrap_or_default();
    let Some(file) = ws.hosted_file(file_id, now) else {
        return (404, not_found());
    };
    let bytes = hosted::content(&file.id, file.size);
    let mut resp = Response::new(FakeBody::full(bytes));
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(hosted::content_type(&file.found.name)) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", v);
    }
    (200, resp)
}
