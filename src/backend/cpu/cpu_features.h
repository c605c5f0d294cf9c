#pragma once
// Which vector instruction sets the fast kernels may use (private to src/backend/cpu): what the
// CPU supports, capped by the DESCENT_CPU_ISA environment variable, read once: "baseline" (no
// AVX: the portable loops), "avx2" (AVX2 + FMA at most) or "avx512" (the default: everything the
// CPU has). The cap lets the tests run every fallback on an AVX-512 machine, and lets a user rule
// out a kernel. Any other value is an error naming the variable.

namespace descent::backend::cpu {

/// AVX2 and FMA may be used.
bool cpu_avx2();
/// AVX-512F may be used.
bool cpu_avx512();

}  // namespace descent::backend::cpu
