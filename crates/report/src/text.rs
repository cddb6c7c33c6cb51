//! Small pieces of wording and writing every format shares.

/// `s` unless `n` is one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Writes `n` in decimal, as `Display` and serde_json write it.
pub(crate) fn push_number(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        // `n % 10` is below ten.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, usize::MAX] {
            let mut out = Vec::new();
            super::push_number(&mut out, n);
            assert_eq!(String::from_utf8_lossy(&out), n.to_string());
        }
    }
}
