// The AVX-512 flat im2col / col2im (see im2col.h).
#include "im2col.h"

#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace descent::backend::cpu {

#if defined(__x86_64__) && defined(__GNUC__)
// x + off as an address only (it may lie outside the plane where every lane read there is masked off).
inline const float* offset_ptr(const float* x, int64_t off) {
  return reinterpret_cast<const float*>(reinterpret_cast<intptr_t>(x) + intptr_t(off) * intptr_t(sizeof(float)));
}

__attribute__((target("avx512f"))) void FlatCols::im2col(const float* x, float* cols, int64_t ld) const {
  const int64_t HW = g_.H * g_.W, HoWo = g_.Ho * g_.Wo, full = HoWo / 16;
  const __mmask16 tail = __mmask16((1u << (HoWo % 16)) - 1);
  for (int64_t c = 0; c < g_.Cg; ++c)
    for (int64_t t = 0; t < g_.kk(); ++t) {
      float* row = cols + (c * g_.kk() + t) * ld;
      const float* src = offset_ptr(x + c * HW, tables_->shifts[size_t(t)]);
      const uint16_t* m = tables_->masks.data() + t * tables_->nchunk;
      for (int64_t k = 0; k < full; ++k) _mm512_storeu_ps(row + 16 * k, _mm512_maskz_loadu_ps(m[k], src + 16 * k));
      if (tail) _mm512_mask_storeu_ps(row + 16 * full, tail, _mm512_maskz_loadu_ps(m[full], src + 16 * full));
    }
}

__attribute__((target("avx512f"))) void FlatCols::col2im(const float* cols, float* dx, int64_t ld) const {
  const int64_t HW = g_.H * g_.W;
  for (int64_t c = 0; c < g_.Cg; ++c)
    for (int64_t t = 0; t < g_.kk(); ++t) {
      const float* row = cols + (c * g_.kk() + t) * ld;
      float* dst = const_cast<float*>(offset_ptr(dx + c * HW, tables_->shifts[size_t(t)]));
      const uint16_t* m = tables_->masks.data() + t * tables_->nchunk;
      for (int64_t k = 0; k < tables_->nchunk; ++k) {
        const __mmask16 mk = m[k];
        if (!mk) continue;
        const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, dst + 16 * k), _mm512_maskz_loadu_ps(mk, row + 16 * k));
        _mm512_mask_storeu_ps(dst + 16 * k, mk, sum);
      }
    }
}
#else
void FlatCols::im2col(const float*, float*, int64_t) const {}
void FlatCols::col2im(const float*, float*, int64_t) const {}
#endif

}  // namespace descent::backend::cpu
