/*
 *  glif3_module.cpp
 *
 *  Part of pynn_glif3 (MIT licence).
 */

#include "glif3_module.h"

#include "glif3_alpha.h"

// The instance NEST looks up; defined outside any namespace so that its symbol name is plain.
pynn_glif3::Glif3Module glif3_module_LTX_module;

void
pynn_glif3::Glif3Module::initialize()
{
  pynn_glif3::register_glif3_alpha( "glif3_alpha" );
}
