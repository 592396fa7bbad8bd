/*
 *  glif3_module.h
 *
 *  Part of pynn_glif3 (MIT licence).  The NEST extension module that provides glif3_alpha.
 */

#ifndef PYNN_GLIF3_GLIF3_MODULE_H
#define PYNN_GLIF3_GLIF3_MODULE_H

// Includes from nestkernel:
#include "nest_extension_interface.h"

namespace pynn_glif3
{

/**
 * The module object NEST finds after loading the library (as glif3_module_LTX_module).
 *
 * initialize() registers the model glif3_alpha; NEST calls it when the module is installed and
 * again whenever the kernel re-creates its models (a change of the number of threads).
 */
class Glif3Module : public nest::NESTExtensionInterface
{
public:
  Glif3Module() = default;
  ~Glif3Module() override = default;

  void initialize() override;
};

}  // namespace pynn_glif3

#endif  // PYNN_GLIF3_GLIF3_MODULE_H
