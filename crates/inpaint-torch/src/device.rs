//! Device selection: the one place that decides where tensors live.

use inpaint::{DevicePreference, InpaintError};
use tch::Device;

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
