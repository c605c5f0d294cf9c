#include "descent/autograd/grad_mode.h"

namespace descent {
namespace {
thread_local bool tl_grad_enabled = true;
}
bool GradMode::is_enabled() { return tl_grad_enabled; }
void GradMode::set_enabled(bool enabled) { tl_grad_enabled = enabled; }
}  // namespace descent
