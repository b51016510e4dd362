//! Multipart bodies: Discord takes a message with files as
//! `multipart/form-data`, the JSON in a `payload_json` part. The body is
//! already in memory and the check is synchronous, so a small RFC 7578 parser
//! serves better here than a streaming one.

use serde_json::Value;

/// A Content-Type value split into its lower-case essence and parameters.
pub(crate) struct MediaType {
    pub(crate) essence: String,
    params: Vec<(String, String)>,
}

impl MediaType {
    pub(crate) fn parse(value: &str) -> MediaType {
        let (essence, rest) = value.split_once(';').unwrap_or((value, ""));
        MediaType {
            essence: essence.trim().to_ascii_lowercase(),
            params: header_params(rest),
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `; key=value; key="quoted; value"` header parameters.
fn header_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // Skip separators and whitespace up to the next key.
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        }
        value.extend(chars.by_ref().take_while(|c| *c != ';'));
        params.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

/// One part of a multipart/form-data body.
#[derive(Debug)]
pub(crate) struct Part<'b> {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) data: &'b [u8],
}

/// A small RFC 7578 parser: enough to find the parts, their names and bytes.
pub(crate) fn parse_multipart<'b>(body: &'b [u8], boundary: &str) -> Result<Vec<Part<'b>>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut pos = find(body, &delimiter, 0).ok_or("no opening boundary")?;
    let mut parts = Vec::new();
    loop {
        pos += delimiter.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = find(body, b"\r\n", pos).ok_or("boundary line not terminated")?;
        if !body[pos..line_end]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
        {
            return Err("text after a boundary".into());
        }
        let start = line_end + 2;
        let end = find(body, &next_delimiter, start).ok_or("part not closed by a boundary")?;
        parts.push(parse_part(&body[start..end])?);
        pos = end + 2;
    }
}

fn parse_part(raw: &[u8]) -> Result<Part<'_>, String> {
    let (head, data) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let split =
            find(raw, b"\r\n\r\n", 0).ok_or("part without a blank line after its headers")?;
        (&raw[..split], &raw[split + 4..])
    };
    let head = std::str::from_utf8(head).map_err(|_| "part headers are not UTF-8")?;
    let disposition = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
        .map(|(_, value)| MediaType::parse(value))
        .ok_or("part without Content-Disposition")?;
    if disposition.essence != "form-data" {
        return Err(format!(
            "part disposition is {:?}, not form-data",
            disposition.essence
        ));
    }
    let name = disposition
        .param("name")
        .ok_or("part without a name")?
        .to_owned();
    Ok(Part {
        name,
        filename: disposition.param("filename").map(str::to_owned),
        data,
    })
}

/// The parts of a form as an object of strings (file contents left out).
pub(crate) fn form_fields(parts: &[Part<'_>]) -> Value {
    let fields = parts.iter().map(|part| {
        let text = match part.filename {
            Some(_) => String::new(),
            None => String::from_utf8_lossy(part.data).into_owned(),
        };
        (part.name.clone(), Value::String(text))
    });
    Value::Object(fields.collect())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}
