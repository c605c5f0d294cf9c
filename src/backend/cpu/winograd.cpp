// Winograd F(2x2, 3x3) convolution, float32 NCHW (see winograd.h).
//
// Per block of images on one thread: each (image, channel) plane is copied into a zero-padded
// plane covering every tile, so the transforms read without bounds checks; the input transform
// writes V[16][C][T] (T = tiles of the block, image-major, then tile rows, then tile columns), 16
// serial GEMMs give M[16][O][T] = U[e] @ V[e], and the output transform writes each 2x2 tile (clipped
// at the bottom and right edges) plus the bias. Blocks hold a fixed number of images, so every
// output is computed the same way whatever the thread count.
#include "winograd.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "blas.h"
#include "cpu_features.h"
#include "scratch.h"
#include "descent/backend/parallel.h"

namespace descent::backend::cpu {
namespace {

// Floats of V and M per block (about 2 MB: the working set of a block's 16 GEMMs).
constexpr int64_t kBlockFloats = int64_t(1) << 19;
constexpr int64_t kBlockImagesMax = 8;
// Blocks per weight-gradient partial sum.
constexpr int64_t kSegmentBlocks = 4;

struct Tiles {
  int64_t th, tw, per_image;  // tile rows, tile columns, tiles per image
  int64_t Hp, Wp;             // padded plane covering every tile's 4x4 input
};

// The block's images, zero-padded and channels-last: Xp[k][i][j][c] = x[k][c][i - pad_h][j - pad_w].
// Channels innermost: the stores run contiguously and the loads, H * W apart, stay in L1 from one
// column to the next.
void pad_channels_last_scalar(const float* __restrict x, int64_t nb, int64_t C, int64_t H, int64_t W, int64_t pad_h,
                       int64_t pad_w, const Tiles& t, float* __restrict Xp) {
  std::memset(Xp, 0, size_t(nb * t.Hp * t.Wp * C) * sizeof(float));
  const int64_t i0 = std::max<int64_t>(0, pad_h), i1 = std::min<int64_t>(t.Hp, H + pad_h);
  const int64_t j0 = std::max<int64_t>(0, pad_w), j1 = std::min<int64_t>(t.Wp, W + pad_w);
  const int64_t HW = H * W;
  for (int64_t k = 0; k < nb; ++k)
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < j1; ++j) {
        const float* src = x + k * C * HW + (i - pad_h) * W + (j - pad_w);
        float* dst = Xp + ((k * t.Hp + i) * t.Wp + j) * C;
        for (int64_t c = 0; c < C; ++c) dst[c] = src[c * HW];
      }
}

// V[e][t][c] = (B^T d B)[e] of every tile t of one padded channels-last image, vectorised over the
// channels. B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
void input_transform_scalar(const float* __restrict Xp, const Tiles& t, int64_t C, float* __restrict V,
                                    int64_t estride) {
  const int64_t rs = t.Wp * C;  // one padded row
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* b = Xp + (2 * ty * t.Wp + 2 * tx) * C;
      float* v = V + (ty * t.tw + tx) * C;
      for (int64_t c = 0; c < C; ++c) {
        float r[4][4];
        for (int q = 0; q < 4; ++q) {
          const float d0 = b[q * C + c], d1 = b[rs + q * C + c], d2 = b[2 * rs + q * C + c], d3 = b[3 * rs + q * C + c];
          r[0][q] = d0 - d2, r[1][q] = d1 + d2, r[2][q] = d2 - d1, r[3][q] = d1 - d3;
        }
        for (int k = 0; k < 4; ++k) {
          v[(4 * k + 0) * estride + c] = r[k][0] - r[k][2];
          v[(4 * k + 1) * estride + c] = r[k][1] + r[k][2];
          v[(4 * k + 2) * estride + c] = r[k][2] - r[k][1];
          v[(4 * k + 3) * estride + c] = r[k][1] - r[k][3];
        }
      }
    }
}

