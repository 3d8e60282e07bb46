//! Byte sizes as people read and type them ("73.2 MB", "50MB", "1.5 GiB").

use std::fmt;

/// A number of bytes that displays in decimal units (kB, MB, GB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
        let bytes = self.0;
        if bytes < 1000 {
            return write!(f, "{bytes} B");
        }
        let mut value = bytes as f64;
        let mut unit = "B";
        for u in UNITS {
            if value < 1000.0 {
                break;
            }
            value /= 1000.0;
            unit = u;
        }
        if (value - value.round()).abs() < 0.05 {
            write!(f, "{value:.0} {unit}")
        } else {
            write!(f, "{value:.1} {unit}")
        }
    }
}

/// Why a size could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a size (examples: 50MB, 1.5GB, 512KiB, 1000)")]
pub struct ParseSizeError(String);

impl std::str::FromStr for ByteSize {
    type Err = ParseSizeError;

    /// Parses `1000`, `50MB`, `50 mb`, `1.5G`, `512KiB`: decimal units for
    /// `k/M/G/T`, binary units for `Ki/Mi/Gi/Ti`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseSizeError(s.to_owned());
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: f64 = num.parse().map_err(|_| err())?;
        let unit = unit.trim().to_ascii_lowercase();
        let factor: f64 = match unit.trim_end_matches('b') {
            "" => 1.0,
            "k" => 1e3,
            "m" => 1e6,
            "g" => 1e9,
            "t" => 1e12,
            "ki" => 1024.0,
            "mi" => 1024.0 * 1024.0,
            "gi" => 1024.0 * 1024.0 * 1024.0,
            "ti" => 1024.0_f64.powi(4),
            _ => return Err(err()),
        };
        let bytes = num * factor;
        if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
            return Err(err());
        }
        Ok(Self(bytes.round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::ByteSize;

    #[test]
    fn displays_decimal_units() {
        assert_eq!(ByteSize(999).to_string(), "999 B");
        assert_eq!(ByteSize(50_000_000).to_string(), "50 MB");
        assert_eq!(ByteSize(73_200_000).to_string(), "73.2 MB");
        assert_eq!(ByteSize(2_300_000).to_string(), "2.3 MB");
        assert_eq!(ByteSize(1_073_741_824).to_string(), "1.1 GB");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!("1000".parse(), Ok(ByteSize(1000)));
        assert_eq!("50MB".parse(), Ok(ByteSize(50_000_000)));
        assert_eq!("50 mb".parse(), Ok(ByteSize(50_000_000)));
        assert_eq!("1.5G".parse(), Ok(ByteSize(1_500_000_000)));
        assert_eq!("512KiB".parse(), Ok(ByteSize(524_288)));
        assert!("fifty".parse::<ByteSize>().is_err());
        assert!("5 parsecs".parse::<ByteSize>().is_err());
    }
}
