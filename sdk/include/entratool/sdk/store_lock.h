#pragma once
/// \file store_lock.h
/// The C++ side of the "entratool.store-lock/1" extension (ET_EXTENSION_STORE_LOCK in abi.h): a
/// secret store that keeps an unlocked key beyond one process offers it, `entratool lock` calls it.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/sdk/status.h"

namespace entratool::sdk {

/// Locks `store` through its extension: std::nullopt when the store does not offer one (it has
/// nothing to lock); else whether a key was forgotten, or the store's error.
inline std::optional<Result<bool>> lock_store(const SecretStore& store) {
  const auto* ext = static_cast<const et_store_lock*>(store.extension(ET_EXTENSION_STORE_LOCK));
  if (ext == nullptr || ext->size < offsetof(et_store_lock, lock) + sizeof ext->lock || ext->lock == nullptr)
    return std::nullopt;
  et_status status = detail::empty_status();
  std::int32_t dropped = 0;
  std::int32_t rc = ext->lock(ext->ctx, &dropped, &status);
  if (rc != ET_OK) return Result<bool>(detail::from_c(rc, status));
  return Result<bool>(dropped != 0);
}

/// For store authors: the extension struct whose lock() calls `Store::lock_now()` (returning
/// Result<bool>) on `store`; keep it as a member and return its address from extension().
template <class Store>
et_store_lock make_store_lock(Store* store) noexcept {
  et_store_lock ext{};
  ext.size = sizeof ext;
  ext.ctx = store;
  ext.lock = [](void* ctx, std::int32_t* dropped, et_status* status) noexcept -> std::int32_t {
    try {
      Result<bool> r = static_cast<Store*>(ctx)->lock_now();
      if (!r) return detail::to_c(r.status(), status);
      if (dropped) *dropped = *r ? 1 : 0;
      return ET_OK;
    } catch (...) {
      return detail::to_c(Status::general("the secret store failed while locking"), status);
    }
  };
  return ext;
}

}  // namespace entratool::sdk
