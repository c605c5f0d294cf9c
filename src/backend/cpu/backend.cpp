// Device -> backend registry.
#include "cpu_backend.h"

namespace descent::backend {

Backend& get(Device device) {
  static cpu::CpuBackend cpu_backend;
  switch (device.type) {
    case DeviceType::CPU: return cpu_backend;
  }
  DESCENT_FAIL("no backend for device ", device);
}

}  // namespace descent::backend
