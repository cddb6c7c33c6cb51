//! Calendar dates (`2027-01-31`) for exception expiry, in UTC.

use std::fmt;
use std::time::SystemTime;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, refusing days a month does not have.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y) && digits(m) && digits(d)) {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        (date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= date.days_in_month())
            .then_some(date)
    }

    fn days_in_month(self) -> u32 {
        match self.month {
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Date {
            year: yoe + era * 400 + i64::from(month <= 2),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// The UTC date of `time`.
    pub fn of(time: SystemTime) -> Date {
        let secs = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// Today, in UTC.
    pub fn today() -> Date {
        Date::of(SystemTime::now())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_real_dates_only() {
        assert_eq!(
            Date::parse("2027-01-31").map(|d| d.to_string()).as_deref(),
            Some("2027-01-31")
        );
        assert!(Date::parse("2028-02-29").is_some());
        for bad in [
            "2027-02-29",
            "2027-13-01",
            "2027-1-31",
            "27-01-31",
            "2027-01-31x",
            "soon",
            "2027-00-10",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn converts_unix_days() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_414).to_string(), "2025-11-22");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
    }
}
