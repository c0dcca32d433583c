//! Bytes as lower-case hex: checksums in completion records, fingerprints
//! in the journal, the hash that keeps two long ids apart. A leaf.

/// `bytes` as lower-case hex, two digits each.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_are_two_lower_case_digits_each() {
        assert_eq!(super::hex(&[0x00, 0x0a, 0xff]), "000aff");
        assert_eq!(super::hex(&[]), "");
    }
}