// Writes one 2x2 output tile from buf [4][O] (rows y00, y01, y10, y11) at (oy, ox) of one image's
// output, NCHW planes or channels-last [Ho][Wo][O], clipped at the bottom and right edges.
void write_tile(const float* buf, int64_t O, float* y, int64_t Ho, int64_t Wo, int64_t oy, int64_t ox, bool cl) {
  const bool right = ox + 1 < Wo, below = oy + 1 < Ho;
  if (cl) {
    float* p = y + (oy * Wo + ox) * O;
    const size_t row = size_t(O) * sizeof(float);
    std::memcpy(p, buf, row);
    if (right) std::memcpy(p + O, buf + O, row);
    if (below) {
      std::memcpy(p + Wo * O, buf + 2 * O, row);
      if (right) std::memcpy(p + (Wo + 1) * O, buf + 3 * O, row);
    }
    return;
  }
  float* p = y + oy * Wo + ox;
  for (int64_t o = 0; o < O; ++o, p += Ho * Wo) {
    p[0] = buf[o];
    if (right) p[1] = buf[O + o];
    if (below) {
      p[Wo] = buf[2 * O + o];
      if (right) p[Wo + 1] = buf[3 * O + o];
    }
  }
}

// One image's output from M[e][t][o]: Y = A^T m A + bias per tile, over the output channels into a
// [4][O] tile buffer, then written out by write_tile. A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
void output_transform_scalar(const float* __restrict M, int64_t estride, const Tiles& t, int64_t O,
                             const float* __restrict bias, float* __restrict buf, float* y, int64_t Ho, int64_t Wo,
                             bool cl) {
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* m = M + (ty * t.tw + tx) * O;
      for (int64_t o = 0; o < O; ++o) {
        float s[4], d[4];
        for (int j = 0; j < 4; ++j) {
          const float m0 = m[j * estride + o], m1 = m[(4 + j) * estride + o], m2 = m[(8 + j) * estride + o],
                      m3 = m[(12 + j) * estride + o];
          s[j] = m0 + m1 + m2, d[j] = m1 - m2 - m3;
        }
        const float bo = bias ? bias[o] : 0.f;
        buf[o] = s[0] + s[1] + s[2] + bo;
        buf[O + o] = s[1] - s[2] - s[3] + bo;
        buf[2 * O + o] = d[0] + d[1] + d[2] + bo;
        buf[3 * O + o] = d[1] - d[2] - d[3] + bo;
      }
      write_tile(buf, O, y, Ho, Wo, 2 * ty, 2 * tx, cl);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12 warns about the _mm512_undefined_* placeholders inside its own intrinsics headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// The two transforms with AVX-512, 16 channels per step (the last step masked).
__attribute__((target("avx512f"))) void input_transform_avx512(const float* Xp, const Tiles& t, int64_t C, float* V,
                                                                int64_t estride) {
  const int64_t rs = t.Wp * C;
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* b = Xp + (2 * ty * t.Wp + 2 * tx) * C;
      float* v = V + (ty * t.tw + tx) * C;
      for (int64_t c = 0; c < C; c += 16) {
        const __mmask16 m = C - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (C - c)) - 1);
        __m512 r[4][4];
        for (int q = 0; q < 4; ++q) {
          const __m512 d0 = _mm512_maskz_loadu_ps(m, b + q * C + c), d1 = _mm512_maskz_loadu_ps(m, b + rs + q * C + c),
                       d2 = _mm512_maskz_loadu_ps(m, b + 2 * rs + q * C + c),
                       d3 = _mm512_maskz_loadu_ps(m, b + 3 * rs + q * C + c);
          r[0][q] = _mm512_sub_ps(d0, d2), r[1][q] = _mm512_add_ps(d1, d2);
          r[2][q] = _mm512_sub_ps(d2, d1), r[3][q] = _mm512_sub_ps(d1, d3);
        }
        for (int k = 0; k < 4; ++k) {
          _mm512_mask_storeu_ps(v + (4 * k + 0) * estride + c, m, _mm512_sub_ps(r[k][0], r[k][2]));
          _mm512_mask_storeu_ps(v + (4 * k + 1) * estride + c, m, _mm512_add_ps(r[k][1], r[k][2]));
          _mm512_mask_storeu_ps(v + (4 * k + 2) * estride + c, m, _mm512_sub_ps(r[k][2], r[k][1]));
          _mm512_mask_storeu_ps(v + (4 * k + 3) * estride + c, m, _mm512_sub_ps(r[k][1], r[k][3]));
        }
      }
    }
}

