/* <aio/aiocpp.h>: aiocpp's C API (the declarations are in capi/aiocpp.h).
 * This file sits beside aio.hpp, the C++ umbrella header, so that the same
 * include line works in the source tree (include/aio is the project root)
 * and once installed (include/aio/aiocpp.h, include/aio/capi/aiocpp.h). */
#ifndef AIOCPP_UMBRELLA_H
#define AIOCPP_UMBRELLA_H
#include "capi/aiocpp.h"
#endif
