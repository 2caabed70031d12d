#include "core/acquisition.h"

namespace entratool::host {

namespace {
Acquisition* g_current = nullptr;
}

ScopedAcquisition::ScopedAcquisition(Acquisition& a, sdk::FlowRequest& request) : previous_(g_current) {
  g_current = &a;
  request.acquisition = &a;
}

ScopedAcquisition::~ScopedAcquisition() { g_current = previous_; }

Acquisition* current_acquisition(const sdk::FlowRequest& request) {
  return request.acquisition != nullptr && request.acquisition == g_current ? g_current : nullptr;
}

}  // namespace entratool::host