__attribute__((target("avx512f"))) void output_transform_avx512(const float* M, int64_t estride, const Tiles& t,
                                                                 int64_t O, const float* bias, float* buf, float* y,
                                                                 int64_t Ho, int64_t Wo, bool cl) {
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* mt = M + (ty * t.tw + tx) * O;
      for (int64_t o = 0; o < O; o += 16) {
        const __mmask16 k = O - o >= 16 ? __mmask16(0xffff) : __mmask16((1u << (O - o)) - 1);
        __m512 s[4], d[4];
        for (int j = 0; j < 4; ++j) {
          const __m512 m0 = _mm512_maskz_loadu_ps(k, mt + j * estride + o),
                       m1 = _mm512_maskz_loadu_ps(k, mt + (4 + j) * estride + o),
                       m2 = _mm512_maskz_loadu_ps(k, mt + (8 + j) * estride + o),
                       m3 = _mm512_maskz_loadu_ps(k, mt + (12 + j) * estride + o);
          s[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
          d[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
        }
        const __m512 bo = bias ? _mm512_maskz_loadu_ps(k, bias + o) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(buf + o, k, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), s[2]), bo));
        _mm512_mask_storeu_ps(buf + O + o, k, _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[1], s[2]), s[3]), bo));
        _mm512_mask_storeu_ps(buf + 2 * O + o, k, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(d[0], d[1]), d[2]), bo));
        _mm512_mask_storeu_ps(buf + 3 * O + o, k, _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(d[1], d[2]), d[3]), bo));
      }
      write_tile(buf, O, y, Ho, Wo, 2 * ty, 2 * tx, cl);
    }
}

// dy_transform with AVX-512, 16 output channels per step.
__attribute__((target("avx512f"))) void dy_transform_avx512(const float* G, const Tiles& t, int64_t O, float* D,
                                                             int64_t estride) {
  const int64_t Wt = 2 * t.tw;
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* g0 = G + (2 * ty * Wt + 2 * tx) * O;
      const float* g1 = g0 + Wt * O;
      float* d = D + (ty * t.tw + tx) * O;
      for (int64_t o = 0; o < O; o += 16) {
        const __mmask16 m = O - o >= 16 ? __mmask16(0xffff) : __mmask16((1u << (O - o)) - 1);
        const __m512 a = _mm512_maskz_loadu_ps(m, g0 + o), b = _mm512_maskz_loadu_ps(m, g0 + O + o);
        const __m512 c = _mm512_maskz_loadu_ps(m, g1 + o), e = _mm512_maskz_loadu_ps(m, g1 + O + o);
        const __m512 zero = _mm512_setzero_ps();
        const __m512 r[4][2] = {{a, b},
                                {_mm512_add_ps(a, c), _mm512_add_ps(b, e)},
                                {_mm512_sub_ps(a, c), _mm512_sub_ps(b, e)},
                                {_mm512_sub_ps(zero, c), _mm512_sub_ps(zero, e)}};
        for (int k = 0; k < 4; ++k) {
          _mm512_mask_storeu_ps(d + (4 * k + 0) * estride + o, m, r[k][0]);
          _mm512_mask_storeu_ps(d + (4 * k + 1) * estride + o, m, _mm512_add_ps(r[k][0], r[k][1]));
          _mm512_mask_storeu_ps(d + (4 * k + 2) * estride + o, m, _mm512_sub_ps(r[k][0], r[k][1]));
          _mm512_mask_storeu_ps(d + (4 * k + 3) * estride + o, m, _mm512_sub_ps(zero, r[k][1]));
        }
      }
    }
}

