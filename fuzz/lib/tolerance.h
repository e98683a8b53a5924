#pragma once
// The one tolerance rule for comparing a float result with its reference (DESIGN.md, Numerics):
// the allowed error grows with the dtype's epsilon and with the number of terms accumulated into
// an element; an absolute floor scaled by the output's magnitude covers cancellation.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "engine/ir/dtype.h"

namespace anvil::fuzz {

// The unit roundoff of a float dtype (half the gap after 1.0).
inline double unit_roundoff(Scalar s) {
  switch (s) {
    case Scalar::Float16: return 0x1p-11;
    case Scalar::BFloat16: return 0x1p-8;
    case Scalar::Float32: return 0x1p-24;
    default: return 0x1p-53;
  }
}

// A device backend computes SQRT, EXP2, LOG2 and SIN with its own math library (PoCL's SLEEF,
// CUDA's libdevice: within a few ulp of the host's libm per call, which interp and ref use), so a graph
// with those ops gets kDeviceMathFactor times the bound there; the host backends (interp, c, llvm)
// call or match the host's libm and keep the plain bound.
inline bool host_libm_backend(std::string_view backend) { return backend != "opencl" && backend != "cuda"; }
constexpr double kDeviceMathFactor = 8;

struct Tolerance {
  Scalar dtype = Scalar::Float32;
  int64_t terms = 1;  // elements accumulated into one output element (product of reduced sizes)
  double scale = 0;   // the largest finite |value| of the reference output: the floor's magnitude
  double factor = 1;  // kDeviceMathFactor for a device backend's transcendental ops (math_factor)

  double bound(double want) const {
    const double k = 4 * unit_roundoff(dtype) * static_cast<double>(terms + 1) * factor;
    return k * (std::fabs(want) + scale);
  }
  // NaN only against NaN; infinities exactly; finite values within the bound.
  bool close(double got, double want) const {
    if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
    if (std::isinf(want) || std::isinf(got)) return got == want;
    return std::fabs(got - want) <= bound(want);
  }
};

}  // namespace anvil::fuzz
