#pragma once
/// \file registrar.h
/// Handed to a plugin's register function. A plugin registers exactly one component, of the
/// kind its descriptor names. Ownership passes to the host, which keeps it (and the library) until
/// the process exits.

#include <memory>

#include "entratool/sdk/status.h"

namespace entratool::sdk {

class Flow;
class Formatter;
class SecretStore;

class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual Status add_flow(std::unique_ptr<Flow> flow) = 0;
  virtual Status add_formatter(std::unique_ptr<Formatter> formatter) = 0;
  virtual Status add_secret_store(std::unique_ptr<SecretStore> store) = 0;
};

}  // namespace entratool::sdk