// 16x16 transpose in registers: r[i] holds row i; afterwards r[j] holds column j.
__attribute__((target("avx512f"))) inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  // u[4g + x], lane L: rows 4g..4g+3 at column 4L + x.
  for (int x = 0; x < 4; ++x) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[x], u[4 + x], 0x88), v1 = _mm512_shuffle_f32x4(u[x], u[4 + x], 0xDD);
    const __m512 w0 = _mm512_shuffle_f32x4(u[8 + x], u[12 + x], 0x88),
                 w1 = _mm512_shuffle_f32x4(u[8 + x], u[12 + x], 0xDD);
    r[x] = _mm512_shuffle_f32x4(v0, w0, 0x88);       // column x
    r[8 + x] = _mm512_shuffle_f32x4(v0, w0, 0xDD);   // column 8 + x
    r[4 + x] = _mm512_shuffle_f32x4(v1, w1, 0x88);   // column 4 + x
    r[12 + x] = _mm512_shuffle_f32x4(v1, w1, 0xDD);  // column 12 + x
  }
}

// dst[j * ldd + c] = src[c * lds + j] for c < C, j < n (16x16 blocks through registers).
__attribute__((target("avx512f"))) void transpose_block(const float* src, int64_t lds, int64_t C, int64_t n,
                                                         float* dst, int64_t ldd) {
  for (int64_t c0 = 0; c0 < C; c0 += 16)
    for (int64_t j0 = 0; j0 < n; j0 += 16) {
      const int64_t nc = std::min<int64_t>(16, C - c0), nj = std::min<int64_t>(16, n - j0);
      const __mmask16 mj = __mmask16(nj >= 16 ? 0xffff : (1u << nj) - 1);
      const __mmask16 mc = __mmask16(nc >= 16 ? 0xffff : (1u << nc) - 1);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = i < nc ? _mm512_maskz_loadu_ps(mj, src + (c0 + i) * lds + j0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t q = 0; q < nj; ++q) _mm512_mask_storeu_ps(dst + (j0 + q) * ldd + c0, mc, r[q]);
    }
}

#pragma GCC diagnostic pop

bool has_avx512() { return cpu_avx512(); }
#else
inline bool has_avx512() { return false; }
inline void input_transform_avx512(const float*, const Tiles&, int64_t, float*, int64_t) {}
inline void dy_transform_avx512(const float*, const Tiles&, int64_t, float*, int64_t) {}
inline void transpose_block(const float*, int64_t, int64_t, int64_t, float*, int64_t) {}
inline void output_transform_avx512(const float*, int64_t, const Tiles&, int64_t, const float*, float*, float*, int64_t,
                                    int64_t, bool) {}
#endif

// The output gradient of one image, channels-last and padded to whole tiles (zeros past Ho, Wo):
// G[i][j][o] = dy[o][i][j], i < 2 th, j < 2 tw.
void dy_channels_last_scalar(const float* __restrict dy, int64_t O, int64_t Ho, int64_t Wo, const Tiles& t,
                      float* __restrict G) {
  const int64_t HoWo = Ho * Wo, Wt = 2 * t.tw;
  std::memset(G, 0, size_t(2 * t.th * Wt * O) * sizeof(float));
  for (int64_t i = 0; i < Ho; ++i)
    for (int64_t j = 0; j < Wo; ++j) {
      const float* src = dy + i * Wo + j;
      float* dst = G + (i * Wt + j) * O;
      for (int64_t o = 0; o < O; ++o) dst[o] = src[o * HoWo];
    }
}

