//! Device selection: the one place that decides where tensors live.

use std::fmt;
use std::str::FromStr;

use tch::Device;

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

/// Resolves a preference to a libtorch device and logs the choice.
pub fn select_device(pref: DevicePreference) -> Result<Device, InpaintError> {
    let cuda = tch::Cuda::is_available();
    let device = match pref {
        DevicePreference::Cpu => Device::Cpu,
        DevicePreference::Cuda if !cuda => return Err(InpaintError::CudaUnavailable),
        DevicePreference::Cuda => Device::Cuda(0),
        DevicePreference::Auto if cuda => Device::Cuda(0),
        DevicePreference::Auto => Device::Cpu,
    };
    tracing::info!(requested = %pref, ?device, cuda_available = cuda, "inpaint device selected");
    Ok(device)
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

    #[test]
    fn cpu_is_always_available_and_cuda_errors_without_a_gpu() {
        assert_eq!(select_device(DevicePreference::Cpu).unwrap(), Device::Cpu);
        match select_device(DevicePreference::Cuda) {
            Ok(device) => assert!(tch::Cuda::is_available() && device.is_cuda()),
            Err(err) => {
                assert!(!tch::Cuda::is_available());
                assert!(matches!(err, InpaintError::CudaUnavailable));
            }
        }
        let auto = select_device(DevicePreference::Auto).unwrap();
        assert_eq!(auto.is_cuda(), tch::Cuda::is_available());
    }
}
