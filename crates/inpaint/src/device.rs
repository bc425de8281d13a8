//! The device a user asks for; `inpaint-torch` resolves it to a libtorch device.

use std::fmt;
use std::str::FromStr;

use crate::InpaintError;

/// Which device the user asked for (`--device auto|cpu|cuda`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DevicePreference {
    /// CUDA when libtorch sees a GPU, otherwise the CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// The first CUDA device; an error when there is none.
    Cuda,
}

impl FromStr for DevicePreference {
    type Err = InpaintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            _ => Err(InpaintError::UnknownDevice(s.to_owned())),
        }
    }
}

impl fmt::Display for DevicePreference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_preference() {
        for (text, pref) in [
            ("auto", DevicePreference::Auto),
            ("CPU", DevicePreference::Cpu),
            ("cuda", DevicePreference::Cuda),
        ] {
            let parsed: DevicePreference = text.parse().unwrap();
            assert_eq!(parsed, pref);
            assert_eq!(parsed.to_string(), text.to_ascii_lowercase());
        }
        let err = "tpu".parse::<DevicePreference>().unwrap_err();
        assert!(err.to_string().contains("auto, cpu or cuda"), "{err}");
    }
}