// D[e][t][o] = (A g A^T)[e] of every 2x2 tile g of one image's padded gradient G, A = [[1, 0],
// [1, 1], [1, -1], [0, -1]]: the transform that carries dY back onto the 16 Winograd products.
void dy_transform_scalar(const float* __restrict G, const Tiles& t, int64_t O, float* __restrict D, int64_t estride) {
  const int64_t Wt = 2 * t.tw;
  for (int64_t ty = 0; ty < t.th; ++ty)
    for (int64_t tx = 0; tx < t.tw; ++tx) {
      const float* g0 = G + (2 * ty * Wt + 2 * tx) * O;
      const float* g1 = g0 + Wt * O;
      float* d = D + (ty * t.tw + tx) * O;
      for (int64_t o = 0; o < O; ++o) {
        const float a = g0[o], b = g0[O + o], c = g1[o], e = g1[O + o];
        const float r[4][2] = {{a, b}, {a + c, b + e}, {a - c, b - e}, {-c, -e}};
        for (int k = 0; k < 4; ++k) {
          d[(4 * k + 0) * estride + o] = r[k][0];
          d[(4 * k + 1) * estride + o] = r[k][0] + r[k][1];
          d[(4 * k + 2) * estride + o] = r[k][0] - r[k][1];
          d[(4 * k + 3) * estride + o] = -r[k][1];
        }
      }
    }
}

void dy_transform(const float* G, const Tiles& t, int64_t O, float* D, int64_t estride) {
  if (has_avx512()) return dy_transform_avx512(G, t, O, D, estride);
  dy_transform_scalar(G, t, O, D, estride);
}

void pad_channels_last(const float* x, int64_t nb, int64_t C, int64_t H, int64_t W, int64_t pad_h, int64_t pad_w,
                       const Tiles& t, float* Xp, bool cl) {
  if (!cl && !has_avx512()) return pad_channels_last_scalar(x, nb, C, H, W, pad_h, pad_w, t, Xp);
  std::memset(Xp, 0, size_t(nb * t.Hp * t.Wp * C) * sizeof(float));
  const int64_t i0 = std::max<int64_t>(0, pad_h), i1 = std::min<int64_t>(t.Hp, H + pad_h);
  const int64_t j0 = std::max<int64_t>(0, pad_w), j1 = std::min<int64_t>(t.Wp, W + pad_w);
  if (j1 <= j0) return;
  for (int64_t k = 0; k < nb; ++k)
    for (int64_t i = i0; i < i1; ++i) {
      float* dst = Xp + ((k * t.Hp + i) * t.Wp + j0) * C;
      if (cl)  // already channels-last: one row copy
        std::memcpy(dst, x + ((k * H + i - pad_h) * W + (j0 - pad_w)) * C, size_t((j1 - j0) * C) * sizeof(float));
      else
        transpose_block(x + k * C * H * W + (i - pad_h) * W + (j0 - pad_w), H * W, C, j1 - j0, dst, C);
    }
}

void dy_channels_last(const float* dy, int64_t O, int64_t Ho, int64_t Wo, const Tiles& t, float* G, bool cl) {
  if (!cl && !has_avx512()) return dy_channels_last_scalar(dy, O, Ho, Wo, t, G);
  const int64_t Wt = 2 * t.tw;
  std::memset(G, 0, size_t(2 * t.th * Wt * O) * sizeof(float));
  for (int64_t i = 0; i < Ho; ++i) {
    if (cl) std::memcpy(G + i * Wt * O, dy + i * Wo * O, size_t(Wo * O) * sizeof(float));
    else transpose_block(dy + i * Wo, Ho * Wo, O, Wo, G + i * Wt * O, O);
  }
}

void input_transform(const float* Xp, const Tiles& t, int64_t C, float* V, int64_t estride) {
  if (has_avx512()) return input_transform_avx512(Xp, t, C, V, estride);
  input_transform_scalar(Xp, t, C, V, estride);
}

void output_transform(const float* M, int64_t estride, const Tiles& t, int64_t O, const float* bias, float* buf,
                      float* y, int64_t Ho, int64_t Wo, bool cl) {
  if (has_avx512()) return output_transform_avx512(M, estride, t, O, bias, buf, y, Ho, Wo, cl);
  output_transform_scalar(M, estride, t, O, bias, buf, y, Ho, Wo, cl);
}

}  // namespace

