//! Links: the part of a signed URL that names the file, file names, extensions, media types, and
//! which links may be fetched.

use std::net::IpAddr;

use percent_encoding::percent_decode_str;
use url::{Host, Url};

/// A URL without its query string and fragment: what names a Notion-hosted file. The query of a
/// pre-signed link changes every time the object is read; the path changes when the file does.
///
/// ```
/// assert_eq!(
///     notion_files::url_path("https://s3.example/ws/9f1c/report.pdf?X-Amz-Signature=ab#p=2"),
///     "https://s3.example/ws/9f1c/report.pdf"
/// );
/// ```
pub fn url_path(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The file name a URL ends with (its last path segment, percent-decoded), if any.
pub fn file_name(url: &str) -> Option<String> {
    let path = url_path(url);
    let after_scheme = path.split_once("://").map_or(path, |(_, rest)| rest);
    // The host is not a file name.
    let (_, path) = after_scheme.split_once('/')?;
    let last = path.rsplit('/').find(|s| !s.is_empty())?;
    let name = percent_decode_str(last).decode_utf8_lossy().into_owned();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The extension of a file name, lowercase, if it is 1 to 10 ASCII letters and digits (anything
/// else is not used in a stored file's name).
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    let ok = !stem.is_empty()
        && (1..=10).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| ext.to_ascii_lowercase())
}

/// The media type of a response, from its `Content-Type` (parameters dropped), or guessed from
/// the extension when the host sent none or only `application/octet-stream`.
pub(crate) fn media_type(content_type: Option<&str>, ext: Option<&str>) -> Option<String> {
    let sent = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty() && t.len() <= 255 && t.contains('/'));
    match sent {
        Some(t) if t != "application/octet-stream" => Some(t),
        sent => ext.and_then(guess).map(str::to_owned).or(sent),
    }
}

/// The media type of common extensions.
fn guess(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => return None,
    })
}

/// Whether a link may be fetched: `https`, or plain `http` to a loopback address (a local
/// server in tests). Anything else is refused with the reason.
pub(crate) fn check_fetchable(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err("a plain-http link (only https is fetched)".into()),
        other => Err(format!(
            "a link of scheme {other:?} (only https is fetched)"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_of_a_signed_link_leaves_the_signature_out() {
        let a = "https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/7b8b/My_test_image.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20221024T205211Z&X-Amz-Signature=208a";
        let b = "https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/7b8b/My_test_image.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20221024T215211Z&X-Amz-Signature=99ff";
        assert_eq!(url_path(a), url_path(b));
        assert_eq!(
            url_path(a),
            "https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/7b8b/My_test_image.png"
        );
        assert_eq!(url_path("https://h/x"), "https://h/x");
        assert_eq!(url_path(""), "");
    }

    #[test]
    fn file_names_are_decoded_and_hosts_are_not_names() {
        assert_eq!(
            file_name("https://h/ws/id/Project%20brief.pdf?sig=1").as_deref(),
            Some("Project brief.pdf")
        );
        assert_eq!(file_name("https://h/a/b/").as_deref(), Some("b"));
        assert_eq!(file_name("https://h"), None);
        assert_eq!(file_name("https://h/"), None);
        assert_eq!(file_name("not a url"), None);
        assert_eq!(
            file_name("https://h/%FF%FE.png").as_deref(),
            Some("\u{fffd}\u{fffd}.png")
        );
    }

    #[test]
    fn extensions_are_short_and_plain() {
        assert_eq!(extension("Photo.JPG").as_deref(), Some("jpg"));
        assert_eq!(extension("archive.tar.gz").as_deref(), Some("gz"));
        assert_eq!(extension(".bashrc"), None);
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("x.verylongextension"), None);
        assert_eq!(extension("x.p/ng"), None);
        assert_eq!(extension("x."), None);
        assert_eq!(extension("../../etc.pass wd"), None);
    }

    #[test]
    fn media_types_come_from_the_host_or_the_extension() {
        assert_eq!(
            media_type(Some("image/PNG; charset=binary"), None).as_deref(),
            Some("image/png")
        );
        assert_eq!(
            media_type(Some("application/octet-stream"), Some("pdf")).as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            media_type(Some("application/octet-stream"), Some("xyz")).as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(media_type(None, Some("mp4")).as_deref(), Some("video/mp4"));
        assert_eq!(media_type(Some("garbage"), None), None);
    }

    #[test]
    fn only_https_or_loopback_http_is_fetched() {
        let ok = |u: &str| check_fetchable(&Url::parse(u).unwrap()).is_ok();
        assert!(ok("https://s3.amazonaws.com/x"));
        assert!(ok("http://127.0.0.1:8080/files/x"));
        assert!(ok("http://[::1]:8080/x"));
        assert!(ok("http://localhost/x"));
        assert!(!ok("http://example.com/x"));
        assert!(!ok("http://10.0.0.1/x"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("ftp://example.com/x"));
    }
}
