//! A raw HTTP/1.1 client for tests: it sends exactly what it is given, as a
//! client that bypasses serenity would, so a test can send what serenity
//! never would (a second response, a forged token, a malformed body).

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request with a JSON content type to the fake at `api_url`;
/// the status and body. A connection that fails answers status 0 with the
/// error as its body, so the test's assertion shows it.
pub async fn raw_request(
    api_url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let addr = api_url.trim_start_matches("http://");
    let auth = token
        .map(|t| format!("Authorization: Bot {t}\r\n"))
        .unwrap_or_default();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: fake\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut response = String::new();
    let exchanged = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        stream.read_to_string(&mut response).await
    }
    .await;
    if let Err(error) = exchanged {
        return (0, format!("no answer from the fake at {addr}: {error}"));
    }
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