std::vector<float> winograd_filters(const float* w, int64_t O, int64_t C, bool flip_transpose) {
  // U = G g G^T, G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]], stored [16][in][out].
  const int64_t in = flip_transpose ? O : C, out = flip_transpose ? C : O;
  std::vector<float> U(size_t(16 * in * out));
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      float g[3][3];
      const float* src = w + (o * C + c) * 9;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) g[i][j] = flip_transpose ? src[(2 - i) * 3 + (2 - j)] : src[i * 3 + j];
      float r[4][3];
      for (int j = 0; j < 3; ++j) {
        r[0][j] = g[0][j];
        r[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        r[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        r[3][j] = g[2][j];
      }
      const int64_t at = flip_transpose ? o * C + c : c * O + o;  // [in][out]
      for (int k = 0; k < 4; ++k) {
        const float u[4] = {r[k][0], 0.5f * (r[k][0] + r[k][1] + r[k][2]), 0.5f * (r[k][0] - r[k][1] + r[k][2]),
                            r[k][2]};
        for (int l = 0; l < 4; ++l) U[size_t((4 * k + l) * in * out + at)] = u[l];
      }
    }
  return U;
}

void winograd_conv3x3(const float* x, const float* U, const float* bias, float* y, int64_t N, int64_t C, int64_t H,
                      int64_t W, int64_t O, int64_t Ho, int64_t Wo, int64_t pad_h, int64_t pad_w, bool cl) {
  if (N == 0 || O == 0 || Ho <= 0 || Wo <= 0) return;
  Tiles t{};
  t.th = (Ho + 1) / 2, t.tw = (Wo + 1) / 2, t.per_image = t.th * t.tw;
  t.Hp = 2 * t.th + 2, t.Wp = 2 * t.tw + 2;
  const int64_t per_image = 16 * (C + O) * t.per_image + t.Hp * t.Wp * C;
  const int64_t B = std::clamp<int64_t>(kBlockFloats / std::max<int64_t>(per_image, 1), 1, kBlockImagesMax);
  const int64_t nblocks = (N + B - 1) / B;
  parallel_for(0, nblocks, 1, [&](int64_t lo, int64_t hi) {
    const int64_t Tmax = B * t.per_image;
    Scratch<float> V(size_t(16 * Tmax * C)), M(size_t(16 * Tmax * O)), Xp(size_t(B * t.Hp * t.Wp * C)),
        buf(size_t(4 * O));
    for (int64_t blk = lo; blk < hi; ++blk) {
      const int64_t n0 = blk * B, nb = std::min(B, N - n0), T = nb * t.per_image;
      pad_channels_last(x + n0 * C * H * W, nb, C, H, W, pad_h, pad_w, t, Xp.data(), cl);
      // V[e][k*per_image + tile][c] for image k of the block.
      for (int64_t k = 0; k < nb; ++k)
        input_transform(Xp.data() + k * t.Hp * t.Wp * C, t, C, V.data() + k * t.per_image * C, T * C);
      for (int e = 0; e < 16; ++e)  // M[e] [T, O] = V[e] [T, C] @ U[e] [C, O]
        gemm_rowmajor(false, false, T, O, C, 1.f, V.data() + e * T * C, C, U + e * C * O, O, 0.f,
                      M.data() + e * T * O, O);
      for (int64_t k = 0; k < nb; ++k)
        output_transform(M.data() + k * t.per_image * O, T * O, t, O, bias, buf.data(), y + (n0 + k) * O * Ho * Wo,
                         Ho, Wo, cl);
    }
  });
}

