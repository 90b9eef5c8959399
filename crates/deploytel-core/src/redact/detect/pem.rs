//! Private keys in PEM and its relatives: `-----BEGIN RSA PRIVATE KEY-----`, `… EC PRIVATE
//! KEY`, `… ENCRYPTED PRIVATE KEY`, `… OPENSSH PRIVATE KEY`, `… PGP PRIVATE KEY BLOCK`.
//! Certificates and public keys are not secrets and stay as they are.

pub(crate) const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";
/// Labels are short; a longer run before the closing dashes is no PEM header.
const MAX_LABEL: usize = 64;

/// The end of the header line's label if `bytes[at..]` starts a private key's BEGIN line.
pub(crate) fn private_key_begins(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes.get(at..)?.starts_with(BEGIN) {
        return None;
    }
    let label_start = at + BEGIN.len();
    let window = &bytes[label_start..bytes.len().min(label_start + MAX_LABEL + DASHES.len())];
    let label_len = memchr::memmem::find(window, DASHES)?;
    let label = &window[..label_len];
    let private = label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK");
    private.then_some(label_start + label_len + DASHES.len())
}

/// The block that starts at `at` with a private key's BEGIN line: through its END line, or to
/// the end of the value when the value holds no END line.
pub(crate) fn private_key_block(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let body = private_key_begins(bytes, at)?;
    Some((at, block_end(bytes, body)))
}

/// Where the block whose body starts at `body` ends: after the dashes of its END line.
pub(crate) fn block_end(bytes: &[u8], body: usize) -> usize {
    let rest = bytes.get(body..).unwrap_or_default();
    memchr::memmem::find(rest, END)
        .and_then(|n| {
            let label = body + n + END.len();
            let window = &bytes[label..bytes.len().min(label + MAX_LABEL + DASHES.len())];
            memchr::memmem::find(window, DASHES).map(|m| label + m + DASHES.len())
        })
        .unwrap_or(bytes.len())
}

/// Whether a line is the END line of a PEM block.
pub(crate) fn is_end_line(line: &[u8]) -> bool {
    memchr::memmem::find(line, END).is_some()
}
