//! Durations (`500ms`, `2s`) and sizes (`64MiB`, `10M`), in flags and in the
//! configuration file.

use std::time::Duration;

/// Parses `500ms`, `2s`, `1.5s` or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = split_number(s);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (try 500ms or 2s)"))?;
    let ms = match unit.to_ascii_lowercase().as_str() {
        "" | "ms" => value,
        "s" | "sec" => value * 1000.0,
        "m" | "min" => value * 60_000.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` (use ms, s or min)"
            ));
        }
    };
    if !(ms.is_finite() && ms >= 1.0) {
        return Err(format!("`{s}` must be at least 1ms"));
    }
    Ok(Duration::from_micros((ms * 1000.0) as u64))
}

/// Parses `64MiB`, `10MB`, `512k`, `1G` or a bare number of bytes. Decimal
/// and binary suffixes are both read as binary multiples.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (number, unit) = split_number(s);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 64MiB)"))?;
    let multiplier: u64 = match unit
        .to_ascii_lowercase()
        .trim_end_matches("ib")
        .trim_end_matches('b')
    {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(format!("unknown size unit in `{s}` (use KiB, MiB or GiB)")),
    };
    let bytes = value * multiplier as f64;
    if !(bytes.is_finite() && bytes >= 1.0) || bytes > u64::MAX as f64 {
        return Err(format!("`{s}` is not a usable size"));
    }
    Ok(bytes as u64)
}

fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    (&s[..end], s[end..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("0ms").is_err());
        assert!(parse_duration("3h").is_err());
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("big").is_err());
        assert!(parse_size("5TB").is_err());
    }
}