void winograd_conv3x3_weight_grad(const float* x, const float* dy, float* dw, int64_t N, int64_t C, int64_t H,
                                  int64_t W, int64_t O, int64_t Ho, int64_t Wo, int64_t pad_h, int64_t pad_w, bool cl) {
  std::fill(dw, dw + O * C * 9, 0.f);
  if (N == 0 || O == 0 || C == 0 || Ho <= 0 || Wo <= 0) return;
  Tiles t{};
  t.th = (Ho + 1) / 2, t.tw = (Wo + 1) / 2, t.per_image = t.th * t.tw;
  t.Hp = 2 * t.th + 2, t.Wp = 2 * t.tw + 2;
  const int64_t per_image = 16 * (C + O) * t.per_image + t.Hp * t.Wp * C + 4 * t.per_image * O;
  const int64_t B = std::clamp<int64_t>(kBlockFloats / std::max<int64_t>(per_image, 1), 1, kBlockImagesMax);
  // Fixed segments of kSegmentBlocks blocks, each summed into its own dU partial [16][O][C], the
  // partials then added in segment order: the sums do not depend on the thread count.
  const int64_t nblocks = (N + B - 1) / B, nseg = (nblocks + kSegmentBlocks - 1) / kSegmentBlocks;
  const int64_t usize = 16 * O * C;
  Scratch<float> partial(size_t(nseg * usize));
  parallel_for(0, nseg, 1, [&](int64_t lo, int64_t hi) {
    const int64_t Tmax = B * t.per_image;
    Scratch<float> V(size_t(16 * Tmax * C)), D(size_t(16 * Tmax * O)), Xp(size_t(B * t.Hp * t.Wp * C)),
        G(size_t(4 * t.per_image * O));
    for (int64_t seg = lo; seg < hi; ++seg) {
      float* dU = partial.data() + seg * usize;
      const int64_t b_end = std::min(nblocks, (seg + 1) * kSegmentBlocks);
      for (int64_t blk = seg * kSegmentBlocks; blk < b_end; ++blk) {
        const int64_t n0 = blk * B, nb = std::min(B, N - n0), T = nb * t.per_image;
        pad_channels_last(x + n0 * C * H * W, nb, C, H, W, pad_h, pad_w, t, Xp.data(), cl);
        for (int64_t k = 0; k < nb; ++k) {
          input_transform(Xp.data() + k * t.Hp * t.Wp * C, t, C, V.data() + k * t.per_image * C, T * C);
          dy_channels_last(dy + (n0 + k) * O * Ho * Wo, O, Ho, Wo, t, G.data(), cl);
          dy_transform(G.data(), t, O, D.data() + k * t.per_image * O, T * O);
        }
        const float beta = blk == seg * kSegmentBlocks ? 0.f : 1.f;
        for (int e = 0; e < 16; ++e)  // dU[e] [O, C] += D[e]^T [O, T] @ V[e] [T, C]
          gemm_rowmajor(true, false, O, C, T, 1.f, D.data() + e * T * O, O, V.data() + e * T * C, C, beta,
                        dU + e * O * C, C);
      }
    }
  });
  // dW[o][c] = G^T (sum of the partials) G, G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]].
  for (int64_t seg = 1; seg < nseg; ++seg) {
    const float* p = partial.data() + seg * usize;
    float* acc = partial.data();
    for (int64_t i = 0; i < usize; ++i) acc[i] += p[i];
  }
  const float* dU = partial.data();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      float u[4][4];
      for (int e = 0; e < 16; ++e) u[e / 4][e % 4] = dU[(e * O + o) * C + c];
      float r[3][4];  // G^T u
      for (int j = 0; j < 4; ++j) {
        r[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
        r[1][j] = 0.5f * (u[1][j] - u[2][j]);
        r[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
      }
      float* out = dw + (o * C + c) * 9;
      for (int i = 0; i < 3; ++i) {
        out[i * 3 + 0] = r[i][0] + 0.5f * (r[i][1] + r[i][2]);
        out[i * 3 + 1] = 0.5f * (r[i][1] - r[i][2]);
        out[i * 3 + 2] = 0.5f * (r[i][1] + r[i][2]) + r[i][3];
      }
    }
}

}  // namespace descent::backend::cpu
